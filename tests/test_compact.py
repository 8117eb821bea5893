"""HashedMap (newsbot/compact.py) and the duplicate filter built on it (newsbot/dupefilter.py)."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from scrapy import Request

from newsbot.compact import HashedMap
from newsbot.dupefilter import CompactDupeFilter
from tests.project import project_crawler


def url(n: int) -> str:
    return f"https://www.guancha.cn/politics/2026_11_30_{n:06d}.shtml"


def test_values_survive_the_merges_into_the_arrays() -> None:
    ranks = HashedMap(batch=64)
    for n in range(5000):
        ranks[url(n)] = n % 7
    assert len(ranks) == 5000
    assert [ranks.get(url(n)) for n in (0, 1, 6, 7, 4999)] == [0, 1, 6, 0, 1]
    assert ranks.get(url(5000)) is None and url(5000) not in ranks
    with pytest.raises(KeyError):
        ranks[url(5001)]


def test_a_key_set_again_keeps_one_entry_with_the_new_value() -> None:
    ranks = HashedMap(batch=64)
    for n in range(1000):
        ranks[url(n)] = 5
    ranks[url(3)] = 2  # merged into the arrays already
    ranks[url(999)] = 1  # maybe still in the dict
    assert (ranks[url(3)], ranks[url(999)], ranks[url(4)], len(ranks)) == (2, 1, 5, 1000)


def test_keys_may_be_bytes_or_ints_and_values_are_16_bit() -> None:
    ranks = HashedMap()
    ranks[b"\x01\x02"] = 0
    ranks[2**64 - 1] = 65535
    assert (ranks[b"\x01\x02"], ranks[2**64 - 1]) == (0, 65535)
    with pytest.raises(ValueError):
        ranks["x"] = 65536
    wide = HashedMap(bits=64)
    wide["x"] = 2**64 - 1
    assert wide["x"] == 18446744073709551615


def test_pop_removes_from_the_dict_and_from_the_arrays() -> None:
    ranks = HashedMap(batch=64)
    for n in range(200):
        ranks[url(n)] = 1
    ranks[url(200)] = 2  # in the dict
    assert (ranks.pop(url(5)), ranks.pop(url(200)), ranks.pop(url(5)), ranks.pop(url(201), 9)) == (1, 2, None, 9)
    assert url(5) not in ranks and url(200) not in ranks and ranks[url(6)] == 1 and len(ranks) == 199


def test_100000_entries_take_a_tenth_of_a_dict_of_the_urls() -> None:
    keys = [url(n) for n in range(100_000)]
    tracemalloc.start()
    try:
        ranks = HashedMap()
        for key in keys:
            ranks[key] = 3
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 8 + 2 bytes an entry in the arrays, and at most 1/16 of them in the dict: about 1.5 MB.
    # A dict of the same URLs (not counting the strings) would be about 5 MB.
    assert held < 2_000_000
    assert ranks[keys[12345]] == 3 and len(ranks) == 100_000


def dupefilter(**settings: object) -> CompactDupeFilter:
    crawler = project_crawler(**settings)
    found = CompactDupeFilter.from_crawler(crawler)
    assert isinstance(found, CompactDupeFilter)
    return found


def test_the_project_uses_the_compact_filter() -> None:
    crawler = project_crawler()  # add-ons applied, as for a crawl
    assert crawler.settings["DUPEFILTER_CLASS"] == "newsbot.dupefilter.CompactDupeFilter"


def test_a_request_is_seen_once_and_the_channel_makes_another_request() -> None:
    df = dupefilter()
    first = Request(url(1), meta={"newsbot_channel": "头条"})
    assert df.request_seen(first) is False
    assert df.request_seen(Request(url(1), meta={"newsbot_channel": "头条"})) is True
    assert df.request_seen(Request(url(1), meta={"newsbot_channel": "要闻"})) is False
    assert df.request_seen(Request(url(2))) is False
    assert len(df.seen) == 3 and not df._fingerprints


def test_jobdir_fingerprints_are_kept_across_a_restart(tmp_path: Path) -> None:
    df = dupefilter(JOBDIR=str(tmp_path))
    assert df.request_seen(Request(url(1))) is False
    df.close("shutdown")
    assert (tmp_path / "requests.seen").stat().st_size == 2 + 20  # length, then the SHA1 fingerprint
    again = dupefilter(JOBDIR=str(tmp_path))
    assert again.request_seen(Request(url(1))) is True
    assert again.request_seen(Request(url(2))) is False
    again.close("finished")


def test_getsizeof_counts_the_arrays() -> None:
    import sys

    ranks = HashedMap(bits=64, batch=16)
    for n in range(20_000):
        ranks[n] = n
    assert 20_000 * 16 < sys.getsizeof(ranks) < 20_000 * 16 * 1.3
