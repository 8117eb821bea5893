"""The shape shared by the commands that write an output from articles already stored
(``scrapy hexo``, ``scrapy feeds``): ``--from FILE.jsonl|mongodb`` and ``--to DIR``."""
from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, ClassVar

from pymongo.errors import PyMongoError
from scrapy.exceptions import UsageError

from newsbot.help_format import PlainHelpCommand
from newsbot.hexo.sources import read_jsonl, read_mongodb
from newsbot.redact import redact_text


class StoredArticlesCommand(PlainHelpCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}
    # The setting that names the output directory, how --to calls it, and its help text.
    target_setting: ClassVar[str]
    target_name: ClassVar[str]
    target_help: ClassVar[str]

    def syntax(self) -> str:
        return f"--from FILE.jsonl|mongodb [--to {self.target_name}]"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from", dest="source", metavar="SOURCE", required=True,
                            help="a JSON lines (or JSON) feed file, or 'mongodb'")
        parser.add_argument("--to", dest="target", metavar=self.target_name,
                            help=f"{self.target_help} (default: {self.target_setting})")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        target = opts.target or self.settings.get(self.target_setting)
        if not target:
            raise UsageError(f"say where the output goes: --to {self.target_name} or -s {self.target_setting}=…")
        articles: Iterable[dict[str, Any] | None]
        if opts.source == "mongodb":
            uri = self.settings.get("MONGO_URI")
            if not uri:
                raise UsageError("--from mongodb needs MONGO_URI (setting or environment)")
            articles = read_mongodb(uri, self.settings.get("MONGO_DATABASE"), self.settings.get("MONGO_COLLECTION"))
        else:
            articles = read_jsonl(opts.source)
        try:
            self.write(articles, target)
        except (OSError, ValueError, PyMongoError) as error:  # no such file, bad JSON, no server
            message = redact_text(f"{type(error).__name__}: {error}", self.settings.get("MONGO_URI"))
            raise UsageError(message, print_help=False) from None

    def write(self, articles: Iterable[dict[str, Any] | None], target: str) -> None:
        """Write the output into ``target``, print what was done and set ``exitcode``."""
        raise NotImplementedError
