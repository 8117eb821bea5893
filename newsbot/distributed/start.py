"""In distributed mode a worker's start requests come from the shared frontier.

The spider's own ``start()`` output is what ``scrapy seed`` pushes (role ``seed``). A
worker (role ``worker``) does not read it: N workers would otherwise each re-push the same
list pages, and a resumed crawl would start over.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.distributed.keys import is_worker

logger = logging.getLogger(__name__)


class WorkerStartGate:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WorkerStartGate":
        settings = crawler.settings
        if not is_worker(settings):
            raise NotConfigured("not a distributed worker")
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        name = spider.name if spider is not None else "<spider>"
        logger.info("distributed worker: taking requests from the shared frontier only "
                    "(push the first pages with `scrapy seed %s`)", name)
        return
        yield  # an async generator that yields nothing
