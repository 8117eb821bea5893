"""``scrapy seed <spider>``: push a spider's first requests onto the shared Redis frontier.

Runs the spider in the ``seed`` role: its ``start()`` requests (for guancha, the first
page of every selected list, ``start_list_requests``) go through the shared duplicate
filter onto the shared queue, and nothing is downloaded. Workers started with the same
settings (``scrapy crawl <spider>`` with ``REDIS_URL``) pick them up.

A seed starts a new crawl: when the frontier is idle the previous crawl's seen-set is
cleared first (as every single-machine run starts with an empty one). While requests are
still queued or in flight, it refuses unless told ``--append`` (add to that crawl) or
``--reset`` (drop it and start over).
"""
from __future__ import annotations

import argparse
import logging
from typing import Any, ClassVar

from redis.exceptions import RedisError
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict
from scrapy_redis.connection import get_redis_from_settings

from newsbot.distributed.bloom import RedisBloomFilter
from newsbot.distributed.frontier import Frontier
from newsbot.distributed.scheduler import STATS
from newsbot.help_format import PlainHelpCommand
from newsbot.redact import redact_uri

logger = logging.getLogger(__name__)


class Command(PlainHelpCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[options] <spider>"

    def short_desc(self) -> str:
        return "Push a spider's start requests to the shared Redis frontier (distributed mode)"

    def long_desc(self) -> str:
        return (
            "Push the spider's first requests onto the shared Redis frontier (REDIS_URL) and "
            "download nothing. For guancha these are the first pages of the selected lists "
            "(-a channels=..., as for scrapy crawl); they go through the shared duplicate filter. "
            "Workers started with the same settings (scrapy crawl <spider> with REDIS_URL) "
            "pick them up.\n\n"
            "A seed starts a new crawl: when the frontier is idle, the previous crawl's seen-set "
            "is cleared first. While requests are still queued or in flight it refuses, unless "
            "given --append (add to that crawl) or --reset (drop it and start over)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="set spider argument (may be repeated), as for scrapy crawl")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--append", action="store_true",
                          help="add to the crawl in progress (keep its queue and seen-set)")
        mode.add_argument("--reset", action="store_true",
                          help="drop the crawl in progress (queue, leases, seen-set) first")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None
        assert self.settings is not None
        self.settings.set("NEWSBOT_REDIS_ROLE", "seed", "cmdline")
        self.settings.set("ITEM_PIPELINES", {}, "cmdline")  # nothing is scraped: open no database
        self.settings.set("FEEDS", {}, "cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if len(args) != 1:
            raise UsageError("name one spider")
        if not self.settings.get("REDIS_URL"):
            raise UsageError("scrapy seed needs REDIS_URL (environment or -s REDIS_URL=redis://host:6379/0)",
                             print_help=False)
        spider_name = args[0]
        where = redact_uri(self.settings.get("REDIS_URL"))
        try:
            self.prepare(spider_name, opts)
        except RedisError as error:
            logger.error("cannot seed %s: Redis at %s: %s", spider_name, where, error)
            self.exitcode = 1
            return
        crawler = self.crawler_process.create_crawler(spider_name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats
        pushed = stats.get_value(f"{STATS}/seed/pushed", 0)
        filtered = stats.get_value(f"{STATS}/seed/filtered", 0)
        errors, reason = stats.get_value("log_count/ERROR", 0), stats.get_value("finish_reason")
        # A seed that pushed nothing new and found nothing already queued, or that logged an
        # error (Redis went away, a start request failed), has not started the crawl asked for.
        if errors or reason != "finished" or not (pushed or filtered):
            logger.error("seeding %s failed: %d request(s) pushed to %s, %d already seen, %d error(s) logged, "
                         "finish reason %s", spider_name, pushed, where, filtered, errors, reason)
            self.exitcode = 1
            return
        logger.info("seeded %s: %d request(s) pushed to %s, %d already seen in this crawl",
                    spider_name, pushed, where, filtered)

    def prepare(self, spider_name: str, opts: argparse.Namespace) -> None:
        """Start a new crawl, or refuse to disturb the one in progress."""
        assert self.settings is not None
        server = get_redis_from_settings(self.settings)
        frontier = Frontier.for_spider(server, spider_name, self.settings)
        bloom = RedisBloomFilter.for_spider(server, spider_name, self.settings)
        seen = [*bloom.keys, bloom.key]  # and scrapy-redis's own set, if an older crawl left one
        if opts.reset:
            frontier.reset(extra_keys=seen)
            logger.info("reset the frontier of %s", spider_name)
            return
        if opts.append:
            return
        state = frontier.state()
        if not state.empty or state.orphaned:
            raise UsageError(
                f"a crawl of {spider_name} is in progress or paused: {state.queued} request(s) queued, "
                f"{state.inflight} in flight on {state.live_workers} live worker(s), {state.orphaned} held by "
                "stopped workers. Start workers to finish it, or seed with --append (add to it) "
                "or --reset (drop it).", print_help=False)
        server.delete(*seen)
        logger.info("new crawl of %s: cleared the previous crawl's seen-set", spider_name)
