"""The add-on that turns distributed mode on when ``REDIS_URL`` is set.

Listed in ``ADDONS`` (newsbot/settings.py). It reads the final settings, so
``REDIS_URL`` may come from the environment, settings.py or ``-s REDIS_URL=…``. Without it
the add-on disables itself and the crawl is the single-machine one, unchanged. Values are
set at add-on priority: project settings and ``-s`` still win.
"""
from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from newsbot.redact import redact_uri

logger = logging.getLogger(__name__)

SCHEDULER = "newsbot.distributed.scheduler.DistributedScheduler"
DUPEFILTER = "newsbot.distributed.bloom.BloomDupeFilter"
QUEUE = "newsbot.distributed.queue.LeasedPriorityQueue"
WORKER_COMPONENTS = {
    "SPIDER_MIDDLEWARES": {
        "newsbot.distributed.leases.LeaseSpiderMiddleware": 10,  # outermost: sees what the engine gets
        "newsbot.distributed.start.WorkerStartGate": 20,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "newsbot.distributed.leases.LeaseDownloaderMiddleware": 10,  # last process_exception
        "newsbot.distributed.ratelimit.SharedRateLimitMiddleware": 950,  # just before the download
    },
    "EXTENSIONS": {
        "newsbot.distributed.worker.WorkerLifecycle": 500,
    },
}


class DistributedMode:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DistributedMode":
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # silently: single-machine mode
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("REDIS_URL")
        if not url:
            return
        role = settings.get("NEWSBOT_REDIS_ROLE", "worker")
        settings.set("SCHEDULER", SCHEDULER, "addon")
        settings.set("DUPEFILTER_CLASS", DUPEFILTER, "addon")
        settings.set("SCHEDULER_QUEUE_CLASS", QUEUE, "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")  # pause/resume keep the frontier
        # scrapy-redis blocks on BRPOP for this long in next_request() with FIFO/LIFO
        # queues, which would freeze the reactor; our queue never blocks, keep it 0.
        settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", 0, "addon")
        if role == "worker":
            for name, components in WORKER_COMPONENTS.items():
                for path, order in components.items():
                    settings.setdefault_in_component_priority_dict(name, load_object(path), order)
        logger.info("distributed mode (%s) with Redis at %s", role, redact_uri(url))

