"""Write every article that reaches it as a Hexo post (see newsbot.hexo).

On only when ``NEWSBOT_HEXO_DIR`` names a posts directory (a Hexo site's
``source/_posts``). It runs after dedupe and MongoDB, so it sees new and updated articles;
a post whose text did not change is not rewritten. A post that cannot be rendered is
logged and counted (``newsbot/hexo/failed``); the item itself always passes on.
"""
from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler

from newsbot.disabled import disabled
from newsbot.hexo import PostStore

logger = logging.getLogger(__name__)
STATS = "newsbot/hexo"


class HexoPipeline:
    def __init__(self, crawler: Crawler, directory: str) -> None:
        self.crawler = crawler
        self.directory = directory
        self.store: PostStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        directory = (crawler.settings.get("NEWSBOT_HEXO_DIR") or "").strip()
        if not directory:
            raise disabled(cls, "NEWSBOT_HEXO_DIR is not set")
        return cls(crawler, directory)

    def open_spider(self) -> None:
        self.store = PostStore(self.directory, self.crawler.settings.get("NEWSBOT_HEXO_IMAGES_URL") or "")
        logger.info("Writing Hexo posts to %s", self.store.directory)

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.compact()

    def process_item(self, item: Any) -> Any:
        assert self.store is not None, "open_spider() was not called"
        self._inc(self.store.publish(item))
        return item

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STATS}/{key}")
