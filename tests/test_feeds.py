"""Atom and RSS feeds (newsbot.feeds): what readers parse, incremental and atomic writes, the
pipeline, ``scrapy feeds`` from JSON lines and MongoDB, and a real crawl of the sample site.

The articles are the hand-written expected articles of tests/expected/guancha; their body
is built here from their paragraphs and captioned images, as the crawl cleans a body.
"""
from __future__ import annotations

import asyncio
import calendar
import json
import logging
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import feedparser
import pymongo
import pytest
from lxml import etree, html
from scrapy.exceptions import NotConfigured

from newsbot.feeds import FeedStore
from newsbot.feeds.store import STATE
from newsbot.pipelines.feeds import FeedsPipeline
from tests.articles import Flow, article, make_crawler
from tests.crawl import crawl
from tests.expected_items import expected_articles

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {e["url"]: e for e in expected_articles()}
ID = {re.search(r"(\d+)(?:\.shtml)?$", url)[1]: url for url in EXPECTED}  # "636953" -> its URL
ATOM = "{http://www.w3.org/2005/Atom}"
ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Written by hand from tests/expected/guancha: the 头条 articles, newest published first.
TOUTIAO = ["636958", "636953", "636949", "636893", "636712"]
CHANNEL_FILES = ["头条", "时评", "滚动", "热点", "要闻", "评论&研究", "风闻"]
FILES = sorted(["all.atom", "all.rss", "guancha.atom", "guancha.rss"]
               + [f"guancha/{c}.{ext}" for c in CHANNEL_FILES for ext in ("atom", "rss")])


