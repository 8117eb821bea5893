"""MongoPipeline against a real MongoDB-wire-protocol server (SecantusDB, or MONGO_URI)."""
from __future__ import annotations

import asyncio
import fcntl
import functools
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymongo
import pytest
from scrapy.exceptions import NotConfigured

from newsbot.items import Article
from newsbot.mongo.connect import MongoConnectError
from newsbot.pipelines.mongo import MongoPipeline
from tests.articles import URL_A, URL_B, URL_C, Flow, article, build, make_crawler, many
from tests.storage import Backend

pytestmark = pytest.mark.integration


@pytest.fixture()
def backend(mongo_server: Any, mongo_db: str, tmp_path: Path) -> Backend:
    return Backend("mongo", tmp_path / "state", mongo_server.uri, mongo_db)


def docs(backend: Backend) -> dict[str, dict[str, Any]]:
    return backend.stored()


def store_only(backend: Backend) -> Backend:
    """clean + mongo, no dedupe: every item reaches the database pipeline."""
    backend.settings["NEWSBOT_DEDUPE_ENABLED"] = False
    return backend


def test_documents_and_indexes(backend: Backend) -> None:
    flow = backend.crawl([article(URL_A), article(URL_B), article(URL_C)])
    assert flow.stats()["newsbot/mongo/inserted"] == 3
    stored = docs(backend)
    assert set(stored) == {URL_A, URL_B, URL_C}
    a = stored[URL_A]
    assert a["title"] == "美国会通过对乌援助法案" and a["source"] == "观察者网"
    assert a["images"] == [{"url": "https://i.guancha.cn/news/2022/04/27/a.jpg", "caption": "资料图",
                            "alt": None, "width": None, "height": None, "index": 1}]
    assert a["first_seen"] == a["last_seen"] == a["crawled_at"] == "2022-04-27T04:00:00+00:00"
    assert a["version"] == 1
    with pymongo.MongoClient(backend.uri) as client:
        info = client[backend.database].articles.index_information()
    keys = {tuple(k for k, _ in spec["key"]): spec.get("unique", False) for spec in info.values()}
    assert keys[("url",)] is True
    assert {("published_at",), ("content_hash",), ("site",)} <= set(keys)


def test_rerun_is_idempotent(backend: Backend) -> None:
    store_only(backend)
    items = [article(URL_A), article(URL_B), article(URL_C)]
    backend.crawl(items)
    before = docs(backend)
    flow = backend.crawl([article(URL_A), article(URL_B), article(URL_C)],
                         NEWSBOT_NOW="2022-04-28T12:00:00+08:00")
    stats = flow.stats()
    assert stats["newsbot/mongo/unchanged"] == 3
    assert "newsbot/mongo/inserted" not in stats and "newsbot/mongo/updated" not in stats
    assert docs(backend) == before  # same documents: last_seen and version untouched


def test_full_chain_rerun_writes_nothing(backend: Backend) -> None:
    backend.crawl([article(URL_A), article(URL_B)])
    before = docs(backend)
    flow = backend.crawl([article(URL_A), article(URL_B)], NEWSBOT_NOW="2022-04-28T12:00:00+08:00")
    assert flow.passed == [] and "newsbot/mongo/flushes" not in flow.stats()
    assert docs(backend) == before


def test_edited_article_is_updated(backend: Backend) -> None:
    backend.crawl([article(URL_A), article(URL_B)])
    edited = article(URL_A, title="美国会通过对乌援助法案（更新）")
    flow = backend.crawl([edited], NEWSBOT_NOW="2022-04-27T18:00:00+08:00")
    assert flow.stats()["newsbot/mongo/updated"] == 1
    doc = docs(backend)[URL_A]
    assert doc["title"] == "美国会通过对乌援助法案（更新）" and doc["version"] == 2
    assert doc["first_seen"] == "2022-04-27T04:00:00+00:00"
    assert doc["last_seen"] == doc["updated_at"] == "2022-04-27T10:00:00+00:00"
    assert docs(backend)[URL_B]["version"] == 1


