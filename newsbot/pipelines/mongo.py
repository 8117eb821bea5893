"""Store articles in MongoDB: buffered idempotent upserts that lose nothing.

See newsbot/mongo/ops.py for the write itself (keyed on ``url``; ``first_seen`` by
``$setOnInsert``; ``last_seen`` and the content by ``$set``; ``version`` counts stored
contents) and newsbot/mongo/writer.py for retries and the spool.

Back-pressure: when the buffer is full again while a write is out (the items that come
now wait for that write), the engine sends no new requests until the write is done.
Without it, a server that writes slower than the crawl downloads (a slow disk under
journaled writes, a loaded machine) fills the scraper with responses whose items wait for
the flush, up to Scrapy's SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB of bodies, about 250 pages
and their items: +17 MB RSS in benchmarks/memory.py with writes made 1 s slower); with
it the crawl slows down to the writes instead of growing.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from pymongo import ASCENDING, AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsbot.disabled import disabled
from newsbot.mongo.connect import MongoConnectError, connect, describe
from newsbot.mongo.ops import UnsafeDocument, plain_document
from newsbot.mongo.spool import Spool
from newsbot.mongo.writer import BulkWriter, WriteResult
from newsbot.outputs import guard
from newsbot.redact import redact_text, redact_uri

logger = logging.getLogger(__name__)
STATS = "newsbot/mongo"
INDEXES = (("url", True), ("published_at", False), ("content_hash", False), ("site", False))


class MongoPipeline:
    def __init__(self, crawler: Crawler, uri: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.uri = uri
        self.database = settings.get("MONGO_DATABASE")
        self.collection_name = settings.get("MONGO_COLLECTION")
        self.buffer_size = max(1, settings.getint("NEWSBOT_MONGO_BUFFER_SIZE"))
        self.flush_seconds = settings.getfloat("NEWSBOT_MONGO_FLUSH_SECONDS")
        self.retry_times = settings.getint("NEWSBOT_MONGO_RETRY_TIMES")
        self.backoff = settings.getfloat("NEWSBOT_MONGO_RETRY_BACKOFF")
        self.timeout_ms = settings.getint("NEWSBOT_MONGO_TIMEOUT_MS")
        self.journal = settings.getbool("NEWSBOT_MONGO_JOURNAL")
        state = Path(settings.get("NEWSBOT_STATE_DIR"))
        target = f"{self.database}.{self.collection_name}"
        self.spool = Spool(state / "mongo-spool" / target)
        self.rejects = state / "mongo-rejected" / f"{target}.jsonl"
        self.client: AsyncMongoClient[dict[str, Any]] | None = None
        self.writer: BulkWriter | None = None
        self.buffer: list[dict[str, Any]] = []
        self.buffer_since = 0.0
        self.total = WriteResult()
        self._writing = 0  # documents in the write under way
        self._written: asyncio.Event | None = None  # set when the write under way is done
        self._paused_at: float | None = None  # when we paused the engine (back-pressure)
        self._lock: asyncio.Lock | None = None
        self._timer: asyncio.Task[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        uri = crawler.settings.get("MONGO_URI")
        if not uri:
            raise disabled(cls, "MONGO_URI is not set")
        return cls(crawler, uri)

    # --- lifecycle ----------------------------------------------------------------------
    async def open_spider(self) -> None:
        self._lock = asyncio.Lock()
        self.client = await connect(self.uri, self.timeout_ms)
        collection = self._collection(self.client)
        try:
            for key, unique in INDEXES:
                await collection.create_index([(key, ASCENDING)], unique=unique)
        except PyMongoError as error:
            await self.client.close()
            raise MongoConnectError(
                f"cannot create the indexes of {self.database}.{self.collection_name} at "
                f"{redact_uri(self.uri)}: {describe(error, self.uri)}") from None
        self.writer = BulkWriter(collection, self.spool, self.rejects, self.retry_times,
                                 self.backoff, redact=lambda text: redact_text(text, self.uri))
        await self.replay()
        if self.flush_seconds > 0:
            self._timer = asyncio.get_running_loop().create_task(self._flush_on_time())

    def _collection(self, client: AsyncMongoClient[dict[str, Any]]) -> AsyncCollection[dict[str, Any]]:
        concern = dict(client.write_concern.document)
        if self.journal:
            concern["j"] = True  # acknowledged = in the server's journal, survives its crash
        return client[self.database].get_collection(self.collection_name,
                                                    write_concern=WriteConcern(**concern))

    async def close_spider(self) -> None:
        self._release()
        if self._timer is not None and self._lock is not None:
            async with self._lock:  # let a timed flush in progress finish first
                self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        try:
            if self.writer is not None:
                await self.flush()
        finally:
            self.spool.close()
            if self.client is not None:
                await self.client.close()
                self.client = None
        pauses = self.crawler.stats.get_value(f"{STATS}/backpressure/pauses")
        if pauses:
            logger.info("the crawl waited %.1f s in all (%d times) for MongoDB writes to catch up",
                        (self.crawler.stats.get_value(f"{STATS}/backpressure/waited_ms") or 0) / 1000, pauses)
        t = self.total
        logger.info("MongoDB %s.%s: %d inserted, %d updated, %d unchanged, %d spooled, "
                    "%d rejected, %d not stored", self.database, self.collection_name, t.inserted, t.updated,
                    t.unchanged, t.spooled, t.rejected, t.unsaved)

    # --- items ----------------------------------------------------------------------------
    async def process_item(self, item: Any) -> Any:
        try:
            doc = plain_document(item)
        except UnsafeDocument as error:
            self.crawler.stats.inc_value(f"{STATS}/dropped/unsafe")
            url = ItemAdapter(item).get("url")
            raise DropItem(f"cannot store {url if isinstance(url, str) and url else '<no url>'}: "
                           f"{error}") from error
        if not self.buffer:
            self.buffer_since = time.monotonic()
        self.buffer.append(doc)
        self._press()
        while len(self.buffer) >= self.buffer_size:
            if self._written is None:
                await self.flush(full_only=True)
                break
            # A write is out: wait for it (and the crawl with us, _press). Then the first of
            # the items waiting here writes what was buffered meanwhile; the others'
            # documents are in that write, and they go on.
            await self._written.wait()
        return item

    async def flush(self, full_only: bool = False) -> None:
        """Write the buffer now (one bulk_write; retries and spooling in BulkWriter).

        ``full_only``: only if the buffer is still full once the lock is ours.
        """
        assert self._lock is not None and self.writer is not None, "open_spider() was not called"
        async with self._lock:
            if full_only and len(self.buffer) < self.buffer_size:
                return
            docs, self.buffer = self.buffer, []
            if not docs:
                return
            self._writing, self._written = len(docs), asyncio.Event()
            try:
                result = await self.writer.write(docs)
            except BaseException:  # a bug or a cancellation must not lose the batch
                self.spool.append(docs)
                self.crawler.stats.inc_value(f"{STATS}/spooled", len(docs))
                raise
            finally:
                self._written.set()
                self._writing, self._written = 0, None
                self._press()
            self._account(result)
            self.crawler.stats.inc_value(f"{STATS}/flushes")

    @property
    def pending(self) -> int:
        """Documents buffered or being written."""
        return len(self.buffer) + self._writing

    def _press(self) -> None:
        """Pause the engine while the writes are behind, resume it once they are not
        (module docstring); an engine paused by someone else is left alone."""
        engine = self._engine()
        if engine is None:
            return
        if self._writing and len(self.buffer) >= self.buffer_size:
            if self._paused_at is None and not engine.paused:
                engine.pause()
                self._paused_at = time.monotonic()
                self.crawler.stats.inc_value(f"{STATS}/backpressure/pauses")
        elif self._paused_at is not None:
            self._release()

    def _engine(self) -> ExecutionEngine | None:
        try:
            return self.crawler.engine
        except RuntimeError:  # no crawl running (the pipeline driven by a test or a tool)
            return None

    def _release(self) -> None:
        engine = self._engine()
        if self._paused_at is None or engine is None:
            return
        waited, self._paused_at = time.monotonic() - self._paused_at, None
        self.crawler.stats.inc_value(f"{STATS}/backpressure/waited_ms", round(waited * 1000))
        engine.unpause()
        # Nothing else may ask the engine for requests soon (Scrapy's heartbeat is 5 s).
        slot = getattr(engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    async def replay(self) -> None:
        """Write what earlier runs spooled, then forget it (re-spooled if it fails again)."""
        assert self.writer is not None
        for claimed in self.spool.claim():
            try:
                docs = []
                for doc in claimed.documents():
                    try:
                        docs.append(plain_document(doc))
                    except UnsafeDocument as error:  # only a hand-edited spool gets here
                        self.writer.reject(doc, f"unreadable spool entry: {error}")
                result = await self.writer.write(docs)
            except BaseException:
                claimed.release()
                raise
            claimed.remove()
            self._account(result)
            self.crawler.stats.inc_value(f"{STATS}/replayed", len(docs))
            logger.info("replayed %d spooled document(s) from %s: %d inserted, %d updated, "
                        "%d already stored, %d spooled again", len(docs), claimed.path.name,
                        result.inserted, result.updated, result.unchanged, result.spooled)

    async def _flush_on_time(self) -> None:
        period = max(0.05, min(1.0, self.flush_seconds / 4))
        while True:
            await asyncio.sleep(period)
            if self.buffer and time.monotonic() - self.buffer_since >= self.flush_seconds:
                try:
                    await self.flush()
                except Exception:  # keep the timer alive; close_spider flushes again
                    logger.exception("timed MongoDB flush failed")

    def _account(self, result: WriteResult) -> None:
        self.total.add(result)
        stats = self.crawler.stats
        if result.unsaved:
            guard(self.crawler).fail("mongo", f"{self.database}.{self.collection_name}",
                                     result.errors[-1] if result.errors else "not stored", count=result.unsaved)
        for name in ("inserted", "updated", "unchanged", "retried", "spooled", "rejected", "unsaved"):
            value = getattr(result, name)
            if value:
                stats.inc_value(f"{STATS}/{name}", value)
