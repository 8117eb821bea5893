"""State in MongoDB: the articles collection itself is the record of what is stored.

An article is known once the mongo pipeline has written it, so what dedupe and the
incremental middleware believe is always what the database holds (nothing can be marked
seen and then fail to be stored). Aliases (the same text found at another URL) go to a
small side collection ``<collection>_aliases``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from newsbot.mongo.batch import Batcher
from newsbot.mongo.connect import connect, describe
from newsbot.mongo.writer import read_rejected
from newsbot.state.base import Known, StateStore, StateUnavailable

T = TypeVar("T")
logger = logging.getLogger(__name__)

URL_QUERIES = 1  # URL lookup queries out at once (newsbot/mongo/batch.py)
HASH_QUERIES = 1  # content-hash lookup queries out at once
PROJECTION = {"_id": 0, "url": 1, "content_hash": 1, "published_at": 1, "version": 1,
              "channel_rank": 1, "categories": 1}


def _known(doc: dict[str, Any], alias: str | None = None) -> Known:
    rank = doc.get("channel_rank")
    return Known(url=doc["url"], content_hash=doc.get("content_hash") or "",
                 published_at=doc.get("published_at"), version=int(doc.get("version") or 1),
                 alias=alias, channel_rank=rank if isinstance(rank, int) else None,
                 categories=tuple(str(c) for c in doc.get("categories") or ()))


class MongoStateStore(StateStore):
    """Lookups that fail make the store "unavailable" for ``pause`` seconds, during which
    it answers :class:`StateUnavailable` at once instead of waiting for a server that is
    down on every request and item."""

    name = "mongo"
    pause = 30.0

    def __init__(self, uri: str, database: str, collection: str, timeout_ms: int = 5000,
                 rejects: Path | None = None) -> None:
        super().__init__()
        # Refused for good by the server (newsbot/mongo/writer.py): known as stored while unchanged.
        self.rejected = read_rejected(rejects) if rejects is not None else {}
        self.uri = uri
        self.database = database
        self.collection_name = collection
        self.timeout_ms = timeout_ms
        self.client: AsyncMongoClient[dict[str, Any]] | None = None
        self._down_until = 0.0
        # Lookups asked for close together go as one query (newsbot/mongo/batch.py).
        self.url_lookups: Batcher[str, Known] = Batcher(self._lookup_urls, parallel=URL_QUERIES)
        self.hash_lookups: Batcher[str, Known] = Batcher(self._lookup_hashes, parallel=HASH_QUERIES)

    async def _guard(self, operation: Awaitable[T]) -> T:
        if time.monotonic() < self._down_until:
            if hasattr(operation, "close"):
                operation.close()  # never awaited
            raise StateUnavailable("MongoDB state unavailable (recent error)")
        try:
            return await operation
        except PyMongoError as error:
            self._down_until = time.monotonic() + self.pause
            raise StateUnavailable(describe(error, self.uri)) from None

    @property
    def articles(self) -> AsyncCollection[dict[str, Any]]:
        assert self.client is not None, "store is not open"
        return self.client[self.database][self.collection_name]

    @property
    def aliases(self) -> AsyncCollection[dict[str, Any]]:
        assert self.client is not None, "store is not open"
        return self.client[self.database][f"{self.collection_name}_aliases"]

    async def open(self) -> None:
        self.client = await connect(self.uri, self.timeout_ms, app_name="newsbot-state")
        await self.articles.create_index("url", unique=True)
        await self.articles.create_index("content_hash")

    async def close(self) -> None:
        urls, hashes = self.url_lookups, self.hash_lookups
        logger.info("MongoDB state: %d URL lookups in %d queries, %d content-hash lookups in %d queries",
                    urls.keys, urls.queries, hashes.keys, hashes.queries)
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def lookup_url(self, url: str) -> Known | None:
        known = await self._guard(self.url_lookups.get(url))
        if known is None and url in self.rejected:
            digest, published, rank = self.rejected[url]
            return Known(url, digest, published, channel_rank=rank)
        return known

    async def _lookup_urls(self, urls: list[str]) -> dict[str, Known]:
        """One round trip: the articles stored under ``urls`` and, from the aliases, the
        articles some of them are aliases of (an article stored under the URL wins)."""
        projection = {key: 1 for key in PROJECTION if key != "_id"}
        pipeline: list[dict[str, Any]] = [
            {"$match": {"url": {"$in": urls}}},
            {"$project": PROJECTION},
            {"$unionWith": {"coll": self.aliases.name, "pipeline": [
                {"$match": {"_id": {"$in": urls}}},
                {"$lookup": {"from": self.collection_name, "localField": "url", "foreignField": "url",
                             "as": "target"}},
                {"$project": {"_id": 1, **{f"target.{key}": 1 for key in projection}}},
            ]}},
        ]
        found: dict[str, Known] = {}
        aliased: dict[str, Known] = {}
        for doc in await (await self.articles.aggregate(pipeline)).to_list():
            if "target" not in doc:
                found[doc["url"]] = _known(doc)
            elif doc["target"]:
                aliased[doc["_id"]] = _known(doc["target"][0], alias=doc["_id"])
        return {**aliased, **found}

    async def lookup_hash(self, content_hash: str) -> Known | None:
        return await self._guard(self.hash_lookups.get(content_hash))

    async def _lookup_hashes(self, hashes: list[str]) -> dict[str, Known]:
        """One round trip: for each of ``hashes``, the article first stored with it."""
        found: dict[str, Known] = {}
        cursor = self.articles.find({"content_hash": {"$in": hashes}}, PROJECTION,
                                    sort=[("first_seen", 1), ("url", 1)])
        for doc in await cursor.to_list():
            found.setdefault(doc["content_hash"], _known(doc))
        return found

    async def add_alias(self, alias: str, known: Known, seen_at: str) -> None:
        await self._guard(self.aliases.update_one(
            {"_id": {"$eq": alias}},
            {"$setOnInsert": {"url": known.url, "content_hash": known.content_hash,
                              "first_seen": seen_at}},
            upsert=True,
        ))

    def record(self, url: str, content_hash: str, published_at: str | None, seen_at: str,
               channel_rank: int | None = None, categories: tuple[str, ...] = ()) -> None:
        """Nothing to do: the mongo pipeline's write is the record."""
