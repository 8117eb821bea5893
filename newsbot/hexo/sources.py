"""Where the ``scrapy hexo`` command reads articles from, and the export loop."""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from newsbot.hexo.files import PostStore
from newsbot.redact import redact_uri

logger = logging.getLogger(__name__)


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any] | None]:
    """Articles of a JSON lines feed (or of a JSON array feed when the file starts with ``[``).

    A line that is not JSON is logged and yields None, which ``export`` counts as failed.
    """
    with Path(path).open(encoding="utf-8-sig") as lines:
        first = lines.read(1)
        lines.seek(0)
        if first == "[":
            yield from json.load(lines)
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as error:
                logger.error("%s line %d is not JSON (%s); skipped", path, number, error)
                yield None


def read_mongodb(uri: str, database: str, collection: str) -> Iterator[dict[str, Any]]:
    """Every stored article (documents keyed by ``_id`` = URL get it back as ``url``)."""
    from pymongo import MongoClient

    logger.info("Reading articles from MongoDB %s %s.%s", redact_uri(uri), database, collection)
    with MongoClient(uri, document_class=dict, serverSelectionTimeoutMS=10_000) as client:
        for doc in client[database][collection].find({}):
            key = doc.pop("_id", None)
            if not doc.get("url") and isinstance(key, str):
                doc["url"] = key
            yield doc


def export(articles: Iterable[dict[str, Any] | None], store: PostStore) -> Counter[str]:
    """Write each article as a post; count ``written``, ``unchanged`` and ``failed``.

    One post per URL: when a feed holds several versions of an article, the last one read
    wins (feeds are appended in crawl order), so older versions are never written.
    """
    counts: Counter[str] = Counter(written=0, unchanged=0, failed=0)
    latest: dict[str, dict[str, Any]] = {}
    for article in articles:
        if not isinstance(article, dict) or not article.get("url"):
            if article is not None:
                logger.error("Skipping a record without url: %.80r", article)
            counts["failed"] += 1
            continue
        latest.pop(article["url"], None)
        latest[article["url"]] = article
    for article in latest.values():
        try:
            counts[store.publish(article)] += 1
        except OSError as error:  # a full disk: counted, the command exits 1, a rerun writes it
            logger.error("Cannot write the Hexo post for %s: %s", article["url"], error)
            counts["failed"] += 1
    store.compact()
    return counts
