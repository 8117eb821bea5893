"""The shape shared by the commands that write an output from articles already stored
(``scrapy hexo``, ``scrapy feeds``, ``scrapy export``): ``--from FILE.jsonl|mongodb`` and
where the output goes (``--to DIR``; ``-O FILE`` for export)."""
from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, ClassVar

from pymongo.errors import PyMongoError
from scrapy.exceptions import UsageError

from newsbot.help_format import PlainHelpCommand
from newsbot.hexo.sources import read_jsonl, read_mongodb
from newsbot.redact import redact_text

NOT_ARTICLES = ("the embedded state (sqlite) keeps only each article's URL and content hash, not the "
                "article: read from MongoDB (--from mongodb) or from the crawl's JSON lines (--from FILE.jsonl)")


class StoredArticlesCommand(PlainHelpCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}
    # The option that says where the output goes, the setting that gives its default
    # (None: the option is required), how the help calls it, and its help text.
    target_flags: ClassVar[tuple[str, ...]] = ("--to",)
    target_setting: ClassVar[str | None]
    target_name: ClassVar[str]
    target_help: ClassVar[str]

    def syntax(self) -> str:
        target = f"{self.target_flags[0]} {self.target_name}"
        return f"--from FILE.jsonl|mongodb {target if self.target_setting is None else f'[{target}]'}"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from", dest="source", metavar="SOURCE", required=True,
                            help="a JSON lines (or JSON) feed file, or 'mongodb'")
        default = f" (default: {self.target_setting})" if self.target_setting else ""
        parser.add_argument(*self.target_flags, dest="target", metavar=self.target_name,
                            help=f"{self.target_help}{default}")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        target = opts.target or (self.settings.get(self.target_setting) if self.target_setting else None)
        if not target:
            setting = f" or -s {self.target_setting}=…" if self.target_setting else ""
            raise UsageError(f"say where the output goes: {self.target_flags[0]} {self.target_name}{setting}")
        if opts.source == "state":
            raise UsageError(NOT_ARTICLES, print_help=False)
        self.source = opts.source
        try:
            self.write(self.read(opts.source), target)
        except (OSError, ValueError, PyMongoError) as error:  # no such file, bad JSON, no server
            message = redact_text(f"{type(error).__name__}: {error}", self.settings.get("MONGO_URI"))
            raise UsageError(message, print_help=False) from None

    def read(self, source: str) -> Iterable[dict[str, Any] | None]:
        """The articles of ``source``, in the order stored (a feed: the order crawled)."""
        assert self.settings is not None
        if source == "mongodb":
            uri = self.settings.get("MONGO_URI")
            if not uri:
                raise UsageError("--from mongodb needs MONGO_URI (setting or environment)")
            return read_mongodb(uri, self.settings.get("MONGO_DATABASE"), self.settings.get("MONGO_COLLECTION"))
        return read_jsonl(source)

    def write(self, articles: Iterable[dict[str, Any] | None], target: str) -> None:
        """Write the output into ``target``, print what was done and set ``exitcode``."""
        raise NotImplementedError
