"""IncrementalMiddleware: stored articles are not downloaded again, except recent ones."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured

from newsbot.middlewares.incremental import IncrementalMiddleware
from tests.articles import URL_A, URL_B, URL_C, article, make_crawler
from tests.storage import Backend

NEW_URL = "https://www.guancha.cn/internation/2022_04_27_636999.shtml"
ALIAS_URL = "https://www.guancha.cn/politics/2022_04_26_636960.shtml"


@pytest.fixture(params=["sqlite", "mongo"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        found = Backend("sqlite", tmp_path / "state")
    else:
        server = request.getfixturevalue("mongo_server")
        found = Backend("mongo", tmp_path / "state", server.uri, request.getfixturevalue("mongo_db"))
    # Stored: A (published 1.6 h before the pinned now), B (27 h), C (2.7 days), B's alias.
    found.crawl([article(URL_A), article(URL_B), article(URL_C), article(URL_B, url=ALIAS_URL)])
    return found


def article_request(canonical: str, fetched: str | None = None) -> Request:
    return Request(fetched or canonical, meta={"newsbot_article": True, "newsbot_canonical": canonical})


def decide(backend: Backend, requests: list[Request], spider_args: dict[str, Any] | None = None,
           **settings: Any) -> tuple[list[str], dict[str, Any]]:
    """"fetch" or "skip" for each request, and the crawl stats."""
    async def run() -> tuple[list[str], dict[str, Any]]:
        crawler = make_crawler(**{**backend.base_settings(), **settings})
        crawler.spider = Spider(name="test", **(spider_args or {}))
        middleware = IncrementalMiddleware.from_crawler(crawler)
        out = []
        try:
            for request in requests:
                try:
                    assert await middleware.process_request(request) is None
                    out.append("fetch")
                except IgnoreRequest:
                    out.append("skip")
        finally:
            await middleware.state.close()
        return out, crawler.stats.get_stats()

    return asyncio.run(run())


def test_old_stored_articles_are_skipped(backend: Backend) -> None:
    requests = [article_request(URL_A), article_request(URL_B, URL_B.replace(".shtml", "_s.shtml")),
                article_request(URL_C), article_request(NEW_URL), article_request(ALIAS_URL)]
    decisions, stats = decide(backend, requests)
    assert decisions == ["fetch", "skip", "skip", "fetch", "skip"]
    assert stats["newsbot/incremental/skipped"] == 3
    assert stats["newsbot/incremental/refetched_recent"] == 1


def test_refetch_window_is_a_setting(backend: Backend) -> None:
    decisions, _ = decide(backend, [article_request(URL_A), article_request(URL_B)],
                          NEWSBOT_REFETCH_HOURS=30)
    assert decisions == ["fetch", "fetch"]
    decisions, _ = decide(backend, [article_request(URL_A)], NEWSBOT_REFETCH_HOURS=1)
    assert decisions == ["skip"]


def test_now_comes_from_the_setting(backend: Backend) -> None:
    decisions, _ = decide(backend, [article_request(URL_A)], NEWSBOT_NOW="2022-04-29T12:00:00+08:00")
    assert decisions == ["skip"]


@pytest.mark.parametrize("how", ["setting", "spider argument"])
def test_full_refresh_fetches_everything(backend: Backend, how: str) -> None:
    requests = [article_request(URL_B), article_request(URL_C)]
    if how == "setting":
        decisions, stats = decide(backend, requests, NEWSBOT_FULL_REFRESH=True)
    else:
        decisions, stats = decide(backend, requests, spider_args={"refresh": "1"})
    assert decisions == ["fetch", "fetch"] and "newsbot/incremental/skipped" not in stats


def test_a_better_channel_than_the_stored_one_is_fetched(backend: Backend) -> None:
    backend.crawl([article(URL_C, categories=["新媒体", "观察者网", "要闻"], channel_rank=2)])
    ranks = [0, 2, 5, None]
    requests = [Request(URL_C, meta={"newsbot_article": True, "newsbot_canonical": URL_C,
                                     "newsbot_channel_rank": rank}) for rank in ranks]
    decisions, stats = decide(backend, requests)
    assert decisions == ["fetch", "skip", "skip", "skip"]
    assert stats["newsbot/incremental/better_channel"] == 1


def test_non_article_requests_pass(backend: Backend) -> None:
    lists = [Request("https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml"), Request(URL_B)]
    assert decide(backend, lists)[0] == ["fetch", "fetch"]


def test_without_canonical_meta_the_url_is_canonicalised(backend: Backend) -> None:
    request = Request("http://m.guancha.cn/economy/2022_04_26_636893_s.shtml?s=x",
                      meta={"newsbot_article": True})
    assert decide(backend, [request])[0] == ["skip"]


def test_off_by_setting() -> None:
    with pytest.raises(NotConfigured):
        IncrementalMiddleware.from_crawler(make_crawler(NEWSBOT_INCREMENTAL=False))
