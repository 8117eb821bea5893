"""Tell the scheduler what a leased request led to, so that it is acknowledged only once handled.

One class, installed twice on workers by the add-on. As the outermost spider middleware it
sees what the engine gets from a callback: every output is one more thing the lease waits
for (a new request names the lease; the scheduler lets go of one output when an item left
the pipelines or a new request is queued). It also keeps the spider's own ``start()`` out
of a worker: the first requests come from ``scrapy seed``, not from each of N workers. As a
downloader middleware its ``process_exception`` runs last: the failure goes to the errback,
and the lease is done.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from newsbot.disabled import disabled
from newsbot.distributed.addon import is_worker
from newsbot.distributed.scheduler import LEASE_META, PARENT_META, DistributedScheduler

logger = logging.getLogger(__name__)


class LeaseMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not is_worker(crawler.settings):
            raise disabled(cls, "not a distributed worker")
        return cls(crawler)

    def _scheduler(self) -> DistributedScheduler | None:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        return scheduler if isinstance(scheduler, DistributedScheduler) else None

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        logger.info("distributed worker: taking requests from the shared frontier only (push the first pages "
                    "with `scrapy seed %s`)", getattr(self.crawler.spider, "name", "<spider>"))
        return
        yield  # an async generator that yields nothing

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease, scheduler = response.request.meta.get(LEASE_META) if response.request else None, self._scheduler()
        if lease is None or scheduler is None:
            async for output in result:
                yield output
            return
        scheduler.hold(lease)  # the callback itself
        try:
            async for output in result:
                scheduler.hold(lease)
                if isinstance(output, Request):
                    output.meta.pop(LEASE_META, None)  # a new request never carries its parent's lease
                    output.meta[PARENT_META] = lease
                yield output
        finally:
            scheduler.release(lease)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        lease, scheduler = response.request.meta.get(LEASE_META) if response.request else None, self._scheduler()
        if lease and scheduler is not None and not scheduler.waiting(lease):
            scheduler.ack(lease)  # the callback failed before yielding anything

    def process_exception(self, request: Request, exception: Exception) -> None:
        lease, scheduler = request.meta.get(LEASE_META), self._scheduler()
        if lease and scheduler is not None:
            scheduler.ack(lease)
