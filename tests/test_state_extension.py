"""StateStoreExtension: one store per crawl, found with crawler.get_extension.

The real engine (the store opened for the incremental middleware's first request, closed on
spider_closed) is exercised by tests/test_storage_crawl.py.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsbot.middlewares.incremental import IncrementalMiddleware
from newsbot.pipelines.dedupe import DedupePipeline
from newsbot.state.extension import StateStoreExtension
from tests.articles import URL_A, make_crawler

OFF = {"newsbot.state.extension.StateStoreExtension": None}


def test_the_pipeline_and_the_middleware_share_one_store_opened_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="newsbot.state.extension")
    crawler = make_crawler(NEWSBOT_STATE_DIR=str(tmp_path))
    pipeline = DedupePipeline.from_crawler(crawler)
    middleware = IncrementalMiddleware.from_crawler(crawler)
    extension = crawler.get_extension(StateStoreExtension)
    assert extension is not None and pipeline.state is extension and middleware.state is extension

    async def run() -> None:
        _, first, second = await asyncio.gather(pipeline.open_spider(), extension.store(), extension.store())
        assert pipeline.store is first is second
        await extension.close()

    asyncio.run(run())
    assert [r.getMessage() for r in caplog.records if r.name == "newsbot.state.extension"] == [
        "article state: sqlite"]


def test_spider_closed_closes_the_store_with_its_writes(tmp_path: Path) -> None:
    crawler = make_crawler(NEWSBOT_STATE_DIR=str(tmp_path), NEWSBOT_HEALTH_ENABLED=False)
    extension = crawler.get_extension(StateStoreExtension)
    assert extension is not None

    async def run() -> bool:
        store = await extension.store()
        store.record(URL_A, "hash-1", "2022-04-27T10:22:31+08:00", "2022-04-27T04:00:00+00:00")
        await crawler.signals.send_catch_log_async(signals.spider_closed, spider=crawler.spider,
                                                   reason="finished")
        reopened = await extension.store()  # a closed store is released, never handed out again
        await extension.close()
        return reopened is not store

    assert asyncio.run(run())
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("SELECT url, content_hash FROM articles").fetchall() == [(URL_A, "hash-1")]


def test_a_store_that_failed_to_open_is_tried_again(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    extension = make_crawler(NEWSBOT_STATE_DIR=str(blocker / "state")).get_extension(StateStoreExtension)
    assert extension is not None

    async def run() -> None:
        with pytest.raises(OSError):
            await extension.store()
        blocker.unlink()
        await extension.store()
        await extension.close()

    asyncio.run(run())
    assert (blocker / "state" / "state.sqlite3").is_file()


def test_nothing_is_opened_when_no_component_asks(tmp_path: Path) -> None:
    crawler = make_crawler(NEWSBOT_STATE_DIR=str(tmp_path / "state"), NEWSBOT_HEALTH_ENABLED=False)
    asyncio.run(crawler.signals.send_catch_log_async(signals.spider_closed, spider=crawler.spider,
                                                     reason="finished"))
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("component", [DedupePipeline, IncrementalMiddleware])
def test_without_the_extension_the_components_are_off_and_say_why(
        component: type[DedupePipeline | IncrementalMiddleware]) -> None:
    with pytest.raises(NotConfigured, match="StateStoreExtension is not in EXTENSIONS"):
        component.from_crawler(make_crawler(EXTENSIONS=OFF))
