"""Keep the Atom and RSS feeds of NEWSBOT_FEEDS_DIR up to date (see newsbot.feeds).

On only when ``NEWSBOT_FEEDS_DIR`` is set; otherwise it says so at INFO and Scrapy skips
it. It runs after dedupe, MongoDB and Hexo, so it sees the new and changed articles of
this crawl and merges them into the newest N entries each feed already holds.

Files are written on close and, with ``NEWSBOT_FEEDS_WRITE_EVERY`` > 0, after every that
many merged articles: a distributed worker that waits for seeds
(``NEWSBOT_REDIS_IDLE_CLOSE = 0``) never closes, and a long crawl should not keep its
readers waiting until the end. A write that changes nothing costs a render, no file.
An article that cannot be an entry is logged and counted, and the item passes on.

Nothing is lost to a full disk: each merged entry is first appended to the store's
journal (one short line); when even that is refused, the item is dropped here and
reported to the crawl's OutputGuard, so it is not marked as seen and the next crawl
merges it. A feeds write that fails is reported too (the crawl exits 4); the journal
keeps what it left out, and the next store to open merges it again.
"""
from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot.feeds import FeedStore
from newsbot.feeds.entry import entry_record
from newsbot.outputs import guard

logger = logging.getLogger(__name__)
STATS = "newsbot/feeds"


class FeedsPipeline:
    def __init__(self, crawler: Crawler, store: FeedStore, write_every: int) -> None:
        self.crawler = crawler
        self.store = store
        self.write_every = write_every
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        directory = (settings.get("NEWSBOT_FEEDS_DIR") or "").strip()
        if not directory:
            logger.info("Feeds are off (NEWSBOT_FEEDS_DIR is not set)")
            raise NotConfigured
        store = FeedStore.from_settings(directory, settings)
        return cls(crawler, store, settings.getint("NEWSBOT_FEEDS_WRITE_EVERY"))

    def open_spider(self) -> None:
        logger.info("Writing feeds to %s (newest %d entries each)", self.store.directory, self.store.max_entries)

    def process_item(self, item: Any) -> Any:
        try:
            record = entry_record(item)
        except ValueError as error:
            logger.warning("Not in the feeds: %s", error)
            self._inc("failed")
            return item
        try:
            self.store.journal(record)
        except OSError as error:
            self._inc("journal_failed")
            url = ItemAdapter(item).get("url")
            guard(self.crawler).fail("feeds", str(self.store.directory), error, url)
            raise DropItem(f"not merged into the feeds: {url}: {error}") from None
        self.store.merge(record)
        self._inc("merged")
        self._pending += 1
        if self.write_every and self._pending >= self.write_every:
            self._write()
        return item

    def close_spider(self) -> None:
        self._write()

    def _write(self) -> None:
        """Write the changed feeds; a full disk is reported, the next write tries again, and
        the journal keeps the entries until one succeeds."""
        pending, self._pending = self._pending, 0
        try:
            counts = self.store.write()
        except OSError as error:
            self._inc("write_failed")
            guard(self.crawler).fail("feeds", str(self.store.directory),
                                     f"{error}; the entries wait in the journal for the next write",
                                     count=max(1, pending))
            return
        for key, count in counts.items():
            self._inc(f"files_{key}", count)

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)
