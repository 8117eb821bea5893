"""A full crawl of the sample site with the real engine over loopback HTTP.

Every article the site lists comes out exactly once with every field as written by hand in
tests/expected/guancha, with the site answering as it does in 2026 and as it did in 2019;
the bad pages are logged and counted, and the crawl goes on.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsbot.urls import canonical_url
from tests.crawl import CrawlResult, crawl
from tests.expected_items import CRAWL_FIELDS, all_text, expected_articles

pytestmark = pytest.mark.integration

ALL_CHANNELS = "toutiao,review,yaowen,fengwen,redian,gundong,shiping,fengwen-topic,fengwen-user,column,author"
ALL_ARGS = {"channels": ALL_CHANNELS, "uids": "7788", "columns": "GuoJi·ZhanLue", "authors": "ChenSiYuan"}
SITE = Path(__file__).resolve().parent / "sites" / "guancha" / "www"
EXPECTED = {e["url"]: e for e in expected_articles()}


@pytest.fixture(scope="module", params=["2026", "2019"])
def full(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """A crawl of every channel, on the site in its 2026 shape and in its 2019 shape."""
    site = request.getfixturevalue("sample_site" if request.param == "2026" else "sample_site_2019")
    # DEBUG: the "Crawled (200) <GET …>" lines say which pages were downloaded.
    result = crawl(tmp_path_factory.mktemp(f"full-{request.param}"), site, args=ALL_ARGS, settings={"LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.log[-3000:]
    return replace(result, shape=request.param)


def by_url(result: CrawlResult) -> dict[str, dict]:
    """The last item of each URL: the one an article raised to a better channel ends with."""
    return {item["url"]: item for item in result.items}


def asked_again(result: CrawlResult) -> Counter[str]:
    """Articles the crawl asked for again after reading them, because a list read later
    named them in a better channel (the spider's DEBUG line says so)."""
    return Counter(line.split(" listed in a better channel")[0].rsplit(" ", 1)[-1]
                   for line in result.log.splitlines() if "than it was read in: asking again" in line)


def test_every_expected_article_exactly_once(full: CrawlResult) -> None:
    """Once, or once more for each time a later list raised it to a better channel."""
    counts = Counter(item["url"] for item in full.items)
    assert sorted(counts) == sorted(EXPECTED)
    assert {url: n - 1 for url, n in counts.items() if n > 1} == dict(asked_again(full))
    assert full.stats.get("newsbot/lists/upgraded", 0) == sum(asked_again(full).values())
    for url in asked_again(full):
        ranks = [item["channel_rank"] for item in full.items if item["url"] == url]
        assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks), url


def test_an_article_read_before_its_better_listing_ends_in_the_better_channel(full: CrawlResult) -> None:
    """636874 is on the home page (要闻, read first) and on 头条 list_2 (read later)."""
    url = "https://www.guancha.cn/military-affairs/2022_04_26_636874.shtml"
    item = by_url(full)[url]
    assert item["categories"] == ["新媒体", "观察者网", "头条"] and item["channel_rank"] == 0
    assert item["lead_image"]["url"].endswith("20220426112206417.jpg")  # list_2's, not the teaser's


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


def test_the_log_and_stats_name_only_real_urls(full: CrawlResult) -> None:
    """NEWSBOT_MIRRORS maps downloads below Scrapy's components: the one line that names the
    mirror is the download handler's own at start."""
    mirrored = [line for line in full.log.splitlines() if "127.0.0.1" in line]
    assert len(mirrored) == 1 and "fetching from mirrors: https://www.guancha.cn -> http://127.0.0.1:" in mirrored[0]
    assert "127.0.0.1" not in json.dumps(full.stats)
    assert "Crawled (200) <GET https://www.guancha.cn/robots.txt>" in full.log  # robots.txt of the real host


def test_bad_pages_are_logged_counted_and_skipped(full: CrawlResult) -> None:
    stats, log = full.stats, full.log
    assert stats["newsbot/fetch/failed/http_500"] == 1
    assert stats["newsbot/fetch/failed/DownloadTimeoutError"] == 1
    assert stats["newsbot/fetch/redirect_loop"] == 1
    assert stats["newsbot/lists/empty"] >= 1
    assert stats["newsbot/encoding/fixed"] >= 1
    assert stats["newsbot/clean/dropped/missing_title"] == 1
    assert "2022_04_26_636913.shtml failed" in log  # the 500 page, by URL
    assert "redirect loop" in log
    assert "list_3.shtml has no article links" in log
    assert "missing field 'title'" in log
    assert stats["finish_reason"] == "finished"
    assert "site does not look" not in log  # a healthy crawl: no health-check error


