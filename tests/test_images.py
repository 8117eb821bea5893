"""Stored pictures (newsbot/pipelines/images.py): real crawls of the sample site with a store.

The sample site's img host (tests/sites/guancha/img/, MANIFEST "Pictures") serves small real
images for 636953, 636958, 636712, 900001 and the 636949 and 636893 lead images, an HTML page
for 636949's body image, and 404 for the rest. This module's server also holds back one
image of 636941 for longer than DOWNLOAD_TIMEOUT.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PillowImage
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsbot.hexo import render_post
from newsbot.items import Article, Image
from newsbot.pipelines.images import ImagesPipeline
from tests.crawl import PROXY_VARS, CrawlResult, crawl
from tests.expected_items import CRAWL_FIELDS, expected_articles
from tests.plugins.sample_site import SITE_ROOT, start_sample_site

ROOT = Path(__file__).resolve().parents[1]
IMG = SITE_ROOT / "img"
SLOW = "https://i.guancha.cn/news/external/2022/04/27/20220427083216205.jpg"  # 636941's first image
NOT_IMAGE = "https://i.guancha.cn/news/external/2022/04/27/20220427091522637.jpg"  # 636949's body image
LEAD_636953 = "https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg"
# Every picture the sample site serves, with the format of its bytes (900001's is a GIF under .jpg).
STORED = {
    LEAD_636953: "JPEG",
    "https://i.guancha.cn/news/external/2022/04/27/20220427092854700.jpg": "JPEG",
    "https://i.guancha.cn/news/official/2022/04/27/20220427092114985.jpg": "JPEG",
    "https://i.guancha.cn/news/official/2022/04/27/20220427090019175.jpg": "JPEG",
    "https://i.guancha.cn/news/2022/04/27/20220427103512583.jpg": "JPEG",
    "https://i.guancha.cn/news/2022/04/27/20220427103847251.png": "PNG",
    "https://i.guancha.cn/news/2022/04/25/20220425080533172.jpg": "JPEG",
    "https://i.guancha.cn/news/external/2022/04/25/20220425075812346.jpg": "JPEG",
    "https://i.guancha.cn/news/2022/04/27/20220427093016445.jpg": "JPEG",
    "https://i.guancha.cn/news/2022/04/26/20220426115407738.jpg": "JPEG",
    "https://i.guancha.cn/bbs/2022/04/27/20220427085512633.jpg": "GIF",
}
# The expected items' other pictures, which the img host does not have.
MISSING = [
    "https://i.guancha.cn/news/2022/04/26/20220426112206417.jpg",  # 636874 (its 头条 list_2 picture)
    "https://i.guancha.cn/news/external/2022/04/26/20220426111544830.jpg",
    "https://i.guancha.cn/news/2022/04/26/20220426152210318.jpg",  # 636921
    "https://i.guancha.cn/news/2022/04/26/20220426152518902.jpg",
    "https://i.guancha.cn/news/2022/04/26/20220426210544310.jpg",  # 636937
    "https://i.guancha.cn/news/2022/04/26/20220426210912576.jpg",
    "https://i.guancha.cn/news/external/2022/04/27/20220427080533219.jpg",  # 636940
    "https://i.guancha.cn/news/external/2022/04/27/20220427083340771.jpg",  # 636941's second
    "https://i.guancha.cn/news/2022/04/27/20220427103105862.jpg",  # 636955
    "https://i.guancha.cn/news/external/2022/04/27/20220427102233518.jpg",
    "https://i.guancha.cn/news/2022/04/27/20220427105501217.jpg",  # 636960
    "https://i.guancha.cn/bbs/2022/04/26/20220426204811572.jpg",  # 900003
]
EXPECTED = {e["url"]: e for e in expected_articles()}


def served_file(url: str) -> Path:
    return IMG / url.removeprefix("https://i.guancha.cn/")


def pictures(item: dict[str, Any]) -> list[dict[str, Any]]:
    return ([item["lead_image"]] if item.get("lead_image") else []) + list(item.get("images") or [])


def without_copy(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if image is None else {k: v for k, v in image.items() if k not in ("path", "checksum")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    specials = {"img:" + SLOW.removeprefix("https://i.guancha.cn"): {"delay": 3}}
    proc, bases = start_sample_site(tmp_path_factory.mktemp("img-site"), specials=specials)
    yield bases
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def stored(site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, Path]:
    tmp = tmp_path_factory.mktemp("images-crawl")
    store = tmp / "store"
    result = crawl(tmp, site, {"NEWSBOT_IMAGES_STORE": str(store)})
    assert result.returncode == 0, result.log[-3000:]
    return result, store


def test_every_served_picture_is_stored_once_as_a_valid_image(stored: tuple[CrawlResult, Path]) -> None:
    result, store = stored
    copies = {image["url"]: image for item in result.items for image in pictures(item) if image["path"]}
    assert sorted(copies) == sorted(STORED)
    assert sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()) == \
        sorted(image["path"] for image in copies.values())
    for url, image in copies.items():
        path = store / image["path"]
        assert path.read_bytes() == served_file(url).read_bytes(), url
        assert image["checksum"] == hashlib.md5(path.read_bytes()).hexdigest()
        with PillowImage.open(path) as picture:
            assert picture.format == STORED[url]
    # once a picture, however many copies of its article the crawl gave
    assert result.stats["file_status_count/downloaded"] == 11
    assert result.stats["newsbot/images/stored"] == sum(1 for item in result.items for i in pictures(item) if i["path"])


def test_the_path_is_scrapys_hash_of_the_real_url_not_the_mirrors(stored: tuple[CrawlResult, Path]) -> None:
    result, store = stored
    # The last copy: 636953 may come out first from the home page, then raised to 头条.
    item = [i for i in result.items if i["url"].endswith("636953.shtml")][-1]
    assert item["lead_image"]["url"] == LEAD_636953
    assert item["lead_image"]["path"] == "full/" + hashlib.sha1(LEAD_636953.encode()).hexdigest() + ".jpg"
    chart = next(i for i in result.items if i["url"].endswith("636958.shtml"))["images"][0]
    assert chart["path"].endswith(".png")
    with PillowImage.open(store / chart["path"]) as picture:
        assert picture.size == (60, 34)  # the sample file's size, not the 600×338 the page states


def test_failed_pictures_are_counted_logged_once_and_their_articles_kept(stored: tuple[CrawlResult, Path]) -> None:
    result, _ = stored
    # Counted and logged once per copy of its article: an article raised to a better
    # channel later in the crawl is an item again (the images of both copies are kept).
    copies = Counter(image["url"] for item in result.items for image in pictures(item) if image["path"] is None)
    # The list pictures of an article's earlier, worse copies (636874's home teaser, and any
    # other article read before a better list named it): not on the sample site either.
    last = {item["url"]: item for item in result.items}
    teasers = {item["lead_image"]["url"] for item in result.items
               if item is not last[item["url"]] and item.get("lead_image")} - {SLOW, NOT_IMAGE}
    assert result.stats["newsbot/images/failed/http_404"] == sum(copies[url] for url in {*MISSING, *teasers})
    assert result.stats["newsbot/images/failed/not_image"] == copies[NOT_IMAGE] >= 1
    assert result.stats["newsbot/images/failed/timeout"] == copies[SLOW] >= 1
    assert result.stats["newsbot/images/failed"] == sum(copies.values())
    failed = {image["url"]: (item["url"], image) for item in result.items for image in pictures(item)
              if image["path"] is None}
    assert sorted(set(failed) - teasers) == sorted(MISSING + [SLOW, NOT_IMAGE])
    for url, (article, image) in failed.items():
        assert image["checksum"] is None
        lines = [line for line in result.log.splitlines() if url in line]
        ours = [line for line in lines if "[newsbot.pipelines.images]" in line]
        assert len(ours) == copies[url], lines
        assert "WARNING: Image not stored (" in ours[0] and article in ours[0]
        # Scrapy's own lines name the real URL too (the mirror is mapped below them): only
        # the retry middleware's give-up for the picture that timed out.
        assert all("Gave up retrying <GET " + url in line for line in lines if line not in ours), lines
    assert f"Image not stored (not_image): {NOT_IMAGE} in https://www.guancha.cn/internation/2022_04_27_636949.shtml" \
        in result.log
    assert f"Image not stored (timeout): {SLOW} in https://www.guancha.cn/industry-science/2022_04_27_636941.shtml" \
        in result.log
    assert "Traceback" not in result.log


def test_with_a_store_the_articles_are_the_expected_ones(stored: tuple[CrawlResult, Path]) -> None:
    result, _ = stored
    items = {item["url"]: item for item in result.items}  # the last copy of each article
    assert sorted(items) == sorted(EXPECTED)
    for url, expected in EXPECTED.items():
        item = items[url]
        for field in CRAWL_FIELDS:
            if field == "images":
                assert [without_copy(i) for i in item["images"]] == expected["images"], url
            elif field == "lead_image":
                assert without_copy(item["lead_image"]) == expected["lead_image"], url
            else:
                assert item[field] == expected[field], (url, field)


def test_off_without_a_store(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="newsbot.pipelines.images")
    with pytest.raises(NotConfigured):
        ImagesPipeline.from_crawler(get_crawler(settings_dict={"NEWSBOT_IMAGES_STORE": ""}))
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "NEWSBOT_IMAGES_STORE is not set" in caplog.records[0].getMessage()


def run_storage_spider(tmp: Path, articles: list[dict[str, Any]], settings: dict[str, str]) -> tuple[list[dict], dict]:
    """The project's pipelines in a real `scrapy runspider` of tests/storage_spider.py."""
    tmp.mkdir(parents=True, exist_ok=True)
    source, out, stats = tmp / "in.json", tmp / "out.jsonl", tmp / "stats.json"
    source.write_text(json.dumps(articles, ensure_ascii=False), "utf-8")
    out.unlink(missing_ok=True)
    values = {"NEWSBOT_NOW": "2022-04-27T12:00:00+08:00", "NEWSBOT_STATS_FILE": str(stats),
              "NEWSBOT_STATE_DIR": str(tmp / "state"), "NEWSBOT_INCREMENTAL": "False", **settings}
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "tests" / "storage_spider.py"),
           "-a", f"items={source}", "-O", f"{out}:jsonlines"]
    for key, value in values.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS and k not in ("MONGO_URI", "REDIS_URL")}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines() if line.strip()]
    return items, json.loads(stats.read_text("utf-8"))


