"""Rerun the fault scenarios of issue 18 and print: scenario, lost, duplicated, exit code.

``python benchmarks/fault_suite.py`` (about 2 minutes; needs root for the tmpfs disks and
the test MongoDB, SecantusDB). Each scenario crawls the sample site (26 articles) with a
fault, then crawls again with the fault gone, and counts over both crawls:

- lost: expected articles missing from the output under test after the second crawl;
- duplicated: articles that output holds twice (Hexo: two posts for one URL; feeds: two
  entries; MongoDB: two documents; JSON lines: an article exported by both crawls);
- exit: the first crawl's exit code (4: an output could not be written; 1: did not start;
  -9: killed).

The MongoDB scenarios run the pipelines in process (as tests/test_mongo_outage.py does),
so their "exit" is the code ``scrapy crawl`` would give for those stats.
"""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbot.outputs import EXIT_OUTPUT_FAILED, STATS
from tests.articles import Flow, build, make_crawler, many
from tests.crawl import ROOT, CrawlResult, crawl, site_settings
from tests.disk import small_disk
from tests.plugins.mongo_server import SecantusServer
from tests.plugins.sample_site import start_sample_site
from tests.test_crawl import ALL_ARGS, EXPECTED
from tests.test_mongo_outage import settings as outage_settings
from tests.test_mongo_outage import stored_urls
from tests.workers import clean_env

Row = tuple[str, int, int, str]


def ids(names: list[str]) -> Counter[str]:
    return Counter(re.findall(r"\d{6}", name)[-1] for name in names)


def jsonl_urls(*results: CrawlResult) -> Counter[str]:
    """Each article once per crawl that exported it (repeats within one crawl are upgrades)."""
    return Counter(url for result in results for url in {item["url"] for item in result.items})


def lost_dup(held: Counter[str], expected: set[str]) -> tuple[int, int]:
    return len(expected - set(held)), sum(n - 1 for n in held.values() if n > 1)


def run(tmp: Path, site: dict[str, str], name: str, **settings: str) -> CrawlResult:
    return crawl(tmp / name, site, {"NEWSBOT_STATE_DIR": str(tmp / "state"), **settings}, ALL_ARGS)


def hexo_full(tmp: Path, site: dict[str, str]) -> Row:
    with small_disk(tmp / "posts", 40) as disk:
        first = run(tmp, site, "1", NEWSBOT_HEXO_DIR=str(disk.path))
        disk.resize(16384)
        run(tmp, site, "2", NEWSBOT_HEXO_DIR=str(disk.path))
        lost, dup = lost_dup(ids([p.name for p in disk.path.glob("*.md")]), set(ids(list(EXPECTED))))
    return "Hexo disk full", lost, dup, str(first.returncode)


def jsonl_full(tmp: Path, site: dict[str, str]) -> Row:
    with small_disk(tmp / "out", 32) as disk:
        first = run(tmp, site, "1", FEEDS=json.dumps({f"{disk.path}/a.jsonl": {"format": "jsonlines"}}))
        disk.resize(16384)
        run(tmp, site, "2", FEEDS=json.dumps({f"{disk.path}/b.jsonl": {"format": "jsonlines"}}))
        # An article raised to a better channel is exported once per channel: count versions.
        held = Counter(key for name in ("a", "b") for key in
                       {(item["url"], item.get("channel_rank")) for item in
                        map(json.loads, (disk.path / f"{name}.jsonl").read_bytes().splitlines())})
    lost = len(set(EXPECTED) - {url for url, _ in held})
    return "JSON lines (-O) disk full", lost, sum(n - 1 for n in held.values()), str(first.returncode)


def feeds_full(tmp: Path, site: dict[str, str]) -> Row:
    with small_disk(tmp / "feeds", 48) as disk:
        first = run(tmp, site, "1", NEWSBOT_FEEDS_DIR=str(disk.path))
        disk.resize(16384)
        run(tmp, site, "2", NEWSBOT_FEEDS_DIR=str(disk.path))
        atom = (disk.path / "all.atom").read_text("utf-8")
    found = {url for url in EXPECTED if url.replace("&", "&amp;") in atom}
    return "Atom/RSS feeds disk full", len(EXPECTED) - len(found), atom.count("<entry>") - len(found), \
        str(first.returncode)


