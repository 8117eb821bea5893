"""A full disk under an output, for real: the crawl exits 4 with one ERROR line per output,
nothing it could not write is marked as seen, and the crawl after the disk is fixed
writes everything that was missing (issue 18.6).

Each disk is a small tmpfs (tests/disk.py); the sample site's 26 articles do not fit.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crawl import CrawlResult, crawl
from tests.disk import DiskUnavailable, SmallDisk, small_disk
from tests.test_crawl import ALL_ARGS, EXPECTED

pytestmark = pytest.mark.integration
ARTICLE_IDS = sorted(re.findall(r"\d{6}", url)[-1] for url in EXPECTED)  # 636953, 900001 (风闻 id=…)


@pytest.fixture()
def disk(tmp_path: Path) -> Iterator[Any]:
    def make(name: str, size_kb: int) -> SmallDisk:
        try:
            return stack.enter(small_disk(tmp_path / name, size_kb))
        except DiskUnavailable as error:
            # As for the other services: a developer's machine may skip, CI may not.
            if os.environ.get("CI"):
                pytest.fail(f"no tmpfs on this machine: {error} (CI is set: the full-disk tests need "
                            "mount, i.e. root or CAP_SYS_ADMIN)", pytrace=False)
            pytest.skip(f"no tmpfs on this machine: {error}")

    with _Stack() as stack:
        yield make


class _Stack:
    def __init__(self) -> None:
        self.exits: list[Any] = []

    def enter(self, manager: Any) -> Any:
        value = manager.__enter__()
        self.exits.append(manager)
        return value

    def __enter__(self) -> _Stack:
        return self

    def __exit__(self, *exc: Any) -> None:
        for manager in reversed(self.exits):
            manager.__exit__(None, None, None)


def errors(result: CrawlResult, word: str) -> list[str]:
    return [line for line in result.log.splitlines() if " ERROR: " in line and word in line]


def run(tmp_path: Path, name: str, site: dict[str, str], **settings: str) -> CrawlResult:
    return crawl(tmp_path / name, site, {"NEWSBOT_STATE_DIR": str(tmp_path / "state"), **settings}, ALL_ARGS)


def urls(*results: CrawlResult) -> set[str]:
    return {item["url"] for result in results for item in result.items}


def not_raised_again(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> set[str]:
    """Articles both crawls exported without the second raising their channel."""
    best: dict[str, int] = {}
    for item in first:
        best[item["url"]] = min(best.get(item["url"], item["channel_rank"]), item["channel_rank"])
    return {item["url"] for item in second if item["url"] in best and item["channel_rank"] >= best[item["url"]]}


def test_a_full_hexo_disk_exits_4_and_the_next_crawl_writes_every_missing_post(
        sample_site: dict[str, str], tmp_path: Path, disk: Any) -> None:
    posts = disk("posts", 40)
    first = run(tmp_path, "first", sample_site, NEWSBOT_HEXO_DIR=str(posts.path))
    assert first.returncode == 4, first.log[-3000:]
    written = sorted(posts.path.glob("*.md"))
    assert 0 < len(written) < 26
    assert len(errors(first, "hexo could not write")) == 1
    assert len(errors(first, "Outputs could not be written: hexo (")) == 1
    # What Hexo lacks is in no other output of this crawl either: the next crawl emits it.
    assert len(urls(first)) == len(written)

    posts.resize(16384)
    second = run(tmp_path, "second", sample_site, NEWSBOT_HEXO_DIR=str(posts.path))
    assert second.returncode == 0, second.log[-3000:]
    names = sorted(p.name for p in posts.path.glob("*.md"))
    assert len(names) == 26
    assert sorted(n.removesuffix(".md").rsplit("-", 1)[-1] for n in names) == ARTICLE_IDS
    assert urls(first) | urls(second) == set(EXPECTED)
    # Each article exported once over the two crawls, unless its copy raised to a better
    # channel was the one the full disk refused: that copy comes in the second crawl.
    assert not_raised_again(first.items, second.items) == set()


def test_a_full_json_lines_disk_exits_4_and_the_next_crawl_exports_what_is_missing(
        sample_site: dict[str, str], tmp_path: Path, disk: Any) -> None:
    out = disk("out", 32)
    first = run(tmp_path, "first", sample_site, FEEDS=f'{{"{out.path}/a.jsonl": {{"format": "jsonlines"}}}}')
    assert first.returncode == 4, first.log[-3000:]
    lines = (out.path / "a.jsonl").read_bytes().splitlines()
    written = [json.loads(line) for line in lines]  # every line whole
    exported = {item["url"] for item in written}
    assert 0 < len(exported) < 26
    assert len(errors(first, "jsonlines could not write")) == 1

    out.resize(16384)
    second = run(tmp_path, "second", sample_site, FEEDS=f'{{"{out.path}/b.jsonl": {{"format": "jsonlines"}}}}')
    assert second.returncode == 0, second.log[-3000:]
    rewritten = [json.loads(line) for line in (out.path / "b.jsonl").read_bytes().splitlines()]
    assert exported | {item["url"] for item in rewritten} == set(EXPECTED)
    assert not_raised_again(written, rewritten) == set()  # once, unless the refused line was a raised copy


def test_a_full_feeds_disk_exits_4_and_the_next_crawl_completes_the_feeds(
        sample_site: dict[str, str], tmp_path: Path, disk: Any) -> None:
    feeds = disk("feeds", 48)
    first = run(tmp_path, "first", sample_site, NEWSBOT_FEEDS_DIR=str(feeds.path))
    assert first.returncode == 4, first.log[-3000:]
    assert len(errors(first, "feeds could not write")) == 1

    feeds.resize(16384)
    second = run(tmp_path, "second", sample_site, NEWSBOT_FEEDS_DIR=str(feeds.path))
    assert second.returncode == 0, second.log[-3000:]
    atom = (feeds.path / "all.atom").read_text("utf-8")
    assert sorted(url for url in EXPECTED if url.replace("&", "&amp;") in atom) == sorted(EXPECTED)
    assert not (feeds.path / ".newsbot-feeds-pending.jsonl").exists()


def test_a_full_state_disk_is_reported_when_it_happens_and_nothing_is_lost(
        sample_site: dict[str, str], tmp_path: Path, disk: Any) -> None:
    state = disk("state", 96)
    settings = {"NEWSBOT_STATE_DIR": str(state.path)}
    first = crawl(tmp_path / "first", sample_site, settings, ALL_ARGS)
    assert first.returncode == 4, first.log[-3000:]
    assert urls(first) == set(EXPECTED)  # the outputs have every article
    failures = errors(first, "state could not write")
    assert len(failures) == 1
    assert first.stats["newsbot/outputs/failed/state"] > 0
    # Reported as it happened, before the crawl's end, not once at close.
    log = first.log
    assert log.index(failures[0]) < log.index("Closing spider")

    state.resize(16384)
    second = crawl(tmp_path / "second", sample_site, settings, ALL_ARGS)
    assert second.returncode == 0, second.log[-3000:]
    stored = {row[0] for row in sqlite3.connect(state.path / "state.sqlite3").execute("SELECT url FROM articles")}
    assert stored == set(EXPECTED)
    # What the first crawl could not record is emitted again; nothing it recorded is.
    assert urls(second) | urls(first) == set(EXPECTED)
    assert len(urls(second)) < 26


def test_a_damaged_state_file_stops_the_crawl_with_one_line_naming_it(sample_site: dict[str, str],
                                                                       tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = crawl(tmp_path / "first", sample_site, {"NEWSBOT_STATE_DIR": str(state)}, ALL_ARGS)
    assert first.returncode == 0, first.log[-3000:]
    path = state / "state.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_articles_1'").fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (page - 1) * 4096  # the URL index: a page in the middle, the header intact
    data[start:start + 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(data))

    second = crawl(tmp_path / "second", sample_site, {"NEWSBOT_STATE_DIR": str(state)}, ALL_ARGS)
    assert second.returncode == 1
    assert second.items == []
    lines = [line for line in second.log.splitlines() if " ERROR: " in line]
    assert len(lines) == 1, lines
    assert f"the sqlite state {path} is damaged" in lines[0]
    assert f"mv {path} {path}.damaged" in lines[0]
