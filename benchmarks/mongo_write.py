#!/usr/bin/env python3
"""MongoDB write throughput: one insert_one per article vs newsbot's buffered bulk writes.

    python benchmarks/mongo_write.py [--docs 2000] [--buffer 100] [--repeat 3]

Uses MONGO_URI when set, else starts its own SecantusDB on a free loopback port (a
temporary data directory, removed afterwards). Every method writes the same documents
(about the size of a real article) into a fresh collection with the unique url index;
each row is the median of ``--repeat`` runs. newsbot's rows go through its BulkWriter
(newsbot/mongo/writer.py: inserts first, then the updates of the URLs already stored). A
last row, for reference only, writes the same batches as plain inserts (no update
semantics). Prints a table and the goal line (issue 17): newsbot's journaled writes at least
GOAL times one-at-a-time journaled inserts, the same durability. Nothing is timed inside
the test suite.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pymongo import AsyncMongoClient, InsertOne, WriteConcern  # noqa: E402

from newsbot.mongo.spool import Spool  # noqa: E402
from newsbot.mongo.writer import BulkWriter  # noqa: E402
from newsbot.text import content_hash  # noqa: E402

DB = "newsbot_benchmark"
GOAL = 5.0
JOURNALED_ONE = "insert_one, one at a time (j:true)"


def documents(count: int) -> list[dict[str, Any]]:
    """Article-shaped documents, ~3 KB each, all different."""
    out = []
    for n in range(count):
        title = f"第{n}篇基准测试文章：国家统计局发布一季度经济数据"
        paragraphs = [f"第{n}篇第{p}段。" + "数据显示，一季度经济运行总体平稳，稳中有进。" * 8
                      for p in range(8)]
        out.append({
            "url": f"https://www.guancha.cn/economy/2022_04_26_{800000 + n}.shtml",
            "site": "guancha", "source_name": "观察者网", "source": "中新网",
            "categories": ["新媒体", "中新网", "滚动"], "title": title, "summary": paragraphs[0][:60],
            "authors": ["中新网"], "published_at": "2022-04-26T09:00:00+08:00",
            "paragraphs": paragraphs, "images": [], "tags": ["经济", "统计"], "language": "zh-CN",
            "content_hash": content_hash(title, paragraphs),
            "crawled_at": "2022-04-27T04:00:00+00:00",
        })
    return out


async def insert_one_each(client: AsyncMongoClient[Any], docs: list[dict[str, Any]], journal: bool) -> None:
    collection = client[DB].get_collection("one", write_concern=WriteConcern(j=True) if journal else None)
    for doc in docs:
        await collection.insert_one(dict(doc))


async def bulk_writes(client: AsyncMongoClient[Any], docs: list[dict[str, Any]], journal: bool,
                       buffer: int, name: str = "bulk") -> None:
    collection = client[DB].get_collection(name, write_concern=WriteConcern(j=True) if journal else None)
    with tempfile.TemporaryDirectory() as spool_dir:
        writer = BulkWriter(collection, Spool(Path(spool_dir) / "spool"), Path(spool_dir) / "rejected")
        for start in range(0, len(docs), buffer):
            result = await writer.write(docs[start:start + buffer])
            assert not result.spooled and not result.rejected


async def bulk_inserts(client: AsyncMongoClient[Any], docs: list[dict[str, Any]], buffer: int) -> None:
    collection = client[DB]["plain"]
    for start in range(0, len(docs), buffer):
        await collection.bulk_write([InsertOne(dict(d)) for d in docs[start:start + buffer]],
                                    ordered=False)


Step = Callable[[], Awaitable[None]]


async def once(client: AsyncMongoClient[Any], collection: str, run: Step, before: Step | None) -> float:
    """Seconds of one run on a fresh collection (after ``before``)."""
    await client[DB].drop_collection(collection)
    await client[DB][collection].create_index("url", unique=True)
    if before is not None:
        await before()
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def benchmark(uri: str, count: int, buffer: int, repeat: int) -> list[tuple[str, int, float]]:
    """Each row's median seconds; the rows take turns in every repeat, so that a busy moment
    of the machine does not fall on one row only."""
    docs = documents(count)
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)

    def bulk(journal: bool) -> Step:
        return lambda: bulk_writes(client, docs, journal, buffer)

    methods: list[tuple[str, str, Step, Step | None]] = [
        ("insert_one, one at a time (w:1)", "one", lambda: insert_one_each(client, docs, False), None),
        (JOURNALED_ONE, "one", lambda: insert_one_each(client, docs, True), None),
        (f"newsbot bulk writes, {buffer}/batch (w:1)", "bulk", bulk(False), None),
        (journaled_label(buffer), "bulk", bulk(True), None),
        ("newsbot bulk writes, all unchanged (re-crawl, j:true)", "bulk", bulk(True), bulk(False)),
        (f"reference: bulk plain inserts, {buffer}/batch (w:1)", "plain", lambda: bulk_inserts(client, docs, buffer),
         None),
    ]
    try:
        await client.admin.command("ping")
        times: dict[str, list[float]] = {label: [] for label, *_ in methods}
        for _ in range(repeat):
            for label, collection, run, before in methods:
                times[label].append(await once(client, collection, run, before))
        await client.drop_database(DB)
        return [(label, count, statistics.median(times[label])) for label, *_ in methods]
    finally:
        await client.close()


def journaled_label(buffer: int) -> str:
    return f"newsbot bulk writes, {buffer}/batch (j:true, default)"


def goal_line(rows: list[tuple[str, int, float]], buffer: int) -> str:
    rate = {label: count / seconds for label, count, seconds in rows}
    ratio = rate[journaled_label(buffer)] / rate[JOURNALED_ONE]
    return (f"goal {GOAL:g}x of one-at-a-time journaled inserts: {journaled_label(buffer)}: "
            f"{ratio:.1f}x -> {'met' if ratio >= GOAL else 'NOT met'}")


def table(rows: list[tuple[str, int, float]], where: str) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [f"MongoDB writes against {where}",
             f"| {'method'.ljust(width)} | docs | seconds | docs/s |",
             f"|{'-' * (width + 2)}|-----:|--------:|-------:|"]
    base = rows[0][1] / rows[0][2]
    for label, count, seconds in rows:
        rate = count / seconds
        lines.append(f"| {label.ljust(width)} | {count} | {seconds:7.2f} | {rate:6.0f} |"
                     + (f"  x{rate / base:.1f}" if rate != base else ""))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--buffer", type=int, default=100, help="NEWSBOT_MONGO_BUFFER_SIZE")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (median shown)")
    args = parser.parse_args()
    uri = os.environ.get("MONGO_URI")
    if uri:
        from newsbot.redact import redact_uri

        rows = asyncio.run(benchmark(uri, args.docs, args.buffer, args.repeat))
        print(table(rows, redact_uri(uri)))
        print(goal_line(rows, args.buffer))
        return 0
    from tests.plugins.mongo_server import SecantusServer

    with tempfile.TemporaryDirectory() as tmp:
        server = SecantusServer(Path(tmp) / "data", test_commands=False).start()
        try:
            rows = asyncio.run(benchmark(server.uri, args.docs, args.buffer, args.repeat))
        finally:
            server.stop()
    print(table(rows, "SecantusDB 0.7.0b3 (own process, loopback, temp dir)"))
    print(goal_line(rows, args.buffer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
