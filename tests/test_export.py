"""`scrapy export`: what is stored, written as JSON lines without crawling, counted against a crawl."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.crawl import crawl, scrapy
from tests.expected_items import expected_articles

pytestmark = pytest.mark.integration

EXPECTED = {article["url"] for article in expected_articles()}


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_export_from_mongodb_gives_back_what_the_crawl_stored(
        sample_site: dict[str, Any], mongo_server: Any, mongo_db: str, tmp_path: Path) -> None:
    mongo = {"MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db}
    crawled = crawl(tmp_path / "crawl", sample_site, env=mongo)
    assert crawled.returncode == 0, crawled.log[-3000:]
    assert crawled.stats["newsbot/mongo/inserted"] == 26

    out = tmp_path / "export.jsonl"
    proc = scrapy(["export", "--from", "mongodb", "-O", str(out)], sample_site, tmp_path, env=mongo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"export: 26 articles, 0 failed -> {out}"
    exported = lines(out)
    assert {a["url"] for a in exported} == EXPECTED
    assert len(exported) == 26
    by_url = {item["url"]: item for item in crawled.items}
    for article in exported:  # the crawl's own lines, without MongoDB's fields
        assert article == by_url[article["url"]]
    text = out.read_text("utf-8")
    assert "观察者网" in text and "\\u" not in text  # Chinese as UTF-8, as the crawl writes it


def test_export_from_a_feed_keeps_the_last_version_of_each_article(
        sample_site: dict[str, Any], tmp_path: Path) -> None:
    crawled = crawl(tmp_path / "crawl", sample_site)
    assert crawled.returncode == 0, crawled.log[-3000:]
    feed = crawled.log_dir / "items.jsonl"
    first = crawled.items[0]
    edited = {**first, "title": "改过的标题", "content_hash": "0" * 64}
    appended = tmp_path / "appended.jsonl"  # two crawls appended with -o, the second saw an edit
    appended.write_text(feed.read_text("utf-8") + feed.read_text("utf-8")
                        + json.dumps(edited, ensure_ascii=False) + "\n", "utf-8")

    out = tmp_path / "export.jsonl"
    proc = scrapy(["export", "--from", str(appended), "-O", str(out)], sample_site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    # Older versions: the first crawl's copy of each line, the edit's original, and any
    # article the crawl sent twice (raised to a better channel after it was read).
    older = 2 * len(crawled.items) + 1 - 26
    assert proc.stderr.strip() == f"export: 26 articles, {older} older versions left out, 0 failed -> {out}"
    exported = {a["url"]: a for a in lines(out)}
    assert set(exported) == EXPECTED
    assert exported[first["url"]]["title"] == "改过的标题"


def test_export_to_standard_output(sample_site: dict[str, Any], tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"url": "https://www.guancha.cn/a/1.shtml", "title": "一"}\nnot json\n', "utf-8")
    proc = scrapy(["export", "--from", str(feed), "-O", "-"], sample_site, tmp_path)
    assert proc.returncode == 1  # one record could not be read
    assert proc.stdout == '{"url": "https://www.guancha.cn/a/1.shtml", "title": "一"}\n'
    assert "export: 1 articles, 1 failed -> -" in proc.stderr


def test_the_embedded_state_holds_no_articles_to_export(sample_site: dict[str, Any], tmp_path: Path) -> None:
    proc = scrapy(["export", "--from", "state", "-O", str(tmp_path / "x.jsonl")], sample_site, tmp_path)
    assert proc.returncode == 2
    assert "the embedded state (sqlite) keeps only each article's URL and content hash" in proc.stderr
    assert not (tmp_path / "x.jsonl").exists()
