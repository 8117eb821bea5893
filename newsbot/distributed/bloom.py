"""A Bloom filter over Redis bitmaps, and the duplicate filter built on it.

scrapy-redis keeps every request fingerprint in a Redis set: about 100 bytes per URL, for
ever. A Bloom filter answers "seen before?" in a fixed number of bits per URL chosen from
the capacity and the false positive rate (1e-5 at 24 bits, 1e-3 at 14.4 bits). A false
positive skips a request never fetched in this crawl; it is not a duplicate article:
article-level dedupe stays exact (MongoDB, see newsbot.pipelines.dedupe).

Bits are set with SETBIT in a MULTI/EXEC pipeline, so two workers adding the same
fingerprint at once cannot both see it as new. Positions come from one 128-bit BLAKE2b
hash of the fingerprint (enhanced double hashing, Dillinger & Manolios 2004).
"""
from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from redis import Redis
from scrapy import Request, Spider
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis import defaults

logger = logging.getLogger(__name__)
STATS = "newsbot/redis/bloom"
MAX_SHARD_BITS = 2**31  # a Redis string holds at most 2**32 bits; stay well below
# Create a zeroed bitmap of its full size in one go (SETBIT would grow it piecemeal, and
# Redis over-allocates a growing string by up to 2x or 1 MiB). No-op if it exists.
ALLOCATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], string.rep(string.char(0), tonumber(ARGV[1])))
return 1
"""


@dataclass(frozen=True)
class BloomParams:
    """Size of a filter for ``capacity`` items at ``error_rate`` false positives.

    >>> p = BloomParams.for_capacity(1_000_000, 0.001)
    >>> p.bits, p.hashes, p.shards, round(p.bits / 8 / 2**20, 2)
    (14377588, 10, 1, 1.71)
    """

    capacity: int
    error_rate: float
    bits: int  # total bits over every shard
    hashes: int
    shards: int

    @classmethod
    def for_capacity(cls, capacity: int, error_rate: float) -> "BloomParams":
        if capacity < 1:
            raise ValueError(f"Bloom filter capacity must be at least 1, not {capacity}")
        if not 0 < error_rate < 1:
            raise ValueError(f"Bloom filter error rate must be between 0 and 1, not {error_rate}")
        bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
        hashes = max(1, round(bits / capacity * math.log(2)))
        shards = math.ceil(bits / MAX_SHARD_BITS)
        return cls(capacity, error_rate, bits, hashes, shards)

    @property
    def shard_bits(self) -> int:
        return math.ceil(self.bits / self.shards)

    def positions(self, fingerprint: bytes) -> tuple[int, list[int]]:
        """(shard, bit offsets) of ``fingerprint``.

        >>> params = BloomParams.for_capacity(1000, 0.01)
        >>> shard, offsets = params.positions(b"x")
        >>> shard, len(offsets) == params.hashes, all(0 <= o < params.bits for o in offsets)
        (0, True, True)
        """
        digest = hashlib.blake2b(fingerprint, digest_size=24).digest()
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:16], "big")
        shard = int.from_bytes(digest[16:], "big") % self.shards
        m = self.shard_bits
        return shard, [(h1 + i * h2 + (i**3 - i) // 6) % m for i in range(self.hashes)]

    def estimated_count(self, set_bits: int) -> float:
        """Items in a filter with ``set_bits`` bits set (Swamidass & Baldi 2007)."""
        if set_bits >= self.bits:
            return float("inf")
        return -self.bits / self.hashes * math.log(1 - set_bits / self.bits)


class RedisBloomFilter:
    """A Bloom filter stored in Redis strings ``<key>:<shard>``, described by ``<key>:meta``."""

    def __init__(self, server: Redis, key: str, params: BloomParams) -> None:
        self.server = server
        self.key = key
        self.params = params

    def shard_key(self, shard: int) -> str:
        return f"{self.key}:{shard}"

    @property
    def meta_key(self) -> str:
        return f"{self.key}:meta"

    @property
    def keys(self) -> list[str]:
        return [self.shard_key(i) for i in range(self.params.shards)] + [self.meta_key]

    def allocate(self) -> None:
        """Make every shard's bitmap at its full size now (memory is fixed from here on)."""
        script = self.server.register_script(ALLOCATE)
        for shard in range(self.params.shards):
            script(keys=[self.shard_key(shard)], args=[math.ceil(self.params.shard_bits / 8)])

    def check_params(self) -> None:
        """Record our size in Redis, or fail if the filter there was made with another."""
        mine = {"capacity": str(self.params.capacity), "error_rate": repr(self.params.error_rate),
                "bits": str(self.params.bits), "hashes": str(self.params.hashes)}
        with self.server.pipeline() as pipe:
            for field, value in mine.items():
                pipe.hsetnx(self.meta_key, field, value)
            pipe.hgetall(self.meta_key)
            stored = pipe.execute()[-1]
        stored = {_str(k): _str(v) for k, v in stored.items()}
        if stored != mine:
            raise ValueError(
                f"the Bloom filter {self.key} in Redis was made with {stored}, these settings ask for {mine}: "
                "start a new crawl (scrapy seed --reset) or use the same NEWSBOT_BLOOM_* settings")

    def add(self, fingerprint: bytes) -> bool:
        """Set the bits of ``fingerprint``; True if it was new (some bit was unset)."""
        shard, offsets = self.params.positions(fingerprint)
        key = self.shard_key(shard)
        with self.server.pipeline(transaction=True) as pipe:
            for offset in offsets:
                pipe.setbit(key, offset, 1)
            old = pipe.execute()
        return not all(old)

    def add_many(self, fingerprints: Iterable[bytes], batch: int = 1000) -> int:
        """Add many fingerprints (bulk loads, benchmarks); returns how many were new."""
        new = 0
        chunk: list[bytes] = []
        for fp in fingerprints:
            chunk.append(fp)
            if len(chunk) >= batch:
                new += self._add_chunk(chunk)
                chunk = []
        if chunk:
            new += self._add_chunk(chunk)
        return new

    def _add_chunk(self, chunk: list[bytes]) -> int:
        k = self.params.hashes
        with self.server.pipeline(transaction=True) as pipe:
            for fp in chunk:
                shard, offsets = self.params.positions(fp)
                for offset in offsets:
                    pipe.setbit(self.shard_key(shard), offset, 1)
            old = pipe.execute()
        return sum(not all(old[i:i + k]) for i in range(0, len(old), k))

    def contains(self, fingerprint: bytes) -> bool:
        shard, offsets = self.params.positions(fingerprint)
        with self.server.pipeline(transaction=False) as pipe:
            for offset in offsets:
                pipe.getbit(self.shard_key(shard), offset)
            return all(pipe.execute())

    def contains_many(self, fingerprints: list[bytes]) -> list[bool]:
        k = self.params.hashes
        with self.server.pipeline(transaction=False) as pipe:
            for fp in fingerprints:
                shard, offsets = self.params.positions(fp)
                for offset in offsets:
                    pipe.getbit(self.shard_key(shard), offset)
            bits = pipe.execute()
        return [all(bits[i:i + k]) for i in range(0, len(bits), k)]

    def set_bits(self) -> int:
        with self.server.pipeline(transaction=False) as pipe:
            for i in range(self.params.shards):
                pipe.bitcount(self.shard_key(i))
            return sum(pipe.execute())

    def estimated_count(self) -> float:
        return self.params.estimated_count(self.set_bits())

    def clear(self) -> None:
        self.server.delete(*self.keys)


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def bloom_params(settings: Any) -> BloomParams:
    return BloomParams.for_capacity(settings.getint("NEWSBOT_BLOOM_CAPACITY", 2_000_000),
                                    settings.getfloat("NEWSBOT_BLOOM_ERROR_RATE", 1e-5))


class BloomDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, with a Bloom filter instead of a set and
    Scrapy's configured request fingerprinter instead of scrapy-redis's own hash."""

    def __init__(self, server: Redis, key: str, debug: bool = False, params: BloomParams | None = None,
                 crawler: Any = None) -> None:
        super().__init__(server, key, debug)
        self.bloom = RedisBloomFilter(server, key, params or BloomParams.for_capacity(2_000_000, 1e-5))
        self.crawler = crawler
        self.fingerprinter = crawler.request_fingerprinter if crawler is not None else None
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_spider(cls, spider: Spider) -> "BloomDupeFilter":
        crawler = spider.crawler
        settings = crawler.settings
        key = settings.get("SCHEDULER_DUPEFILTER_KEY", defaults.SCHEDULER_DUPEFILTER_KEY) % {"spider": spider.name}
        dupefilter = cls(get_redis_from_settings(settings), key, settings.getbool("DUPEFILTER_DEBUG"),
                         bloom_params(settings), crawler)
        dupefilter.bloom.check_params()
        dupefilter.bloom.allocate()
        dupefilter.report("opened")
        return dupefilter

    def report(self, when: str) -> None:
        params = self.bloom.params
        count = self.bloom.estimated_count()
        logger.info("Bloom filter %s %s: ~%d of %d URLs (%.1f MiB, %d hashes, error rate %g)",
                    self.key, when, count, params.capacity, params.bits / 8 / 2**20, params.hashes, params.error_rate)
        if count > params.capacity:
            logger.warning("Bloom filter %s holds more than its capacity (%d > %d): its false positive rate "
                           "is now above %g; raise NEWSBOT_BLOOM_CAPACITY for the next crawl",
                           self.key, count, params.capacity, params.error_rate)
        if self.stats is not None:
            self.stats.set_value(f"{STATS}/estimated_count", int(count) if math.isfinite(count) else -1)

    def fingerprint(self, request: Request) -> bytes:
        if self.fingerprinter is not None:
            return self.fingerprinter.fingerprint(request)
        return bytes.fromhex(super().request_fingerprint(request))

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        new = self.bloom.add(self.fingerprint(request))
        if self.stats is not None:
            self.stats.inc_value(f"{STATS}/added" if new else f"{STATS}/seen")
        return not new

    def close(self, reason: str = "") -> None:
        """Keep the data: the scheduler decides when a frontier is flushed."""
        self.report(f"closed ({reason})" if reason else "closed")

    def clear(self) -> None:
        self.bloom.clear()