def test_one_picture_in_two_articles_is_stored_once(site: dict[str, str], tmp_path: Path) -> None:
    """No two sample articles share a picture, so two hand-written articles share 636953's lead image."""
    def article(number: int) -> dict[str, Any]:
        return {"url": f"https://www.guancha.cn/internation/2022_04_27_63695{number}.shtml", "site": "guancha",
                "title": f"第{number}篇", "published_at": "2022-04-27T10:22:31+08:00",
                "paragraphs": [f"正文{number}"], "lead_image": {"url": LEAD_636953, "width": 970, "height": 374}}
    store = tmp_path / "store"
    settings = {"NEWSBOT_IMAGES_STORE": str(store), "NEWSBOT_MIRRORS": json.dumps(site["mirrors"])}
    items, stats = run_storage_spider(tmp_path / "one", [article(1), article(2)], settings)
    assert len(items) == 2
    path = items[0]["lead_image"]["path"]
    assert [p.name for p in (store / "full").iterdir()] == [hashlib.sha1(LEAD_636953.encode()).hexdigest() + ".jpg"]
    assert items[0]["lead_image"]["path"] == items[1]["lead_image"]["path"]
    assert items[0]["lead_image"]["checksum"] == items[1]["lead_image"]["checksum"] == \
        hashlib.md5(served_file(LEAD_636953).read_bytes()).hexdigest()
    assert stats["file_status_count/downloaded"] == 1
    assert stats["newsbot/images/stored"] == 2
    # A later crawl finds the copy up to date and downloads nothing.
    items, stats = run_storage_spider(tmp_path / "two", [article(3)], settings)
    assert stats["file_status_count/uptodate"] == 1
    assert "file_status_count/downloaded" not in stats
    assert items[0]["lead_image"]["path"] == path


