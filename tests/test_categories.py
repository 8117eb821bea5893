"""Categories are a function of the channels an article was listed in, not of timing.

Real crawls of the sample site into a real MongoDB: the same crawl at 1, 4 and 16
concurrent requests stores the same documents; an article stored from a worse channel
and listed in a better one by a later crawl ends in the better one, one document and one
Hexo post. (Three workers against one process: tests/test_distributed.py.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pymongo
import pytest

from tests.crawl import crawl
from tests.expected_items import expected_articles
from tests.test_crawl import ALL_ARGS

pytestmark = pytest.mark.integration

EXPECTED = {e["url"]: e for e in expected_articles()}
# The times a crawl writes (when it ran), not what it found.
CRAWL_TIMES = ("_id", "crawled_at", "first_seen", "last_seen")
ARTICLE_636874 = "https://www.guancha.cn/military-affairs/2022_04_26_636874.shtml"
ARTICLE_636958 = "https://www.guancha.cn/economy/2022_04_27_636958.shtml"


def stored(uri: str, database: str) -> dict[str, dict[str, Any]]:
    with pymongo.MongoClient(uri) as client:
        docs = list(client[database].articles.find({}))
    assert len({doc["url"] for doc in docs}) == len(docs)
    return {doc["url"]: {k: v for k, v in doc.items() if k not in CRAWL_TIMES} for doc in docs}


def drop(uri: str, database: str) -> None:
    with pymongo.MongoClient(uri) as client:
        client.drop_database(database)


def test_the_same_crawl_at_1_4_and_16_concurrent_requests_stores_the_same_documents(
        sample_site: dict[str, str], mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    runs = {}
    try:
        for concurrency in ("1", "4", "16"):
            database = f"{mongo_db}_c{concurrency}"
            result = crawl(tmp_path / concurrency, sample_site, args=ALL_ARGS, settings={
                "MONGO_URI": mongo_server.uri, "MONGO_DATABASE": database,
                "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency})
            assert result.returncode == 0, result.log[-3000:]
            runs[concurrency] = stored(mongo_server.uri, database)
    finally:
        for concurrency in runs:
            drop(mongo_server.uri, f"{mongo_db}_c{concurrency}")
    assert runs["1"] == runs["4"] == runs["16"]
    assert {url: doc["categories"] for url, doc in runs["16"].items()} == \
        {url: e["categories"] for url, e in EXPECTED.items()}
    assert {doc["version"] for doc in runs["16"].values()} == {1}


def test_an_article_stored_from_a_worse_channel_is_raised_by_a_later_listing(
        sample_site: dict[str, str], mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    """Yesterday the home page had 636874 (要闻); today 头条 list_2 has it."""
    posts = tmp_path / "posts"
    storage = {"MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db, "NEWSBOT_HEXO_DIR": str(posts)}
    yesterday = crawl(tmp_path / "yesterday", sample_site, args={"channels": "yaowen"}, settings=storage)
    assert yesterday.returncode == 0, yesterday.log[-3000:]
    before = stored(mongo_server.uri, mongo_db)[ARTICLE_636874]
    assert before["categories"] == ["新媒体", "观察者网", "要闻"]
    assert before["lead_image"]["url"].endswith("20220426111932501.jpg")  # the home teaser's picture
    [post] = posts.glob("*-guancha-636874.md")
    assert " - 要闻\n" in post.read_text("utf-8")

    # A day later: 636874 (published 04-26 11:26) is no longer refetched for being recent.
    today = crawl(tmp_path / "today", sample_site, args={"channels": "toutiao"},
                  settings={**storage, "NEWSBOT_NOW": "2022-04-28T12:00:00+08:00"})
    assert today.returncode == 0, today.log[-3000:]
    # 636874 and 636958: the two 要闻 articles that 头条 lists too.
    assert today.stats["newsbot/incremental/better_channel"] == 2
    assert today.stats["newsbot/dedupe/upgraded"] == 2
    assert stored(mongo_server.uri, mongo_db)[ARTICLE_636958]["categories"] == EXPECTED[ARTICLE_636958]["categories"]
    after = stored(mongo_server.uri, mongo_db)[ARTICLE_636874]
    want = EXPECTED[ARTICLE_636874]
    assert after["categories"] == want["categories"] == ["新媒体", "观察者网", "头条"]
    assert (after["summary"], after["lead_image"]) == (want["summary"], want["lead_image"])
    assert after["version"] == 1 and after["content_hash"] == before["content_hash"]
    assert [p.name for p in posts.glob("*636874*")] == [post.name]  # rewritten, not duplicated
    text = post.read_text("utf-8")
    assert " - 头条\n" in text and "要闻" not in text

    # And a third crawl that sees it in 要闻 again changes nothing.
    again = crawl(tmp_path / "again", sample_site, args={"channels": "yaowen"},
                  settings={**storage, "NEWSBOT_NOW": "2022-04-28T12:00:00+08:00"})
    assert again.returncode == 0, again.log[-3000:]
    assert stored(mongo_server.uri, mongo_db)[ARTICLE_636874] == after
    assert " - 头条\n" in post.read_text("utf-8")
