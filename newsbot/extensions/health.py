"""The end-of-crawl health check: did the site answer the way the spider expects?

A crawl of a site that changed still "finishes": the lists load, the articles 302 to the
home page or come back without the markup the rules look for, and Scrapy reports
``finished`` with next to nothing stored. This extension listens to what the spider saw
(:mod:`newsbot.signals`) and, when the crawl ends, compares per channel what was listed
with what was extracted, and per page kind how often the site rules found each required
field. When something is off it logs ONE error that says what failed, with example URLs,
closes the crawl with ``finish_reason`` ``site_changed`` (``scrapy crawl`` then exits
non-zero, see newsbot.commands.crawl), and a healthy crawl logs nothing.

Settings: NEWSBOT_HEALTH_ENABLED; NEWSBOT_HEALTH_MIN_EXTRACTED (the share of a channel's
article requests that must give an article, or be known already); NEWSBOT_HEALTH_MAX_EMPTY
(the share of pages of one kind on which a required field may be missing);
NEWSBOT_HEALTH_MIN_PAGES (fewer requests or pages than this are too few to judge).
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Self

from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from newsbot import signals
from newsbot.disabled import disabled

logger = logging.getLogger(__name__)
SITE_CHANGED = "site_changed"
GOOD = ("extracted", "stored", "offsite")  # "forwarded" requests end as another request
EXAMPLES = 3


@dataclass
class Tally:
    """A count with the first few URLs behind it."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, url: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES and url not in self.examples:
            self.examples.append(url)


@dataclass
class Thresholds:
    """The NEWSBOT_HEALTH_* settings (values in newsbot/settings.py)."""

    min_extracted: float
    max_empty: float
    min_pages: int


class Observations:
    """What the spider reported, and the verdict on it (no Scrapy needed: unit-testable)."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.list_pages: dict[str, Tally] = defaultdict(Tally)  # channel -> first list pages read
        self.empty_lists: dict[str, Tally] = defaultdict(Tally)  # channel -> those without links
        self.outcomes: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
        self.targets: dict[str, str] = {}  # example URL -> where it was sent
        self.pages: Counter[str] = Counter()  # page kind -> pages through the site rules
        self.missing: dict[tuple[str, str], Tally] = defaultdict(Tally)
        self.selectors: dict[str, dict[str, str]] = {}
        self.challenges = Tally()

    # --- signal handlers ----------------------------------------------------------------
    def list_parsed(self, kind: str, channel: str, url: str, links: int, first: bool = True) -> None:
        # Only first pages count: a later page without links is where a list ends, and a
        # distributed worker may read nothing else of a channel.
        if not first:
            return
        self.list_pages[channel].add(url)
        if not links:
            self.empty_lists[channel].add(url)

    def article_done(self, channel: str, url: str, outcome: str, detail: str) -> None:
        tally = self.outcomes[channel][outcome]
        tally.add(url)
        if detail and url in tally.examples:
            self.targets.setdefault(url, detail)

    def page_extracted(self, kind: str, url: str, missing: list[str], selectors: dict[str, str],
                       extraction: str, **_: object) -> None:
        self.pages[kind] += 1
        self.selectors[kind] = selectors
        for name in missing:
            self.missing[(kind, name)].add(url)

    def challenge_seen(self, url: str) -> None:
        self.challenges.add(url)

    # --- the verdict --------------------------------------------------------------------
    def problems(self, user_agent: str = "") -> list[str]:
        """One line per thing that looks like a changed site; empty when all is well."""
        t = self.thresholds
        out = []
        if self.challenges.count:
            out.append(f"{self.challenges.count} page(s) were a JavaScript challenge, not the site "
                       f"(e.g. {', '.join(self.challenges.examples)}): the site does not serve "
                       f"USER_AGENT={user_agent!r}; set the USER_AGENT setting to a browser's User-Agent")
        for channel, outcomes in sorted(self.outcomes.items()):
            tried = sum(tally.count for outcome, tally in outcomes.items() if outcome != "forwarded")
            good = sum(outcomes[outcome].count for outcome in GOOD if outcome in outcomes)
            if tried >= t.min_pages and good < t.min_extracted * tried:
                bad = "; ".join(f"{tally.count} {outcome.replace('_', ' ')}: {self._examples(tally)}"
                                for outcome, tally in sorted(outcomes.items()) if outcome not in GOOD)
                out.append(f"channel {channel}: {good} of {tried} article requests gave an article ({bad})")
        for (kind, name), tally in sorted(self.missing.items()):
            pages = self.pages[kind]
            if pages >= t.min_pages and tally.count > t.max_empty * pages:
                rule = self.selectors.get(kind, {}).get(name, "?")
                out.append(f"{kind} pages: the site rules found no {name} on {tally.count} of {pages} "
                           f"(selector {rule}), e.g. {', '.join(tally.examples)}")
        for channel, read in sorted(self.list_pages.items()):
            empty = self.empty_lists.get(channel)
            if channel and empty is not None and empty.count == read.count:
                out.append(f"channel {channel}: every first list page had no article links "
                           f"({read.count} page(s), e.g. {', '.join(empty.examples)})")
        return out

    def _examples(self, tally: Tally) -> str:
        return ", ".join(f"{url} -> {self.targets[url]}" if url in self.targets else url for url in tally.examples)


class HealthCheck:
    def __init__(self, crawler: Crawler, observations: Observations) -> None:
        self.crawler = crawler
        self.seen = observations

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_HEALTH_ENABLED"):
            raise disabled(cls, "NEWSBOT_HEALTH_ENABLED is off")
        extension = cls(crawler, Observations(Thresholds(
            min_extracted=settings.getfloat("NEWSBOT_HEALTH_MIN_EXTRACTED"),
            max_empty=settings.getfloat("NEWSBOT_HEALTH_MAX_EMPTY"),
            min_pages=settings.getint("NEWSBOT_HEALTH_MIN_PAGES"),
        )))
        for name in ("list_parsed", "article_done", "page_extracted", "challenge_seen"):
            crawler.signals.connect(getattr(extension.seen, name), signal=getattr(signals, name))
        crawler.signals.connect(extension.spider_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=scrapy_signals.spider_closed)
        return extension

    def _problems(self) -> list[str]:
        return self.seen.problems(self.crawler.settings.get("USER_AGENT"))

    def spider_idle(self) -> None:
        # The engine closes with this reason only if nothing else keeps the crawl open (a
        # distributed worker waiting for its frontier does); spider_closed covers that case.
        if self._problems():
            raise CloseSpider(SITE_CHANGED)

    def spider_closed(self, reason: str) -> None:
        if reason not in ("finished", SITE_CHANGED):
            return  # cancelled, shut down, timed out: the crawl did not see the whole site
        problems = self._problems()
        stats = self.crawler.stats
        stats.set_value("newsbot/health/problems", len(problems))
        if not problems:
            return
        stats.set_value("finish_reason", SITE_CHANGED)
        spider = self.crawler.spider.name if self.crawler.spider else "?"
        logger.error("%s: the site does not look the way the spider expects (finish_reason %s); "
                     "check the site and the site rules (`scrapy doctor %s`):\n  - %s",
                     spider, SITE_CHANGED, spider, "\n  - ".join(problems))
