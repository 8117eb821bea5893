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
TOUTIAO = ["636958", "636953", "636949", "636893", "636874", "636712"]
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
    store = FeedStore(directory, max_entries=max_entries, title="newsbot")
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
    assert ids(tmp_path / "guancha" / "要闻.atom") == [ID[n] for n in ("636960", "636955")]
    after = mtimes(tmp_path)
    changed = sorted(p for p, t in after.items() if t != old)
    assert changed == sorted(f"{k}.{ext}" for k in ("all", "guancha", "guancha/头条", "guancha/要闻")
                             for ext in ("atom", "rss"))
    assert counts == {"written": 8, "unchanged": len(FILES) - 8, "removed": 0}
    assert (tmp_path / "guancha" / "时评.atom").read_bytes() == shiping
    assert write(tmp_path, [], max_entries=5) == {"written": 0, "unchanged": len(FILES), "removed": 0}
    assert mtimes(tmp_path) == after


def test_a_new_version_replaces_its_entry_and_leaves_a_channel_it_left(tmp_path: Path) -> None:
    first = with_body(EXPECTED[ID["636953"]])
    write(tmp_path, [first, with_body(EXPECTED[ID["636949"]])])
    update = {**first, "title": "普京会见古特雷斯（更新）", "updated_at": "2022-04-27T12:30:00+08:00"}
    write(tmp_path, [update])
    entries = parse(tmp_path / "guancha" / "头条.atom").entries
    assert [(e.id, e.title) for e in entries] == [(ID["636953"], "普京会见古特雷斯（更新）"),
                                                  (ID["636949"], EXPECTED[ID["636949"]]["title"])]
    assert utc(entries[0].updated_parsed) == datetime(2022, 4, 27, 4, 30, tzinfo=timezone.utc)
    moved = {**update, "categories": ["新媒体", "观察者网", "要闻"]}
    counts = write(tmp_path, [moved, {**with_body(EXPECTED[ID["636949"]]), "categories": ["新媒体", "观察者网", "要闻"]}])
    assert counts["removed"] == 2
    assert not (tmp_path / "guancha" / "头条.atom").exists() and not (tmp_path / "guancha" / "头条.rss").exists()
    assert ids(tmp_path / "guancha" / "要闻.rss") == [ID["636953"], ID["636949"]]


def test_each_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, [with_body(EXPECTED[ID["636953"]])])
    before = (tmp_path / "all.atom").read_bytes()
    assert (tmp_path / "all.atom").stat().st_mode & 0o777 == 0o644

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        write(tmp_path, [with_body(EXPECTED[ID["636958"]])])
    assert (tmp_path / "all.atom").read_bytes() == before  # the old feed, whole
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []
    monkeypatch.undo()
    write(tmp_path, [with_body(EXPECTED[ID["636958"]])])
    assert ids(tmp_path / "all.atom") == [ID["636958"], ID["636953"]]


def test_a_hostile_body_never_reaches_the_feed(tmp_path: Path) -> None:
    hostile = with_body(EXPECTED[ID["636893"]], body_html=(
        '<p onclick="steal()">正文第一段<script>alert(1)</script></p>'
        '<img src="https://i.guancha.cn/a.jpg" onerror="alert(2)">'
        '<p><a href="javascript:alert(3)">链接</a> <a href=" JaVaScRiPt:alert(4)">又一个</a></p>'
        '<iframe src="https://evil.example/"></iframe><svg onload="alert(5)"></svg>'
        '<p style="background:url(javascript:alert(6))">样式</p><style>p{}</style><!-- x -->'))
    write(tmp_path, [hostile])
    for name in ("all.atom", "all.rss", "guancha/头条.atom", "guancha/头条.rss"):
        [content] = raw_contents(tmp_path / name)
        for bad in ("script", "alert", "onclick", "onerror", "onload", "javascript", "iframe", "svg", "style", "<!--"):
            assert bad not in content.lower(), (name, bad)
        assert "正文第一段" in content and ">链接</a>" in content
        assert '<img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer">' in content


