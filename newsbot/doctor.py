"""What ``scrapy doctor`` reports: per page kind, which site rules found what.

A :class:`Checkup` listens to the spider's signals (newsbot.signals) during a short crawl
and turns them into a table. Any miss (a list without links, an article page on which a
rule found nothing, a page that failed or was redirected away, a challenge page) makes the
check fail.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler

from newsbot import signals

FIELDS = ("title", "published_at", "authors", "paragraphs", "images")


@dataclass
class Row:
    kind: str
    url: str
    found: str
    ok: bool


class Checkup:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def connect(self, crawler: Crawler) -> None:
        for name in ("list_parsed", "article_done", "page_extracted", "challenge_seen"):
            crawler.signals.connect(getattr(self, name), signal=getattr(signals, name))

    def list_parsed(self, kind: str, channel: str, url: str, links: int, first: bool = True) -> None:
        found = f"{links} article links" if links else "no article links"
        self.rows.append(Row(f"list {kind} ({channel})", url, found, links > 0))

    def article_done(self, channel: str, url: str, outcome: str, detail: str) -> None:
        if outcome in ("failed", "redirected_away"):
            self.rows.append(Row(f"article ({channel})", url, f"{outcome.replace('_', ' ')} {detail}".strip(), False))
        elif outcome in ("offsite", "forwarded"):
            self.rows.append(Row(f"stub ({channel})", url, f"script redirect to {detail}", True))

    def page_extracted(self, kind: str, url: str, missing: list[str], selectors: dict[str, str],
                       extraction: str, item: Any = None, **_: Any) -> None:
        parts = []
        for name in FIELDS:
            value = getattr(item, name, None) if item is not None else None
            if name in missing:
                parts.append(f"{name}: MISSING ({selectors.get(name, '?')})")
            elif isinstance(value, list):
                parts.append(f"{name}: {len(value)}")
            else:
                parts.append(f"{name}: {'ok' if value else '-'}")
        if extraction == "fallback":
            parts.append("filled by the generic extractor")
        self.rows.append(Row(f"{kind} page", url, "; ".join(parts), not missing))

    def challenge_seen(self, url: str) -> None:
        self.rows.append(Row("challenge", url, "a JavaScript challenge page, not the site: set USER_AGENT", False))

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    def report(self) -> str:
        """The table, one line per page, then a verdict line."""
        lines = [f"{'ok' if row.ok else 'MISS':4}  {row.kind:28}  {row.url}\n      {row.found}" for row in self.rows]
        misses = sum(not row.ok for row in self.rows)
        if not self.rows:
            lines.append("nothing was fetched: check the network and the spider's arguments")
        lines.append(f"{len(self.rows)} checked, {misses} missed: {'OK' if self.ok else 'FAILED'}")
        return "\n".join(lines)
