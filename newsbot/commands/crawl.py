"""``scrapy crawl``, with an exit code that says when the site changed.

Scrapy's own command exits 0 whenever the crawl ran, whatever it found. This one exits
with EXIT_SITE_CHANGED when the crawl ended with finish_reason ``site_changed`` (see
newsbot.extensions.health), and with EXIT_OUTPUT_FAILED when an output could not be
written (newsbot.outputs), so cron, CI and shell scripts notice.
"""
from __future__ import annotations

import argparse
import logging

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newsbot import start_failure
from newsbot.extensions.health import SITE_CHANGED
from newsbot.help_format import PlainHelpCommand
from newsbot.outputs import EXIT_OUTPUT_FAILED
from newsbot.outputs import STATS as OUTPUT_STATS

EXIT_SITE_CHANGED = 3
logger = logging.getLogger(__name__)


class Command(PlainHelpCommand, ScrapyCrawl):
    def long_desc(self) -> str:
        return (f"Run a spider. Exits {EXIT_SITE_CHANGED} when the crawl ends with finish_reason "
                f"{SITE_CHANGED} (the health check found the site changed), 2 on a bad spider argument "
                "(one line, nothing fetched), 1 when it could not start, "
                f"{EXIT_OUTPUT_FAILED} when an output could not be written (a full disk, a database gone: "
                "one ERROR line says which and how it is repaired; articles an output lacks are not "
                "marked as seen, so the next crawl writes them).\n\n"
                "Ctrl-C stops it within seconds: requests not downloaded yet are dropped (kept for the "
                "next run with JOBDIR), downloads in flight and their items finish and are stored. A "
                "second Ctrl-C forces Scrapy's unclean stop (see the README).")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        spidercls = self.crawler_process.spider_loader.load(args[0])
        check = getattr(spidercls, "check_arguments", None)
        check_settings = getattr(spidercls, "check_settings", None)  # a spider's own files (the news sites file)
        if check is not None:
            try:
                if check_settings is not None:
                    check_settings(self.settings, opts.spargs)
                check(opts.spargs)
            except UsageError as error:
                logger.error("spider %s not started: %s", args[0], error)  # also in a scrapyd job's log
                raise
        crawler = self.crawler_process.create_crawler(spidercls)
        # Once the crawl started: Scrapy sets the root logger to NOTSET when it applies the settings.
        crawler.signals.connect(lambda: skip_unshown_records(crawler.settings), signal=signals.engine_started,
                                weak=False)
        start_failure.watch(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value(f"{OUTPUT_STATS}/failed"):
            self.exitcode = EXIT_OUTPUT_FAILED
        elif crawler.stats is not None and crawler.stats.get_value("finish_reason") == SITE_CHANGED:
            self.exitcode = EXIT_SITE_CHANGED


def skip_unshown_records(settings: BaseSettings) -> None:
    """Set the root logger to LOG_LEVEL, the level of Scrapy's one handler: records below it
    were made and then dropped by that handler; now they are not made. The log reads the
    same. (Scrapy leaves the root at NOTSET: pymongo then built a debug record for every
    command it sent, 3% of a MongoDB crawl's CPU.)"""
    if settings.getbool("LOG_ENABLED"):
        logging.root.setLevel(settings.get("LOG_LEVEL") or logging.DEBUG)
