"""Bulk writes and reads of a RedisBloomFilter's bits, for tests and benchmarks only.

They compute the bits from ``BloomParams.positions`` and talk to Redis themselves, so a
test checks the filter's bitmap independently of its ``add``.
"""
from __future__ import annotations

from newsbot.distributed.bloom import RedisBloomFilter


def add_many(bloom: RedisBloomFilter, fingerprints: list[bytes], batch: int = 2000) -> int:
    """Set the bits of every fingerprint (pipelined); how many were new (had some bit unset)."""
    new = 0
    for i in range(0, len(fingerprints), batch):
        pipe = bloom.server.pipeline(transaction=False)
        for fp in fingerprints[i:i + batch]:
            pipe.execute_command("BITFIELD", bloom.bits_key,
                                 *[arg for offset in bloom.params.positions(fp) for arg in ("SET", "u1", offset, 1)])
        new += sum(not all(old) for old in pipe.execute())
    return new


def contains_many(bloom: RedisBloomFilter, fingerprints: list[bytes]) -> list[bool]:
    """Whether each fingerprint's bits are all set, read from one copy of the bitmap."""
    bitmap = bytes(bloom.server.get(bloom.bits_key) or b"")  # type: ignore[arg-type]

    def bit(offset: int) -> bool:
        byte = offset // 8
        return byte < len(bitmap) and bool(bitmap[byte] >> (7 - offset % 8) & 1)  # Redis numbers bits from the left

    return [all(bit(offset) for offset in bloom.params.positions(fp)) for fp in fingerprints]
