"""The storage stages inside a real `scrapy runspider` process with the project settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import pytest
from itemadapter import ItemAdapter

from tests.articles import PINNED_NOW, URL_A, URL_B, URL_C, article

ROOT = Path(__file__).resolve().parents[1]
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


def run(tmp: Path, items: list[Any], args: dict[str, str] | None = None,
        **settings: Any) -> tuple[int, list[dict[str, Any]], dict[str, Any], str]:
    tmp.mkdir(parents=True, exist_ok=True)
    source, out, stats, log = tmp / "in.json", tmp / "out.jsonl", tmp / "stats.json", tmp / "log.txt"
    for path in (out, stats, log):
        path.unlink(missing_ok=True)
    source.write_text(json.dumps([ItemAdapter(i).asdict() for i in items], ensure_ascii=False), "utf-8")
    values = {"NEWSBOT_NOW": PINNED_NOW, "NEWSBOT_STATS_FILE": stats, "LOG_FILE": log,
              "NEWSBOT_STATE_DIR": tmp.parent / "state", **settings}
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "tests" / "storage_spider.py"),
           "-a", f"items={source}", "-O", f"{out}:jsonlines"]
    for key, value in {**(args or {})}.items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in values.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS and k != "MONGO_URI"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = out.read_text("utf-8").splitlines() if out.exists() else []
    text = (log.read_text("utf-8") if log.exists() else "") + proc.stderr
    return (proc.returncode, [json.loads(line) for line in lines if line.strip()],
            json.loads(stats.read_text("utf-8")) if stats.exists() else {}, text)


@pytest.fixture(params=["sqlite", "mongo"])
def storage(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "sqlite":
        return {}
    return {"MONGO_URI": request.getfixturevalue("mongo_server").uri,
            "MONGO_DATABASE": request.getfixturevalue("mongo_db")}


def test_crawl_again_emits_and_downloads_only_what_is_new(storage: dict[str, Any], tmp_path: Path) -> None:
    code, items, stats, log = run(tmp_path / "1", [article(URL_A), article(URL_B), article(URL_C)], **storage)
    assert code == 0, log
    assert sorted(i["url"] for i in items) == sorted([URL_A, URL_B, URL_C])
    assert stats["newsbot/dedupe/new"] == 3
    if storage:
        assert stats["newsbot/mongo/inserted"] == 3

    # Same articles again: A (published 1.6 h ago) is downloaded again and found unchanged;
    # B and C are not downloaded at all.
    code, items, stats, log = run(tmp_path / "2", [article(URL_A), article(URL_B), article(URL_C)], **storage)
    assert code == 0, log
    assert items == []
    assert stats["newsbot/incremental/skipped"] == 2 and stats["storage_test/not_downloaded"] == 2
    assert stats["newsbot/dedupe/dropped/unchanged"] == 1
    assert "newsbot/mongo/inserted" not in stats

    # A full refresh downloads and emits everything (a re-export); only the edited one is an
    # update, and the stores change nothing else.
    edited = article(URL_C, paragraphs=["芯片产业的问题，归根到底是人才和时间问题。"])
    code, items, stats, log = run(tmp_path / "3", [article(URL_A), article(URL_B), edited],
                                  args={"refresh": "1"}, NEWSBOT_NOW="2022-04-27T13:00:00+08:00", **storage)
    assert code == 0, log
    assert sorted(i["url"] for i in items) == sorted([URL_A, URL_B, URL_C])
    assert next(i for i in items if i["url"] == URL_C)["updated_at"] == "2022-04-27T05:00:00+00:00"
    assert stats["newsbot/dedupe/refreshed"] == 2 and stats["newsbot/dedupe/updated"] == 1
    assert "newsbot/incremental/skipped" not in stats
    if storage:
        assert stats["newsbot/mongo/updated"] == 1
        with pymongo.MongoClient(storage["MONGO_URI"]) as client:
            stored = {d["url"]: d for d in client[storage["MONGO_DATABASE"]].articles.find()}
        assert {u: d["version"] for u, d in stored.items()} == {URL_A: 1, URL_B: 1, URL_C: 2}


def test_unreachable_server_stops_the_crawl_with_a_clear_message(tmp_path: Path) -> None:
    uri = "mongodb://newsbot:Pa55-w0rd@127.0.0.1:1/news"
    code, items, stats, log = run(tmp_path / "1", [article(URL_A)], MONGO_URI=uri,
                                  NEWSBOT_MONGO_TIMEOUT_MS=300)
    assert code != 0
    assert "cannot reach MongoDB at mongodb://newsbot:***@127.0.0.1:1/news within 300 ms" in log
    assert "Pa55-w0rd" not in log and items == []
