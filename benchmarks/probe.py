"""A benchmark-only extension: RSS of the crawling process at item-count checkpoints.

Enabled by the benchmark scripts with ``-s EXTENSIONS=...``; never by newsbot's settings.
At each checkpoint (``BENCH_RSS_CHECKPOINTS``, default 1000,10000,50000 items scraped)
it writes ``bench/rss_kb/<n>`` (VmRSS), ``bench/hwm_kb/<n>`` (VmHWM, the peak so far) and
``bench/seconds/<n>`` into the crawl stats, and logs them.
"""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

from newsbot.compact import HashedMap

logger = logging.getLogger(__name__)


def rss_kb() -> tuple[int, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


class Checkpointed:
    """An extension that records something at the item-count checkpoints
    (``BENCH_RSS_CHECKPOINTS``, in order), at the open and at the close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        raw = crawler.settings.get("BENCH_RSS_CHECKPOINTS", "1000,10000,50000")
        self.checkpoints = sorted(int(x) for x in str(raw).split(",") if x.strip())
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self) -> None:
        self.count += 1
        if self.checkpoints and self.count == self.checkpoints[0]:
            self.checkpoints.pop(0)
            self.checkpoint(str(self.count))

    def spider_opened(self) -> None:
        pass

    def spider_closed(self) -> None:
        pass

    def checkpoint(self, label: str) -> None:
        raise NotImplementedError


class RssCheckpoints(Checkpointed):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.started = time.monotonic()

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self._record("open")

    def checkpoint(self, label: str) -> None:
        self._record(label)

    def spider_closed(self) -> None:
        self._record("close")

    def _sizes(self) -> dict[str, int]:
        """Sizes of the in-memory structures that grow with a crawl (where they exist)."""
        out = {}
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
        scheduler = getattr(slot, "scheduler", None)
        if scheduler is not None:
            try:
                out["queued"] = len(scheduler)
            except TypeError:
                pass
            df = getattr(scheduler, "df", None)
            # newsbot's CompactDupeFilter, else Scrapy's private set (the public property is
            # deprecated and copies every fingerprint)
            seen = getattr(df, "seen", None) or getattr(df, "_fingerprints", None)
            if isinstance(seen, (set, frozenset, HashedMap)):
                out["dupefilter"] = len(seen)
        listings = getattr(self.crawler.spider, "listings", None)
        if listings is not None:
            out["listings"] = len(listings)
        try:
            from scrapy.utils.trackref import live_refs

            out["live_requests"] = sum(len(v) for k, v in live_refs.items() if k.__name__ == "Request")
        except ImportError:
            pass
        return out

    def _footprints(self) -> dict[str, int]:
        """Approximate bytes held by the growing sets and dicts (containers + their keys/values)."""
        out = {}
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
        df = getattr(getattr(slot, "scheduler", None), "df", None)
        seen = getattr(df, "seen", None) or getattr(df, "_fingerprints", None)
        if isinstance(seen, (set, HashedMap)):
            out["dupefilter"] = _deep(seen)
        scraper = getattr(self.crawler.engine, "scraper", None)
        for mw in getattr(getattr(scraper, "itemproc", None), "middlewares", ()):
            name = type(mw).__name__
            for attr in ("urls", "hashes"):
                value = getattr(mw, attr, None)
                if isinstance(value, (set, dict, HashedMap)):
                    out[f"{name}.{attr}"] = _deep(value)
            store = getattr(mw, "store", None)
            for attr in ("_files", "_owners"):
                value = getattr(store, attr, None)
                if isinstance(value, (dict, HashedMap)):
                    out[f"{name}.store.{attr}"] = _deep(value)
        for attr in ("listings", "requested", "answered"):
            value = getattr(self.crawler.spider, attr, None)
            if isinstance(value, (dict, HashedMap)):
                out[f"spider.{attr}"] = _deep(value)
        return out

    def _record(self, key: str) -> None:
        rss, hwm = rss_kb()
        stats = self.crawler.stats
        stats.set_value(f"bench/rss_kb/{key}", rss)
        stats.set_value(f"bench/hwm_kb/{key}", hwm)
        stats.set_value(f"bench/seconds/{key}", round(time.monotonic() - self.started, 2))
        for name, size in self._sizes().items():
            stats.set_value(f"bench/{name}/{key}", size)
        for name, size in self._footprints().items():
            stats.set_value(f"bench/kb/{name}/{key}", size // 1024)
        logger.info("bench checkpoint %s: %d items, VmRSS %.1f MB, VmHWM %.1f MB", key, self.count, rss / 1024, hwm / 1024)


def _deep(container: set | dict | HashedMap) -> int:
    """getsizeof of the container plus its keys and values (one level; shared strings count)."""
    size = sys.getsizeof(container)
    if isinstance(container, HashedMap):  # counts its own
        return size
    if isinstance(container, dict):
        for k, v in container.items():
            size += sys.getsizeof(k) + sys.getsizeof(v)
    else:
        for k in container:
            size += sys.getsizeof(k)
    return size
