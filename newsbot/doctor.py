"""What ``scrapy doctor`` reports: per page kind, which site rules found what.

A :class:`Checkup` listens to the spider's signals (newsbot.signals) during a short crawl
and turns them into a table, then one line per site (``scrapy doctor news`` checks several):
its start pages read, the article links they gave, the articles read in full, failed or
missing fields. Any miss (a list without links, an article page on which a rule found
nothing, a page that failed or was redirected away, a challenge page, a site that gave
nothing) makes the check fail.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from newsbot import signals
from newsbot.sites.registry import site_for_url

FIELDS = ("title", "published_at", "authors", "paragraphs", "images")


@dataclass
class Row:
    kind: str
    url: str
    found: str
    ok: bool


@dataclass
class SiteTally:
    """What the check saw of one site."""

    starts: Counter[str] = field(default_factory=Counter)  # list pages (feeds, sitemaps…) read, by kind
    with_links: int = 0
    links: int = 0
    articles: int = 0  # article pages answered: read, failed or redirected away
    complete: int = 0  # read with every required field
    failed: int = 0  # of those, failed or redirected away
    missing: Counter[str] = field(default_factory=Counter)  # required fields not found, by name

    @property
    def ok(self) -> bool:
        return self.with_links > 0 and self.complete > 0 and not self.failed and not self.missing

    def line(self, name: str, width: int) -> str:
        if not self.starts and not self.articles:
            return f"{'MISS':4}  {name:{width}}  nothing fetched: no start page answered"
        read = ", ".join(f"{kind} {n}" for kind, n in sorted(self.starts.items()))
        missing = ", ".join(f"{name} ({n})" for name, n in sorted(self.missing.items())) or "none"
        articles = f"{self.complete} of {self.articles} articles read in full, {self.failed} failed"
        return (f"{'ok' if self.ok else 'MISS':4}  {name:{width}}  lists read: {read} ({self.with_links} with "
                f"links); {self.links} article links; {articles}; fields missing: {missing}")


class Checkup:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.sites: dict[str, SiteTally] = {}

    def expect(self, names: Iterable[str]) -> None:
        """Sites the check was asked for: one that gave nothing is a miss too."""
        for name in names:
            self.sites.setdefault(name, SiteTally())

    def _site(self, url: str) -> SiteTally:
        site = site_for_url(url)
        return self.sites.setdefault(site.name if site else "(no site)", SiteTally())

    def connect(self, crawler: Crawler) -> None:
        for name in ("list_parsed", "article_done", "page_extracted", "challenge_seen"):
            crawler.signals.connect(getattr(self, name), signal=getattr(signals, name))

    def list_parsed(self, kind: str, channel: str, url: str, links: int, first: bool = True) -> None:
        found = f"{links} article links" if links else "no article links"
        self.rows.append(Row(f"list {kind} ({channel})", url, found, links > 0))
        tally = self._site(url)
        tally.starts[kind] += 1
        tally.with_links += links > 0
        tally.links += links

    def article_done(self, channel: str, url: str, outcome: str, detail: str) -> None:
        if outcome in ("extracted", "failed", "redirected_away"):
            tally = self._site(url)
            tally.articles += 1
            tally.failed += outcome != "extracted"
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
        tally = self._site(url)
        tally.complete += not missing
        tally.missing.update(missing)

    def challenge_seen(self, url: str) -> None:
        self.rows.append(Row("challenge", url, "a JavaScript challenge page, not the site: set USER_AGENT", False))

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows) and all(t.ok for t in self.sites.values())

    def report(self) -> str:
        """The table, one line per page, one line per site, then a verdict line."""
        lines = [f"{'ok' if row.ok else 'MISS':4}  {row.kind:28}  {row.url}\n      {row.found}" for row in self.rows]
        misses = sum(not row.ok for row in self.rows)
        if not self.rows:
            lines.append("nothing was fetched: check the network and the spider's arguments")
        if self.sites:
            width = max(map(len, self.sites))
            sites = sorted(self.sites.items())
            lines += ["per site:", *(tally.line(name, width) for name, tally in sites)]
            missed = [name for name, tally in sites if not tally.ok]
            if missed:
                lines.append(f"sites missed: {', '.join(missed)}")
        lines.append(f"{len(self.rows)} checked, {misses} missed: {'OK' if self.ok else 'FAILED'}")
        return "\n".join(lines)
