"""Lookups asked for close together answered by one query.

A MongoDB round trip costs the client about the same CPU for one key as for a hundred
(building the command, BSON, the socket, the cursor), so the state store asks for keys in
batches: the keys asked for in one turn of the event loop (a list page's article requests
reach the incremental middleware together) go as one query, and while ``parallel``
queries are out, the keys asked for meanwhile wait and go together as the next one (the
content hashes of articles that arrive one by one, each a few milliseconds after the
last).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Batcher(Generic[K, V]):
    """``await get(key)``: ``query(keys)``'s answer for ``key`` (None when it has none).

    An error of the query is raised to every caller whose key it held.
    """

    def __init__(self, query: Callable[[list[K]], Awaitable[Mapping[K, V]]], parallel: int = 1,
                 most: int = 1000) -> None:
        self.query = query
        self.parallel = parallel  # queries out at once
        self.most = most  # keys a query holds at most
        self.queries = 0  # sent so far
        self.keys = 0  # asked for so far (the same key twice in one batch counts twice)
        self._wanted: dict[K, list[asyncio.Future[V | None]]] = {}
        self._scheduled = False
        self._out: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[V | None] = loop.create_future()
        self._wanted.setdefault(key, []).append(answer)
        self.keys += 1
        if not self._scheduled and len(self._out) < self.parallel:
            self._scheduled = True
            loop.call_soon(self._send)
        return await answer

    def _send(self) -> None:
        self._scheduled = False
        while self._wanted and len(self._out) < self.parallel:
            keys = list(self._wanted)[:self.most]
            wanted = {key: self._wanted.pop(key) for key in keys}
            self.queries += 1
            task = asyncio.get_running_loop().create_task(self._answer(wanted))
            self._out.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._out.discard(task)
        if self._wanted and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._send)

    async def _answer(self, wanted: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            found = await self.query(list(wanted))
        except BaseException as error:
            for answers in wanted.values():
                for answer in answers:
                    if not answer.done():
                        answer.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for key, answers in wanted.items():
            for answer in answers:
                if not answer.done():
                    answer.set_result(found.get(key))
