"""A stand-in spider for storage tests: article requests and items from a JSON file.

Run with ``scrapy runspider tests/storage_spider.py -a items=FILE``. Each article is
requested through a ``data:`` URL (no network) with the meta the real spider sets, so the
incremental middleware, the pipelines and the engine all run for real.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from newsbot.items import Article


class StorageSpider(Spider):
    name = "storage_test"

    def __init__(self, items: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with open(items, encoding="utf-8") as handle:
            self.articles = [Article(**values) for values in json.load(handle)]

    async def start(self) -> AsyncIterator[Request]:
        for index, item in enumerate(self.articles):
            yield Request(f"data:text/plain,{index}", callback=self.parse_article,
                          errback=self.skipped, cb_kwargs={"index": index}, dont_filter=True,
                          meta={"newsbot_article": True, "newsbot_canonical": item.url})

    def parse_article(self, response: Response, index: int) -> Iterator[Article]:
        yield self.articles[index]

    def skipped(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("storage_test/not_downloaded")
