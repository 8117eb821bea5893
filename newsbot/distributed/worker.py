"""A worker's life cycle: wait for work while the frontier is busy, close once it stays empty.

Scrapy closes a spider as soon as its own scheduler is empty. A worker of a shared
frontier must not: another worker may be parsing a list page that is about to push fifty
article requests. This extension keeps the worker open while the shared queue has
requests or any live worker holds leased ones (which may yield more), takes back the
requests of dead workers, and lets the worker close once the frontier has stayed empty
for ``NEWSBOT_REDIS_IDLE_CLOSE`` seconds (0: never close, wait for new seeds).

It also makes an idle worker look at the shared queue every
``NEWSBOT_REDIS_POLL_INTERVAL`` seconds instead of Scrapy's 5 s engine heartbeat.
"""
from __future__ import annotations

import logging
import time

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response

from newsbot.distributed.keys import is_worker
from newsbot.distributed.scheduler import STATS, DistributedScheduler

logger = logging.getLogger(__name__)


class WorkerLifecycle:
    def __init__(self, crawler: Crawler, idle_close: float, poll_interval: float) -> None:
        self.crawler = crawler
        self.idle_close = idle_close
        self.poll_interval = poll_interval
        self.idle_since: float | None = None
        self.first_response: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WorkerLifecycle":
        settings = crawler.settings
        if not is_worker(settings):
            raise NotConfigured("not a distributed worker")
        extension = cls(crawler, settings.getfloat("NEWSBOT_REDIS_IDLE_CLOSE", 60.0),
                        settings.getfloat("NEWSBOT_REDIS_POLL_INTERVAL", 0.5))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        engine = self.crawler.engine
        # Scrapy has no public knob for how often an idle engine asks its scheduler again
        # (a 5 s heartbeat): set the engine's own attribute before the heartbeat starts.
        if engine is not None and self.poll_interval > 0 and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = self.poll_interval
        if self.idle_close > 0:
            logger.info("worker closes once the shared frontier stays empty for %.1f s", self.idle_close)

    def response_received(self, response: Response) -> None:
        now = time.time()
        stats = self.crawler.stats
        if self.first_response is None:
            self.first_response = now
            stats.set_value(f"{STATS}/responses/first_at", now)
        stats.set_value(f"{STATS}/responses/last_at", now)

    def spider_idle(self, spider: Spider) -> None:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        if not isinstance(scheduler, DistributedScheduler):
            return
        frontier = scheduler.frontier
        reclaimed = frontier.reclaim_dead(exclude=scheduler.worker_id)
        if reclaimed:
            self.crawler.stats.inc_value(f"{STATS}/inflight/reclaimed", reclaimed)
        state = frontier.state(exclude=scheduler.worker_id)
        now = time.monotonic()
        if reclaimed or not state.empty:
            if self.idle_since is not None:
                logger.debug("frontier busy again: %d queued, %d in flight elsewhere", state.queued, state.inflight)
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
            logger.info("shared frontier is empty (%d other live worker(s)); %s", state.live_workers,
                        f"closing in {self.idle_close:.1f} s unless new requests arrive" if self.idle_close > 0
                        else "waiting for new requests (NEWSBOT_REDIS_IDLE_CLOSE = 0)")
        if self.idle_close <= 0 or now - self.idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("shared frontier stayed empty for %.1f s: closing", now - self.idle_since)
