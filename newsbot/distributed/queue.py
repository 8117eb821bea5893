"""scrapy-redis's priority queue, with a pop that leases the request instead of forgetting it."""
from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

logger = logging.getLogger(__name__)

# Pop the best-scored member of the queue (KEYS[1]) and record it, with its score, in the
# worker's in-flight hash (KEYS[2]) under the lease id ARGV[1]: one atomic step, so a
# request is always either queued or leased, never neither.
POP_LEASED = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. ':' .. r[1])
return r[1]
"""


class LeasedPriorityQueue(PriorityQueue):
    """Same sorted set and serialisation as ``scrapy_redis.queue.PriorityQueue``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pop_leased = self.server.register_script(POP_LEASED)

    def pop_leased(self, inflight_key: str, lease: str) -> Request | None:
        """The next request, now held under ``lease`` in ``inflight_key``; None if empty."""
        data = self._pop_leased(keys=[self.key, inflight_key], args=[lease])
        if not data:
            return None
        return self._decode_request(data)
