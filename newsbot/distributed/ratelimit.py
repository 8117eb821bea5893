"""One politeness limit per site for all workers: a token bucket in Redis.

Each request takes a token from its site's bucket in one atomic Lua call (rate
``NEWSBOT_REDIS_RATE`` per second, up to ``NEWSBOT_REDIS_BURST`` at once after a quiet
spell), going into debt when none is left; the middleware then waits until its slot
comes. Time is Redis's clock, so workers with skewed clocks share one schedule. A site is
Scrapy's download slot, the unit of ``CONCURRENT_REQUESTS_PER_DOMAIN``. Placed after every
other ``process_request`` (950): requests answered from the HTTP cache or skipped take no
token.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Self

import redis.asyncio as aioredis
from scrapy import Request, signals
from scrapy.crawler import Crawler

from newsbot.disabled import disabled

logger = logging.getLogger(__name__)
STATS = "newsbot/redis/ratelimit"
# KEYS[1]: the bucket {tokens, ts}; ARGV: rate (tokens/s), burst, ttl (ms). Replies the wait
# in seconds, as a string (Lua numbers become integers in replies).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class TokenBucket:
    """Buckets ``<prefix>:<site>`` shared through Redis."""

    def __init__(self, client: aioredis.Redis, rate: float, burst: float, prefix: str = "newsbot:ratelimit") -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1 (got {rate}, {burst})")
        self.client, self.rate, self.burst, self.prefix = client, rate, burst, prefix
        self._reserve = client.register_script(RESERVE)
        self.ttl_ms = int(max(60.0, 2 * burst / rate) * 1000)  # long enough to refill, then expire

    async def reserve(self, site: str) -> float:
        """Take a token for ``site``; the seconds to wait before using it."""
        return float(await self._reserve(keys=[f"{self.prefix}:{site}"], args=[self.rate, self.burst, self.ttl_ms]))


class SharedRateLimitMiddleware:
    """Downloader middleware: delay each request until its site's shared bucket allows it."""

    def __init__(self, crawler: Crawler, bucket: TokenBucket) -> None:
        self.crawler, self.bucket = crawler, bucket
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        rate, burst = settings.getfloat("NEWSBOT_REDIS_RATE"), settings.getfloat("NEWSBOT_REDIS_BURST")
        if not settings.get("REDIS_URL") or rate <= 0:
            raise disabled(cls, "no shared rate limit (REDIS_URL unset or NEWSBOT_REDIS_RATE = 0)")
        logger.info("shared rate limit: %g requests/s per site, bursts of %g, for all workers", rate, burst)
        return cls(crawler, TokenBucket(aioredis.from_url(settings.get("REDIS_URL")), rate, burst))

    async def spider_closed(self) -> None:
        await self.bucket.client.aclose()

    async def process_request(self, request: Request) -> None:
        assert self.crawler.engine is not None
        wait = await self.bucket.reserve(self.crawler.engine.downloader.get_slot_key(request))
        self.crawler.stats.inc_value(f"{STATS}/granted")
        if wait > 0:
            self.crawler.stats.inc_value(f"{STATS}/delayed")
            self.crawler.stats.inc_value(f"{STATS}/delay_ms", int(wait * 1000))
            await asyncio.sleep(wait)
