"""MongoDB failures that used to repeat on every crawl or every batch (issue 18.8).

- a page over the 16 MB document limit: kept once in the rejects file, and known to the
  state while it does not change, so it is neither fetched nor emitted again;
- MongoDB down and the spool's disk refusing too: the first batch is retried, later ones go
  straight on (not five retries each), nothing raises into the crawl, the crawl is told
  (exit 4), and the next crawl stores every article (the state is the database).
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.articles import URL_A, URL_B, Flow, article, build, make_crawler, many
from tests.storage import Backend
from tests.test_mongo_outage import settings as outage_settings
from tests.test_mongo_outage import stored_urls

pytestmark = pytest.mark.integration


def test_a_page_over_the_document_limit_is_kept_once_and_not_emitted_again(
        mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    backend = Backend("mongo", tmp_path / "state", mongo_server.uri, mongo_db)

    def huge() -> Any:
        return article(URL_B, paragraphs=["长" * (6 * 1024 * 1024)])  # > 16 MB of UTF-8

    first = backend.crawl([article(URL_A), huge()]).stats()
    assert first["newsbot/mongo/rejected"] == 1
    second = backend.crawl([article(URL_A), huge()]).stats()
    assert second["newsbot/dedupe/dropped/unchanged"] == 2  # the huge page too: not emitted again
    assert "newsbot/mongo/rejected" not in second
    rejects = backend.state_dir / "mongo-rejected" / f"{mongo_db}.articles.jsonl"
    assert [json.loads(line)["doc"]["url"] for line in rejects.read_text("utf-8").splitlines()] == [URL_B]
    # A new text of the same page is tried again (and kept again: it is a new content).
    third = backend.crawl([article(URL_B, paragraphs=["短" * (6 * 1024 * 1024)])]).stats()
    assert third["newsbot/dedupe/updated"] == 1 and third["newsbot/mongo/rejected"] == 1
    assert len(rejects.read_text("utf-8").splitlines()) == 2


def test_mongodb_down_and_the_spool_refused_costs_one_retried_batch(own_mongo_server: Any,
                                                                    tmp_path: Path) -> None:
    server, state = own_mongo_server, tmp_path / "state"
    state.mkdir()
    (state / "mongo-spool").write_text("a file where the spool directory should be")
    items = many(60, prefix="nospool")
    values = outage_settings(server, state, NEWSBOT_MONGO_RETRY_TIMES=5)

    async def crawl() -> tuple[dict[str, Any], float]:
        crawler = make_crawler(**values)
        async with Flow(crawler, build(crawler, "clean", "dedupe", "mongo")) as flow:
            await asyncio.to_thread(server.stop, True)
            started = time.monotonic()
            await flow.feed(items)
            elapsed = time.monotonic() - started
        return flow.stats(), elapsed

    stats, elapsed = asyncio.run(crawl())
    assert stats["newsbot/mongo/unsaved"] == 60
    assert stats["newsbot/outputs/failed/mongo"] == 60
    assert stats["newsbot/mongo/retried"] == 10 * 5  # the first batch of 10 only, 5 times
    assert elapsed < 15, elapsed  # 6 batches x 5 retries x 0.5 s timeouts would be 15 s and more

    server.start()
    (state / "mongo-spool").unlink()
    asyncio.run(_again(values, items))
    assert sorted(stored_urls(server)) == sorted(i.url for i in items)


async def _again(values: dict[str, Any], items: list[Any]) -> None:
    crawler = make_crawler(**values)
    async with Flow(crawler, build(crawler, "clean", "dedupe", "mongo")) as flow:
        await flow.feed(items)
