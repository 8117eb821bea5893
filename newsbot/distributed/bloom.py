"""The shared seen-set: a Bloom filter in one Redis bitmap, and the duplicate filter on it.

scrapy-redis keeps every request fingerprint in a Redis set, about 100 bytes per URL for
ever. A Bloom filter takes a fixed number of bits per URL, chosen from the capacity and the
false positive rate (24 bits at 1e-5). A false positive skips a request in this crawl only;
articles stay exact (MongoDB, newsbot.pipelines.dedupe). One BITFIELD command sets every bit
of a fingerprint and returns the old ones, so two workers adding the same fingerprint at
once cannot both see it as new. Bit positions come from one BLAKE2b hash of the
fingerprint (enhanced double hashing, Dillinger & Manolios 2004).
"""
from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from typing import Any, Self

from redis import Redis
from scrapy import Request, Spider
from scrapy.settings import BaseSettings
from scrapy_redis import defaults
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

logger = logging.getLogger(__name__)
STATS = "newsbot/redis/bloom"
MAX_BITS = 2**31  # a Redis string holds at most 2**32 bits; stay well below
# Create the zeroed bitmap at its full size in one go: SETBIT would grow it piecemeal, and
# Redis over-allocates a growing string by up to 2x. No-op if it exists.
ALLOCATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], string.rep(string.char(0), tonumber(ARGV[1])))
return 1
"""


@dataclass(frozen=True)
class BloomParams:
    """Size of a filter for ``capacity`` items at ``error_rate`` false positives.

    >>> p = BloomParams.for_capacity(1_000_000, 0.001)
    >>> p.bits, p.hashes, round(p.bits / 8 / 2**20, 2)
    (14377588, 10, 1.71)
    """

    capacity: int
    error_rate: float
    bits: int
    hashes: int

    @classmethod
    def for_capacity(cls, capacity: int, error_rate: float) -> Self:
        if capacity < 1 or not 0 < error_rate < 1:
            raise ValueError(f"a Bloom filter needs capacity >= 1 and 0 < error rate < 1, not {capacity}, {error_rate}")
        bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
        if bits > MAX_BITS:
            raise ValueError(f"a Bloom filter for {capacity} URLs at {error_rate} needs {bits} bits, "
                             f"more than one Redis string holds ({MAX_BITS})")
        return cls(capacity, error_rate, bits, max(1, round(bits / capacity * math.log(2))))

    def positions(self, fingerprint: bytes) -> list[int]:
        """The bit offsets of ``fingerprint``.

        >>> params = BloomParams.for_capacity(1000, 0.01)
        >>> offsets = params.positions(b"x")
        >>> len(offsets) == params.hashes, all(0 <= o < params.bits for o in offsets)
        (True, True)
        """
        digest = hashlib.blake2b(fingerprint, digest_size=24).digest()
        h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:16], "big")
        return [(h1 + i * h2 + (i**3 - i) // 6) % self.bits for i in range(self.hashes)]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls.for_capacity(settings.getint("NEWSBOT_BLOOM_CAPACITY"), settings.getfloat("NEWSBOT_BLOOM_ERROR_RATE"))


class RedisBloomFilter:
    """A Bloom filter in the Redis string ``<key>:0``, its parameters in the hash ``<key>:meta``."""

    def __init__(self, server: Redis, key: str, params: BloomParams) -> None:
        self.server, self.key, self.params = server, key, params
        self.bits_key, self.meta_key = f"{key}:0", f"{key}:meta"
        self.keys = [self.bits_key, self.meta_key]

    @classmethod
    def for_spider(cls, server: Redis, spider: str, settings: BaseSettings) -> Self:
        key = settings.get("SCHEDULER_DUPEFILTER_KEY") or defaults.SCHEDULER_DUPEFILTER_KEY
        return cls(server, key % {"spider": spider}, BloomParams.from_settings(settings))

    def allocate(self) -> None:
        """Make the bitmap at its full size now: memory is fixed from here on."""
        self.server.eval(ALLOCATE, 1, self.bits_key, math.ceil(self.params.bits / 8))

    def check_params(self) -> None:
        """Record our size in Redis, or fail if the filter there was made with another."""
        p = self.params
        mine = {"capacity": str(p.capacity), "error_rate": repr(p.error_rate), "bits": str(p.bits), "hashes": str(p.hashes)}
        with self.server.pipeline() as pipe:
            for field, value in mine.items():
                pipe.hsetnx(self.meta_key, field, value)
            pipe.hgetall(self.meta_key)
            stored = {k.decode(): v.decode() for k, v in pipe.execute()[-1].items()}
        if stored != mine:
            raise ValueError(f"the Bloom filter {self.key} in Redis was made with {stored}, these settings ask for "
                             f"{mine}: start a new crawl (scrapy seed --reset) or use the same NEWSBOT_BLOOM_* settings")

    def add(self, fingerprint: bytes) -> bool:
        """Set the bits of ``fingerprint``; True if it was new (some bit was unset)."""
        ops = [arg for offset in self.params.positions(fingerprint) for arg in ("SET", "u1", offset, 1)]
        return not all(self.server.execute_command("BITFIELD", self.bits_key, *ops))

    def estimated_count(self) -> float:
        """Items in the filter, from the bits set (Swamidass & Baldi 2007)."""
        bits, hashes = self.params.bits, self.params.hashes
        set_bits = int(self.server.bitcount(self.bits_key))
        return float("inf") if set_bits >= bits else -bits / hashes * math.log(1 - set_bits / bits)


class BloomDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter with a Bloom filter instead of a set, and the
    crawler's request fingerprinter instead of scrapy-redis's own hash."""

    def __init__(self, bloom: RedisBloomFilter, crawler: Any) -> None:
        super().__init__(bloom.server, bloom.key, crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.bloom, self.fingerprinter, self.stats = bloom, crawler.request_fingerprinter, crawler.stats

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        settings = spider.crawler.settings
        bloom = RedisBloomFilter.for_spider(get_redis_from_settings(settings), spider.name, settings)
        bloom.check_params()
        bloom.allocate()
        dupefilter = cls(bloom, spider.crawler)
        dupefilter.report("opened")
        return dupefilter

    def report(self, when: str) -> None:
        params, count = self.bloom.params, self.bloom.estimated_count()
        logger.info("Bloom filter %s %s: ~%d of %d URLs (%.1f MiB, %d hashes, error rate %g)", self.key, when,
                    min(count, 2**63), params.capacity, params.bits / 8 / 2**20, params.hashes, params.error_rate)
        if count > params.capacity:
            logger.warning("Bloom filter %s holds more than its capacity (%d): its false positive rate is above "
                           "%g; raise NEWSBOT_BLOOM_CAPACITY for the next crawl", self.key, params.capacity,
                           params.error_rate)
        self.stats.set_value(f"{STATS}/estimated_count", int(count) if math.isfinite(count) else -1)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        new = self.bloom.add(self.fingerprinter.fingerprint(request))
        self.stats.inc_value(f"{STATS}/added" if new else f"{STATS}/seen")
        return not new

    def close(self, reason: str = "") -> None:
        """Keep the data (scrapy-redis deletes it): the scheduler decides when a frontier is flushed."""
        self.report(f"closed ({reason})" if reason else "closed")

    def clear(self) -> None:
        self.server.delete(*self.bloom.keys)
