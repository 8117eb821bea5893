"""``scrapy export``: write the stored articles as JSON lines, without crawling.

``--from mongodb`` writes every article of MONGO_COLLECTION; ``--from FILE.jsonl`` writes
the last version of each article of a feed that several crawls appended to (``-o``).
The lines are those a crawl's ``-O FILE.jsonl`` writes: the same exporter, UTF-8, and
without MongoDB's own fields (``_id``, ``version``, ``first_seen``, ``last_seen``).
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import IO, Any, cast

from scrapy.exporters import JsonLinesItemExporter

from newsbot.mongo.ops import OWN_FIELDS
from newsbot.stored_command import StoredArticlesCommand

STDOUT = "-"


def last_versions(articles: Iterable[dict[str, Any] | None]) -> tuple[list[dict[str, Any]], int, int]:
    """The last version of each article, in the order each was last seen; how many older
    versions were left out, and how many records were no article (held in memory: a feed
    is read once, and a malformed line is reported once).

    >>> last_versions([{"url": "a", "v": 1}, {"url": "b"}, None, {"url": "a", "v": 2}])
    ([{'url': 'b'}, {'url': 'a', 'v': 2}], 1, 1)
    """
    last: dict[str, dict[str, Any]] = {}
    older = failed = 0
    for article in articles:
        url = article.get("url") if isinstance(article, dict) else None
        if not isinstance(article, dict) or not isinstance(url, str) or not url:
            failed += 1
            continue
        if last.pop(url, None) is not None:
            older += 1
        last[url] = article
    return list(last.values()), older, failed


def article_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The article as a crawl exports it: MongoDB's own fields left out.

    >>> article_fields({"_id": 1, "url": "u", "version": 2, "first_seen": "t", "last_seen": "t", "title": "x"})
    {'url': 'u', 'title': 'x'}
    """
    return {key: value for key, value in doc.items() if key != "_id" and key not in OWN_FIELDS}


@contextmanager
def output(target: str) -> Iterator[IO[bytes]]:
    """``target`` opened for writing; a file is replaced whole once everything is written."""
    if target == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Command(StoredArticlesCommand):
    target_flags = ("-O", "--output")
    target_setting = None
    target_name = "FILE"
    target_help = "the JSON lines file to write, replaced if it exists ('-' for standard output)"

    def short_desc(self) -> str:
        return "Write the stored articles as JSON lines, without crawling (MongoDB, or a feed)"

    def long_desc(self) -> str:
        return (
            "Write every stored article to FILE as JSON lines, one article a line, as "
            "scrapy crawl -O FILE.jsonl writes them. --from mongodb reads MONGO_URI, "
            "MONGO_DATABASE and MONGO_COLLECTION; --from FEED.jsonl keeps the last version of "
            "each article of a feed that several crawls appended to. The embedded sqlite state "
            "holds no articles, only their URLs and content hashes: without MongoDB, the crawl's "
            "JSON lines are what is stored.\n\n"
            "Prints what was written to standard error. Exits 1 when a record could not be read."
        )

    def write(self, articles: Iterable[dict[str, Any] | None], target: str) -> None:
        older = failed = written = 0
        chosen: Iterable[dict[str, Any] | None] = articles
        if self.source != "mongodb":  # MongoDB holds one document per article already
            chosen, older, failed = last_versions(articles)
        with output(target) as out:
            # Scrapy annotates the file as BytesIO; any binary file object does.
            exporter = JsonLinesItemExporter(cast(BytesIO, out), encoding="utf-8")
            exporter.start_exporting()
            for article in chosen:
                if not isinstance(article, dict):
                    failed += 1
                    continue
                exporter.export_item(article_fields(article))
                written += 1
            exporter.finish_exporting()
        versions = f", {older} older versions left out" if older else ""
        sys.stderr.write(f"export: {written} articles{versions}, {failed} failed -> {target}\n")
        self.exitcode = 1 if failed else 0
