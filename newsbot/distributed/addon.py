"""The add-on that turns distributed mode on when ``REDIS_URL`` is set.

Listed in ``ADDONS`` (newsbot/settings.py). It reads the final settings, so ``REDIS_URL``
may come from the environment, settings.py or ``-s REDIS_URL=…``. Without it the crawl is
the single-machine one, unchanged. Values are set at add-on priority: project settings and
``-s`` still win.
"""
from __future__ import annotations

import logging
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from newsbot.redact import redact_uri

logger = logging.getLogger(__name__)
HERE = "newsbot.distributed"
SETTINGS = {
    "SCHEDULER": f"{HERE}.scheduler.DistributedScheduler",
    "DUPEFILTER_CLASS": f"{HERE}.bloom.BloomDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "SCHEDULER_SERIALIZER": f"{HERE}.serializer",
    "SCHEDULER_PERSIST": True,  # pause/resume keep the frontier
}
WORKER_COMPONENTS = {  # a seed (scrapy seed) downloads nothing
    "SPIDER_MIDDLEWARES": {f"{HERE}.leases.LeaseMiddleware": 10},  # outermost: sees what the engine gets
    "DOWNLOADER_MIDDLEWARES": {f"{HERE}.leases.LeaseMiddleware": 10,  # last process_exception
                               f"{HERE}.ratelimit.SharedRateLimitMiddleware": 950},  # just before the download
}


def role(settings: BaseSettings) -> str:
    """This process's part: "worker" (``scrapy crawl``) or "seed" (``scrapy seed`` sets it)."""
    return str(settings.get("NEWSBOT_REDIS_ROLE"))


def is_worker(settings: BaseSettings) -> bool:
    return bool(settings.get("REDIS_URL")) and role(settings) == "worker"


class DistributedMode:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # silently: single-machine mode
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in SETTINGS.items():
            settings.set(name, value, "addon")
        if is_worker(settings):
            for name, components in WORKER_COMPONENTS.items():
                for path, order in components.items():
                    settings.setdefault_in_component_priority_dict(name, load_object(path), order)
        logger.info("distributed mode (%s) with Redis at %s", role(settings), redact_uri(settings.get("REDIS_URL")))