def test_an_older_copy_never_overwrites_a_newer_one(backend: Backend) -> None:
    """A replayed spool entry from an earlier crawl must not undo a later update."""
    store_only(backend)
    backend.crawl([article(URL_A, title="新标题")], NEWSBOT_NOW="2022-04-28T12:00:00+08:00")
    flow = backend.crawl([article(URL_A)], NEWSBOT_NOW="2022-04-27T12:00:00+08:00")
    assert flow.stats()["newsbot/mongo/unchanged"] == 1
    assert docs(backend)[URL_A]["title"] == "新标题"


OPERATOR_STRINGS = ["$where", '{"$gt": ""}', "$set", "$ne", "this.a == 1", "a.b", "$"]


def test_page_values_never_become_operators(backend: Backend) -> None:
    store_only(backend)
    backend.crawl([article(URL_B)])
    hostile = article(URL_A, title="$where", summary='{"$gt": ""}', authors=["$ne"],
                      paragraphs=OPERATOR_STRINGS, tags=["$set", "a.b"], source="$inc",
                      categories=["$unset"])
    backend.crawl([hostile])
    stored = docs(backend)
    assert set(stored) == {URL_A, URL_B}
    assert stored[URL_A]["title"] == "$where" and stored[URL_A]["paragraphs"] == OPERATOR_STRINGS
    assert stored[URL_A]["tags"] == ["$set", "a.b"] and stored[URL_A]["source"] == "$inc"
    assert stored[URL_B]["title"] == "一季度经济数据发布"  # untouched
    with pymongo.MongoClient(backend.uri) as client:
        found = list(client[backend.database].articles.find({"title": "$where"}, {"url": 1}))
    assert [d["url"] for d in found] == [URL_A]


def test_operator_shaped_keys_and_urls_are_refused(backend: Backend) -> None:
    async def run() -> list[str]:
        crawler = make_crawler(**backend.base_settings())
        async with Flow(crawler, build(crawler, "mongo")) as flow:
            await flow.feed([
                {"url": URL_A, "content_hash": "h", "title": "t", "extra": {"$where": "1"}},
                {"url": {"$gt": ""}, "content_hash": "h2", "title": "t"},
                {"url": URL_B, "content_hash": "h3", "a.b": 1},
            ])
        return flow.dropped

    dropped = asyncio.run(run())
    assert dropped == [f"cannot store {URL_A}: unsafe key '$where' at extra",
                       "cannot store <no url>: url must be a non-empty string",
                       f"cannot store {URL_B}: unsafe key 'a.b' at <root>"]
    assert docs(backend) == {}


def test_flushed_by_size_and_by_time(backend: Backend) -> None:
    store_only(backend)
    counts: list[int] = []

    def count() -> int:
        with pymongo.MongoClient(backend.uri) as client:
            return client[backend.database].articles.count_documents({})

    async def run() -> None:
        crawler = make_crawler(**backend.base_settings(), NEWSBOT_DEDUPE_ENABLED=False,
                               NEWSBOT_MONGO_BUFFER_SIZE=2, NEWSBOT_MONGO_FLUSH_SECONDS=0.3)
        async with Flow(crawler, build(crawler, "clean", "mongo")) as flow:
            await flow.feed(many(5))
            counts.append(await asyncio.to_thread(count))  # two full buffers written
            for _ in range(100):  # the fifth, by the timer (0.3 s; allow a slow machine)
                await asyncio.sleep(0.1)
                if await asyncio.to_thread(count) == 5:
                    break
            counts.append(await asyncio.to_thread(count))
            await flow.feed(many(6)[5:])
        counts.append(count())  # and the sixth at close

    asyncio.run(run())
    assert counts == [4, 5, 6]


