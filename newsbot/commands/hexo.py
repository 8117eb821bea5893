"""``scrapy hexo``: write Hexo posts from a JSON lines feed or from MongoDB."""
from __future__ import annotations

import argparse
from typing import Any, ClassVar

from pymongo.errors import PyMongoError
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsbot.hexo import PostStore
from newsbot.hexo.sources import export, read_jsonl, read_mongodb
from newsbot.redact import redact_text


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "--from FILE.jsonl|mongodb [--to POSTS_DIR]"

    def short_desc(self) -> str:
        return "Write Hexo posts from a JSON lines feed or from MongoDB (incremental)"

    def long_desc(self) -> str:
        return (
            "Write one Hexo post per article into POSTS_DIR (default: the NEWSBOT_HEXO_DIR "
            "setting). --from mongodb reads MONGO_URI, MONGO_DATABASE and MONGO_COLLECTION. "
            "Unchanged posts are left untouched; changed articles are rewritten in place."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from", dest="source", metavar="SOURCE", required=True,
                            help="a JSON lines (or JSON) feed file, or 'mongodb'")
        parser.add_argument("--to", dest="posts_dir", metavar="POSTS_DIR",
                            help="posts directory, e.g. site/source/_posts (default: NEWSBOT_HEXO_DIR)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        posts_dir = opts.posts_dir or self.settings.get("NEWSBOT_HEXO_DIR")
        if not posts_dir:
            raise UsageError("say where the posts go: --to POSTS_DIR or -s NEWSBOT_HEXO_DIR=…")
        if opts.source == "mongodb":
            uri = self.settings.get("MONGO_URI")
            if not uri:
                raise UsageError("--from mongodb needs MONGO_URI (setting or environment)")
            articles = read_mongodb(uri, self.settings.get("MONGO_DATABASE"), self.settings.get("MONGO_COLLECTION"))
        else:
            articles = read_jsonl(opts.source)
        try:
            counts = export(articles, PostStore(posts_dir, self.settings.get("NEWSBOT_HEXO_IMAGES_URL") or ""))
        except (OSError, ValueError, PyMongoError) as error:  # no such file, bad JSON, no server
            message = redact_text(f"{type(error).__name__}: {error}", self.settings.get("MONGO_URI"))
            raise UsageError(message, print_help=False) from None
        print(f"hexo: {counts['written']} written, {counts['unchanged']} unchanged, "
              f"{counts['failed']} failed -> {posts_dir}")
        self.exitcode = 1 if counts["failed"] else 0
