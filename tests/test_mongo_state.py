"""MongoStateStore's lookups against the test server: batched, and the same answers as one by one."""
from __future__ import annotations

import asyncio
from typing import Any

from newsbot.state import Known
from newsbot.state.mongo import MongoStateStore

A = "https://www.guancha.cn/politics/2022_04_26_636899.shtml"
B = "https://www.guancha.cn/internation/2022_04_26_636893.shtml"
C = "https://www.guancha.cn/military-affairs/2022_04_26_636874.shtml"
ALIAS = "https://www.guancha.cn/politics/2022_04_27_636960.shtml"


def test_content_hashes_asked_together_go_as_one_query_and_each_gets_its_first_article(
        mongo_server: Any, mongo_db: str) -> None:
    async def run() -> tuple[list[Known | None], int, Known | None]:
        store = MongoStateStore(mongo_server.uri, mongo_db, "articles")
        await store.open()
        try:
            await store.articles.insert_many([
                {"url": B, "content_hash": "h1", "first_seen": "2022-04-27T08:00:00+08:00", "version": 2,
                 "channel_rank": 2, "categories": ["新媒体", "观察者网", "要闻"]},
                {"url": A, "content_hash": "h1", "first_seen": "2022-04-26T08:00:00+08:00",
                 "published_at": "2022-04-26 08:00:00"},
                {"url": C, "content_hash": "h2", "first_seen": "2022-04-26T09:00:00+08:00"},
            ])
            answers = await asyncio.gather(store.lookup_hash("h1"), store.lookup_hash("h3"),
                                           store.lookup_hash("h2"), store.lookup_hash("h1"))
            queries = store.hash_lookups.queries
            alone = await store.lookup_hash("h2")
        finally:
            await store.close()
        return answers, queries, alone

    answers, queries, alone = asyncio.run(run())
    first_h1 = Known(A, "h1", "2022-04-26 08:00:00")
    assert answers == [first_h1, None, Known(C, "h2", None), first_h1]
    assert queries == 1
    assert alone == Known(C, "h2", None)


def test_urls_asked_together_go_as_one_query_with_aliases(mongo_server: Any, mongo_db: str) -> None:
    async def run() -> tuple[list[Known | None], int]:
        store = MongoStateStore(mongo_server.uri, mongo_db, "articles")
        await store.open()
        try:
            await store.articles.insert_one({"url": A, "content_hash": "h1", "first_seen": "2022-04-26T08:00:00+08:00",
                                             "channel_rank": 0, "categories": ["头条"]})
            await store.add_alias(ALIAS, Known(A, "h1", None), "2022-04-27T08:00:00+08:00")
            answers = await asyncio.gather(store.lookup_url(A), store.lookup_url(B), store.lookup_url(ALIAS))
            return answers, store.url_lookups.queries
        finally:
            await store.close()

    answers, queries = asyncio.run(run())
    assert answers == [Known(A, "h1", None, channel_rank=0, categories=("头条",)), None,
                       Known(A, "h1", None, alias=ALIAS, channel_rank=0, categories=("头条",))]
    assert queries == 1