def at_once(*crawls: Callable[[], Any]) -> None:
    """Run ``crawls`` in threads at the same time; any error of one fails the test."""
    errors: list[BaseException] = []

    def run(crawl: Callable[[], Any]) -> None:
        try:
            crawl()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(crawl,)) for crawl in crawls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors


def test_two_crawls_writing_at_once_leave_no_duplicates(backend: Backend) -> None:
    items = many(150)

    def crawl() -> None:  # each crawl its own copies of the items
        backend.crawl([Article(**vars(i)) for i in items], NEWSBOT_MONGO_BUFFER_SIZE=7)

    at_once(crawl, crawl)
    with pymongo.MongoClient(backend.uri) as client:
        articles = client[backend.database].articles
        assert articles.count_documents({}) == 150
        assert len(articles.distinct("url")) == 150
        assert set(articles.distinct("version")) == {1}


YAOWEN = dict(categories=["新媒体", "观察者网", "要闻"], channel_rank=2)
TOUTIAO = dict(categories=["新媒体", "观察者网", "头条"], channel_rank=0)


@pytest.mark.parametrize("batch", [1, 10], ids=["one write each", "one bulk write"])
@pytest.mark.parametrize("order", ["worse first", "better first"])
def test_the_write_keeps_the_best_channel_in_either_order(backend: Backend, order: str, batch: int) -> None:
    store_only(backend)
    items = [article(URL_A, **YAOWEN), article(URL_A, **TOUTIAO)]
    backend.crawl(items if order == "worse first" else items[::-1], NEWSBOT_MONGO_BUFFER_SIZE=batch)
    doc = docs(backend)[URL_A]
    assert (doc["categories"], doc["channel_rank"], doc["version"]) == (TOUTIAO["categories"], 0, 1)


def test_new_text_in_a_worse_channel_keeps_the_better_categories(backend: Backend) -> None:
    store_only(backend)
    backend.crawl([article(URL_A, **TOUTIAO)])
    flow = backend.crawl([article(URL_A, title="美国会通过对乌援助法案（更新）", **YAOWEN)],
                         NEWSBOT_NOW="2022-04-27T18:00:00+08:00")
    assert flow.stats()["newsbot/mongo/updated"] == 1
    doc = docs(backend)[URL_A]
    assert doc["title"] == "美国会通过对乌援助法案（更新）" and doc["version"] == 2
    assert (doc["categories"], doc["channel_rank"]) == (TOUTIAO["categories"], 0)
    # and the same text in a better channel later: raised, still version 2
    raised = backend.crawl([article(URL_A, title="美国会通过对乌援助法案（更新）",
                                    categories=["新媒体", "观察者网", "最好"], channel_rank=-1)])
    assert raised.stats()["newsbot/mongo/updated"] == 1
    doc = docs(backend)[URL_A]
    assert (doc["categories"][2], doc["channel_rank"], doc["version"]) == ("最好", -1, 2)


def test_two_workers_writing_two_channels_at_once_keep_the_better(backend: Backend) -> None:
    """Each article written at the same time by two crawls, one from each channel."""
    store_only(backend)
    base = many(120)

    def crawl(channel: dict[str, Any]) -> None:
        backend.crawl([Article(**{**vars(i), **channel}) for i in base], NEWSBOT_MONGO_BUFFER_SIZE=7)

    at_once(functools.partial(crawl, YAOWEN), functools.partial(crawl, TOUTIAO))
    with pymongo.MongoClient(backend.uri) as client:
        articles = client[backend.database].articles
        assert articles.count_documents({}) == 120
        assert articles.distinct("channel_rank") == [0]
        assert articles.distinct("categories") == TOUTIAO["categories"]
        assert articles.distinct("version") == [1]


