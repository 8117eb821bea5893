"""`scrapy crawl news` on the three-site sample (tests/sites/news, MANIFEST.md there)."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pymongo
import pytest

from tests.crawl import ROOT, CrawlResult, crawl
from tests.plugins.sample_site import start_sample_site
from tests.test_distributed import differences, documents
from tests.test_news_sites import readme_sites_block
from tests.workers import clean_env

pytestmark = pytest.mark.integration
SITES_FILE = ROOT / "tests" / "sites" / "news.toml"
EXPECTED = ROOT / "tests" / "expected" / "news"
LAKESIDE = "https://www.lakeside.example"
FIELDS = ("url", "site", "source_name", "categories", "title", "published_at", "authors", "language", "paragraphs")


def expected() -> dict[str, dict[str, Any]]:
    articles = [a for name in ("huaxia", "northwind", "lakeside")
                for a in json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))]
    return {article["url"]: article for article in articles}


def last_of(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last item of each URL: the one an article raised to a better section ends with."""
    return {item["url"]: item for item in items}


def shown(item: dict[str, Any]) -> dict[str, Any]:
    return {**{name: item.get(name) for name in FIELDS},
            "images": [[image["url"], image.get("caption")] for image in item.get("images") or []]}


def test_every_site_every_article_once_then_nothing_new(news_site: dict[str, Any], tmp_path: Path) -> None:
    settings = {"NEWSBOT_SITES_FILE": str(SITES_FILE)}
    first = crawl(tmp_path / "one", news_site, settings=settings, spider="news")
    assert first.returncode == 0, first.log[-3000:]
    urls = Counter(item["url"] for item in first.items)
    assert sorted(urls) == sorted(expected()), urls  # b1 is in the feed and the sitemap
    # once, or once more when a later list raised it to a better section (203: 文化, then 本地)
    assert {url: n - 1 for url, n in urls.items() if n > 1} == (
        {f"{LAKESIDE}/news/203.html": 1} if first.stats.get("newsbot/lists/upgraded") else {})
    for item in first.items:
        if item is last_of(first.items)[item["url"]]:
            assert shown(item) == expected()[item["url"]]
    assert first.stats["newsbot/news/offsite_links"] == 1  # the huaxia feed's link to another site
    assert first.stats["newsbot/fetch/failed/http_404"] == 1  # huaxia 1003
    # A second crawl with the same state: nothing new.
    second = crawl(tmp_path / "one", news_site, settings=settings, spider="news")
    assert second.returncode == 0, second.log[-3000:]
    assert second.items == []


def test_one_site_by_argument(news_site: dict[str, Any], tmp_path: Path) -> None:
    result = crawl(tmp_path, news_site, settings={"NEWSBOT_SITES_FILE": str(SITES_FILE)}, args={"sites": "lakeside"},
                   spider="news")
    assert result.returncode == 0
    assert sorted(last_of(result.items)) == [f"{LAKESIDE}/news/{n}.html" for n in (201, 202, 203, 204)]


def crawl_huaxia_and_lakeside(tmp_path: Path, specials: dict[str, dict[str, Any]]) -> CrawlResult:
    """Crawl huaxia and lakeside from a sample site of their own, broken by ``specials``."""
    (tmp_path / "site").mkdir()
    proc, bases = start_sample_site(tmp_path / "site", root=ROOT / "tests" / "sites" / "news", specials=specials)
    try:
        return crawl(tmp_path / "crawl", bases, settings={"NEWSBOT_SITES_FILE": str(SITES_FILE)},
                     args={"sites": "huaxia,lakeside"}, spider="news")
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_site_whose_pages_give_no_articles_is_named_and_the_crawl_fails(tmp_path: Path) -> None:
    specials = {"huaxia:/2022/0426/*.html": {"status": 404}}
    result = crawl_huaxia_and_lakeside(tmp_path, specials)
    assert result.returncode == 3, result.log[-3000:]
    errors = [line for line in result.log.splitlines() if "does not look the way" in line]
    assert len(errors) == 1
    report = result.log[result.log.index(errors[0]):]
    assert "channel huaxia/国内: 0 of 3 article requests gave an article" in report
    assert "lakeside" not in report.split("\n\n")[0]
    assert len(last_of(result.items)) == 4  # lakeside's articles are still stored