def with_body(expected: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The expected article as a crawled item: ``body_html`` from its paragraphs and images."""
    parts = []
    for index, paragraph in enumerate([*expected["paragraphs"], None]):
        for image in (i for i in expected["images"] if i["index"] == index):
            parts.append(f'<p align="center"><img src="{escape(image["url"])}"></p>')
            if image.get("caption"):
                parts.append(f'<p align="center"><span style="color:#666666">{escape(image["caption"])}</span></p>')
        if paragraph is not None:  # None: after the last paragraph, for the images that end the body
            parts.append(f"<p>{escape(paragraph)}</p>")
    item = {k: v for k, v in expected.items() if not k.startswith("_")}
    return {**item, "body_html": "\n".join(parts), **changes}


def all_items() -> list[dict[str, Any]]:
    return [with_body(e) for e in EXPECTED.values()]


def write(directory: Path, items: list[Any], max_entries: int = 50) -> dict[str, int]:
    store = FeedStore(directory, max_entries=max_entries)
    for item in items:
        store.add(item)
    return dict(store.write())


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def ids(path: Path) -> list[str]:
    return [entry.id for entry in parse(path).entries]


def utc(struct: Any) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), timezone.utc)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def flat(text: str) -> str:
    return " ".join(text.split())


def raw_contents(path: Path) -> list[str]:
    """The entry contents as written in the file (before any reader's own sanitising)."""
    tree = etree.parse(str(path))
    return [node.text or "" for node in tree.iter(f"{ATOM}content", ENCODED)]


def mtimes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_mtime_ns for p in directory.rglob("*.*") if p.name != STATE}


def check_entry(entry: feedparser.FeedParserDict, expected: dict[str, Any], ext: str) -> None:
    """One parsed entry against the hand-written article (RSS items have no update time)."""
    assert entry.id == expected["url"] and entry.link == expected["url"]
    assert entry.title == expected["title"]
    assert [a.get("name") for a in entry.authors] == expected["authors"]
    assert [t.term for t in entry.tags] == expected["categories"]
    assert utc(entry.published_parsed) == instant(expected["published_at"])
    if ext == "atom":
        assert utc(entry.updated_parsed) == instant(expected["updated_at"] or expected["published_at"])
    body = html.fragment_fromstring(entry.content[0].value, create_parent="div")
    text = flat(body.text_content())
    for paragraph in expected["paragraphs"]:
        assert flat(paragraph) in text
    for image in expected["images"]:
        assert image["url"] in [img.get("src") for img in body.iter("img")]
        if image.get("caption"):
            assert flat(image["caption"]) in text


@pytest.mark.parametrize("ext", ["atom", "rss"])
def test_every_entry_reads_as_the_expected_article(tmp_path: Path, ext: str) -> None:
    write(tmp_path, all_items())
    parsed = parse(tmp_path / f"all.{ext}")
    assert sorted(e.id for e in parsed.entries) == sorted(EXPECTED)
    for entry in parsed.entries:
        check_entry(entry, EXPECTED[entry.id], ext)
    assert parse(tmp_path / f"guancha.{ext}").entries == parsed.entries


def test_one_feed_per_site_and_channel(tmp_path: Path) -> None:
    write(tmp_path, all_items())
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.*") if p.name != STATE) == FILES
    assert ids(tmp_path / "guancha" / "头条.atom") == [ID[n] for n in TOUTIAO]
    assert ids(tmp_path / "guancha" / "头条.rss") == [ID[n] for n in TOUTIAO]
    assert ids(tmp_path / "guancha" / "评论&研究.atom") == [ID["636935"], ID["636921"]]
    assert parse(tmp_path / "guancha" / "头条.atom").feed.title == "观察者网 · 头条"
    assert parse(tmp_path / "guancha.rss").feed.title == "观察者网"


def test_times_keep_their_zone_and_the_feed_is_as_new_as_its_newest_entry(tmp_path: Path) -> None:
    write(tmp_path, all_items())
    atom = (tmp_path / "all.atom").read_text("utf-8")
    rss = (tmp_path / "all.rss").read_text("utf-8")
    assert "<published>2022-04-27T10:22:31+08:00</published>" in atom  # 636953
    assert "<updated>2022-04-26T15:41:02+08:00</updated>" in atom  # 636921, updated_at
    assert "<pubDate>Wed, 27 Apr 2022 10:22:31 +0800</pubDate>" in rss
    entry = next(e for e in parse(tmp_path / "all.atom").entries if e.id == ID["636921"])
    assert utc(entry.updated_parsed) == datetime(2022, 4, 26, 7, 41, 2, tzinfo=timezone.utc)
    # Not the clock: 636960 (2022-04-27 11:05:12 +08:00) is the newest of all.
    assert utc(parse(tmp_path / "all.atom").feed.updated_parsed) == datetime(2022, 4, 27, 3, 5, 12, tzinfo=timezone.utc)
    assert "<lastBuildDate>Wed, 27 Apr 2022 11:05:12 +0800</lastBuildDate>" in rss
    assert "<updated>2022-04-26T15:41:02+08:00</updated>" in (tmp_path / "guancha" / "评论&研究.atom").read_text("utf-8")


def test_a_feed_keeps_the_newest_n(tmp_path: Path) -> None:
    write(tmp_path, all_items(), max_entries=3)
    assert ids(tmp_path / "all.atom") == [ID["636960"], ID["636958"], ID["636955"]]
    assert ids(tmp_path / "guancha" / "头条.rss") == [ID["636958"], ID["636953"], ID["636949"]]
    state = json.loads((tmp_path / STATE).read_text("utf-8"))
    held = {u for urls in state["feeds"].values() for u in urls}
    assert sorted(state["entries"]) == sorted(held)


def test_a_later_crawl_merges_with_the_stored_newest_n(tmp_path: Path) -> None:
    newer = {ID[n] for n in ("636960", "636958", "636955")}
    write(tmp_path, [with_body(e) for u, e in EXPECTED.items() if u not in newer], max_entries=5)
    before = ids(tmp_path / "all.atom")
    assert before == [ID[n] for n in ("636953", "636949", "900001", "636941", "636940")]
    old = 1_000_000_000
    for path in mtimes(tmp_path):
        os.utime(tmp_path / path, ns=(old, old))
    shiping = (tmp_path / "guancha" / "时评.atom").read_bytes()

    counts = write(tmp_path, [with_body(EXPECTED[u]) for u in sorted(newer)], max_entries=5)
    assert ids(tmp_path / "all.atom") == [ID[n] for n in ("636960", "636958", "636955", "636953", "636949")]
    assert ids(tmp_path / "guancha" / "要闻.atom") == [ID[n] for n in ("636960", "636955", "636874")]
    after = mtimes(tmp_path)
    changed = sorted(p for p, t in after.items() if t != old)
    assert changed == sorted(f"{k}.{ext}" for k in ("all", "guancha", "guancha/头条", "guancha/要闻")
                             for ext in ("atom", "rss"))
    assert counts == {"written": 8, "unchanged": len(FILES) - 8, "removed": 0}
    assert (tmp_path / "guancha" / "时评.atom").read_bytes() == shiping
    assert write(tmp_path, [], max_entries=5) == {"written": 0, "unchanged": len(FILES), "removed": 0}
    assert mtimes(tmp_path) == after
