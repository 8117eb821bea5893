"""A spider with nothing to crawl that stays open ``idle_for`` seconds, counting how often the
engine finds it idle, with the distributed worker's poll interval applied by the worker's own
code (``newsbot.distributed.scheduler.set_poll_interval``, as the scheduler does when it is made).

Run by tests/test_scrapy_internals.py with ``scrapy runspider``. The engine looks again at an
idle spider once per heartbeat, so the count says how long the heartbeat is.
"""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from newsbot.distributed.scheduler import set_poll_interval


class HeartbeatSpider(Spider):
    name = "heartbeat_test"

    def __init__(self, poll: str = "0.05", idle_for: str = "1.0", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll = float(poll)
        self.idle_for = float(idle_for)
        self.first_idle: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        return
        yield

    def opened(self) -> None:
        set_poll_interval(self.crawler, self.poll)

    def idle(self) -> None:
        self.crawler.stats.inc_value("heartbeat_test/idle")
        now = time.monotonic()
        if self.first_idle is None:
            self.first_idle = now
        if now - self.first_idle < self.idle_for:
            raise DontCloseSpider
