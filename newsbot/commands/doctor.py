"""``scrapy doctor <spider>``: check the live site against the site rules, quickly.

Fetches the first page of every list of the spider's channels and a few articles of each,
runs the site rules on them and prints, per page kind, which rules found what, then per
site what it gave (``scrapy doctor news -a sites=a,b``: each configured site). Nothing is
stored: no state, no MongoDB, no Hexo. Exits 1 on any miss. Run it first on a machine
that reaches the site, and whenever a crawl ends with ``site_changed``.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, ClassVar

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from newsbot.doctor import Checkup
from newsbot.help_format import PlainHelpCommand

# Above the project's settings.py (priority 20), below -s on the command line (40).
OVER_PROJECT = 25


class Command(PlainHelpCommand, BaseRunSpiderCommand):
    requires_project = True
    checkup_settings: ClassVar[dict[str, Any]] = {
        "LOG_LEVEL": "WARNING",
        "NEWSBOT_MAX_PAGES": 1,
        "NEWSBOT_ARTICLES_PER_LIST": 3,
        "NEWSBOT_INCREMENTAL": False,
        "NEWSBOT_DEDUPE_ENABLED": False,
        "NEWSBOT_HEXO_DIR": "",
        "MONGO_URI": None,
        "ITEM_PIPELINES": {},
        "HTTPCACHE_ENABLED": False,
    }

    def syntax(self) -> str:
        return "[options] <spider>"

    def short_desc(self) -> str:
        return "Check the site against the spider's rules: first list pages and a few articles"

    def long_desc(self) -> str:
        return (
            "Fetch the first page of each list of the spider (its channels, as for crawl: -a "
            "channels=...) and NEWSBOT_ARTICLES_PER_LIST articles of each (default 3), run the "
            "site rules, and print per page kind which rules found what, then one line per site "
            "(scrapy doctor news -a sites=a,b checks the configured sites: start pages read, "
            "article links, articles read in full, fields missing). Stores nothing. "
            "Exits 1 when a list has no links, an article page misses a required field, a page "
            "fails or is redirected away, or the site answers with a JavaScript challenge."
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self.settings.setdict(self.checkup_settings, priority=OVER_PROJECT)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        checkup = Checkup()
        checkup.connect(crawler)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        checkup.expect(config.name for config in getattr(crawler.spider, "configs", ()))  # news: the sites asked for
        sys.stdout.write(checkup.report() + "\n")
        self.exitcode = 0 if checkup.ok and not self.crawler_process.bootstrap_failed else 1