@pytest.mark.parametrize("failure", [
    {"errorCode": 112},  # WriteConflict: OperationFailure, transient
    {"closeConnection": True},  # AutoReconnect
])
def test_injected_transient_errors_are_retried(own_mongo_server: Any, tmp_path: Path,
                                               failure: dict[str, Any]) -> None:
    backend = Backend("mongo", tmp_path / "state", own_mongo_server.uri, "newsbot_failpoint")
    backend.settings.update(NEWSBOT_MONGO_BUFFER_SIZE=10)
    with pymongo.MongoClient(own_mongo_server.uri) as client:
        client.admin.command({"configureFailPoint": "failCommand", "mode": {"times": 3},
                              "data": {"failCommands": ["insert", "update"], **failure}})
        try:
            flow = backend.crawl(many(40))
        finally:
            client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        stats = flow.stats()
        assert stats["newsbot/mongo/retried"] >= 3 * 10
        assert "newsbot/mongo/spooled" not in stats
        assert client.newsbot_failpoint.articles.count_documents({}) == 40
        assert set(client.newsbot_failpoint.articles.distinct("version")) == {1}
    assert not list((tmp_path / "state").rglob("*.jsonl"))


def test_unset_uri_switches_the_pipeline_off() -> None:
    with pytest.raises(NotConfigured):
        MongoPipeline.from_crawler(make_crawler(MONGO_URI=None))


@pytest.mark.parametrize("uri, message", [
    ("mongodb://127.0.0.1:1/", "cannot reach MongoDB at mongodb://127.0.0.1:1/ within 300 ms"),
    ("mongodb://127.0.0.1:notaport/", "invalid MONGO_URI mongodb://127.0.0.1:notaport/"),
    ("http://127.0.0.1/", "invalid MONGO_URI http://127.0.0.1/"),
])
def test_bad_uri_fails_fast_with_a_clear_message(uri: str, message: str, tmp_path: Path) -> None:
    async def run() -> None:
        crawler = make_crawler(MONGO_URI=uri, NEWSBOT_MONGO_TIMEOUT_MS=300,
                               NEWSBOT_STATE_DIR=str(tmp_path))
        await MongoPipeline.from_crawler(crawler).open_spider()

    with pytest.raises(MongoConnectError) as raised:
        asyncio.run(run())
    assert str(raised.value).startswith(message)


SECRET = "Sup3r-S3cret_pw"


@pytest.mark.parametrize("where", ["unreachable", "test server"])
def test_password_never_logged(where: str, mongo_server: Any, mongo_db: str, tmp_path: Path,
                               caplog: pytest.LogCaptureFixture) -> None:
    host = "127.0.0.1:1" if where == "unreachable" else mongo_server.uri.split("//", 1)[1].split("/")[0]
    if getattr(mongo_server, "external", False) and where != "unreachable":
        pytest.skip("MONGO_URI names its own credentials")
    uri = f"mongodb://newsbot:{SECRET}@{host}/?authSource=admin"
    caplog.set_level(logging.DEBUG)
    outcome = ""
    crawler = make_crawler(MONGO_URI=uri, MONGO_DATABASE=mongo_db, NEWSBOT_MONGO_TIMEOUT_MS=500,
                           NEWSBOT_STATE_DIR=str(tmp_path))

    async def run() -> None:
        async with Flow(crawler, build(crawler, "clean", "dedupe", "mongo")) as flow:
            await flow.feed([article(URL_A)])

    try:
        asyncio.run(run())
        outcome = "stored"
    except MongoConnectError as error:
        outcome = str(error)
        assert "newsbot:***@" in outcome
    assert outcome
    assert SECRET not in outcome
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps(crawler.stats.get_stats(), default=str)
    if where == "test server":  # SecantusDB knows no such user
        assert outcome.startswith(f"MongoDB at mongodb://newsbot:***@{host}/?authSource=admin "
                                  "refused us (check the user and password)")


