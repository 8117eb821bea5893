"""State in MongoDB: the articles collection itself is the record of what is stored.

An article is known once the mongo pipeline has written it, so what dedupe and the
incremental middleware believe is always what the database holds (nothing can be marked
seen and then fail to be stored). Aliases (the same text found at another URL) go to a
small side collection ``<collection>_aliases``.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from newsbot.mongo.connect import connect, describe
from newsbot.mongo.writer import read_rejected
from newsbot.state.base import Known, StateStore, StateUnavailable

T = TypeVar("T")

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
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def lookup_url(self, url: str) -> Known | None:
        known = await self._guard(self._lookup_url(url))
        if known is None and url in self.rejected:
            digest, published, rank = self.rejected[url]
            return Known(url, digest, published, channel_rank=rank)
        return known

    async def _lookup_url(self, url: str) -> Known | None:
        """One round trip: the article stored under ``url`` and, from the aliases, the
        article ``url`` is an alias of (an article stored under ``url`` wins)."""
        answers = await (await self.articles.aggregate(self._url_pipeline(url))).to_list()
        direct = [doc for doc in answers if "target" not in doc]
        if direct:
            return _known(direct[0])
        for alias in answers:
            if alias.get("target"):
                return _known(alias["target"][0], alias=url)
        return None

    def _url_pipeline(self, url: str) -> list[dict[str, Any]]:
        projection = {key: 1 for key in PROJECTION if key != "_id"}
        return [
            {"$match": {"url": {"$eq": url}}},
            {"$limit": 1},
            {"$project": PROJECTION},
            {"$unionWith": {"coll": self.aliases.name, "pipeline": [
                {"$match": {"_id": {"$eq": url}}},
                {"$lookup": {"from": self.collection_name, "localField": "url", "foreignField": "url",
                             "as": "target"}},
                {"$project": {"_id": 0, **{f"target.{key}": 1 for key in projection}}},
            ]}},
        ]

    async def lookup_hash(self, content_hash: str) -> Known | None:
        doc = await self._guard(self.articles.find_one(
            {"content_hash": {"$eq": content_hash}}, PROJECTION,
            sort=[("first_seen", 1), ("url", 1)]))
        return _known(doc) if doc else None

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
