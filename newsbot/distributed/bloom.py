"""The shared seen-set: a Bloom filter in one Redis bitmap, and the duplicate filter on it.

scrapy-redis keeps every fingerprint in a Redis set, about 100 bytes per URL for ever; a
Bloom filter takes a fixed number of bits per URL (24 at a false positive rate of 1e-5). A
false positive skips a request in this crawl only; articles stay exact (MongoDB dedupe).
One BITFIELD command sets a fingerprint's bits and returns the old ones, so two workers
adding it at once cannot both see it as new. Bit positions: enhanced double hashing
(Dillinger & Manolios 2004) of one BLAKE2b hash of the fingerprint.
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
# The zeroed bitmap at its full size in one go, if it does not exist: SETBIT would grow it
# piecemeal, and Redis over-allocates a growing string by up to 2x.
ALLOCATE = "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], string.rep('\\0', ARGV[1])) end"


@dataclass(frozen=True)
class BloomParams:
    """Size of a filter for ``capacity`` items at ``error_rate`` false positives.

    >>> p = BloomParams.for_capacity(1_000_000, 0.001)
    >>> p.bits, p.hashes, round(p.bits / 8 / 2**20, 2)
    (14377588, 10, 1.71)
    >>> offsets = p.positions(b"x")
    >>> len(offsets) == p.hashes, all(0 <= o < p.bits for o in offsets)
    (True, True)
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
            raise ValueError(f"{capacity} URLs at {error_rate} need {bits} bits, more than one Redis string holds")
        return cls(capacity, error_rate, bits, max(1, round(bits / capacity * math.log(2))))

    def positions(self, fingerprint: bytes) -> list[int]:
        """The bit offsets of ``fingerprint``."""
        digest = hashlib.blake2b(fingerprint, digest_size=24).digest()
        h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:16], "big")
        return [(h1 + i * h2 + (i**3 - i) // 6) % self.bits for i in range(self.hashes)]


class RedisBloomFilter:
    """A Bloom filter in the Redis string ``<key>:0``, its parameters in the hash ``<key>:meta``."""

    def __init__(self, server: Redis, key: str, params: BloomParams) -> None:
        self.server, self.key, self.params = server, key, params
        self.bits_key, self.meta_key = f"{key}:0", f"{key}:meta"
        self.keys = [self.bits_key, self.meta_key]

    @classmethod
    def for_spider(cls, server: Redis, spider: str, settings: BaseSettings) -> Self:
        key = (settings.get("SCHEDULER_DUPEFILTER_KEY") or defaults.SCHEDULER_DUPEFILTER_KEY) % {"spider": spider}
        return cls(server, key, BloomParams.for_capacity(settings.getint("NEWSBOT_BLOOM_CAPACITY"),
                                                         settings.getfloat("NEWSBOT_BLOOM_ERROR_RATE")))

    def open(self) -> None:
        """Check the filter in Redis was made with our parameters (or record them), and make
        its bitmap at full size now: memory is fixed from here on."""
        p = self.params
        mine = {"capacity": str(p.capacity), "error_rate": repr(p.error_rate), "bits": str(p.bits),
                "hashes": str(p.hashes)}
        with self.server.pipeline() as pipe:
            for field, value in mine.items():
                pipe.hsetnx(self.meta_key, field, value)
            pipe.hgetall(self.meta_key)
            stored = {k.decode(): v.decode() for k, v in pipe.execute()[-1].items()}
        if stored != mine:
            raise ValueError(f"the Bloom filter {self.key} in Redis was made with {stored}, these settings ask "
                             f"for {mine}: start a new crawl (scrapy seed --reset) or use the same "
                             "NEWSBOT_BLOOM_* settings")
        self.server.eval(ALLOCATE, 1, self.bits_key, math.ceil(p.bits / 8))

    def add(self, fingerprint: bytes) -> bool:
        """Set the bits of ``fingerprint``; True if it was new (some bit was unset)."""
        ops = [arg for offset in self.params.positions(fingerprint) for arg in ("SET", "u1", offset, 1)]
        return not all(self.server.execute_command("BITFIELD", self.bits_key, *ops))

    def estimated_count(self) -> float:
        """Items in the filter, from the bits set (Swamidass & Baldi 2007)."""
        bits, ones = self.params.bits, int(self.server.bitcount(self.bits_key))
        return float("inf") if ones >= bits else -bits / self.params.hashes * math.log(1 - ones / bits)


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
        bloom.open()
        dupefilter = cls(bloom, spider.crawler)
        dupefilter.report("opened")
        return dupefilter

    def report(self, when: str) -> None:
        p, count = self.bloom.params, self.bloom.estimated_count()
        full = count > p.capacity
        logger.log(logging.WARNING if full else logging.INFO,
                   "Bloom filter %s %s: ~%.0f of %d URLs (%.1f MiB, %d hashes, error rate %g)%s",
                   self.key, when, count, p.capacity, p.bits / 8 / 2**20, p.hashes, p.error_rate,
                   ": over capacity, more false positives; raise NEWSBOT_BLOOM_CAPACITY next time" if full else "")
        self.stats.set_value(f"{STATS}/estimated_count", int(count) if math.isfinite(count) else -1)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        new = self.bloom.add(self.fingerprinter.fingerprint(request))
        self.stats.inc_value(f"{STATS}/added" if new else f"{STATS}/seen")
        return not new

    def close(self, reason: str = "") -> None:
        """Keep the data (scrapy-redis deletes it): ``scrapy seed`` decides when a crawl starts afresh."""
        self.report(f"closed ({reason})")

    def clear(self) -> None:
        self.server.delete(*self.bloom.keys)