@pytest.mark.parametrize("password", [SECRET, "wrong-" + SECRET])
def test_password_of_an_authenticated_server_never_logged(
        own_mongo_server: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, password: str) -> None:
    with pymongo.MongoClient(own_mongo_server.uri) as client:
        client.admin.command("createUser", "newsbot", pwd=SECRET,
                             roles=[{"role": "readWrite", "db": "news"}])
    own_mongo_server.auth = True
    own_mongo_server.restart(kill=False)
    host = f"127.0.0.1:{own_mongo_server.port}"
    uri = f"mongodb://newsbot:{password}@{host}/?authSource=admin"
    caplog.set_level(logging.DEBUG)
    backend = Backend("mongo", tmp_path / "state", uri, "news")
    try:
        flow = backend.crawl([article(URL_A), article(URL_B)])
    except MongoConnectError as error:
        assert password != SECRET
        assert str(error).startswith(f"MongoDB at mongodb://newsbot:***@{host}/?authSource=admin "
                                     "refused us (check the user and password)")
        assert password not in str(error)
    else:
        assert password == SECRET and flow.stats()["newsbot/mongo/inserted"] == 2
        assert f"connected to MongoDB at mongodb://newsbot:***@{host}/" in caplog.text
        assert password not in json.dumps(flow.stats(), default=str)
    assert SECRET not in caplog.text and password not in caplog.text


def test_spool_left_by_an_earlier_run_is_replayed(backend: Backend) -> None:
    spool_dir = backend.state_dir / "mongo-spool" / f"{backend.database}.articles"
    spool_dir.mkdir(parents=True)
    doc = {"url": URL_C, "site": "guancha", "title": "风闻：谈谈芯片产业", "content_hash": "c0ffee",
           "published_at": "2022-04-25T18:30:00+08:00", "paragraphs": ["芯片。"],
           "crawled_at": "2022-04-26T00:00:00+00:00"}
    lines = [json.dumps(doc, ensure_ascii=False), json.dumps({"title": "no url"}), '{"url": "https://torn']
    (spool_dir / "20220426T000000-1-a.jsonl").write_text("\n".join(lines))
    busy = spool_dir / "20220426T000001-2-b.jsonl"  # still held by a running writer
    busy.write_text(json.dumps({**doc, "url": URL_B}) + "\n")
    with open(busy) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        flow = backend.crawl([article(URL_A)])
    assert flow.stats()["newsbot/mongo/replayed"] == 1
    stored = docs(backend)
    assert set(stored) == {URL_A, URL_C} and stored[URL_C]["content_hash"] == "c0ffee"
    assert sorted(p.name for p in spool_dir.iterdir()) == ["20220426T000000-1-a.torn", busy.name]
    assert (spool_dir / "20220426T000000-1-a.torn").read_text() == '{"url": "https://torn\n'
    rejects = backend.state_dir / "mongo-rejected" / f"{backend.database}.articles.jsonl"
    assert [json.loads(line)["doc"] for line in rejects.read_text().splitlines()] == [{"title": "no url"}]


def test_documents_the_server_refuses_are_kept_aside(backend: Backend) -> None:
    store_only(backend)
    huge = article(URL_B, paragraphs=["长" * (6 * 1024 * 1024)])  # > 16 MB of UTF-8
    flow = backend.crawl([article(URL_A), huge, article(URL_C)], NEWSBOT_MONGO_BUFFER_SIZE=10)
    assert flow.stats()["newsbot/mongo/rejected"] == 1
    assert set(docs(backend)) == {URL_A, URL_C}
    rejects = backend.state_dir / "mongo-rejected" / f"{backend.database}.articles.jsonl"
    kept = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [k["doc"]["url"] for k in kept] == [URL_B]


class Engine:
    """What MongoPipeline's back-pressure uses of Scrapy's engine."""

    def __init__(self) -> None:
        self.paused = False
        self.calls: list[str] = []

    def pause(self) -> None:
        self.paused = True
        self.calls.append("pause")

    def unpause(self) -> None:
        self.paused = False
        self.calls.append("unpause")


