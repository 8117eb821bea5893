"""Keep each article once: by canonical URL and by content hash, within and across crawls.

- a URL already seen in this crawl: dropped, unless it comes in a better channel (a lower
  ``channel_rank``: the spider saw a better listing after the first copy was extracted);
- text already seen at another URL (in this crawl or stored before): dropped, and the URL
  is recorded as an alias of the first one;
- a stored URL whose stored channel ranks better: given the stored categories, then
  judged by its text as below (the best channel an article was ever listed in wins,
  whatever the order the listings came in);
- a stored URL with the same content hash: dropped (unchanged), unless its channel ranks
  better than the stored one: then it passes, to raise the stored categories;
- a stored URL with a new content hash: passes as an update (``updated_at`` set to the
  crawl time when the site gave none; the stored version counter goes up when it is
  written).

The state is the store of the crawl's :class:`~newsbot.state.extension.StateStoreExtension`
(MongoDB or sqlite3). With sqlite3 an article is recorded only once it went through every
pipeline (``item_scraped``) and every output took it (newsbot.outputs), so an item that
fails later is seen again next time instead of being lost.

What this crawl saw is kept compact (newsbot/compact.py, about 10 bytes an article): the
URLs, and the content hashes, of which only the latest ``RECENT`` keep their first URL. A
text first seen longer ago is in the store by then, and its URL is asked of the store.
"""
from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot.compact import HashedMap
from newsbot.disabled import disabled
from newsbot.items import rank_of
from newsbot.outputs import OutputGuard, guard
from newsbot.refresh import refreshing
from newsbot.state import Known, StateStore, StateUnavailable
from newsbot.state.extension import StateStoreExtension

logger = logging.getLogger(__name__)
STATS = "newsbot/dedupe"
RECENT = 10_000  # content hashes of this crawl kept with their first URL (the latest)


class DedupePipeline:
    def __init__(self, crawler: Crawler, state: StateStoreExtension) -> None:
        self.crawler = crawler
        self.state = state
        self.store: StateStore | None = None
        self.urls = HashedMap()  # URL -> the channel rank it passed with in this crawl
        self.hashes = HashedMap()  # the content hashes seen in this crawl
        self.first_urls: dict[str, str] = {}  # the latest RECENT of them -> the first URL with it
        self.state_down = False
        self.outputs: OutputGuard = guard(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSBOT_DEDUPE_ENABLED"):
            raise disabled(cls, "NEWSBOT_DEDUPE_ENABLED is off")
        pipeline = cls(crawler, StateStoreExtension.of(crawler))
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    async def open_spider(self) -> None:
        self.store = await self.state.store()

    async def process_item(self, item: Any) -> Any:
        assert self.store is not None, "open_spider() was not called"
        adapter = ItemAdapter(item)
        url, digest = adapter.get("url"), adapter.get("content_hash")
        if not url or not digest:
            raise DropItem(f"missing field {'url' if not url else 'content_hash'!r} in "
                           f"{url or adapter.get('fetched_url')} (is CleanPipeline enabled?)")
        seen_at = adapter.get("crawled_at") or ""
        rank = rank_of(adapter.get("channel_rank"))
        passed_here = url in self.urls  # a copy from a worse channel went on in this crawl
        if passed_here and rank >= self.urls[url]:
            self._drop("seen_url", f"duplicate of {url}, already seen in this crawl")
        self.urls[url] = rank  # claimed before any await: concurrent copies see it
        first = await self._first_with(digest, url)
        if first is not None and first != url:
            await self._alias(url, Known(first, digest, None), seen_at, "in this crawl")

        try:
            known = None if self.store.take_absent(url) else await self.store.lookup_url(url)
            other = None if known else await self.store.lookup_hash(digest)
        except StateUnavailable as error:
            # Fail open: writes downstream are idempotent, a lost article is not.
            self._stat("state_unavailable")
            logger.log(logging.DEBUG if self.state_down else logging.WARNING,
                       "article state unavailable (%s); passing %s on as new", error, url)
            self.state_down = True
            return item
        self.state_down = False
        if known is not None:
            if known.alias:
                self._drop("alias", f"{url} is a recorded alias of {known.url}")
            stored = known.channel_rank
            if stored is not None and stored < rank and known.categories:
                adapter["categories"], adapter["channel_rank"] = list(known.categories), stored
            if known.content_hash == digest:
                if stored is not None and rank >= stored:
                    # Asked for again: emitted, and the stores change nothing. A copy from a worse
                    # channel than the stored one is not: its list summary and picture are not
                    # the stored ones (the better listing's copy comes in its own request).
                    if rank == stored and refreshing(self.crawler):
                        self._stat("refreshed")
                        return item
                    self._drop("unchanged", f"unchanged article {url}")
                return self._upgraded(item)
            if not adapter.get("updated_at"):
                adapter["updated_at"] = seen_at or None
            self._stat("updated")
            logger.info("updated article %s (stored version %d)", url, known.version)
            return item
        if passed_here:  # its worse copy is not stored yet: this one raises it, it is not new again
            return self._upgraded(item)
        if other is not None and other.url != url:
            await self._alias(url, other, seen_at, "stored before")
        self._stat("new")
        return item

    def _upgraded(self, item: Any) -> Any:
        self._stat("upgraded")
        logger.info("article %s now listed in a better channel: %s", ItemAdapter(item).get("url"),
                    " > ".join(ItemAdapter(item).get("categories") or []))
        return item

    def item_scraped(self, item: Any) -> None:
        """Record an article that went through every pipeline, unless an output (the JSON
        lines export, which writes on this same signal just before) could not take it."""
        if self.store is None:
            return
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if isinstance(url, str) and url in self.urls and adapter.get("content_hash") \
                and not self.outputs.failed_for(url):
            self.store.record(adapter["url"], adapter["content_hash"], adapter.get("published_at"),
                              adapter.get("crawled_at") or "", rank_of(adapter.get("channel_rank")),
                              tuple(adapter.get("categories") or ()))

    async def _first_with(self, digest: str, url: str) -> str | None:
        """The first URL with text ``digest`` in this crawl: ``url`` when the text is new
        (claimed before any await); None when it is unknown (its article was not stored)."""
        first = self.first_urls.get(digest)
        if first is not None:
            return first
        if digest not in self.hashes:
            self.hashes[digest] = 0
            self.first_urls[digest] = url
            if len(self.first_urls) > RECENT:
                del self.first_urls[next(iter(self.first_urls))]
            return url
        assert self.store is not None
        try:
            known = await self.store.lookup_hash(digest)
        except StateUnavailable:
            return None  # the lookups below fail open too
        return known.url if known else None

    async def _alias(self, url: str, first: Known, seen_at: str, where: str) -> None:
        assert self.store is not None
        try:
            await self.store.add_alias(url, first, seen_at)
        except StateUnavailable as error:
            logger.warning("could not record %s as an alias of %s: %s", url, first.url, error)
        self._drop("same_content", f"same text as {first.url} ({where}): {url} recorded as an alias")

    def _stat(self, name: str) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{name}")

    def _drop(self, reason: str, message: str) -> None:
        self._stat("dropped")
        self._stat(f"dropped/{reason}")
        raise DropItem(message, log_level="INFO")