def state_full(tmp: Path, site: dict[str, str]) -> Row:
    with small_disk(tmp / "state", 96) as disk:
        first = crawl(tmp / "1", site, {"NEWSBOT_STATE_DIR": str(disk.path)}, ALL_ARGS)
        disk.resize(16384)
        second = crawl(tmp / "2", site, {"NEWSBOT_STATE_DIR": str(disk.path)}, ALL_ARGS)
        with sqlite3.connect(disk.path / "state.sqlite3") as db:
            stored = Counter(row[0] for row in db.execute("SELECT url FROM articles"))
    lost, dup = lost_dup(stored, set(EXPECTED))
    again = len(set(jsonl_urls(first)) & set(jsonl_urls(second)))
    return f"sqlite state disk full ({again} emitted again)", lost, dup, str(first.returncode)


def state_damaged(tmp: Path, site: dict[str, str]) -> Row:
    run(tmp, site, "1")
    path = tmp / "state" / "state.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_articles_1'").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[(page - 1) * 4096:page * 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(data))
    damaged = run(tmp, site, "2")
    path.rename(path.with_name(path.name + ".damaged"))  # what the ERROR line says to do
    again = run(tmp, site, "3")
    lost, dup = lost_dup(jsonl_urls(again), set(EXPECTED))
    return f"sqlite state damaged ({len(damaged.items)} emitted)", lost, dup, str(damaged.returncode)


def two_crawls(tmp: Path, site: dict[str, str]) -> Row:
    posts = tmp / "posts"
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda n: run(tmp, site, n, NEWSBOT_HEXO_DIR=str(posts)), ("1", "2")))
    lost, dup = lost_dup(ids([p.name for p in posts.glob("*.md")]), set(ids(list(EXPECTED))))
    return "two crawls on one state directory", lost, dup, "/".join(str(r.returncode) for r in results)


def mongo_exit(stats: dict[str, Any]) -> str:
    return f"({EXIT_OUTPUT_FAILED})" if stats.get(f"{STATS}/failed") else "(0)"


def mongo_killed(tmp: Path, _site: dict[str, str]) -> Row:
    server, state = SecantusServer(tmp / "mongo").start(), tmp / "state"
    items = many(100, prefix="outage")
    try:
        async def first() -> dict[str, Any]:
            crawler = make_crawler(**outage_settings(server, state))
            async with Flow(crawler, build(crawler, "clean", "dedupe", "mongo")) as flow:
                await flow.feed(items[:45])
                await asyncio.to_thread(server.stop, True)
                await flow.feed(items[45:80])
                await asyncio.to_thread(server.start)
                await flow.feed(items[80:])
            return flow.stats()

        stats = asyncio.run(first())
        asyncio.run(_feed(outage_settings(server, state), []))  # the next run replays the spool
        lost, dup = lost_dup(Counter(stored_urls(server)), {i.url for i in items})
    finally:
        server.stop(kill=True)
    return "MongoDB killed mid-crawl (100 items)", lost, dup, mongo_exit(stats)


def mongo_and_spool_down(tmp: Path, _site: dict[str, str]) -> Row:
    server, state = SecantusServer(tmp / "mongo").start(), tmp / "state"
    state.mkdir(parents=True)
    (state / "mongo-spool").write_text("a file where the spool directory should be")
    items = many(60, prefix="nospool")
    values = outage_settings(server, state, NEWSBOT_MONGO_RETRY_TIMES=5)
    try:
        started = time.monotonic()
        stats = asyncio.run(_feed(values, items, stop=server))
        seconds = time.monotonic() - started
        server.start()
        (state / "mongo-spool").unlink()
        asyncio.run(_feed(values, items))
        lost, dup = lost_dup(Counter(stored_urls(server)), {i.url for i in items})
    finally:
        server.stop(kill=True)
    return f"MongoDB down, spool refused (60 items in {seconds:.1f}s)", lost, dup, mongo_exit(stats)


