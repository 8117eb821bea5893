"""Buffered-batch writes that retry what is transient and spool what still fails.

A document the server refuses for good (too large, invalid) goes to the rejects file once
per content: ``<rejects>.index`` lists the ``url``/``content_hash``/``published_at`` kept
there, and the MongoDB state (newsbot/state/mongo.py) answers for them as stored, so the
page is not fetched and emitted again on every crawl while it does not change.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson.errors import InvalidDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError

from newsbot.items import rank_of
from newsbot.mongo.connect import describe
from newsbot.mongo.errors import DUPLICATE_KEY, code_is_transient, is_transient
from newsbot.mongo.ops import UPDATES_PER_DOC, insert, updates
from newsbot.mongo.spool import Spool

logger = logging.getLogger(__name__)
Doc = dict[str, Any]


@dataclass
class WriteResult:
    inserted: int = 0   # new articles
    updated: int = 0    # stored articles given new content
    unchanged: int = 0  # already stored with this content (or a newer one): nothing to do
    retried: int = 0    # documents sent again after a transient error
    spooled: int = 0    # left in the local spool for the next run
    rejected: int = 0   # refused by the server for good (written to the rejects file)
    unsaved: int = 0    # neither written nor spooled (the spool's disk refused): fetched again next run
    errors: list[str] = field(default_factory=list)

    def add(self, other: WriteResult) -> None:
        for name in ("inserted", "updated", "unchanged", "retried", "spooled", "rejected", "unsaved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


@dataclass
class _Tries:
    """Transient failures of one :meth:`BulkWriter.write` so far, and how many it may retry."""

    budget: int
    failures: int = 0


class BulkWriter:
    """Write article documents with ``bulk_write(ordered=False)``: inserts first, then the
    updates of those already stored (newsbot/mongo/ops.py).

    Transient failures are retried with exponential backoff (``backoff``, doubled each
    time, at most ``max_backoff``) up to ``retry_times`` times; documents that still fail
    go to ``spool``. After a spooled batch the writer is "degraded": for ``pause`` seconds
    batches go straight to the spool, then one is tried once only, so an outage slows the
    crawl down once, not on every batch. When the spool's disk refuses too, the batch is
    counted ``unsaved`` and the crawl goes on: with MongoDB as the state an article that
    is not in the database is fetched again by the next crawl.
    """

    pause = 30.0

    def __init__(
        self,
        collection: AsyncCollection[Doc],
        spool: Spool,
        rejects: Path,
        retry_times: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        redact: Callable[[str], str] = str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.collection = collection
        self.spool = spool
        self.rejects = Path(rejects)
        self.retry_times = retry_times
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.redact = redact
        self.sleep = sleep
        self.degraded = False
        self._retry_at = 0.0  # while degraded, the server is not tried before this (monotonic)
        self._spool_failed = False
        self._rejected = read_rejected(self.rejects)

    async def write(self, docs: list[Doc]) -> WriteResult:
        """Insert ``docs``, then update those already stored (newsbot/mongo/ops.py); what
        cannot be written is spooled."""
        result = WriteResult()
        if self.degraded and time.monotonic() < self._retry_at:
            result.errors.append("MongoDB unavailable (a recent write failed)")
        tries = _Tries(0 if self.degraded else self.retry_times)
        stored: list[Doc] = []
        unsent = await self._send(list(docs), stored, result, tries)
        if not unsent and stored:
            unsent = await self._send(stored, None, result, tries)
        else:
            unsent += stored
        if unsent:
            first = not self.degraded
            self.degraded = True
            self._retry_at = time.monotonic() + self.pause
            left = {id(doc) for doc in unsent}
            await self._spool([doc for doc in docs if id(doc) in left], result, first)
        elif not result.errors:
            self.degraded = False
        # Per document, at most one of its writes changes anything (newsbot/mongo/ops.py).
        result.unchanged = max(0, len(docs) - result.inserted - result.updated - result.spooled
                               - result.rejected - result.unsaved)
        return result

    async def _send(self, pending: list[Doc], stored: list[Doc] | None, result: WriteResult,
                    tries: _Tries) -> list[Doc]:
        """Insert ``pending`` (``stored`` given: it receives those whose URL is stored
        already) or, with ``stored`` None, send them their updates; retried while
        transient. The documents left unwritten."""
        while pending and not (self.degraded and time.monotonic() < self._retry_at):
            ops = ([insert(doc) for doc in pending] if stored is not None
                   else [op for doc in pending for op in updates(doc)])
            try:
                answer = await self.collection.bulk_write(ops, ordered=False)
            except BulkWriteError as error:
                details = error.details
                result.inserted += details.get("nInserted", 0)
                result.updated += details.get("nModified", 0)
                pending, transient = self._sort_errors(pending, details, stored, result)
                if not transient:
                    continue  # only duplicate keys: those documents get their updates next
                last = f"{len(transient)} write error(s), e.g. code {transient[0]}"
            except InvalidDocument as error:  # raised before sending: find the culprit(s)
                if len(pending) == 1:
                    self._reject_now(pending[0], self.redact(str(error)), result)
                else:
                    for doc in pending:
                        result.add(await self.write([doc]))
                return []
            except PyMongoError as error:
                last = self.redact(describe(error, None))
                if not is_transient(error):
                    result.errors.append(last)
                    return pending
            else:
                result.inserted += answer.inserted_count
                result.updated += answer.modified_count
                return []
            tries.failures += 1
            if tries.failures > tries.budget:
                result.errors.append(last)
                return pending
            delay = min(self.max_backoff, self.backoff * 2 ** (tries.failures - 1))
            logger.warning("MongoDB write failed (%s); retrying %d document(s) in %.1fs "
                           "(attempt %d of %d)", last, len(pending), delay, tries.failures, tries.budget)
            result.retried += len(pending)
            await self.sleep(delay)
        return pending

    async def _spool(self, pending: list[Doc], result: WriteResult, first: bool) -> None:
        reason = result.errors[-1] if result.errors else "?"
        try:
            await asyncio.to_thread(self.spool.append, pending)
        except OSError as error:
            result.unsaved += len(pending)
            result.errors.append(f"spool {self.spool.directory}: {error}")
            logger.log(logging.DEBUG if self._spool_failed else logging.ERROR,
                       "MongoDB write failed for %d document(s) (%s) and the spool refused them too "
                       "(%s): not stored; the next crawl fetches them again", len(pending), reason, error)
            self._spool_failed = True
            return
        result.spooled += len(pending)
        logger.log(logging.ERROR if first else logging.INFO,
                   "MongoDB write failed for %d document(s) (%s); spooled to %s, replayed on the next run%s",
                   len(pending), reason, self.spool.directory,
                   f" (the server is tried again in {self.pause:.0f}s)" if first else "")

    def _sort_errors(self, pending: list[Doc], details: Mapping[str, Any], stored: list[Doc] | None,
                     result: WriteResult) -> tuple[list[Doc], list[int]]:
        """Documents to send again, and the transient codes seen; with ``stored`` (inserts),
        those refused as duplicates go there, to be updated."""
        per_doc = 1 if stored is not None else UPDATES_PER_DOC
        errors: dict[int, list[dict[str, Any]]] = {}
        for entry in details.get("writeErrors", []):
            errors.setdefault(entry["index"] // per_doc, []).append(entry)
        unconfirmed = bool(details.get("writeConcernErrors"))
        again: list[Doc] = []
        transient: list[int] = []
        for index, doc in enumerate(pending):
            entries = errors.get(index)
            if entries is None:
                if unconfirmed:  # applied but not confirmed durable: send again
                    transient.append(64)
                    again.append(doc)
                continue
            codes = [entry.get("code") for entry in entries]
            lasting = [entry for entry in entries if entry.get("code") != DUPLICATE_KEY
                       and not (isinstance(entry.get("code"), int) and code_is_transient(entry["code"]))]
            if lasting:
                self._reject_now(doc, self.redact(str(lasting[0].get("errmsg"))), result)
            elif stored is None or any(code != DUPLICATE_KEY for code in codes):
                # (an update cannot collide on the URL; if one ever did, it is retried, then spooled)
                retry = [code for code in codes if isinstance(code, int) and code != DUPLICATE_KEY]
                transient += retry or [DUPLICATE_KEY]
                again.append(doc)
            else:
                # The URL is stored (before, or by another writer in the meantime): its
                # updates decide what changes.
                stored.append(doc)
        return again, transient

    def reject(self, doc: Doc, reason: str) -> None:
        """Keep ``doc`` aside for good (in the rejects file), outside any write."""
        self._reject_now(doc, reason, WriteResult())

    def _reject_now(self, doc: Doc, reason: str, result: WriteResult) -> None:
        result.rejected += 1
        url, digest = doc.get("url"), doc.get("content_hash")
        if isinstance(url, str) and digest and self._rejected.get(url, ("",))[0] == digest:
            logger.info("MongoDB refused %s again (%s); already kept in %s", url, reason, self.rejects)
            return
        self.rejects.parent.mkdir(parents=True, exist_ok=True)
        with open(self.rejects, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"reason": reason, "doc": doc}, ensure_ascii=False,
                                    default=str) + "\n")
        if isinstance(url, str) and isinstance(digest, str) and digest:
            published = doc.get("published_at")
            published = published if isinstance(published, str) else None
            rank = rank_of(doc.get("channel_rank"))
            with open(rejected_index(self.rejects), "a", encoding="utf-8") as index:
                index.write(json.dumps({"url": url, "content_hash": digest, "published_at": published,
                                        "channel_rank": rank}, ensure_ascii=False) + "\n")
            self._rejected[url] = (digest, published, rank)
        logger.error("MongoDB refused %s for good (%s); kept in %s", url, reason, self.rejects)


def rejected_index(rejects: Path) -> Path:
    """The small index beside a rejects file (one line per url and content kept there)."""
    return rejects.with_name(rejects.name + ".index")


def read_rejected(rejects: Path) -> dict[str, tuple[str, str | None, int]]:
    """url -> (content_hash, published_at, channel_rank) of the documents kept in ``rejects``,
    the last line of a URL winning."""
    found: dict[str, tuple[str, str | None, int]] = {}
    try:
        lines = rejected_index(rejects).read_text("utf-8").splitlines()
    except FileNotFoundError:
        return found
    for line in lines:
        try:
            entry = json.loads(line)
            found[str(entry["url"])] = (str(entry["content_hash"]), entry.get("published_at"),
                                        rank_of(entry.get("channel_rank")))
        except (ValueError, KeyError, TypeError):
            continue
    return found
