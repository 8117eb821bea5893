"""`scrapy crawl news` under scrapy-redis: three workers on the three-site sample.

Real redis-server (tests/plugins/redis_server.py), real MongoDB (SecantusDB), real
subprocess workers (tests/workers.py). They must store exactly what one process stores,
every expected article once, every field as written by hand in tests/expected/news.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.distributed import serializer
from newsbot.spiders.news import NewsSitesSpider
from tests.crawl import ROOT, crawl
from tests.plugins.sample_site import start_sample_site
from tests.project import project_crawler
from tests.test_distributed import differences, documents, mongo_settings, stored
from tests.test_news_crawl import SITES_FILE, expected
from tests.workers import Fleet

NEWS_ROOT = ROOT / "tests" / "sites" / "news"
TWO_SECTIONS = "https://www.lakeside.example/news/203.html"
STORED_FIELDS = ("site", "source_name", "categories", "title", "published_at", "authors", "language", "paragraphs")


@pytest.fixture(scope="module")
def slow_news_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample, 100 ms per answer: long enough for every worker to take a share."""
    proc, bases = start_sample_site(tmp_path_factory.mktemp("news-site"), latency_ms=100,
                                    root=NEWS_ROOT)
    yield bases
    proc.terminate()
    proc.wait(10)


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document in the shape of tests/expected/news."""
    return {"url": doc["url"], **{name: doc.get(name) for name in STORED_FIELDS},
            "images": [[image["url"], image.get("caption")] for image in doc.get("images") or []]}


@pytest.mark.integration
def test_three_workers_store_what_one_process_stores(slow_news_site: dict[str, Any], redis_url: str,
                                                     mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    settings = {**mongo_settings(mongo_server.uri, mongo_db), "NEWSBOT_SITES_FILE": str(SITES_FILE),
                "NEWSBOT_REDIS_RATE": "0"}
    fleet = Fleet(tmp_path, slow_news_site, redis_url, {}, settings, spider="news")
    seeded = fleet.seed()
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    # 1 feed of huaxia, the feed and robots.txt of northwind, the first page of both lists of lakeside
    assert "5 request(s) pushed" in seeded.stderr
    fleet.start(3, CONCURRENT_REQUESTS="2")
    fleet.wait()

    want = expected()
    assert stored(mongo_server.uri, mongo_db) == Counter(list(want))  # every article once
    shared = documents(mongo_server.uri, mongo_db)
    assert {url: shown(doc) for url, doc in shared.items()} == want
    # Each emitted by one worker, and downloaded once across workers; but 203, in two
    # sections of lakeside, is two requests (one per section): the 本地 one may come after
    # the 文化 one was read, and raise it.
    emitted = Counter(item["url"] for worker in fleet.workers for item in worker.items())
    assert sorted(emitted) == sorted(want)
    assert {url for url, n in emitted.items() if n > 1} <= {TWO_SECTIONS}
    assert {url for url, n in fleet.downloads().items() if n > 1} <= {TWO_SECTIONS}
    assert all(w.crawled() for w in fleet.workers), [len(w.crawled()) for w in fleet.workers]
    assert all(w.stats()["finish_reason"] == "finished" for w in fleet.workers)

    alone = f"{mongo_db}_alone"
    try:
        result = crawl(tmp_path / "alone", slow_news_site, spider="news",
                       settings={**mongo_settings(mongo_server.uri, alone), "NEWSBOT_SITES_FILE": str(SITES_FILE)})
        assert result.returncode == 0, result.log[-3000:]
        assert differences(shared, documents(mongo_server.uri, alone)) == {}
    finally:
        with pymongo.MongoClient(mongo_server.uri) as client:
            client.drop_database(alone)


def news_spider() -> NewsSitesSpider:
    return NewsSitesSpider.from_crawler(project_crawler(NewsSitesSpider, NEWSBOT_SITES_FILE=str(SITES_FILE)))


def through_redis(request: Request, maker: NewsSitesSpider, taker: NewsSitesSpider) -> Request:
    """``request`` as another worker gets it from the shared queue (JSON, newsbot.distributed.serializer)."""
    return serializer.request_from_data(serializer.dumps(request.to_dict(spider=maker)), taker)


def lakeside_page(request: Request, name: str) -> HtmlResponse:
    body = (NEWS_ROOT / "lakeside" / "news" / name).read_bytes()
    return HtmlResponse(request.url, body=body, encoding="utf-8", request=request)


def test_a_next_list_page_made_by_one_worker_is_read_right_by_another() -> None:
    maker, taker = news_spider(), news_spider()
    first = next(r for r in maker.start_list_requests() if "lakeside" in r.url)
    following = [r for r in maker.parse_list(lakeside_page(first, "index.html")) if r.meta.get("newsbot_list")]
    [page_2] = [through_redis(r, maker, taker) for r in following]
    assert page_2.url == "https://www.lakeside.example/news/list_2.html"
    assert page_2.callback == taker.parse_list and page_2.errback == taker.list_failed
    # a 404 past page 1 is the end of the list, not an error, on the worker that never made it
    failure = Failure(HttpError(HtmlResponse(page_2.url, status=404, request=page_2)))
    failure.request = page_2  # type: ignore[attr-defined] - Scrapy sets it on an errback's failure
    page_2.errback(failure)
    assert taker.crawler.stats.get_value("newsbot/lists/ended") == 1
    assert taker.crawler.stats.get_value("newsbot/fetch/failed/http_404") is None
    # its article requests carry their listing and channel through the queue
    [article] = [through_redis(r, taker, maker) for r in taker.parse_list(lakeside_page(page_2, "list_2.html"))
                 if r.meta.get("newsbot_article")]
    assert article.cb_kwargs["listing"].channel == "lakeside/本地"
    assert article.meta["newsbot_channel"] == "lakeside/本地" and article.callback == maker.parse_article
