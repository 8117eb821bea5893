"""Post file names and the incremental posts directory."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from newsbot.hexo import PostStore, article_id, post_filename
from newsbot.hexo.files import MANIFEST

SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789-.")


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.mark.parametrize(("url", "site", "expected"), [
    ("https://www.guancha.cn/internation/2022_04_27_636953.shtml", "guancha", "guancha-636953"),
    ("https://www.guancha.cn/WangWen/2019_09_07_516891_s.shtml", None, "guancha-516891"),
    ("http://m.guancha.cn/GuoJi%C2%B7ZhanLue/2022_04_26_636893_2.shtml?s=x#comment", None, "guancha-636893"),
    ("https://user.guancha.cn/main/content?id=723415", "guancha", "fengwen-723415"),
    ("https://user.guancha.cn/main/content?id=723415&page=0", None, "fengwen-723415"),
])
def test_guancha_ids(url: str, site: str | None, expected: str) -> None:
    assert article_id(url, site) == expected


def test_other_urls_get_a_hash_and_a_clean_site_prefix() -> None:
    url = "https://news.example.com/2022/04/27/story.html"
    assert article_id(url, "example") == "example-" + sha1(url)[:10]
    assert article_id(url) == "post-" + sha1(url)[:10]
    evil = "https://user.guancha.cn/main/content?id=../../etc/passwd"
    assert article_id(evil, "../../ Evil/Site\\名") == "evil-site-" + sha1(evil)[:10]
    assert article_id("https://www.guancha.cn/a/2022_04_27_" + "9" * 30 + ".shtml", "guancha").startswith("guancha-")
    assert len(article_id("https://www.guancha.cn/a/2022_04_27_" + "9" * 30 + ".shtml", "guancha")) == 8 + 10


def test_file_names_use_the_published_date_never_the_title() -> None:
    article = {"url": "https://www.guancha.cn/a/2022_04_27_636953.shtml", "site": "guancha",
               "title": "../../../etc/passwd: 标题 <>|?*", "published_at": "2022-04-27T10:22:31+08:00"}
    assert post_filename(article) == "2022-04-27-guancha-636953.md"
    early = {**article, "published_at": "2022-04-28T07:00:00+08:00"}  # the day is Beijing's, not UTC's
    assert post_filename(early) == "2022-04-28-guancha-636953.md"
    other = {**article, "url": "https://x.example/?a=/../../b", "site": "x/../y"}
    name = post_filename(other)
    assert set(name) <= SAFE and "/" not in name and not name.startswith(".") and len(name) < 80
    with pytest.raises(ValueError):
        post_filename({**article, "published_at": None})


def _save(store: PostStore, url: str, name: str, text: str) -> tuple[str, bool]:
    return store.save(url, name, text)


def test_unchanged_posts_are_not_touched(tmp_path: Path) -> None:
    store = PostStore(tmp_path)
    assert _save(store, "u1", "2022-04-27-guancha-1.md", "v1") == ("2022-04-27-guancha-1.md", True)
    path = tmp_path / "2022-04-27-guancha-1.md"
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    again = PostStore(tmp_path)  # a new run
    assert _save(again, "u1", "2022-04-27-guancha-1.md", "v1") == ("2022-04-27-guancha-1.md", False)
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert _save(again, "u1", "2022-04-27-guancha-1.md", "v2") == ("2022-04-27-guancha-1.md", True)
    assert path.read_text() == "v2" and path.stat().st_mtime_ns != 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "2022-04-27-guancha-1.md"]


def test_same_name_from_another_url_gets_a_suffix(tmp_path: Path) -> None:
    store = PostStore(tmp_path)
    store.save("https://a.example/1", "2022-04-27-post-x.md", "A")
    name, _ = store.save("https://a.example/2", "2022-04-27-post-x.md", "B")
    assert name == "2022-04-27-post-x-" + sha1("https://a.example/2")[:8] + ".md"
    again = PostStore(tmp_path)  # the owner is remembered across runs
    assert again.save("https://a.example/2", "2022-04-27-post-x.md", "B") == (name, False)
    assert again.save("https://a.example/1", "2022-04-27-post-x.md", "A") == ("2022-04-27-post-x.md", False)
    assert (tmp_path / "2022-04-27-post-x.md").read_text() == "A" and (tmp_path / name).read_text() == "B"


def test_a_new_date_moves_the_post_instead_of_duplicating_it(tmp_path: Path) -> None:
    store = PostStore(tmp_path)
    store.save("u1", "2022-04-27-guancha-1.md", "v1")
    store.save("u1", "2022-04-28-guancha-1.md", "v1")
    assert sorted(p.name for p in tmp_path.glob("*.md")) == ["2022-04-28-guancha-1.md"]
    assert PostStore(tmp_path).save("u2", "2022-04-27-guancha-1.md", "other") == ("2022-04-27-guancha-1.md", True)


def test_a_post_moved_in_a_later_run_leaves_no_copy_and_the_manifest_keeps_its_last_name(tmp_path: Path) -> None:
    """The store keeps hashes of the names; the old name of a moved post is read from the manifest."""
    first = PostStore(tmp_path)
    first.save("https://a.example/1", "2022-04-27-post-1.md", "v1")
    first.save("https://a.example/2", "2022-04-27-post-2.md", "v1")
    later = PostStore(tmp_path)
    later.save("https://a.example/1", "2022-04-28-post-1.md", "v1")
    later.save("https://a.example/1", "2022-04-27-post-1.md", "v1")  # and back
    assert sorted(p.name for p in tmp_path.glob("*.md")) == ["2022-04-27-post-1.md", "2022-04-27-post-2.md"]
    later.compact()
    assert [json.loads(line) for line in (tmp_path / MANIFEST).read_text().splitlines()] == [
        {"url": "https://a.example/1", "file": "2022-04-27-post-1.md"},
        {"url": "https://a.example/2", "file": "2022-04-27-post-2.md"}]


def test_manifest_is_compacted_and_survives_bad_lines(tmp_path: Path) -> None:
    store = PostStore(tmp_path)
    store.save("u1", "a.md", "1")
    store.save("u1", "b.md", "1")
    (tmp_path / MANIFEST).open("a").write("not json\n")
    store = PostStore(tmp_path)
    store.compact()
    assert [json.loads(l) for l in (tmp_path / MANIFEST).read_text().splitlines()] == [{"url": "u1", "file": "b.md"}]
    mtime = (tmp_path / MANIFEST).stat().st_mtime_ns
    PostStore(tmp_path).compact()  # nothing to compact: not rewritten
    assert (tmp_path / MANIFEST).stat().st_mtime_ns == mtime


@pytest.mark.parametrize("crafted", ["../outside.md", "/tmp/outside.md", "sub/x.md", ".hidden.md", "x.txt", 7])
def test_a_crafted_manifest_entry_never_deletes_a_file_outside_the_posts(
        tmp_path: Path, crafted: object, caplog: pytest.LogCaptureFixture) -> None:
    posts, outside = tmp_path / "_posts", tmp_path / "outside.md"
    posts.mkdir()
    outside.write_text("keep me", "utf-8")
    target = str(outside) if crafted == "/tmp/outside.md" else crafted
    (posts / MANIFEST).write_text(json.dumps({"url": "u1", "file": target}) + "\n", "utf-8")
    # A real move of u1's post would unlink the file the manifest names for it.
    PostStore(posts).save("u1", "2022-04-27-guancha-1.md", "v1")
    assert outside.read_text("utf-8") == "keep me"
    assert sorted(p.name for p in posts.glob("*.md")) == ["2022-04-27-guancha-1.md"]
    assert any("is not a post file name" in r.getMessage() for r in caplog.records)


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    store = PostStore(tmp_path / "site" / "source" / "_posts")
    store.save("u1", "a.md", "x")
    assert sorted(p.name for p in store.directory.iterdir()) == [MANIFEST, "a.md"]
    assert oct((store.directory / "a.md").stat().st_mode & 0o777) == "0o644"