HEXO_URL = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"
BODY_STORED = "https://i.guancha.cn/news/external/2022/04/27/20220427092854700.jpg"
BODY_FAILED = "https://i.guancha.cn/news/official/2022/04/27/20220427092114985.jpg"


def hexo_article(stored: bool) -> Article:
    lead = Image(url=LEAD_636953, width=970, height=374)
    first, second = Image(url=BODY_STORED, index=1), Image(url=BODY_FAILED, index=2)
    if stored:
        lead.path, lead.checksum = "full/aaa.jpg", "0" * 32
        first.path, first.checksum = "full/bbb.jpg", "1" * 32
        second.path = second.checksum = None
    return Article(url=HEXO_URL, title="t", published_at="2022-04-27T10:22:31+08:00", lead_image=lead,
                   images=[first, second],
                   body_html=f'<p>甲</p><p><img src="{BODY_STORED}"></p><p>乙</p><p><img src="{BODY_FAILED}"></p>')


def test_hexo_shows_stored_copies_under_the_published_url() -> None:
    text = render_post(hexo_article(stored=True), images_url="https://blog.example/images/")
    assert "headimg: 'https://blog.example/images/full/aaa.jpg'" in text
    assert "thumbnail: 'https://blog.example/images/full/aaa.jpg'" in text
    assert '<img src="https://blog.example/images/full/aaa.jpg" width="970px" height="374px">' in text
    assert '<img src="https://blog.example/images/full/bbb.jpg"> ' in text.split("\n")
    assert f'<img src="{BODY_FAILED}" referrerpolicy="no-referrer"> ' in text.split("\n")
    assert LEAD_636953 not in text and BODY_STORED not in text


def test_hexo_keeps_hot_links_without_a_published_url_or_a_copy() -> None:
    for article, images_url in ((hexo_article(stored=True), ""), (hexo_article(stored=False), "https://blog.example/images")):
        text = render_post(article, images_url=images_url)
        assert f"headimg: '{LEAD_636953}'" in text
        assert f'<img src="{LEAD_636953}" width="970px" height="374px" referrerpolicy="no-referrer">' in text
        assert f'<img src="{BODY_STORED}" referrerpolicy="no-referrer"> ' in text.split("\n")
        assert "blog.example" not in text