async def _feed(values: dict[str, Any], items: list[Any], stop: SecantusServer | None = None) -> dict[str, Any]:
    crawler = make_crawler(**values)
    async with Flow(crawler, build(crawler, "clean", "dedupe", "mongo")) as flow:
        if stop is not None:  # killed once the crawl is open
            await asyncio.to_thread(stop.stop, True)
        await flow.feed(items)
    return flow.stats()


def _killed(tmp: Path, site: dict[str, Any], sig: signal.Signals, mongo: SecantusServer | None) -> Row:
    """``scrapy crawl`` stopped by ``sig`` after 5 articles, then crawled again: what the Hexo
    posts (and MongoDB, when it is the store) hold."""
    posts = tmp / "posts"
    settings = {"NEWSBOT_HEXO_DIR": str(posts), "NEWSBOT_STATE_DIR": str(tmp / "state"),
                "DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS": "1"}
    if mongo is not None:
        settings |= {"MONGO_URI": mongo.uri, "MONGO_DATABASE": "faults"}
    merged = {**site_settings(site, tmp / "state"), **settings,
              "LOG_FILE": str(tmp / "1.log"), "LOG_LEVEL": "DEBUG"}  # DEBUG: "Scraped from" counts items
    cmd = [sys.executable, "-m", "scrapy", "crawl", "guancha"]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in ALL_ARGS.items():
        cmd += ["-a", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log, deadline = tmp / "1.log", time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if log.exists() and log.read_text("utf-8", "replace").count("Scraped from <200") >= 5:
            break
        time.sleep(0.1)
    proc.send_signal(sig)
    code = proc.wait(120)
    crawl(tmp / "2", site, {**settings, "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16"}, ALL_ARGS)
    expected = set(ids(list(EXPECTED)))
    lost, dup = lost_dup(ids([p.name for p in posts.glob("*.md")]), expected)
    if mongo is not None:  # and the documents, each article once
        with pymongo.MongoClient(mongo.uri, serverSelectionTimeoutMS=5000) as client:
            in_db = lost_dup(ids([d["url"] for d in client.faults.articles.find({}, {"url": 1})]), expected)
        lost, dup = lost + in_db[0], dup + in_db[1]
    store = "MongoDB" if mongo is not None else "sqlite"
    return f"crawler {sig.name} after 5 items, {store} store", lost, dup, str(code)


def crawler_killed(tmp: Path, site: dict[str, Any]) -> list[Row]:
    rows = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for with_mongo in (False, True):
            where = tmp / f"{sig.name}-{'mongo' if with_mongo else 'sqlite'}"
            where.mkdir()
            server = SecantusServer(where / "mongo").start() if with_mongo else None
            try:
                rows.append(_killed(where, site, sig, server))
            finally:
                if server is not None:
                    server.stop(kill=True)
    return rows


SCENARIOS: tuple[Callable[[Path, dict[str, str]], Row | list[Row]], ...] = (
    hexo_full, jsonl_full, feeds_full, state_full, state_damaged, two_crawls, mongo_killed, mongo_and_spool_down,
    crawler_killed)


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="newsbot-faults-"))
    site_proc, site = start_sample_site(root)
    rows: list[Row] = []
    started = time.monotonic()
    try:
        for scenario in SCENARIOS:
            tmp = root / scenario.__name__
            tmp.mkdir()
            try:
                got = scenario(tmp, site)
                rows.extend(got if isinstance(got, list) else [got])
            except Exception as error:  # noqa: BLE001 - one broken scenario must not hide the others
                rows.append((f"{scenario.__name__}: {type(error).__name__}: {error}"[:70], -1, -1, "?"))
    finally:
        site_proc.terminate()
        site_proc.wait(10)
        subprocess.run(["umount", "-lR", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    width = max(len(row[0]) for row in rows)
    lines = [f"| {'scenario':<{width}} | lost | duplicated | exit |",
             f"|{'-' * (width + 2)}|------|------------|------|"]
    lines += [f"| {name:<{width}} | {lost:>4} | {dup:>10} | {code:>4} |" for name, lost, dup, code in rows]
    sys.stdout.write("\n".join(lines) + f"\n\n{len(rows)} scenarios in {time.monotonic() - started:.0f}s\n")
    return 0 if all(row[1] == 0 and row[2] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
