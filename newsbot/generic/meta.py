"""Page-level fields from the parsed page: headline element, tags, language."""
from __future__ import annotations

import re

from lxml import etree

from newsbot.loaders import unique
from newsbot.text import normalise_ws

HEADINGS = etree.XPath("//body//*[self::h1 or self::h2 or self::h3 or self::h4]")
KEYWORDS = etree.XPath("//meta[translate(@name, 'KEYWORDS', 'keywords')='keywords']/@content")
CONTENT_LANGUAGE = etree.XPath(
    "//meta[translate(@http-equiv, 'CONTENTLANGUAGE', 'contentlanguage')='content-language']/@content"
)
TAG_SEPARATORS = re.compile(r"[,，;；、|]+")


def headline(tree: etree._Element, title: str | None) -> etree._Element | None:
    """The heading that shows the title: the first equal to it, else the first that is most of it.

    (A ``<title>`` often adds the site's name; a short heading such as the columnist's name
    inside the title is not the headline.)

    >>> from lxml import html
    >>> page = html.document_fromstring("<h4>王文</h4><h1>王文：中美贸易</h1>")
    >>> headline(page, "王文：中美贸易_观察者网").text
    '王文：中美贸易'
    """
    if not title:
        return None
    headings = [(h, normalise_ws(h.text_content())) for h in HEADINGS(tree)]
    exact = next((h for h, text in headings if text == title), None)
    if exact is not None:
        return exact
    return next((h for h, text in headings if text and text in title and 2 * len(text) >= len(title)), None)


def split_keywords(value: str) -> list[str]:
    """Keywords as sites write them: comma-like separators, or spaces between CJK words.

    >>> split_keywords("工业企业利润 国家统计局"), split_keywords("中美贸易,中美关系，")
    (['工业企业利润', '国家统计局'], ['中美贸易', '中美关系'])
    >>> split_keywords("machine learning, AI")
    ['machine learning', 'AI']
    """
    value = normalise_ws(value)
    parts = TAG_SEPARATORS.split(value) if TAG_SEPARATORS.search(value) or value.isascii() else value.split()
    return [part.strip() for part in parts if part.strip()]


def keywords(tree: etree._Element, found: list[str] | None) -> list[str]:
    """The page's ``<meta name="keywords">`` words, then trafilatura's tags."""
    return unique(word for value in [*KEYWORDS(tree), *(found or ())] for word in split_keywords(value))


def language(tree: etree._Element) -> str | None:
    """The declared language: ``Content-Language`` meta first (``zh-CN``), then ``<html lang>``."""
    for value in (*CONTENT_LANGUAGE(tree), tree.get("lang") or ""):
        value = normalise_ws(value)
        if value:
            return value
    return None
