"""Which articles an output could not take in this crawl, and what it means for the crawl.

Outputs (Hexo posts, the Atom/RSS feeds, the JSON lines export, MongoDB, the sqlite state)
report a write they could not make here. An article an output failed for is not recorded
as seen (the dedupe pipeline asks :meth:`OutputGuard.failed_for`), so the next crawl emits
it again and every output gets it then. With MongoDB as the state the article is already
in the database, so the end-of-crawl ERROR line names the command that repairs the output
instead (``scrapy hexo|feeds|export --from mongodb``). A crawl with any such failure exits
with EXIT_OUTPUT_FAILED (newsbot/commands/crawl.py).
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
STATS = "newsbot/outputs"
EXIT_OUTPUT_FAILED = 4  # scrapy crawl's exit code when an output could not be written
# What repairs an output when the state is MongoDB (the article is stored, so not re-emitted).
REPAIR = {"hexo": "scrapy hexo --from mongodb {target}", "feeds": "scrapy feeds --from mongodb {target}",
          "jsonlines": "scrapy export --from mongodb {target}"}


class OutputGuard:
    """One per crawl (an extension); found with :func:`guard`."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.failures: Counter[str] = Counter()  # output -> articles or records it could not write
        self.targets: dict[str, str] = {}  # output -> where it writes (for the closing line)
        self._urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def fail(self, output: str, target: str, error: BaseException | str, url: str | None = None,
             count: int = 1) -> None:
        """``output`` (writing to ``target``) could not write ``url`` (or ``count`` records).

        The first failure of an output is an ERROR line; later ones are DEBUG, counted in
        ``newsbot/outputs/failed/<output>``.
        """
        first = not self.failures[output]
        self.failures[output] += count
        self.targets[output] = target
        if url:
            self._urls.add(url)
        logger.log(logging.ERROR if first else logging.DEBUG, "%s could not write %s to %s: %s%s",
                   output, url or f"{count} record(s)", target, error,
                   " (further failures of this output are counted, not logged)" if first else "")
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"{STATS}/failed/{output}", count)
            self.crawler.stats.inc_value(f"{STATS}/failed", count)

    def failed_for(self, url: str) -> bool:
        """True when an output failed for ``url`` in this crawl: it must not count as seen."""
        return url in self._urls

    def spider_closed(self) -> None:
        if not self.failures:
            return
        mongo = bool(self.crawler is not None and self.crawler.settings.get("MONGO_URI"))
        parts = []
        for output, count in sorted(self.failures.items()):
            target = self.targets[output]
            repair = REPAIR.get(output) if mongo else None
            parts.append(f"{output} ({target}): {count}" + (f", repair with `{repair.format(target=target)}`"
                                                              if repair else ""))
        logger.error("Outputs could not be written: %s. Articles an output lacks are not marked as seen "
                     "and the next crawl writes them (with MongoDB as the state: run the repair named). "
                     "Exit code %d.", "; ".join(parts), EXIT_OUTPUT_FAILED)


def guard(crawler: Crawler) -> OutputGuard:
    """The crawl's guard (a standalone one, without the closing line, when the extension is off)."""
    try:
        found = crawler.get_extension(OutputGuard)
    except RuntimeError:  # extensions not built yet
        found = None
    if found is None:
        found = getattr(crawler, "_newsbot_output_guard", None)
        if found is None:
            found = OutputGuard(crawler)
            crawler._newsbot_output_guard = found  # type: ignore[attr-defined]
    return found
