"""Ctrl-C stops a polite crawl within seconds, not after every queued download.

On the first Ctrl-C (or SIGTERM, or scrapyd's cancel) Scrapy stops taking requests from
the scheduler but downloads every request already handed to the downloader, one per
``DOWNLOAD_DELAY`` (or AutoThrottle's delay) per site: with the default politeness
that took 20-36 s on the sample site. Once the engine stops, this extension takes those
waiting requests out of the downloader's queues and gives each back to the scheduler
(kept with ``JOBDIR``, or on the shared Redis queue in distributed mode; an in-memory
scheduler forgets them), so only the downloads already on the wire finish, and the
items they give go through the pipelines and are stored as usual.

The engine has no "stopping" signal: the extension looks at ``engine.running`` every
``POLL_SECONDS`` from ``engine_started`` on, and keeps dropping what reaches the queues
until the spider is closed. Downloads that something in flight waits for (robots.txt,
an item's pictures: requests with ``NO_CALLBACK``) are left alone.
"""
from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import create_looping_call
from twisted.python.failure import Failure

from newsbot.disabled import disabled

logger = logging.getLogger(__name__)
STATS = "newsbot/stop"
POLL_SECONDS = 0.25


class QuickStop:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.armed = False  # the engine was seen running: a later "not running" is a stop
        self.dropped = 0
        self._loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSBOT_QUICK_STOP"):
            raise disabled(cls, "NEWSBOT_QUICK_STOP is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def engine_started(self) -> None:
        self._loop = create_looping_call(self.check)
        self._loop.start(POLL_SECONDS, now=False)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None

    def check(self) -> None:
        engine = self.crawler.engine
        if engine is None:
            return
        if engine.running:
            self.armed = True
        elif self.armed:
            self.drop_pending()

    def drop_pending(self) -> int:
        """Take the spider's requests out of the downloader's queues; how many there were."""
        engine = self.crawler.engine
        assert engine is not None
        scheduler = engine.scheduler
        dropped = 0
        for slot in list(engine.downloader.slots.values()):
            keep = []
            while slot.queue:
                request, waiting = slot.queue.popleft()
                if request.callback is NO_CALLBACK:
                    keep.append((request, waiting))
                    continue
                if scheduler is not None:
                    scheduler.enqueue_request(_again(request))
                # The original is abandoned: its failure must not reach the spider's
                # errback, which would log it as a failed page.
                request.errback = None
                waiting.errback(Failure(IgnoreRequest("crawl stopping: not downloaded")))
                dropped += 1
            slot.queue.extend(keep)
        if dropped:
            self.crawler.stats.inc_value(f"{STATS}/dropped_requests", dropped)
            in_flight = sum(len(slot.transferring) for slot in engine.downloader.slots.values())
            logger.log(logging.INFO if not self.dropped else logging.DEBUG,
                       "Stopping: %d request(s) not downloaded yet were dropped (given back to the "
                       "scheduler); waiting for %d download(s) in flight", dropped, in_flight)
            self.dropped += dropped
        return dropped


def _again(request: Request) -> Request:
    """A copy for the scheduler; its duplicate filter has seen the original already."""
    return request.replace(dont_filter=True)
