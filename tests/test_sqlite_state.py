"""The embedded state's thread: calls run in the order asked, errors come back, none hangs."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from newsbot.state import Known, StateUnavailable
from newsbot.state.sqlite import SqliteStateStore

URL = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"
ALIAS = "https://www.guancha.cn/internation/2022_04_27_636953_s.shtml"
SEEN = "2022-04-27T04:00:00+00:00"


def test_a_lookup_sees_every_record_made_before_it(tmp_path: Path) -> None:
    async def run() -> tuple[Known | None, Known | None]:
        store = SqliteStateStore(tmp_path / "state.sqlite3")
        await store.open()
        store.record(URL, "hash-1", "2022-04-27T10:22:31+08:00", SEEN, 0, ("新媒体", "观察者网", "头条"))
        by_url, by_hash = await store.lookup_url(URL), await store.lookup_hash("hash-1")
        await store.close()
        return by_url, by_hash

    by_url, by_hash = asyncio.run(run())
    assert by_url == Known(URL, "hash-1", "2022-04-27T10:22:31+08:00", 1, channel_rank=0,
                           categories=("新媒体", "观察者网", "头条"))
    assert by_hash == by_url


def test_a_failed_call_is_state_unavailable_and_the_store_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"

    async def run() -> Known | None:
        store = SqliteStateStore(path)
        await store.open()
        await store._run(store._db().execute, "ALTER TABLE articles RENAME TO gone")
        with pytest.raises(StateUnavailable, match="no such table: articles"):
            await store.lookup_url(URL)
        await store.add_alias(ALIAS, Known(URL, "hash-1", None, 1), SEEN)  # the thread still serves
        await store._run(store._db().execute, "ALTER TABLE gone RENAME TO articles")
        known = await store.lookup_url(URL)
        await store.close()
        return known

    assert asyncio.run(run()) is None
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT alias, url FROM aliases").fetchall() == [(ALIAS, URL)]


def test_a_cancelled_lookup_leaves_the_store_answering_and_close_ends_its_thread(tmp_path: Path) -> None:
    async def run() -> Known | None:
        store = SqliteStateStore(tmp_path / "state.sqlite3")
        await store.open()
        store.record(URL, "hash-1", None, SEEN)
        waiting = asyncio.ensure_future(store.lookup_url(URL))
        await asyncio.sleep(0)
        waiting.cancel()
        known = await store.lookup_hash("hash-1")
        await store.close()
        return known

    assert asyncio.run(run()) == Known(URL, "hash-1", None, 1)  # recorded without a rank
    assert not [t for t in threading.enumerate() if t.name == "newsbot-sqlite"]
