"""Incremental crawling: do not download article pages whose article is already stored.

An article request (``request.meta["newsbot_article"]``) whose canonical URL
(``request.meta["newsbot_canonical"]``) is stored is skipped with ``IgnoreRequest``, unless

- the stored article was published within the last ``NEWSBOT_REFETCH_HOURS`` hours (news
  is edited soon after it goes up, so recent pages are fetched again), or
- a full refresh was asked for: setting ``NEWSBOT_FULL_REFRESH`` or spider argument
  ``refresh=1``, or
- the request is for a better channel than the one stored (its
  ``meta["newsbot_channel_rank"]`` is lower): the article was stored from a worse listing
  (by an earlier crawl, or another worker) and its categories are to be raised.

"Now" is ``NEWSBOT_NOW`` when set (ISO 8601), else the clock.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from newsbot.disabled import disabled
from newsbot.refresh import refreshing
from newsbot.state import Known, StateUnavailable
from newsbot.state.extension import StateStoreExtension, describe
from newsbot.times import crawl_now, parse_instant
from newsbot.urls import canonical_url

logger = logging.getLogger(__name__)
STATS = "newsbot/incremental"


class AlreadyStored(IgnoreRequest):
    """The article behind this request is stored and not recent: nothing to download."""


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, state: StateStoreExtension) -> None:
        self.crawler = crawler
        self.state = state
        settings = crawler.settings
        self.refetch = timedelta(hours=settings.getfloat("NEWSBOT_REFETCH_HOURS"))
        self.now_setting = settings.get("NEWSBOT_NOW") or None
        self.state_down = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSBOT_INCREMENTAL"):
            raise disabled(cls, "NEWSBOT_INCREMENTAL is off")
        middleware = cls(crawler, StateStoreExtension.of(crawler))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def refreshing(self) -> bool:
        return refreshing(self.crawler)

    def spider_closed(self) -> None:
        """Say why a plain second crawl emits nothing, and how to get everything again."""
        skipped = self.crawler.stats.get_value(f"{STATS}/skipped", 0)
        if skipped and not self.refreshing():
            logger.info("%d article(s) already stored (%s) were not downloaded again; refresh=1 to fetch "
                        "and emit them again", skipped, describe(self.crawler.settings))

    def now(self) -> datetime:
        return crawl_now(self.now_setting)

    async def process_request(self, request: Request) -> Request | Response | None:
        if not request.meta.get("newsbot_article") or self.refreshing():
            return None
        url = request.meta.get("newsbot_canonical") or canonical_url(request.url)
        store = await self.state.store()
        try:
            known = await store.lookup_url(url)
        except StateUnavailable as error:  # fail open: download rather than miss it
            self.crawler.stats.inc_value(f"{STATS}/state_unavailable")
            logger.log(logging.DEBUG if self.state_down else logging.WARNING,
                       "article state unavailable (%s); downloading %s", error, request.url)
            self.state_down = True
            return None
        self.state_down = False
        if known is None:
            store.note_absent(url)
            return None
        rank = request.meta.get("newsbot_channel_rank")
        if isinstance(rank, int) and known.channel_rank is not None and rank < known.channel_rank:
            self.crawler.stats.inc_value(f"{STATS}/better_channel")
            return None
        if self.is_recent(known):
            self.crawler.stats.inc_value(f"{STATS}/refetched_recent")
            return None
        self.crawler.stats.inc_value(f"{STATS}/skipped")
        logger.debug("skipping %s: stored as %s", request.url, known.url)
        raise AlreadyStored(f"article already stored: {url}")

    def is_recent(self, known: Known) -> bool:
        """Published within the refetch window (or of unknown age, to be safe)."""
        published = parse_instant(known.published_at or "")
        return published is None or self.now() - published <= self.refetch
