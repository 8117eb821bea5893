"""Embedded state: a stdlib sqlite3 file, so a crawl needs no database server.

Every sqlite call runs on one worker thread (sqlite connections belong to a thread), so
the reactor thread never waits on the disk. Records are queued and written in order, all
that are waiting in one transaction (measured over a crawl: 5.3% of its CPU with a commit
per record, 3.8% batched). Calls reach the thread through a plain queue, in order, and come
back as an asyncio future set from it (31 us of CPU a round trip; a ThreadPoolExecutor's
future wrapped for asyncio took 70, and a page makes two or three).

A batch the disk refuses stays queued, in order, for the next flush (and close); each
failure is reported when it happens through ``on_write_error`` (the first one is an
ERROR line). A damaged file is found at open (``PRAGMA quick_check``) and stops the crawl
with StateCorrupt, naming the file and what to do.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from newsbot.state.base import Known, StateCorrupt, StateStore, StateUnavailable

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    published_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    channel_rank INTEGER,
    categories TEXT
);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
"""
# Columns added since the first schema, for state files written before them.
ADDED_COLUMNS = {"channel_rank": "INTEGER", "categories": "TEXT"}
# A new hash for a known URL is a new version; a better (lower) channel rank replaces the
# stored rank and categories without being a new version; anything else changes nothing.
_BETTER = "(articles.channel_rank IS NULL OR excluded.channel_rank < articles.channel_rank)"
UPSERT = f"""
INSERT INTO articles (url, content_hash, published_at, version, first_seen, last_seen, channel_rank, categories)
VALUES (?, ?, ?, 1, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    content_hash = excluded.content_hash,
    published_at = excluded.published_at,
    version = articles.version + (articles.content_hash != excluded.content_hash),
    last_seen = excluded.last_seen,
    channel_rank = CASE WHEN {_BETTER} THEN excluded.channel_rank ELSE articles.channel_rank END,
    categories = CASE WHEN {_BETTER} THEN excluded.categories ELSE articles.categories END
WHERE articles.content_hash != excluded.content_hash OR {_BETTER}
"""
SELECT = "SELECT url, content_hash, published_at, version, channel_rank, categories FROM articles"


# What the sqlite thread is asked: run fn(*args), then done(result, error) on that thread.
_Job = tuple[Callable[..., Any], tuple[Any, ...], Callable[[Any, BaseException | None], None]]


def _known(row: tuple[Any, ...], alias: str | None = None) -> Known:
    url, content_hash, published_at, version, rank, categories = row
    return Known(url, content_hash, published_at, version, alias=alias, channel_rank=rank,
                 categories=tuple(json.loads(categories)) if categories else ())


