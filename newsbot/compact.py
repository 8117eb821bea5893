"""A crawl-long "seen" map that costs about ten bytes an entry.

A crawl remembers every article it answered (the spider), every URL that passed dedupe and
every request fingerprint (the duplicate filter), and the Hexo store which URL has which
post file. As Python dicts or sets of strings that is 100 to 200 bytes an entry, growing
for the whole crawl: 10 to 20 MB for each of them per 100,000 articles. :class:`HashedMap`
keeps a 64-bit hash of each key and a number (16 or 64 bits): new entries in a dict,
merged now and then into two sorted arrays (8 + 2 or 8 + 8 bytes an entry), searched by
bisection.

Two keys with the same 64-bit hash count as one key: among a million keys the chance that
any two share one is about 3 in 100 million. A Bloom filter (the maintained packages for
compact sets are Bloom filters) would be smaller still, but its false positives would drop
requests and articles never seen, and the maps here also hold a value per key. Distributed
mode accepts that for its shared Redis seen-set (sized for a false-positive rate); one
process can afford to be exact.
"""
from __future__ import annotations

import hashlib
import sys
from array import array
from bisect import bisect_left
from typing import overload

WIDTHS = {16: "H", 64: "Q"}  # value bits -> array type code


def key64(key: str | bytes) -> int:
    """A 64-bit hash of ``key`` (the same in every process, unlike ``hash()``).

    >>> key64("https://a.example/1") == key64(b"https://a.example/1")
    True
    """
    data = key.encode("utf-8") if isinstance(key, str) else key
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class HashedMap:
    """A map of string (or bytes, or 64-bit int) keys to unsigned ``bits``-bit numbers.

    >>> ranks = HashedMap()
    >>> ranks["https://a.example/1"] = 3
    >>> ranks.get("https://a.example/1"), ranks.get("https://a.example/2"), len(ranks)
    (3, None, 1)

    :meth:`pop` is for the odd entry: it moves the rest of the arrays.
    """

    def __init__(self, bits: int = 16, batch: int = 1024) -> None:
        self._code = WIDTHS[bits]
        self._max = 2**bits - 1
        self._recent: dict[int, int] = {}  # entries not merged into the arrays yet
        self._keys = array("Q")  # sorted
        self._values = array(self._code)  # self._values[i] belongs to self._keys[i]
        self._batch = batch

    @staticmethod
    def _hash(key: str | bytes | int) -> int:
        return key if isinstance(key, int) else key64(key)

    def _index(self, hashed: int) -> int:
        """Where ``hashed`` is in the sorted arrays; -1 when it is not there."""
        i = bisect_left(self._keys, hashed)
        return i if i < len(self._keys) and self._keys[i] == hashed else -1

    @overload
    def get(self, key: str | bytes | int) -> int | None: ...

    @overload
    def get(self, key: str | bytes | int, default: int) -> int: ...

    def get(self, key: str | bytes | int, default: int | None = None) -> int | None:
        hashed = self._hash(key)
        found = self._recent.get(hashed)
        if found is not None:
            return found
        i = self._index(hashed)
        return self._values[i] if i >= 0 else default

    def __contains__(self, key: str | bytes | int) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str | bytes | int) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str | bytes | int, value: int) -> None:
        if not 0 <= value <= self._max:
            raise ValueError(f"{value} is not between 0 and {self._max}")
        hashed = self._hash(key)
        i = self._index(hashed)
        if i >= 0:
            self._values[i] = value
            return
        self._recent[hashed] = value
        # Merging costs a copy of the arrays: doing it each time the dict holds 1/16 of them
        # keeps the dict small and the copies few (about 60 for 100,000 entries).
        if len(self._recent) >= max(self._batch, len(self._keys) // 16):
            self._merge()

    def pop(self, key: str | bytes | int, default: int | None = None) -> int | None:
        """Remove ``key``; its value, or ``default`` when it was not there."""
        hashed = self._hash(key)
        if hashed in self._recent:
            return self._recent.pop(hashed)
        i = self._index(hashed)
        if i < 0:
            return default
        value = self._values[i]
        del self._keys[i], self._values[i]
        return value

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __sizeof__(self) -> int:
        """Bytes held (``sys.getsizeof``): the arrays, and the dict with its int objects."""
        ints = sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in self._recent.items())
        return (object.__sizeof__(self) + sys.getsizeof(self._recent) + ints
                + sys.getsizeof(self._keys) + sys.getsizeof(self._values))

    def _merge(self) -> None:
        """Move the dict's entries (none of them in the arrays) into the sorted arrays."""
        old_keys, old_values = self._keys, self._values
        keys, values = array("Q"), array(self._code)
        start = 0
        for hashed, value in sorted(self._recent.items()):
            end = bisect_left(old_keys, hashed, start)
            keys.extend(old_keys[start:end])
            values.extend(old_values[start:end])
            keys.append(hashed)
            values.append(value)
            start = end
        keys.extend(old_keys[start:])
        values.extend(old_values[start:])
        self._keys, self._values = keys, values
        self._recent.clear()
