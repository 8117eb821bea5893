"""NEWSBOT_MIRRORS: downloads are mapped in the download handler, everything above sees real URLs."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from newsbot.mirrors import MirrorError, Mirrors
from tests.crawl import crawl
from tests.plugins.sample_site import start_sample_site


def test_origins_map_both_ways_and_other_hosts_pass() -> None:
    mirrors = Mirrors.from_setting('{"https://www.guancha.cn": "http://127.0.0.1:8000", '
                                   '"https://i.guancha.cn": "http://127.0.0.1:8004/"}')
    assert mirrors.to_mirror("https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml#c") == \
        "http://127.0.0.1:8000/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml"
    assert mirrors.to_mirror("https://WWW.guancha.cn") == "http://127.0.0.1:8000/"
    assert mirrors.to_mirror("http://www.guancha.cn/") is None  # another origin: the scheme differs
    assert mirrors.to_mirror("https://user.guancha.cn/main/content?id=1") is None
    assert mirrors.to_real("http://127.0.0.1:8004/news/a.jpg") == "https://i.guancha.cn/news/a.jpg"
    assert mirrors.to_real("http://127.0.0.1:9999/x") == "http://127.0.0.1:9999/x"
    assert not Mirrors.from_setting("") and not Mirrors.from_setting({})


@pytest.mark.parametrize(("value", "message"), [
    ('{"https://www.guancha.cn/news": "http://127.0.0.1:8000"}', "real origin 'https://www.guancha.cn/news' is not"),
    ({"https://www.guancha.cn": "127.0.0.1:8000"}, "mirror of https://www.guancha.cn '127.0.0.1:8000' is not"),
    ({"https://a.example": "http://m:1", "https://b.example": "http://m:1"}, "http://m:1 is the mirror of two"),
    ("{not json", "NEWSBOT_MIRRORS is not JSON"),
    ('["https://www.guancha.cn"]', "must map origin strings"),
])
def test_a_wrong_setting_is_one_clear_error(value: Any, message: str) -> None:
    with pytest.raises(MirrorError, match=re.escape(message)):
        Mirrors.from_setting(value)


def test_a_cache_filled_through_one_mirror_serves_a_crawl_through_another(tmp_path: Path) -> None:
    """The HTTP cache is keyed by real URLs: a second crawl, whose mirror is a server that is
    down, gets every page from the cache of the first and yields the same articles."""
    (tmp_path / "site").mkdir()
    proc, bases = start_sample_site(tmp_path / "site")
    cache = {"HTTPCACHE_ENABLED": "True", "HTTPCACHE_DIR": str(tmp_path / "cache"), "NEWSBOT_DEDUPE_ENABLED": "False",
             "NEWSBOT_INCREMENTAL": "False"}
    args = {"channels": "toutiao,fengwen-topic", "max_pages": "1"}  # two hosts: www and user
    try:
        first = crawl(tmp_path / "one", bases, cache, args)
    finally:
        proc.terminate()
        proc.wait(10)
    assert first.returncode == 0, first.log[-2000:]
    hosts = {item["url"].split("/")[2] for item in first.items}
    assert hosts == {"www.guancha.cn", "user.guancha.cn"} and len(first.items) >= 5
    elsewhere = {**bases, "mirrors": {origin: f"http://127.0.0.{n}:9" for n, origin in enumerate(bases["mirrors"], 2)}}
    second = crawl(tmp_path / "two", elsewhere, cache, args)
    assert second.returncode == 0, second.log[-2000:]
    assert sorted(item["url"] for item in second.items) == sorted(item["url"] for item in first.items)
    assert second.stats.get("httpcache/miss", 0) == 0 and second.stats["httpcache/hit"] >= len(first.items)
    assert json.dumps([item["fetched_url"] for item in second.items]).count("127.0.0") == 0


def test_one_server_process_serves_several_sites(tmp_path: Path) -> None:
    other = tmp_path / "example"
    (other / "news" / "2026").mkdir(parents=True)
    (other / "news" / "2026" / "a.html").write_text("<h1>Example</h1>", "utf-8")
    (other / "_origins.json").write_text('{"origins": {"news": "https://news.example"}}', "utf-8")
    proc, bases = start_sample_site(tmp_path, more_roots=(other,))
    try:
        assert set(bases["mirrors"]) == {"https://www.guancha.cn", "https://user.guancha.cn", "https://app.guancha.cn",
                                         "https://i.guancha.cn", "https://news.example"}
        with urllib.request.urlopen(bases["mirrors"]["https://news.example"] + "/2026/a.html", timeout=10) as answer:
            assert answer.read() == b"<h1>Example</h1>"
        with urllib.request.urlopen(bases["www"] + "/robots.txt", timeout=10) as answer:
            assert answer.status == 200
        # Only guancha's www answers what it lacks with a 302 to its home page (its _origins.json says so).
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(bases["mirrors"]["https://news.example"] + "/gone.html", timeout=10)
        assert missing.value.code == 404
    finally:
        proc.terminate()
        proc.wait(10)