def test_the_engine_sends_no_requests_while_the_writes_are_behind(backend: Backend) -> None:
    store_only(backend)

    async def run() -> tuple[list[tuple[str, int, bool]], Engine, dict[str, Any]]:
        crawler = make_crawler(**backend.base_settings(), NEWSBOT_DEDUPE_ENABLED=False,
                               NEWSBOT_MONGO_BUFFER_SIZE=2, NEWSBOT_MONGO_FLUSH_SECONDS=0)
        engine = Engine()
        crawler.engine = engine  # type: ignore[assignment]
        clean, mongo = build(crawler, "clean", "mongo")
        await mongo.open_spider()
        gate = asyncio.Event()
        write = mongo.writer.write

        async def slow(docs: list[dict[str, Any]]) -> Any:
            await gate.wait()
            return await write(docs)

        mongo.writer.write = slow
        seen: list[tuple[str, int, bool]] = []

        async def one(item: Article) -> None:
            await mongo.process_item(clean.process_item(item))

        tasks = []
        for item in many(5):
            tasks.append(asyncio.ensure_future(one(item)))
            await asyncio.sleep(0.05)
            seen.append((item.title, mongo.pending, engine.paused))
        gate.set()
        await asyncio.gather(*tasks)
        seen.append(("written", mongo.pending, engine.paused))
        await mongo.close_spider()
        return seen, engine, crawler.stats.get_stats()

    seen, engine, stats = asyncio.run(run())
    # Buffer of 2: the second article starts a write, which waits; the fourth fills the
    # buffer again while that write is out, so it waits for it, and the crawl with it.
    assert seen == [("第0篇测试文章", 1, False), ("第1篇测试文章", 2, False), ("第2篇测试文章", 3, False),
                    ("第3篇测试文章", 4, True), ("第4篇测试文章", 5, True), ("written", 0, False)]
    assert engine.calls == ["pause", "unpause"]
    assert stats["newsbot/mongo/backpressure/pauses"] == 1 and stats["newsbot/mongo/inserted"] == 5
    assert set(docs(backend)) == {item.url for item in many(5)}


def test_items_whose_documents_went_into_a_write_do_not_wait_for_it(backend: Backend) -> None:
    store_only(backend)

    async def run() -> list[tuple[str, list[bool]]]:
        crawler = make_crawler(**backend.base_settings(), NEWSBOT_DEDUPE_ENABLED=False,
                               NEWSBOT_MONGO_BUFFER_SIZE=2, NEWSBOT_MONGO_FLUSH_SECONDS=0)
        clean, mongo = build(crawler, "clean", "mongo")
        await mongo.open_spider()
        gates: list[asyncio.Event] = []
        write = mongo.writer.write

        async def gated(docs: list[dict[str, Any]]) -> Any:
            gates.append(asyncio.Event())
            await gates[-1].wait()
            return await write(docs)

        mongo.writer.write = gated
        tasks = []
        for item in many(5):
            tasks.append(asyncio.ensure_future(mongo.process_item(clean.process_item(item))))
            await asyncio.sleep(0.02)
        seen = [("first write out", [task.done() for task in tasks])]
        gates[0].set()
        for _ in range(500):  # the first write done and the second out (allow a slow machine)
            await asyncio.sleep(0.01)
            if tasks[1].done() and len(gates) == 2:
                break
        await asyncio.sleep(0.05)
        seen.append((f"{len(gates)} writes, the second out", [task.done() for task in tasks]))
        gates[1].set()
        await asyncio.gather(*tasks)
        await mongo.close_spider()
        return seen

    # Items 0 and 1 fill the buffer: 1 writes them. 2 goes on; 3 fills the buffer again and
    # 4 comes after it: both wait. Once the first write is done, 3 writes 2, 3 and 4; 4 goes
    # on at once, 3 waits for its write.
    assert asyncio.run(run()) == [("first write out", [True, False, True, False, False]),
                                  ("2 writes, the second out", [True, True, True, False, True])]
    assert set(docs(backend)) == {item.url for item in many(5)}