def test_the_lead_image_goes_first_unless_the_body_starts_with_it(tmp_path: Path) -> None:
    expected = EXPECTED[ID["636953"]]
    write(tmp_path, [with_body(expected)])
    [content] = raw_contents(tmp_path / "all.atom")
    assert content.startswith('<p><img src="https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg"')
    first_body = expected["images"][0]["url"]
    write(tmp_path / "b", [with_body(expected, lead_image={"url": first_body}, paragraphs=[], body_html=f'<p><img src="{first_body}"></p>')])
    [content] = raw_contents(tmp_path / "b" / "all.atom")
    assert content.count("<img") == 1


def test_the_pipeline_is_off_without_a_directory(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="newsbot.pipelines.feeds")
    with pytest.raises(NotConfigured) as raised:
        FeedsPipeline.from_crawler(make_crawler(NEWSBOT_FEEDS_DIR=""))
    assert raised.value.args == ()  # Scrapy would log a WARNING for a NotConfigured with a message
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "newsbot.pipelines.feeds"] == [
        ("INFO", "Feeds are off (NEWSBOT_FEEDS_DIR is not set)")]


def test_the_pipeline_merges_items_and_writes_every_n(tmp_path: Path) -> None:
    crawler = make_crawler(NEWSBOT_FEEDS_DIR=str(tmp_path), NEWSBOT_FEEDS_WRITE_EVERY=2)
    pipeline = FeedsPipeline.from_crawler(crawler)
    items = [article(), article("https://www.guancha.cn/economy/2022_04_26_636893.shtml"), article(published_at=None)]

    async def run() -> Flow:
        async with Flow(crawler, [pipeline]) as flow:
            await flow.feed(items[:2])
            assert ids(tmp_path / "all.atom") == [items[0].url, items[1].url]  # written before close
            await flow.feed(items[2:])
        return flow

    flow = asyncio.run(run())
    assert flow.passed == items  # the item always passes on
    stats = flow.stats()
    assert stats["newsbot/feeds/merged"] == 2 and stats["newsbot/feeds/failed"] == 1
    # all, guancha, guancha/头条 and guancha/滚动, twice each, after item 2; on close nothing changed.
    assert stats["newsbot/feeds/files_written"] == 8 and stats["newsbot/feeds/files_unchanged"] == 8
    entry = parse(tmp_path / "guancha" / "头条.atom").entries[0]
    assert entry.title == "美国会通过对乌援助法案" and [a.name for a in entry.authors] == ["观察者网"]
    assert ids(tmp_path / "guancha" / "滚动.rss") == ["https://www.guancha.cn/economy/2022_04_26_636893.shtml"]


def feeds_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "feeds", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")


