"""Extraction of every sample-site article page, field by field, with no server.

The expected values are in tests/expected/guancha/*.json, written by hand from the pages.
"""
from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from newsbot.dom import parse_response
from newsbot.middlewares.encoding import best_encoding
from newsbot.sites.guancha.urls import host_key
from newsbot.sites.page import PageContext
from newsbot.sites.registry import get
from tests.crawl import PINNED_NOW
from tests.expected_items import PAGE_FIELDS, all_text, expected_articles

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("sample_site", ROOT / "scripts" / "sample_site.py")
sample_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample_site)
SITE = ROOT / "tests" / "sites" / "guancha"
EXPECTED = expected_articles()


def extract(expected: dict) -> dict:
    fetched = expected["fetched_url"]
    parts = urlsplit(fetched)
    path = sample_site.file_for(SITE, host_key(fetched), parts.path + (f"?{parts.query}" if parts.query else ""))
    body = path.read_bytes()
    response = HtmlResponse(url=fetched, body=body, encoding=best_encoding(body, "utf-8"))
    ctx = PageContext(expected["url"], fetched, datetime.fromisoformat(PINNED_NOW))
    parse = get("guancha").extractor_for(expected["url"])
    return ItemAdapter(parse(parse_response(response), ctx)).asdict()


def test_the_sample_site_has_enough_articles() -> None:
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["url"].rsplit("/", 1)[-1] for e in EXPECTED])
def test_page_fields(expected: dict) -> None:
    item = extract(expected)
    for field in PAGE_FIELDS:
        assert item[field] == expected[field], field
    for outside in expected.get("_without", []):
        assert outside not in all_text(item), outside
    html = item["body_html"] or ""
    for junk in ("<script", "onclick", "javascript:", 'width="1"'):
        assert junk not in html
