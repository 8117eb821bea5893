"""Write every article that reaches it as a Hexo post (see newsbot.hexo).

On only when ``NEWSBOT_HEXO_DIR`` names a posts directory (a Hexo site's
``source/_posts``). It runs after dedupe and MongoDB, so it sees new and updated articles;
a post whose text did not change is not rewritten. A post that cannot be rendered is
logged and counted (``newsbot/hexo/failed``) and the item passes on. A post the disk
refuses (full, read-only) is reported to the crawl's OutputGuard and the item is dropped
here: it is not marked as seen, so the next crawl writes the post (with MongoDB as the
state, where the article is already stored, ``scrapy hexo --from mongodb`` does).
"""
from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot.disabled import disabled
from newsbot.hexo import PostStore
from newsbot.outputs import guard

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
            try:
                self.store.compact()
            except OSError as error:  # the longer manifest stays, as valid as before
                logger.warning("Could not compact the Hexo manifest in %s: %s", self.directory, error)

    def process_item(self, item: Any) -> Any:
        assert self.store is not None, "open_spider() was not called"
        try:
            outcome = self.store.publish(item)
        except OSError as error:
            self._inc("write_failed")
            url = ItemAdapter(item).get("url")
            guard(self.crawler).fail("hexo", str(self.store.directory), error, url)
            raise DropItem(f"Hexo post not written for {url}: {error}") from None
        self._inc(outcome)
        return item

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STATS}/{key}")
