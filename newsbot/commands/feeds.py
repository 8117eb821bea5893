"""``scrapy feeds``: write the Atom and RSS feeds from a JSON lines feed or from MongoDB."""
from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any, ClassVar

from pymongo.errors import PyMongoError
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsbot.feeds import FeedStore
from newsbot.hexo.sources import read_jsonl, read_mongodb
from newsbot.redact import redact_text

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


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "--from FILE.jsonl|mongodb [--to FEEDS_DIR]"

    def short_desc(self) -> str:
        return "Write Atom and RSS feeds from a JSON lines feed or from MongoDB (incremental)"

    def long_desc(self) -> str:
        return (
            "Merge the articles into the feeds of FEEDS_DIR (default: the NEWSBOT_FEEDS_DIR "
            "setting): all.atom/all.rss, <site>.atom/.rss and <site>/<channel>.atom/.rss, each "
            "with the newest NEWSBOT_FEEDS_MAX_ENTRIES articles. --from mongodb reads MONGO_URI, "
            "MONGO_DATABASE and MONGO_COLLECTION. Files whose content did not change are left alone."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from", dest="source", metavar="SOURCE", required=True,
                            help="a JSON lines (or JSON) feed file, or 'mongodb'")
        parser.add_argument("--to", dest="feeds_dir", metavar="FEEDS_DIR",
                            help="feeds directory (default: NEWSBOT_FEEDS_DIR)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        feeds_dir = opts.feeds_dir or self.settings.get("NEWSBOT_FEEDS_DIR")
        if not feeds_dir:
            raise UsageError("say where the feeds go: --to FEEDS_DIR or -s NEWSBOT_FEEDS_DIR=…")
        if opts.source == "mongodb":
            uri = self.settings.get("MONGO_URI")
            if not uri:
                raise UsageError("--from mongodb needs MONGO_URI (setting or environment)")
            articles = read_mongodb(uri, self.settings.get("MONGO_DATABASE"), self.settings.get("MONGO_COLLECTION"))
        else:
            articles = read_jsonl(opts.source)
        try:
            store = FeedStore.from_settings(feeds_dir, self.settings)
            counts = merge(articles, store)
            files = store.write()
        except (OSError, ValueError, PyMongoError) as error:  # no such file, bad JSON, no server
            message = redact_text(f"{type(error).__name__}: {error}", self.settings.get("MONGO_URI"))
            raise UsageError(message, print_help=False) from None
        print(f"feeds: {counts['merged']} articles, {counts['failed']} failed; files {files['written']} "
              f"written, {files['unchanged']} unchanged, {files['removed']} removed -> {feeds_dir}")
        self.exitcode = 1 if counts["failed"] else 0
