"""newsbot.generic against items written by hand from the pages (tests/expected/generic).

Each JSON file names its page under ../shared/data and holds what a reader sees there:
headline, the people credited as writers (never the 责任编辑, never an agency or the outlet),
the publication time shown, in the page's own zone (a day alone when the page shows no time).
"""
from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from newsbot.generic import extract_article
from newsbot.items import Article
from tests.shared_data import shared_file

EXPECTED = sorted((Path(__file__).resolve().parent / "expected" / "generic").glob("*.json"))


HAN = re.compile(r"[\u4e00-\u9fff]")


def load(path: Path) -> tuple[dict, Article]:
    expected = json.loads(path.read_text("utf-8"))
    body = shared_file(expected["_page"]).read_bytes()
    if expected["_page"].endswith(".gz"):  # the AEB pages are stored compressed
        body = gzip.decompress(body)
    return expected, extract_article(body, expected["url"])


def day_in_page_zone(found: str, expected: str) -> str:
    """The day of ``found`` on the clock of ``expected`` (a time with an offset, or a bare day)."""
    if len(expected) <= 10:
        return found[:10]
    zone = datetime.fromisoformat(expected).tzinfo
    return datetime.fromisoformat(found).astimezone(zone).date().isoformat()


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_title_authors_and_day_as_the_page_shows_them(path: Path) -> None:
    expected, article = load(path)
    assert article.title == expected["title"]
    assert article.published_at is not None
    assert day_in_page_zone(article.published_at, expected["published_at"]) == expected["published_at"][:10]
    if HAN.search(expected["title"]):
        assert article.published_at.endswith("+08:00")  # Chinese pages: Beijing time
    for caption in expected.get("captions", []):
        assert caption in [image.caption for image in article.images]
    if "authors" in expected.get("_known_miss", []) and article.authors != expected.get("authors", []):
        pytest.xfail(f"known miss: authors {article.authors}")
    assert article.authors == expected.get("authors", [])


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_nothing_around_the_article_leaks(path: Path) -> None:
    _, article = load(path)
    text = "\n".join(article.paragraphs) + (article.body_html or "")
    for outside in ("责任编辑", "分享到", "<script", "javascript:"):
        assert outside not in text, outside


def test_a_page_that_is_not_bytes_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        extract_article("<p>text</p>", "https://example.com/a")  # type: ignore[arg-type]
