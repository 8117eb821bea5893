"""A full crawl of the sample site with the real engine over loopback HTTP.

Every article the site lists comes out exactly once with every field as written by hand in
tests/expected/guancha; the bad pages are logged and counted, and the crawl goes on.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from newsbot.urls import canonical_url
from tests.crawl import CrawlResult, crawl
from tests.expected_items import CRAWL_FIELDS, all_text, expected_articles

pytestmark = pytest.mark.integration

ALL_CHANNELS = "toutiao,review,yaowen,fengwen,redian,gundong,shiping,fengwen-topic,fengwen-user"
SITE = Path(__file__).resolve().parent / "sites" / "guancha" / "www"
EXPECTED = {e["url"]: e for e in expected_articles()}


@pytest.fixture(scope="module")
def full(sample_site: dict, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    result = crawl(tmp_path_factory.mktemp("full"), sample_site, args={"channels": ALL_CHANNELS, "uids": "7788"})
    assert result.returncode == 0, result.log[-3000:]
    return result


def by_url(result: CrawlResult) -> dict[str, dict]:
    return {item["url"]: item for item in result.items}


def test_every_expected_article_exactly_once(full: CrawlResult) -> None:
    counts = Counter(item["url"] for item in full.items)
    assert [url for url, n in counts.items() if n > 1] == []
    assert sorted(counts) == sorted(EXPECTED)


@pytest.mark.parametrize("url", sorted(EXPECTED), ids=lambda u: u.rsplit("/", 1)[-1])
def test_article_fields(full: CrawlResult, url: str) -> None:
    item, expected = by_url(full)[url], EXPECTED[url]
    for field in CRAWL_FIELDS:
        assert item[field] == expected[field], field
    for outside in expected.get("_without", []):
        assert outside not in all_text(item), outside


def test_items_are_complete_and_clean(full: CrawlResult) -> None:
    for item in full.items:
        assert len(item["content_hash"]) == 64
        assert item["crawled_at"].endswith("+00:00")
        html = item["body_html"]
        for junk in ("<script", "onclick=", "javascript:", 'width="1"', "content-bottom-ad"):
            assert junk not in html, (item["url"], junk)
        assert 'src="/' not in html and 'href="/' not in html  # every URL absolute
    assert "127.0.0.1" not in json.dumps(full.items)  # the mirror never leaks into items


def test_bad_pages_are_logged_counted_and_skipped(full: CrawlResult) -> None:
    stats, log = full.stats, full.log
    assert stats["newsbot/fetch/failed/http_500"] == 1
    assert stats["newsbot/fetch/failed/http_404"] >= 1
    assert stats["newsbot/fetch/failed/DownloadTimeoutError"] == 1
    assert stats["newsbot/fetch/redirect_loop"] == 1
    assert stats["newsbot/lists/empty"] >= 1
    assert stats["newsbot/encoding/fixed"] >= 1
    assert stats["newsbot/clean/dropped/missing_title"] == 1
    assert "2022_04_26_636913_s.shtml failed" in log  # the 500 page, by URL
    assert "redirect loop" in log
    assert "list_3.shtml has no article links" in log
    assert "missing field 'title'" in log
    assert stats["finish_reason"] == "finished"


def test_article_on_two_channels_is_fetched_once(full: CrawlResult) -> None:
    requested = [line for line in full.log.splitlines() if "Crawled (200)" in line]
    article_pages = Counter(line.split("<GET ")[1].split(">")[0] for line in requested if "_s.shtml" in line)
    assert [url for url, n in article_pages.items() if n > 1] == []


def test_json_lines_keep_chinese_as_utf8(full: CrawlResult) -> None:
    raw = (full.log_dir / "items.jsonl").read_bytes()
    assert "观察者网".encode("utf-8") in raw and b"\\u" not in raw


def test_channels_argument(sample_site: dict, tmp_path: Path) -> None:
    listed = {canonical_url("https://www.guancha.cn" + i["HTTP_URL"])
              for i in json.loads((SITE / "api" / "redian.htm").read_text("utf-8"))["items"]}
    result = crawl(tmp_path, sample_site, args={"channels": "redian"})
    urls = {item["url"] for item in result.items}
    assert urls and urls <= listed
    assert urls == listed & set(EXPECTED)
    assert {item["categories"][2] for item in result.items} == {"热点"}


def test_max_pages_stops_pagination(sample_site: dict, tmp_path: Path) -> None:
    result = crawl(tmp_path, sample_site, args={"channels": "toutiao", "max_pages": "1"}, settings={"LOG_LEVEL": "DEBUG"})
    assert "list_1.shtml" in result.log and "list_2.shtml" not in result.log
    assert result.items and all(item["categories"][2] == "头条" for item in result.items)


def test_since_skips_older_listed_articles(sample_site: dict, tmp_path: Path) -> None:
    everything = crawl(tmp_path / "all", sample_site, args={"channels": "toutiao"})
    recent = crawl(tmp_path / "recent", sample_site, args={"channels": "toutiao", "since": "2022-04-27"})
    assert recent.stats.get("newsbot/lists/older_than_since", 0) > 0
    assert 0 < len(recent.items) < len(everything.items)
    assert all(item["published_at"] >= "2022-04-27" for item in recent.items)
