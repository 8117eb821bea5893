"""Batcher (newsbot/mongo/batch.py): lookups asked for close together go as one query."""
from __future__ import annotations

import asyncio

import pytest

from newsbot.mongo.batch import Batcher


class Query:
    """A fake query: answers ``key.upper()`` for keys that start with "a", after ``gate``."""

    def __init__(self) -> None:
        self.sent: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.error: Exception | None = None

    async def __call__(self, keys: list[str]) -> dict[str, str]:
        self.sent.append(keys)
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return {key: key.upper() for key in keys if key.startswith("a")}


def test_keys_asked_in_one_turn_go_as_one_query() -> None:
    async def run() -> tuple[list[str | None], Query]:
        query = Query()
        batcher = Batcher(query)
        answers = await asyncio.gather(batcher.get("ab"), batcher.get("bc"), batcher.get("ab"), batcher.get("ad"))
        return answers, query

    answers, query = asyncio.run(run())
    assert answers == ["AB", None, "AB", "AD"]
    assert query.sent == [["ab", "bc", "ad"]]


def test_keys_asked_while_a_query_is_out_go_together_as_the_next_one() -> None:
    async def run() -> tuple[list[str | None], Query, Batcher[str, str]]:
        query = Query()
        query.gate.clear()
        batcher = Batcher(query)
        first = asyncio.ensure_future(batcher.get("a1"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first query is out, waiting for the gate
        later = [asyncio.ensure_future(batcher.get(key)) for key in ("a2", "b3")]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        later.append(asyncio.ensure_future(batcher.get("a4")))  # asked in another turn
        await asyncio.sleep(0)
        assert query.sent == [["a1"]]
        query.gate.set()
        return await asyncio.gather(first, *later), query, batcher

    answers, query, batcher = asyncio.run(run())
    assert answers == ["A1", "A2", None, "A4"]
    assert query.sent == [["a1"], ["a2", "b3", "a4"]]
    assert (batcher.keys, batcher.queries) == (4, 2)


def test_a_query_holds_at_most_most_keys() -> None:
    async def run() -> Query:
        query = Query()
        batcher = Batcher(query, parallel=2, most=2)
        await asyncio.gather(*(batcher.get(key) for key in ("a1", "a2", "a3", "a4", "a5")))
        return query

    assert asyncio.run(run()).sent == [["a1", "a2"], ["a3", "a4"], ["a5"]]


def test_every_caller_of_a_failed_query_gets_its_error_and_the_next_query_is_sent() -> None:
    async def run() -> tuple[list[BaseException | str | None], str | None]:
        query = Query()
        query.error = ConnectionError("server gone")
        batcher = Batcher(query)
        failed = await asyncio.gather(batcher.get("a1"), batcher.get("a2"), return_exceptions=True)
        query.error = None
        return failed, await batcher.get("a3")

    failed, after = asyncio.run(run())
    assert [str(error) for error in failed] == ["server gone", "server gone"]
    assert after == "A3"


def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    async def run() -> str | None:
        query = Query()
        query.gate.clear()
        batcher = Batcher(query)
        gone = asyncio.ensure_future(batcher.get("a1"))
        kept = asyncio.ensure_future(batcher.get("a1"))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
        query.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await kept

    assert asyncio.run(run()) == "A1"
