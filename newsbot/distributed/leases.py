"""Tell the scheduler when a leased request is handled, so that it is never given back.

A request popped from the shared queue is "in flight" (leased) until:

- its response went through the spider callback (or an errback reached through the
  spider middlewares, e.g. for HTTP errors), every request it yielded is on the shared
  queue and every item it yielded left the item pipelines (:class:`LeaseSpiderMiddleware`,
  the outermost spider middleware: it sees exactly what the engine gets);
- or its download failed for good and the failure goes to the errback
  (:class:`LeaseDownloaderMiddleware`, whose ``process_exception`` runs last);
- or a request made from it (redirect, retry) is back on the shared queue (the
  scheduler does that one).

A lease never acknowledged is not lost work: at the end of a crawl the scheduler drops
what is left (everything was handled); on any other stop it puts it back on the queue.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newsbot.distributed.keys import LEASE_META, PARENT_META

logger = logging.getLogger(__name__)


def _lease_of(response: Any) -> str | None:
    request = getattr(response, "request", None) if isinstance(response, Response) else None
    return request.meta.get(LEASE_META) if request is not None else None


class _Leases:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        self.crawler = crawler

    @property
    def scheduler(self) -> Any:
        """The DistributedScheduler (None before the engine opened it)."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        return scheduler if hasattr(scheduler, "hold") else None


class LeaseSpiderMiddleware(_Leases):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LeaseSpiderMiddleware":
        return cls(crawler)

    def _item_done(self, item: Any, response: Any = None, **kwargs: Any) -> None:
        lease, scheduler = _lease_of(response), self.scheduler
        if lease and scheduler is not None:
            scheduler.release(lease)

    def _track(self, lease: str, output: Any) -> Any:
        """Count ``output`` against ``lease``; a request learns which lease waits for it."""
        self.scheduler.hold(lease)
        if isinstance(output, Request):
            output.meta.pop(LEASE_META, None)  # a new request never carries its parent's lease
            output.meta[PARENT_META] = lease
        return output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        lease, scheduler = _lease_of(response), self.scheduler
        if lease is None or scheduler is None:
            yield from result
            return
        scheduler.hold(lease)  # the callback itself
        try:
            for output in result:
                yield self._track(lease, output)
        finally:
            scheduler.release(lease)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease, scheduler = _lease_of(response), self.scheduler
        if lease is None or scheduler is None:
            async for output in result:
                yield output
            return
        scheduler.hold(lease)
        try:
            async for output in result:
                yield self._track(lease, output)
        finally:
            scheduler.release(lease)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        lease, scheduler = _lease_of(response), self.scheduler
        if lease is not None and scheduler is not None and not scheduler.waiting(lease):
            scheduler.ack(lease)  # the callback failed before yielding anything
        return None


class LeaseDownloaderMiddleware(_Leases):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LeaseDownloaderMiddleware":
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        # Runs last: no other middleware took the failure up, so it goes to the errback.
        lease, scheduler = request.meta.get(LEASE_META), self.scheduler
        if lease and scheduler is not None:
            scheduler.ack(lease)
        return None
