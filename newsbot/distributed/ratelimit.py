"""One politeness limit per site for all workers: a token bucket in Redis.

Each request reserves the next free slot of its site's bucket in one atomic Lua call
(rate ``NEWSBOT_REDIS_RATE`` per second, up to ``NEWSBOT_REDIS_BURST`` at once after a
quiet spell) and the middleware waits until that slot comes. Time is Redis's clock, so
workers on machines with skewed clocks still share one schedule. A site is Scrapy's
download slot (the host name, or ``request.meta["download_slot"]``), the same unit as
``CONCURRENT_REQUESTS_PER_DOMAIN``. Placed after every other ``process_request`` (950),
so requests answered from the HTTP cache or skipped by other middlewares take no token.
"""
from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)
STATS = "newsbot/redis/ratelimit"

# KEYS[1] bucket hash {tokens, ts}; ARGV rate (tokens/s), burst, ttl (ms).
# Takes one token, going negative when none is left: the reply is how long the caller
# waits (seconds, as a string: Lua numbers become integers in replies).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + (now - ts) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class TokenBucket:
    """Reserve slots in ``<prefix>:<site>`` buckets shared through Redis."""

    def __init__(self, client: aioredis.Redis, rate: float, burst: float, prefix: str = "newsbot:ratelimit") -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1 (got {rate}, {burst})")
        self.client = client
        self.rate = rate
        self.burst = burst
        self.prefix = prefix
        self._reserve = client.register_script(RESERVE)
        # keep an idle bucket long enough to refill completely, then let it expire
        self.ttl_ms = int(max(60.0, 2 * burst / rate) * 1000)

    def key(self, site: str) -> str:
        return f"{self.prefix}:{site}"

    async def reserve(self, site: str) -> float:
        """Take a token for ``site``; the seconds to wait before using it."""
        reply = await self._reserve(keys=[self.key(site)], args=[self.rate, self.burst, self.ttl_ms])
        return float(reply)


class SharedRateLimitMiddleware:
    """Downloader middleware: delay each request until its site's shared bucket allows it."""

    def __init__(self, crawler: Crawler, url: str, rate: float, burst: float) -> None:
        self.crawler = crawler
        self.url = url
        self.rate = rate
        self.burst = burst
        self.client: aioredis.Redis | None = None
        self.bucket: TokenBucket | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SharedRateLimitMiddleware":
        settings = crawler.settings
        url = settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL is not set")
        rate = settings.getfloat("NEWSBOT_REDIS_RATE", 2.0)
        if rate <= 0:
            raise NotConfigured("NEWSBOT_REDIS_RATE is 0: no shared rate limit")
        return cls(crawler, url, rate, settings.getfloat("NEWSBOT_REDIS_BURST", 2.0))

    async def spider_opened(self, spider: Spider) -> None:
        self.client = aioredis.from_url(self.url)
        self.bucket = TokenBucket(self.client, self.rate, self.burst)
        logger.info("shared rate limit: %g requests/s per site, bursts of %g, for all workers", self.rate, self.burst)

    async def spider_closed(self, spider: Spider) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def site(self, request: Request) -> str:
        downloader = self.crawler.engine.downloader if self.crawler.engine is not None else None
        if downloader is not None:
            return str(downloader.get_slot_key(request))
        return request.meta.get("download_slot") or urlparse_cached(request).hostname or ""

    async def process_request(self, request: Request) -> None:
        if self.bucket is None:
            return None
        wait = await self.bucket.reserve(self.site(request))
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/granted")
        if wait > 0:
            stats.inc_value(f"{STATS}/delayed")
            stats.inc_value(f"{STATS}/delay_ms", int(wait * 1000))
            await asyncio.sleep(wait)
        return None