class SqliteStateStore(StateStore):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._records: deque[tuple[Any, ...]] = deque()  # UPSERT parameters waiting for _flush
        self._flush_queued = False
        self._retrying = 0  # records at the head of the queue whose write failed (sqlite thread)
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- plumbing -------------------------------------------------------------------
    def _serve(self) -> None:
        """The sqlite thread: run the jobs in the order they came, until told to stop (None)."""
        while (job := self._next_job()) is not None:
            fn, args, done = job
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed over to whoever asked, as an executor does
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # the reactor's loop is closed: nobody waits
                done(result, error)

    def _next_job(self) -> _Job | None:
        """Wait for the next job (its own frame: profiles count the thread idle in it)."""
        return self._jobs.get()

    def _submit(self, fn: Callable[..., Any], *args: Any,
                done: Callable[[Any, BaseException | None], None]) -> None:
        assert self._thread is not None, "store is not open"
        self._jobs.put((fn, args, done))

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the sqlite thread, after everything asked before it."""
        loop = self._loop
        assert loop is not None, "store is not open"
        future: asyncio.Future[T] = loop.create_future()

        def done(result: Any, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, result, error)

        self._submit(fn, *args, done=done)
        return await future

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await self._run(fn, *args)
        except sqlite3.Error as error:
            raise StateUnavailable(f"sqlite state {self.path}: {error}") from error

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
            problems = [str(error)]
        if problems != ["ok"]:
            conn.close()
            found = " ".join("; ".join(problems).split())[:300]  # quick_check's lines, on one line
            raise StateCorrupt(
                f"the sqlite state {self.path} is damaged ({found}). Move it aside "
                f"(mv {self.path} {self.path}.damaged) and crawl again: the new state starts empty, "
                "so that crawl emits every article once more")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        present = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
        for column, kind in ADDED_COLUMNS.items():
            if column not in present:
                conn.execute(f"ALTER TABLE articles ADD COLUMN {column} {kind}")
        conn.commit()
        self._conn = conn

    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None, "store is not open"
        return self._conn

    # --- StateStore -------------------------------------------------------------------
    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._serve, name="newsbot-sqlite", daemon=True)
        self._thread.start()
        try:
            await self._call(self._connect)
        except BaseException:
            self._stop()
            raise

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    async def close(self) -> None:
        if self._thread is None:
            return
        # After every flush asked before (failures were reported as they happened; their
        # records are still queued).
        left = await self._run(self._close)
        self._stop()
        if left:
            self._report(f"{left} record(s) still not written at close; those articles are not marked as "
                         "seen, and the next crawl emits them again", 0)

    def _close(self) -> int:
        """Last flush and close; the number of records that could not be written."""
        left = 0
        if self._conn is not None:
            try:
                self._flush()
            except sqlite3.Error:
                left = len(self._records)
                self._records.clear()
            self._conn.close()
            self._conn = None
        return left

    async def lookup_url(self, url: str) -> Known | None:
        return await self._call(self._lookup_url, url)

    def _lookup_url(self, url: str) -> Known | None:
        db = self._db()
        row = db.execute(f"{SELECT} WHERE url = ?", (url,)).fetchone()
        if row:
            return _known(row)
        alias = db.execute("SELECT url FROM aliases WHERE alias = ?", (url,)).fetchone()
        if alias:
            row = db.execute(f"{SELECT} WHERE url = ?", (alias[0],)).fetchone()
            if row:
                return _known(row, alias=url)
        return None

    async def lookup_hash(self, content_hash: str) -> Known | None:
        return await self._call(self._lookup_hash, content_hash)

    def _lookup_hash(self, content_hash: str) -> Known | None:
        row = self._db().execute(
            f"{SELECT} WHERE content_hash = ? ORDER BY first_seen, url LIMIT 1", (content_hash,)
        ).fetchone()
        return _known(row) if row else None

    async def add_alias(self, alias: str, known: Known, seen_at: str) -> None:
        await self._call(self._write, "INSERT OR IGNORE INTO aliases VALUES (?, ?, ?, ?)",
                         (alias, known.url, known.content_hash, seen_at))

    def record(self, url: str, content_hash: str, published_at: str | None, seen_at: str,
               channel_rank: int | None = None, categories: tuple[str, ...] = ()) -> None:
        self._records.append((url, content_hash, published_at, seen_at, seen_at, channel_rank,
                              json.dumps(list(categories), ensure_ascii=False)))
        if not self._flush_queued:
            self._flush_queued = True
            self._submit(self._flush, done=self._flushed)

    def _flushed(self, _: None, error: BaseException | None) -> None:
        """On the sqlite thread: hand a failed flush over to the reactor thread."""
        if error is not None and self._loop is not None and not self._loop.is_closed():
            failed = getattr(error, "newsbot_new_failures", 0)
            self._loop.call_soon_threadsafe(self._report, f"{type(error).__name__}: {error}", failed)

    def _report(self, error: str, records: int) -> None:
        message = f"{error} (queued again for the next write)" if records else error
        if self.on_write_error is not None:
            self.on_write_error(message, max(records, 1))

    def _flush(self) -> None:
        """Write the queued records in one transaction (on the sqlite thread).

        A batch that fails goes back to the head of the queue, in order, and the error is
        raised (for ``_flushed``) carrying how many of its records failed for the first time.
        """
        # Cleared before draining: a record queued from now on either is drained below or
        # finds the flag down and queues another flush.
        self._flush_queued = False
        batch = []
        while self._records:
            batch.append(self._records.popleft())
        if not batch:
            return
        try:
            with self._db() as db:
                db.executemany(UPSERT, batch)
        except sqlite3.Error as error:
            self._records.extendleft(reversed(batch))
            error.newsbot_new_failures = len(batch) - self._retrying  # type: ignore[attr-defined]
            self._retrying = len(batch)
            raise
        self._retrying = 0

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        db = self._db()
        with db:
            db.execute(sql, params)

    async def version(self, url: str) -> int | None:
        """The stored version of ``url`` (for tests and tools)."""
        known = await self.lookup_url(url)
        return known.version if known and not known.alias else None


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """On the reactor thread: the answer of a job (an awaiting call may have been cancelled)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
