"""The crawl's state store as a Scrapy extension.

The dedupe pipeline and the incremental middleware find it with
``crawler.get_extension(StateStoreExtension)`` and ask it for the store. The store is
opened on the first request for it, not on ``spider_opened``: item pipelines open before
that signal is sent, and a crawl in which neither component is on (``scrapy doctor``)
opens no database. It is closed on ``spider_closed``.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from newsbot.outputs import guard
from newsbot.state.base import StateStore

logger = logging.getLogger(__name__)
SQLITE_NAME = "state.sqlite3"


def make_store(settings: BaseSettings) -> StateStore:
    """A new, unopened store chosen by ``settings``."""
    uri = settings.get("MONGO_URI")
    if uri:
        from newsbot.state.mongo import MongoStateStore

        database, collection = settings.get("MONGO_DATABASE"), settings.get("MONGO_COLLECTION")
        rejects = Path(settings.get("NEWSBOT_STATE_DIR")) / "mongo-rejected" / f"{database}.{collection}.jsonl"
        return MongoStateStore(uri, database, collection, settings.getint("NEWSBOT_MONGO_TIMEOUT_MS"), rejects)
    from newsbot.state.sqlite import SqliteStateStore

    return SqliteStateStore(Path(settings.get("NEWSBOT_STATE_DIR")) / SQLITE_NAME)


def describe(settings: BaseSettings) -> str:
    """Where ``make_store`` keeps the state, in words for a log line (no password)."""
    if settings.get("MONGO_URI"):
        return f"state in MongoDB {settings.get('MONGO_DATABASE')}.{settings.get('MONGO_COLLECTION')}"
    return f"state in {Path(settings.get('NEWSBOT_STATE_DIR')) / SQLITE_NAME}"


class StateStoreExtension:
    """Holds the one store of a crawl: opened once on first use, closed with the spider."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._store: StateStore | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, crawler: Crawler) -> Self:
        """The crawl's extension, for the components that use the store."""
        extension = crawler.get_extension(cls)
        if extension is None:
            raise NotConfigured(f"{cls.__name__} is not in EXTENSIONS")
        return extension

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    async def store(self) -> StateStore:
        """The opened store; the first call opens it, callers meanwhile wait for that.

        A store that fails to open raises here and is tried again on the next call.
        """
        if self._store is not None:
            return self._store
        async with self._lock:
            if self._store is None:
                store = make_store(self.crawler.settings)
                where = describe(self.crawler.settings).removeprefix("state in ")
                outputs = guard(self.crawler)
                store.on_write_error = lambda error, count: outputs.fail("state", where, error, count=count)
                await store.open()
                logger.info("article state: %s", store.name)
                self._store = store
        return self._store

    async def close(self) -> None:
        """Close the store if it was opened (the next :meth:`store` opens a new one)."""
        async with self._lock:
            store, self._store = self._store, None
            if store is not None:
                await store.close()

    async def spider_closed(self) -> None:
        await self.close()