def test_a_missing_article_is_a_loud_miss(full: CrawlResult) -> None:
    """636899 is listed but gone: a 404 in 2019, a 302 to the home page in 2026. The
    redirect is never followed (the duplicate filter would drop it without a word)."""
    missing = "https://www.guancha.cn/politics/2022_04_26_636899.shtml"
    if full.shape == "2019":
        assert full.stats["newsbot/fetch/failed/http_404"] >= 1
        return
    assert full.stats["newsbot/fetch/failed/redirected_away"] == 1
    errors = [line for line in full.log.splitlines() if "ERROR" in line and "redirected away" in line]
    assert len(errors) == 1
    assert f"{missing} was redirected away to https://www.guancha.cn/" in errors[0]
    assert "127.0.0.1" not in errors[0]  # real URLs, not the mirror's


def test_each_article_page_is_fetched_once_and_only_multi_page_articles_fetch_more(full: CrawlResult) -> None:
    requested = [line.split("<GET ")[1].split(">")[0].split(" ")[0]
                 for line in full.log.splitlines() if "Crawled (200)" in line and "<GET " in line]
    articles = Counter(url for url in requested if url.endswith(".shtml") and "/20" in url)
    assert len(articles) >= len(EXPECTED) - 3  # 风闻 posts are not .shtml pages
    # Each page once, once more for each time the article was asked for again (above).
    again = asked_again(full)
    assert {url: n for url, n in articles.items()
            if n > 1 + again[canonical_url("https://www.guancha.cn" + urlsplit(url).path)]} == {}
    full_text = sorted(url.rsplit("/", 1)[-1] for url in articles if url.endswith("_s.shtml"))
    # the two multi-page articles with a 余下全文 link, and no other
    assert full_text == ["2022_04_26_636921_s.shtml", "2022_04_26_636937_s.shtml"]
    assert full.stats.get("newsbot/fetch/full_text_missing", 0) == 0


def test_redirect_stubs_are_followed_to_fengwen_and_skipped_offsite(full: CrawlResult) -> None:
    """636999 (old) and 636946 (2026, empty body) are script redirects to 风闻 posts, which
    are stored; 636947 redirects to news.cctv.com, which is never fetched."""
    assert full.stats["newsbot/stubs/user"] == 2
    assert full.stats["newsbot/stubs/offsite"] == 1
    [skipped] = [line for line in full.log.splitlines() if "is a redirect stub to" in line]
    assert " INFO: " in skipped and "https://www.guancha.cn/internation/2022_04_26_636947.shtml" in skipped
    assert "news.cctv.com" in skipped
    assert not [line for line in full.log.splitlines() if "cctv" in line and ("Crawled" in line or "<GET" in line)]


def test_column_and_author_lists_are_paged_to_their_end(full: CrawlResult) -> None:
    crawled = [line for line in full.log.splitlines() if "Crawled (200)" in line]
    assert any("/column/GuoJi%C2%B7ZhanLue/1>" in line for line in crawled)
    assert any("/column/GuoJi%C2%B7ZhanLue/2>" in line for line in crawled)
    assert any("/ChenSiYuan/list_1.shtml>" in line for line in crawled)
    # Page 3 of the column is a 302 to the home page in 2026, a 404 in 2019: the list ends.
    ended = [line for line in full.log.splitlines() if "no such list page" in line]
    assert any("https://www.guancha.cn/column/GuoJi%C2%B7ZhanLue/3" in line for line in ended)


def test_a_healthy_crawl_is_extracted_by_the_site_rules(full: CrawlResult) -> None:
    assert {item["extraction"] for item in full.items} == {"site"}
    assert full.stats["newsbot/health/problems"] == 0
    # 636888, the "页面不存在" page: the generic extractor finds only the URL's date, and the
    # item is still dropped for its missing title.
    assert full.stats["newsbot/extraction/fallback"] == 1
    assert full.stats["newsbot/extraction/site_missed/article"] == 1


def test_the_member_list_is_asked_with_the_referer_it_expects(full: CrawlResult) -> None:
    # The sample site answers the member API with a 403 unless the Referer is user.guancha.cn.
    assert "get-published-list" in full.log
    assert full.stats.get("newsbot/fetch/failed/http_403", 0) == 0


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