def test_the_command_from_json_lines(tmp_path: Path) -> None:
    source, out = tmp_path / "items.jsonl", tmp_path / "feeds"
    older = [with_body(e) for u, e in EXPECTED.items() if u != ID["636960"]]
    write_jsonl(source, older)
    result = feeds_command("--from", str(source), "--to", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"feeds: 25 articles, 0 failed; files 18 written, 0 unchanged, 0 removed -> {out}\n"
    assert ids(out / "guancha" / "头条.atom") == [ID[n] for n in TOUTIAO]
    write_jsonl(source, [*older, with_body(EXPECTED[ID["636960"]])])  # the next crawl appended one
    again = feeds_command("--from", str(source), "--to", str(out))
    assert again.stdout == f"feeds: 26 articles, 0 failed; files 6 written, 12 unchanged, 0 removed -> {out}\n"
    assert ids(out / "all.rss")[0] == ID["636960"]


def test_the_command_counts_bad_records_and_usage_errors(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(json.dumps(with_body(EXPECTED[ID["636953"]]), ensure_ascii=False) + "\n{not json\n"
                      + json.dumps({"title": "no url"}) + "\n", encoding="utf-8")
    result = feeds_command("--from", str(source), "--to", str(tmp_path / "feeds"))
    assert result.returncode == 1
    assert result.stdout.startswith("feeds: 1 articles, 2 failed; files 6 written")
    assert "line 2 is not JSON" in result.stderr
    missing = feeds_command("--from", str(tmp_path / "nope.jsonl"), "--to", str(tmp_path / "feeds"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    assert feeds_command("--from", str(source), env={"NEWSBOT_FEEDS_DIR": ""}).returncode == 2
    no_mongo = feeds_command("--from", "mongodb", "--to", str(tmp_path / "feeds"), env={"MONGO_URI": ""})
    assert no_mongo.returncode == 2 and "MONGO_URI" in no_mongo.stderr


@pytest.mark.integration
def test_the_command_from_mongodb(tmp_path: Path, mongo_server: Any, mongo_db: str) -> None:
    stored = {"first_seen": "2022-04-27T02:30:00+00:00", "version": 1}
    documents = [{**with_body(EXPECTED[ID[n]]), **stored, "_id": ID[n]} for n in TOUTIAO]
    del documents[0]["url"]  # keyed by _id only: read back as url
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=5000)
    try:
        client[mongo_db]["stored"].insert_many(documents)
    finally:
        client.close()
    out = tmp_path / "feeds"
    env = {"MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db, "MONGO_COLLECTION": "stored",
           "NEWSBOT_FEEDS_DIR": str(out)}
    result = feeds_command("--from", "mongodb", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"feeds: 6 articles, 0 failed; files 6 written, 0 unchanged, 0 removed -> {out}\n"
    parsed = parse(out / "guancha" / "头条.atom")
    assert [e.id for e in parsed.entries] == [ID[n] for n in TOUTIAO]
    for entry in parsed.entries:
        check_entry(entry, EXPECTED[entry.id], "atom")
    again = feeds_command("--from", "mongodb", env=env)
    assert again.stdout == f"feeds: 6 articles, 0 failed; files 0 written, 6 unchanged, 0 removed -> {out}\n"


@pytest.mark.integration
def test_a_crawl_of_the_sample_site_writes_the_channel_feeds(tmp_path: Path, sample_site: dict[str, str]) -> None:
    out = tmp_path / "feeds"
    result = crawl(tmp_path / "crawl", sample_site, settings={"NEWSBOT_FEEDS_DIR": str(out), "LOG_LEVEL": "INFO"},
                   args={"channels": "toutiao,review,yaowen,fengwen,redian,gundong,shiping"})
    assert result.returncode == 0, result.log[-3000:]
    assert "Writing feeds to" in result.log
    for ext in ("atom", "rss"):
        parsed = parse(out / "guancha" / f"头条.{ext}")
        assert [e.id for e in parsed.entries] == [ID[n] for n in TOUTIAO]
        for entry in parsed.entries:
            check_entry(entry, EXPECTED[entry.id], ext)
        for content, entry_id in zip(raw_contents(out / "guancha" / f"头条.{ext}"), (e.id for e in parsed.entries)):
            assert "<script" not in content and "onclick" not in content, entry_id
            for outside in EXPECTED[entry_id].get("_without", []):
                assert outside not in content, (entry_id, outside)
    # An article raised to a better channel later in the crawl is an item again, one entry.
    assert sorted(ids(out / "all.atom")) == sorted({item["url"] for item in result.items})
    assert result.stats["newsbot/feeds/merged"] == len(result.items)


def test_characters_xml_cannot_hold_are_left_out(tmp_path: Path) -> None:
    item = with_body(EXPECTED[ID["636893"]], title="标题\x0b一", authors=["作者\x01"],
                     body_html="<p>正文\x08第一段</p>")
    write(tmp_path, [item])
    for name in ("all.atom", "all.rss"):
        [entry] = parse(tmp_path / name).entries
        assert entry.title == "标题一" and [a.name for a in entry.authors] == ["作者"]
        assert "正文第一段" in entry.content[0].value


def test_a_failed_write_is_counted_and_the_next_one_catches_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = make_crawler(NEWSBOT_FEEDS_DIR=str(tmp_path), NEWSBOT_FEEDS_WRITE_EVERY=1)
    pipeline = FeedsPipeline.from_crawler(crawler)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    item = article()
    assert pipeline.process_item(item) is item
    monkeypatch.undo()
    pipeline.close_spider()
    assert crawler.stats.get_value("newsbot/feeds/write_failed") == 1
    assert ids(tmp_path / "guancha" / "头条.atom") == [article().url]
