"""The shared frontier's bookkeeping in Redis: workers, heartbeats and in-flight requests.

scrapy-redis pops a request off the shared queue and forgets it: a worker that dies holds
requests that are in no queue any more but already in the seen-set, so they are lost. Here
every pop is a lease (see :class:`newsbot.distributed.queue.LeasedPriorityQueue`): the
request is copied into the worker's in-flight hash in the same atomic step, and removed
from it once the worker has handled it. A worker refreshes an expiring heartbeat key; when
the key has expired, any other worker moves the dead worker's leases back onto the queue.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis

from newsbot.distributed.keys import FrontierKeys

logger = logging.getLogger(__name__)

# Move every lease of an in-flight hash back onto the queue (with its old score) and drop
# the hash, atomically. With ARGV[1] == "1", do nothing (-1) while KEYS[3] (the owner's
# heartbeat) still exists. Values are "<score>:<serialized request>".
REQUEUE = """
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local vals = redis.call('HVALS', KEYS[1])
for _, v in ipairs(vals) do
  local i = string.find(v, ':', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(v, 1, i - 1), string.sub(v, i + 1))
end
redis.call('DEL', KEYS[1])
return #vals
"""


@dataclass(frozen=True)
class FrontierState:
    queued: int  # requests waiting in the shared queue
    inflight: int  # requests leased by live workers other than the caller
    live_workers: int  # live workers other than the caller

    @property
    def empty(self) -> bool:
        return self.queued == 0 and self.inflight == 0


class Frontier:
    """Operations on one spider's shared frontier (synchronous; Redis is local and quick)."""

    def __init__(self, server: Redis, keys: FrontierKeys) -> None:
        self.server = server
        self.keys = keys
        self._requeue = server.register_script(REQUEUE)

    # --- workers ----------------------------------------------------------------------
    def register(self, worker: str, ttl: float) -> None:
        """Announce ``worker`` as alive for ``ttl`` seconds."""
        with self.server.pipeline() as pipe:
            pipe.sadd(self.keys.workers, worker)
            pipe.set(self.keys.heartbeat(worker), "1", px=int(ttl * 1000))
            pipe.execute()

    def beat(self, worker: str, ttl: float) -> None:
        self.server.set(self.keys.heartbeat(worker), "1", px=int(ttl * 1000))

    def unregister(self, worker: str) -> None:
        with self.server.pipeline() as pipe:
            pipe.srem(self.keys.workers, worker)
            pipe.delete(self.keys.heartbeat(worker))
            pipe.execute()

    def workers(self) -> list[str]:
        return sorted(w.decode() if isinstance(w, bytes) else str(w) for w in self.server.smembers(self.keys.workers))

    def alive(self, worker: str) -> bool:
        return bool(self.server.exists(self.keys.heartbeat(worker)))

    # --- leases -----------------------------------------------------------------------
    def release(self, worker: str, lease: str) -> bool:
        """The request of ``lease`` is handled: forget it. True if it was still held."""
        return bool(self.server.hdel(self.keys.inflight(worker), lease))

    def leased(self, worker: str) -> int:
        return int(self.server.hlen(self.keys.inflight(worker)))

    def requeue(self, worker: str) -> int:
        """Put every lease of ``worker`` back onto the queue (unconditionally)."""
        return int(self._requeue(keys=[self.keys.inflight(worker), self.keys.queue, ""], args=["0"]))

    def drop_leases(self, worker: str) -> int:
        """Forget every lease of ``worker`` (its requests are all handled)."""
        with self.server.pipeline() as pipe:
            pipe.hlen(self.keys.inflight(worker))
            pipe.delete(self.keys.inflight(worker))
            count, _ = pipe.execute()
        return int(count)

    def reclaim_dead(self, exclude: str | None = None) -> int:
        """Requeue the leases of every registered worker whose heartbeat has expired."""
        total = 0
        for worker in self.workers():
            if worker == exclude:
                continue
            moved = int(self._requeue(
                keys=[self.keys.inflight(worker), self.keys.queue, self.keys.heartbeat(worker)], args=["1"]))
            if moved < 0:
                continue  # alive
            self.server.srem(self.keys.workers, worker)
            if moved:
                logger.warning("worker %s is gone: put its %d in-flight request(s) back on the queue", worker, moved)
            total += moved
        return total

    # --- the whole frontier -----------------------------------------------------------
    def queued(self) -> int:
        return int(self.server.zcard(self.keys.queue))

    def state(self, exclude: str | None = None) -> FrontierState:
        """Queue length and the work of live workers other than ``exclude``."""
        inflight = live = 0
        for worker in self.workers():
            if worker == exclude or not self.alive(worker):
                continue
            live += 1
            inflight += self.leased(worker)
        return FrontierState(self.queued(), inflight, live)

    def orphaned(self) -> int:
        """Leases held by workers that are no longer alive (reclaimable)."""
        return sum(self.leased(w) for w in self.workers() if not self.alive(w))

    def reset(self, extra_keys: list[str] | tuple[str, ...] = ()) -> int:
        """Drop the queue, every lease, the worker registry and ``extra_keys``."""
        keys = [self.keys.queue, self.keys.workers, *extra_keys]
        keys += [k for k in self.server.scan_iter(match=self.keys.inflight_pattern, count=1000)]
        keys += [self.keys.heartbeat(w) for w in self.workers()]
        return int(self.server.delete(*keys)) if keys else 0
