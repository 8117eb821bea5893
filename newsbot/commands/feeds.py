"""``scrapy feeds``: write the Atom and RSS feeds from a JSON lines feed or from MongoDB."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from newsbot.feeds import FeedStore
from newsbot.stored_command import StoredArticlesCommand

logger = logging.getLogger(__name__)


def merge(articles: Iterable[dict[str, Any] | None], store: FeedStore) -> Counter[str]:
    """Merge every article into ``store``; count ``merged`` and ``failed`` records.

    Records are read in crawl order, so a later version of a URL replaces an earlier one.
    """
    counts: Counter[str] = Counter(merged=0, failed=0)
    for article in articles:
        try:
            if not isinstance(article, dict):
                raise ValueError(f"not an article: {article!r:.80}")
            store.add(article)
        except ValueError as error:
            if article is not None:  # None: read_jsonl has already logged the bad line
                logger.error("Skipping a record: %s", error)
            counts["failed"] += 1
            continue
        counts["merged"] += 1
    return counts


class Command(StoredArticlesCommand):
    target_setting = "NEWSBOT_FEEDS_DIR"
    target_name = "FEEDS_DIR"
    target_help = "feeds directory"

    def short_desc(self) -> str:
        return "Write Atom and RSS feeds from a JSON lines feed or from MongoDB (incremental)"

    def long_desc(self) -> str:
        return (
            "Merge the articles into the feeds of FEEDS_DIR (default: the NEWSBOT_FEEDS_DIR "
            "setting): all.atom/all.rss, <site>.atom/.rss and <site>/<channel>.atom/.rss, each "
            "with the newest NEWSBOT_FEEDS_MAX_ENTRIES articles. --from mongodb reads MONGO_URI, "
            "MONGO_DATABASE and MONGO_COLLECTION. Files whose content did not change are left alone."
        )

    def write(self, articles: Iterable[dict[str, Any] | None], target: str) -> None:
        assert self.settings is not None
        store = FeedStore.from_settings(target, self.settings)
        counts = merge(articles, store)
        files = store.write()
        report = (f"feeds: {counts['merged']} articles, {counts['failed']} failed; files {files['written']} "
                  f"written, {files['unchanged']} unchanged, {files['removed']} removed -> {target}")
        print(report)  # noqa: T201 - the command's output
        self.exitcode = 1 if counts["failed"] else 0
