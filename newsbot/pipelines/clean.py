"""Clean and validate articles before anything stores them."""
from __future__ import annotations

import logging
from datetime import UTC
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot.html_clean import safe_url
from newsbot.items import fields_of
from newsbot.text import content_hash, normalise_optional, normalise_paragraphs, normalise_ws
from newsbot.times import aware, crawl_now, parse_instant, utc_iso
from newsbot.urls import canonical_url

logger = logging.getLogger(__name__)

REQUIRED = ("url", "title", "published_at", "paragraphs")
# News is published between these years; a time outside them is a parse error or a hostile
# page (a year 9999 "article" would stay first in every feed and blog for good).
YEARS = range(1900, 2101)
STATS = "newsbot/clean"


def _image(image: Any, base: str) -> Any | None:
    """One image with its caption and alt text normalised and its URL absolute; None when
    the URL is no http(s) address (``javascript:``, ``data:``, empty): such a picture cannot
    be shown, stored or linked safely from any output."""
    adapter = fields_of(image)
    for key in ("caption", "alt"):
        if key in adapter:
            adapter[key] = normalise_optional(adapter.get(key))
    url = safe_url(normalise_ws(adapter.get("url") or ""), base or None)
    if url is None:
        return None
    adapter["url"] = url
    return image


class CleanPipeline:
    """Normalise text fields, validate required ones, fill content_hash and crawled_at."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.now_setting = crawler.settings.get("NEWSBOT_NOW") or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = fields_of(item)
        where = adapter.get("url") or adapter.get("fetched_url") or "<no url>"
        if adapter.get("url"):
            adapter["url"] = canonical_url(normalise_ws(adapter["url"]))
        base = adapter.get("fetched_url") or adapter.get("url") or ""
        adapter["title"] = normalise_ws(adapter.get("title"))
        if "summary" in adapter:
            adapter["summary"] = normalise_optional(adapter.get("summary"))
        adapter["paragraphs"] = normalise_paragraphs(adapter.get("paragraphs") or [])
        if adapter.get("published_at"):
            adapter["published_at"] = normalise_ws(adapter["published_at"])
        if adapter.get("images"):
            images = [(image, _image(image, base)) for image in adapter["images"]]
            adapter["images"] = [kept for _, kept in images if kept is not None]
            for image, _ in (pair for pair in images if pair[1] is None):
                self._unsafe(where, "image", image)
        if adapter.get("lead_image"):
            lead = adapter["lead_image"]
            adapter["lead_image"] = _image(lead, base)
            if adapter["lead_image"] is None:
                self._unsafe(where, "lead_image", lead)

        for field in REQUIRED:
            if not adapter.get(field):
                self._drop(f"missing_{field}", f"missing field {field!r} in {where}")
        published = parse_instant(adapter["published_at"])
        if published is None or published.year not in YEARS:
            self._drop("invalid_published_at",
                       f"invalid field 'published_at' ({adapter['published_at']!r}) in {where}")
        updated = parse_instant(adapter.get("updated_at") or "")
        if adapter.get("updated_at") and (updated is None or updated.year not in YEARS):
            self.crawler.stats.inc_value(f"{STATS}/cleared/updated_at")
            logger.warning("%s: cleared updated_at %r: not a time between %d and %d",
                           where, adapter["updated_at"], YEARS.start, YEARS.stop - 1)
            adapter["updated_at"] = None

        if not adapter.get("content_hash"):
            adapter["content_hash"] = content_hash(adapter["title"], adapter["paragraphs"])
        adapter["crawled_at"] = self._crawled_at(adapter.get("crawled_at"))
        self.crawler.stats.inc_value(f"{STATS}/passed")
        return item

    def _crawled_at(self, value: str | None) -> str:
        """The given time re-expressed in UTC (a naive one is taken as UTC), else now."""
        if value:
            try:
                return utc_iso(aware(value, UTC))
            except ValueError:
                pass
        return utc_iso(crawl_now(self.now_setting))

    def _unsafe(self, where: str, field: str, image: Any) -> None:
        self.crawler.stats.inc_value(f"{STATS}/unsafe_url/{field}")
        logger.warning("%s: removed %s whose URL is no http(s) address: %r", where,
                       "an image" if field == "image" else "the lead image", str(ItemAdapter(image).get("url"))[:200])

    def _drop(self, reason: str, message: str) -> None:
        self.crawler.stats.inc_value(f"{STATS}/dropped")
        self.crawler.stats.inc_value(f"{STATS}/dropped/{reason}")
        raise DropItem(message)