def test_a_broken_sites_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "sites.toml"
    broken.write_text(SITES_FILE.read_text("utf-8").replace("next_page =", "next_pages ="), "utf-8")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-s", f"NEWSBOT_SITES_FILE={broken}",
           "-s", f"NEWSBOT_STATE_DIR={tmp_path}"]
    done = subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    line = (f"{broken}: site 'lakeside': lists[0].next_pages: expected one of the keys url, section, "
            "article_pattern, next_page (unknown key)")
    assert f"error: {line}" in done.stderr
    assert "Traceback" not in done.stderr and "Crawled" not in done.stderr


def test_an_unknown_site_name_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "sites=lakeside,nosuch",
           "-s", f"NEWSBOT_SITES_FILE={SITES_FILE}", "-s", f"NEWSBOT_STATE_DIR={tmp_path}"]
    done = subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "error: sites: unknown 'nosuch'; known: huaxia, northwind, lakeside" in done.stderr


def test_an_article_in_two_sections_is_filed_under_the_one_declared_first(
        news_site: dict[str, Any], mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    """203 is on lakeside's 本地 list page 2 and on its 文化 list page 1; 本地 is declared
    first. One request at a time, 203 is read under 文化 before page 2 is; 16 at a time,
    in whatever order the answers come: the same documents."""
    stored: dict[str, dict[str, dict[str, Any]]] = {}
    for concurrency in ("1", "16"):
        db = f"{mongo_db}_{concurrency}"
        settings = {"NEWSBOT_SITES_FILE": str(SITES_FILE), "CONCURRENT_REQUESTS": concurrency,
                    "MONGO_URI": mongo_server.uri, "MONGO_DATABASE": db}
        try:
            result = crawl(tmp_path / concurrency, news_site, settings=settings, args={"sites": "lakeside"},
                           spider="news")
            assert result.returncode == 0, result.log[-3000:]
            stored[concurrency] = documents(mongo_server.uri, db)
        finally:
            with pymongo.MongoClient(mongo_server.uri) as client:
                client.drop_database(db)
        if concurrency == "1":
            assert result.stats["newsbot/lists/upgraded"] == 1  # 203, asked again for 本地
    for docs in stored.values():
        assert {url: doc["categories"] for url, doc in docs.items()} == {
            f"{LAKESIDE}/news/201.html": ["新媒体", "湖畔新闻", "本地"],
            f"{LAKESIDE}/news/202.html": ["新媒体", "湖畔新闻", "本地"],
            f"{LAKESIDE}/news/203.html": ["新媒体", "湖畔新闻", "本地"],
            f"{LAKESIDE}/news/204.html": ["新媒体", "湖畔新闻", "文化"],
        }
        assert {url.rsplit("/", 1)[1]: doc["channel_rank"] for url, doc in docs.items()} == {
            "201.html": 0, "202.html": 0, "203.html": 0, "204.html": 1}
    assert differences(stored["1"], stored["16"]) == {}


def test_the_readmes_worked_example_crawls_the_sample(news_site: dict[str, Any], tmp_path: Path) -> None:
    """The README's "Adding a site by configuration" entry, as written there."""
    sites = tmp_path / "sites.toml"
    sites.write_text(readme_sites_block(), "utf-8")
    result = crawl(tmp_path / "crawl", news_site, settings={"NEWSBOT_SITES_FILE": str(sites)}, spider="news")
    assert result.returncode == 0, result.log[-3000:]
    lakeside = {url: article for url, article in expected().items() if url.startswith(LAKESIDE)}
    assert {url: shown(item) for url, item in last_of(result.items).items()} == lakeside
    assert len(lakeside) == 4


def test_a_site_whose_feed_is_gone_is_named_and_the_crawl_fails(tmp_path: Path) -> None:
    specials = {"huaxia:/rss/guonei.xml": {"status": 404}}
    result = crawl_huaxia_and_lakeside(tmp_path, specials)
    assert result.returncode == 3, result.log[-3000:]
    [error] = [line for line in result.log.splitlines() if "does not look the way" in line]
    report = result.log[result.log.index(error):].split("\n\n")[0]
    assert ("channel huaxia/国内: every first list page had no article links (1 page(s), e.g. "
            "https://www.huaxia-daily.example/rss/guonei.xml)") in report
    assert "lakeside" not in report
    assert len(last_of(result.items)) == 4  # lakeside's articles are still stored
