"""extract_article: any news page's bytes to an Article, by newsbot's own rules.

The order matters: metadata (title, bylines, dates) is read from the whole page first, then
the page chrome is pruned and the article container found (content.py), its blocks read
(blocks.py) and filtered (body.py); a JSON-LD ``articleBody`` that the page confirms may
replace them (structured.py).

The DOM is lxml's (libxml2), not lexbor's (selectolax) or resiliparse's, measured on the
91 AEB and 27 magic-html pages (median 110 KiB): lexbor parses in 0.57 ms a page against
lxml's 2.0 ms, but newsbot.html_clean, the dates and every other rule are lxml code, each
selectolax node access builds a Python object, and a second parse for the cleaned fragment
would give back most of the difference. libxml2's parse is a fifth of an extraction's cost;
prune, the cleaned fragment and the container scores are the largest of the rest. Each rule
walks only as far as it needs (the chrome walk skips what it removes, text scans stop at their
limit, costly searches run after cheap tests that decide most pages), and the date, title and
author rules share what one of them has read.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from newsbot.dom import parse_html
from newsbot.generic.authors import pick_authors
from newsbot.generic.blocks import read_blocks
from newsbot.generic.body import build_body
from newsbot.generic.content import containers
from newsbot.generic.dates import DATED, Scans, published_at, text_after, updated_at
from newsbot.generic.decode import page_text_and_bytes
from newsbot.generic.meta import Page, canonical_url, headline, keywords, language, lead_image, title
from newsbot.generic.prune import prune
from newsbot.generic.structured import better_body, declared_paragraphs, paragraphs_html
from newsbot.items import Article, Image
from newsbot.text import normalise_optional, normalise_ws
from newsbot.times import crawl_now

logger = logging.getLogger(__name__)
HAN = re.compile(r"[\u4e00-\u9fff]")
BODY_STRING = etree.XPath("string(body)")

EXTRACTION = "fallback"
CHINESE_ZONE = "Asia/Shanghai"
OTHER_ZONE = "UTC"  # a page in another language without a zone: no better guess


def page_zone(zone: str | None, lang: str | None, title: str | None) -> ZoneInfo:
    """The zone for times written without one: the caller's, else by the page's language
    (a page whose headline is in Han characters counts as Chinese)."""
    if zone:
        return ZoneInfo(zone)
    chinese = (lang or "").lower().startswith("zh") or HAN.search(title or "") is not None
    return ZoneInfo(CHINESE_ZONE if chinese else OTHER_ZONE)


def extract_article(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, *, zone: str | None = None,
    crawled_at: str | datetime | None = None,
) -> Article:
    """What a generic extractor can find on the page; fields it cannot find stay empty.

    ``zone`` is the site's zone for times written without one (default: Asia/Shanghai for
    Chinese pages, else UTC); ``crawled_at`` is the crawl time relative times count from.
    Never raises on broken markup, empty bytes or a wrong charset declaration; a ``TypeError``
    when ``body`` is not bytes.
    """
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError(f"extract_article needs the page's bytes, not {type(body).__name__}")
    article = Article(url=url, fetched_url=url, extraction=EXTRACTION)
    text, data = page_text_and_bytes(bytes(body), headers)
    if not text.strip():
        return article
    tree = parse_html(data, url)
    if tree.find("body") is None and len(tree) == 0:
        return article
    page = Page(tree)
    article.title = title(page)
    article.summary = normalise_optional(page.first("description", "og:description", "twitter:description"))
    page_words = str(BODY_STRING(tree))
    article.language = language(page, page_words)
    tz = page_zone(zone, article.language, article.title)
    now = crawl_now(crawled_at) if isinstance(crawled_at, str) else crawled_at
    heading = headline(tree, article.title, page)
    near = [normalise_ws(t) for t in text_after(heading, limit=60)] if heading is not None else []
    dated, scans = DATED(tree), Scans(tree, heading)
    article.published_at = published_at(tree, heading, tz, url, now, dated, page.json_ld_data, scans)
    article.updated_at = updated_at(tree, tz, dated, scans)
    article.tags = keywords(page)
    article.url = canonical_url(page, url)
    prune(tree)
    found = build_body(read_blocks(containers(tree), url), url, article.title)
    declared = declared_paragraphs(page)
    if declared and better_body(declared, found.paragraphs, page_words):
        found.paragraphs, found.body_html = declared, paragraphs_html(declared)
        found.images = [image for image in found.images if image.index <= len(declared)]
    article.paragraphs = found.paragraphs
    article.images = found.images
    article.body_html = found.body_html
    article.authors = pick_authors(found.paragraphs, page, [t for t in near if t], page_words)
    lead = lead_image(page, url)
    if lead:
        article.lead_image = Image(url=lead)
    elif found.images:
        article.lead_image = Image(url=found.images[0].url, caption=found.images[0].caption)
    return article

