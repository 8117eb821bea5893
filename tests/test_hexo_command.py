"""``scrapy hexo``: from a JSON lines feed and from MongoDB, incrementally."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest

ROOT = Path(__file__).resolve().parents[1]


def article(number: int, **fields: object) -> dict:
    return {"url": f"https://www.guancha.cn/internation/2022_04_27_{number}.shtml", "site": "guancha",
            "title": f"文章{number}", "published_at": "2022-04-27T10:22:31+08:00", "source": "观察者网",
            "categories": ["新媒体", "观察者网", "头条"], "body_html": f"<p>正文{number}</p>",
            "content_hash": f"h{number}", **fields}


def hexo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "hexo", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def write_jsonl(path: Path, articles: list[dict]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")


def mtimes(posts: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in posts.glob("*.md")}


def test_from_jsonl_is_incremental(tmp_path: Path) -> None:
    feed, posts = tmp_path / "articles.jsonl", tmp_path / "site" / "source" / "_posts"
    write_jsonl(feed, [article(1), article(2)])
    result = hexo("--from", str(feed), "--to", str(posts))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"hexo: 2 written, 0 unchanged, 0 failed -> {posts}\n"
    for name in mtimes(posts):
        os.utime(posts / name, ns=(1_000_000_000, 1_000_000_000))

    # The next crawl appended an update of article 2 and a new article 3.
    updated = article(2, title="文章2（更新）", updated_at="2022-04-27T12:00:00+08:00", content_hash="h2b")
    write_jsonl(feed, [article(1), article(2), updated, article(3)])
    result = hexo("--from", str(feed), "--to", str(posts))
    assert result.stdout == f"hexo: 2 written, 1 unchanged, 0 failed -> {posts}\n"
    after = mtimes(posts)
    assert sorted(after) == ["2022-04-27-guancha-1.md", "2022-04-27-guancha-2.md", "2022-04-27-guancha-3.md"]
    assert after["2022-04-27-guancha-1.md"] == 1_000_000_000
    assert after["2022-04-27-guancha-2.md"] != 1_000_000_000
    text = (posts / "2022-04-27-guancha-2.md").read_text(encoding="utf-8")
    assert "title: '文章2（更新）'" in text and "updated: Wed, 27 Apr 2022 04:00:00 GMT" in text


def test_bad_records_are_counted_and_fail_the_command(tmp_path: Path) -> None:
    feed = tmp_path / "articles.jsonl"
    feed.write_text(json.dumps(article(1)) + "\n{not json\n" + json.dumps({"title": "no url"}) + "\n"
                    + json.dumps(article(2, published_at=None)) + "\n", encoding="utf-8")
    result = hexo("--from", str(feed), "--to", str(tmp_path / "posts"))
    assert result.returncode == 1
    assert result.stdout == f"hexo: 1 written, 0 unchanged, 3 failed -> {tmp_path / 'posts'}\n"
    assert "line 2 is not JSON" in result.stderr


def test_a_json_array_feed_and_the_setting_as_default(tmp_path: Path) -> None:
    feed = tmp_path / "articles.json"
    feed.write_text(json.dumps([article(1)], ensure_ascii=False), encoding="utf-8")
    result = hexo("--from", str(feed), env={"NEWSBOT_HEXO_DIR": str(tmp_path / "posts")})
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "posts").glob("*.md")] == ["2022-04-27-guancha-1.md"]


def test_usage_errors(tmp_path: Path) -> None:
    missing = hexo("--from", str(tmp_path / "nope.jsonl"), "--to", str(tmp_path / "posts"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    assert hexo("--from", "x.jsonl", env={"NEWSBOT_HEXO_DIR": ""}).returncode == 2
    no_mongo = hexo("--from", "mongodb", "--to", str(tmp_path / "posts"), env={"MONGO_URI": ""})
    assert no_mongo.returncode == 2 and "MONGO_URI" in no_mongo.stderr


@pytest.mark.integration
def test_from_mongodb(tmp_path: Path, mongo_server, mongo_db: str) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=5000)
    try:
        stored = {"first_seen": "2022-04-27T02:30:00+00:00", "last_seen": "2022-04-27T02:30:00+00:00", "version": 1}
        client[mongo_db]["stored"].insert_many([article(1) | stored, {**article(2), **stored, "_id": article(2)["url"]}])
    finally:
        client.close()
    posts = tmp_path / "posts"
    env = {"MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db, "MONGO_COLLECTION": "stored"}
    result = hexo("--from", "mongodb", "--to", str(posts), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"hexo: 2 written, 0 unchanged, 0 failed -> {posts}\n"
    assert sorted(mtimes(posts)) == ["2022-04-27-guancha-1.md", "2022-04-27-guancha-2.md"]
    assert "title: '文章2'" in (posts / "2022-04-27-guancha-2.md").read_text(encoding="utf-8")
    again = hexo("--from", "mongodb", "--to", str(posts), env=env)
    assert again.stdout == f"hexo: 0 written, 2 unchanged, 0 failed -> {posts}\n"
