"""The shared frontier in Redis: scrapy-redis's queue, plus workers and in-flight requests.

scrapy-redis pops a request off the queue and forgets it: a worker that dies then holds
requests that are in no queue any more but already in the seen-set, so they are lost. Here
a pop is a lease: one Lua call moves the request from the queue (the sorted set of
``scrapy_redis.queue.PriorityQueue``) into the worker's in-flight hash, which forgets it
once it is handled. A worker refreshes an expiring heartbeat key; once that key has
expired, any other worker moves the dead worker's leases back onto the queue.

Keys, for spider ``s``: the queue (``s:requests``), ``s:workers`` (registered workers),
``s:worker:<id>`` (heartbeat) and ``s:inflight:<id>`` (lease -> "<score>:<request>").
"""
from __future__ import annotations

import logging
from typing import NamedTuple, Self

from redis import Redis
from scrapy.settings import BaseSettings
from scrapy_redis import defaults

logger = logging.getLogger(__name__)
# Pop the best-scored request of KEYS[1] into the in-flight hash KEYS[2] under lease ARGV[1].
POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. ':' .. r[1])
return r[1]
"""
# Move every lease of KEYS[1] back onto the queue KEYS[2] with its score and drop the hash;
# if KEYS[3] is given, do nothing (-1) while that heartbeat exists.
REQUEUE = """
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local vals = redis.call('HVALS', KEYS[1])
for _, v in ipairs(vals) do
  local i = string.find(v, ':', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(v, 1, i - 1), string.sub(v, i + 1))
end
redis.call('DEL', KEYS[1])
return #vals
"""


class FrontierState(NamedTuple):
    queued: int  # requests waiting in the shared queue
    inflight: int  # requests leased by live workers other than the caller
    live_workers: int  # live workers other than the caller
    orphaned: int  # requests held by workers no longer alive (reclaimable)

    @property
    def empty(self) -> bool:
        return self.queued == 0 and self.inflight == 0


class Frontier:
    """One spider's shared frontier (synchronous calls: Redis is near and quick)."""

    def __init__(self, server: Redis, spider: str, queue: str) -> None:
        self.server, self.spider, self.queue = server, spider, queue
        self.workers_key = f"{spider}:workers"
        self._pop, self._requeue = server.register_script(POP), server.register_script(REQUEUE)

    @classmethod
    def for_spider(cls, server: Redis, spider: str, settings: BaseSettings) -> Self:
        key = settings.get("SCHEDULER_QUEUE_KEY") or defaults.SCHEDULER_QUEUE_KEY
        return cls(server, spider, key % {"spider": spider})

    def heartbeat(self, worker: str) -> str:
        return f"{self.spider}:worker:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.spider}:inflight:{worker}"

    def beat(self, worker: str, ttl: float) -> None:
        """``worker`` is alive for ``ttl`` seconds more."""
        self.server.set(self.heartbeat(worker), 1, px=int(ttl * 1000))
        self.server.sadd(self.workers_key, worker)

    def leave(self, worker: str) -> None:
        self.server.srem(self.workers_key, worker)
        self.server.delete(self.heartbeat(worker))

    def workers(self) -> list[str]:
        return sorted(w.decode() for w in self.server.smembers(self.workers_key))  # type: ignore[union-attr]

    def pop(self, worker: str, lease: str) -> bytes | None:
        """The next request's data, now held by ``worker`` under ``lease``; None if the queue is empty."""
        return self._pop(keys=[self.queue, self.inflight(worker)], args=[lease]) or None

    def release(self, worker: str, lease: str) -> bool:
        """The request of ``lease`` is handled: forget it. True if it was still held."""
        return bool(self.server.hdel(self.inflight(worker), lease))

    def requeue(self, worker: str) -> int:
        """Put every lease of ``worker`` back onto the queue."""
        return int(self._requeue(keys=[self.inflight(worker), self.queue]))

    def drop_leases(self, worker: str) -> int:
        """Forget every lease of ``worker`` (its requests are all handled)."""
        count = int(self.server.hlen(self.inflight(worker)))
        self.server.delete(self.inflight(worker))
        return count

    def reclaim_dead(self, exclude: str) -> int:
        """Requeue the leases of every registered worker whose heartbeat has expired."""
        total = 0
        for worker in self.workers():
            moved = -1 if worker == exclude else int(self._requeue(
                keys=[self.inflight(worker), self.queue, self.heartbeat(worker)]))
            if moved >= 0:
                self.server.srem(self.workers_key, worker)
                if moved:
                    logger.warning("worker %s is gone: put its %d in-flight request(s) back on the queue",
                                   worker, moved)
                total += moved
        return total

    def state(self, exclude: str | None = None) -> FrontierState:
        """The queue and the leases of every registered worker but ``exclude``."""
        workers = [w for w in self.workers() if w != exclude]
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zcard(self.queue)
            for worker in workers:
                pipe.exists(self.heartbeat(worker))
                pipe.hlen(self.inflight(worker))
            queued, *replies = pipe.execute()
        held = list(zip(replies[::2], replies[1::2], strict=True))
        live = [n for alive, n in held if alive]
        return FrontierState(queued, sum(live), len(live), sum(n for alive, n in held if not alive))

    def reset(self, extra_keys: list[str]) -> int:
        """Drop the queue, every lease, the worker registry and ``extra_keys``."""
        keys = [self.queue, self.workers_key, *extra_keys, *self.server.scan_iter(match=self.inflight("*"))]
        return int(self.server.delete(*keys, *(self.heartbeat(w) for w in self.workers())))
