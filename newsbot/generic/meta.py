"""Page-level fields from the parsed page: meta tags, JSON-LD, title, tags, language, canonical URL."""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml import etree

from newsbot.generic.nodes import text_of
from newsbot.html_clean import safe_url
from newsbot.loaders import unique
from newsbot.text import normalise_ws


def headings_of(tree: etree._Element) -> list[etree._Element]:
    """``h1``-``h4`` of the body in page order (a tag-filtered walk: the XPath cost 0.8 ms a page)."""
    body = tree.find("body") if tree.tag == "html" else tree
    return list(body.iter("h1", "h2", "h3", "h4")) if body is not None else []
TAG_SEPARATORS = re.compile(r"[,，;；、|]+")
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·»]\s+|_|\s*\|\s*|--")
ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|NewsArticle", re.IGNORECASE)
HAN = re.compile(r"[\u3400-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
# Two-label public suffixes under which a site's name is the third label (news.sina.com.cn).
SITE_NAME_MAX = 12  # "-新华网" ends a title as a site name; a longer tail is part of it
TRAILING_COMMA = re.compile(r",\s*([\]}])")
SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co"})


class Page:
    """The page's machine-readable declarations, read once: ``<meta>`` values and JSON-LD objects."""

    def __init__(self, tree: etree._Element) -> None:
        self.tree = tree
        self.meta: dict[str, list[str]] = {}
        for node in tree.iter("meta"):
            key = (node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv")
                   or "").strip().lower()
            value = normalise_ws(node.get("content"))
            if key and value:
                self.meta.setdefault(key, []).append(value)
        # The data of the blocks whose type is exactly application/ld+json (the date rules'
        # selection), and the objects of all the blocks that declare it in any spelling.
        self.json_ld_data: list[object] = []
        self.json_ld = list(_json_ld_objects(tree, self.json_ld_data))
        self.title_text = normalise_ws(tree.findtext("head/title"))  # kept: prune drops <head>
        self.articles = [o for o in self.json_ld if ARTICLE_TYPES.search(str(o.get("@type", "")))]
        self._heading_texts: dict[etree._Element, str] = {}

    def heading_text(self, heading: etree._Element) -> str:
        """A heading's text, whitespace folded, read once for the title and the headline rules."""
        text = self._heading_texts.get(heading)
        if text is None:
            text = self._heading_texts[heading] = normalise_ws(text_of(heading))
        return text

    def first(self, *keys: str) -> str | None:
        for key in keys:
            values = self.meta.get(key)
            if values:
                return values[0]
        return None

    def ld(self, key: str) -> object:
        """The first value of ``key`` in an article-typed JSON-LD object, else in any object."""
        for item in (*self.articles, *self.json_ld):
            if item.get(key):
                return item[key]
        return None


def _json_ld_objects(tree: etree._Element, exact: list[object]) -> Iterator[dict]:
    for script in tree.iter("script"):
        kind = script.get("type") or ""
        if kind.strip().lower() != "application/ld+json":
            continue
        data = load_json_ld(script.text or "")
        if data is not None:
            if kind == "application/ld+json":
                exact.append(data)
            yield from _objects(data)


def load_json_ld(text: str) -> object:
    """A JSON-LD block's data, forgiving the trailing commas templates leave; None when broken.

    >>> load_json_ld('{"keywords": ["a", "b", ], "name": "x",}')
    {'keywords': ['a', 'b'], 'name': 'x'}
    """
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:
        return json.loads(TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        return None


def _objects(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))


def ld_text(value: object) -> str | None:
    """A JSON-LD value as text: a string, or the ``name``/``url`` of an object, or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    return normalise_ws(value) or None if isinstance(value, str) else None


def strip_site_name(title: str) -> str:
    """``<title>`` without the site's name: the first part, unless another is much longer.

    >>> strip_site_name("王文：中美贸易“持久战”_观察者网"), strip_site_name("Budget passes | The Daily")
    ('王文：中美贸易“持久战”', 'Budget passes')
    >>> strip_site_name("法国全国大罢工再次严重影响交通-新华网")
    '法国全国大罢工再次严重影响交通'
    >>> strip_site_name("Home - A long headline about the budget vote tonight")
    'A long headline about the budget vote tonight'
    """
    parts = [p.strip() for p in TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) < 2:
        head, _, site = title.rpartition("-")
        return head.strip() if head.strip() and 0 < len(site.strip()) <= SITE_NAME_MAX < len(head) else title
    longest = max(parts, key=len)
    return parts[0] if len(parts[0]) * 2 >= len(longest) else longest


def title(page: Page) -> str | None:
    """The headline: a heading the ``<title>`` or ``og:title`` contains, else those without the site name."""
    declared = [v for v in (page.first("og:title", "twitter:title"), ld_text(page.ld("headline")),
                            normalise_ws(page.tree.findtext("head/title")) or None) if v]
    headings = [page.heading_text(h) for h in page.tree.iter("h1")]
    # The other headings' texts only as far as the search goes (teaser lists hold dozens).
    for text in itertools.chain(headings, (page.heading_text(h) for h in headings_of(page.tree))):
        if text and any(text in value and 2 * len(text) >= len(value) for value in declared):
            return text
    if declared:
        return strip_site_name(declared[0])
    return headings[0] if headings and headings[0] else None


def headline(tree: etree._Element, title: str | None, page: Page | None = None) -> etree._Element | None:
    """The heading that shows the title: the first equal to it, else the first that is most of it.

    >>> from lxml import html
    >>> page = html.document_fromstring("<h4>王文</h4><h1>王文：中美贸易</h1>")
    >>> headline(page, "王文：中美贸易_观察者网").text
    '王文：中美贸易'
    """
    if not title:
        return None
    text_of_heading = page.heading_text if page is not None else (lambda h: normalise_ws(text_of(h)))
    headings = headings_of(tree)
    exact = next((h for h in headings if text_of_heading(h) == title), None)  # texts read as far as needed
    if exact is not None:
        return exact
    return next((h for h in headings if (text := text_of_heading(h)) and text in title and 2 * len(text) >= len(title)),
                None)


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


def keywords(page: Page) -> list[str]:
    """``<meta name="keywords">``, ``article:tag`` and JSON-LD ``keywords``, in that order."""
    values = [*page.meta.get("keywords", ()), *page.meta.get("article:tag", ()), *page.meta.get("news_keywords", ())]
    declared = page.ld("keywords")
    values.extend(declared if isinstance(declared, list) else [declared] if isinstance(declared, str) else [])
    return unique(word for value in values if isinstance(value, str) for word in split_keywords(value))


def language(page: Page, text: str) -> str | None:
    """The declared language (``Content-Language``, ``<html lang>``, ``og:locale``), else the script's.

    >>> from lxml import html
    >>> bare = Page(html.document_fromstring("<p>x</p>"))
    >>> language(bare, "新闻正文"), language(bare, "news")
    ('zh', None)
    """
    declared = page.first("content-language") or page.tree.get("lang") or page.first("og:locale")
    if declared and normalise_ws(declared):
        return normalise_ws(declared).replace("_", "-")
    sample = "".join(text[:20000].split())[:3000]
    if KANA.search(sample):
        return "ja"
    if HANGUL.search(sample):
        return "ko"
    if len(HAN.findall(sample)) > len(sample) / 10:
        return "zh"
    return None


def site_of(host: str) -> str:
    """The registrable part of a host name.

    >>> site_of("news.sina.com.cn"), site_of("www.guancha.cn"), site_of("m.bbc.co.uk")
    ('sina.com.cn', 'guancha.cn', 'bbc.co.uk')
    """
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def canonical_url(page: Page, url: str) -> str:
    """``link rel=canonical``, else ``og:url``, when absolute-able and on the same site; else ``url``."""
    found = [link.get("href") for link in page.tree.iter("link")
             if "canonical" in (link.get("rel") or "").lower().split()]
    found.append(page.first("og:url"))
    fetched = urlsplit(url).hostname or ""
    for value in found:
        absolute = safe_url(value, url) if value else None
        host = urlsplit(absolute).hostname if absolute else None
        if absolute and host and site_of(host) == site_of(fetched):
            return absolute
    return url


def lead_image(page: Page, url: str) -> str | None:
    """``og:image``, ``twitter:image`` or the JSON-LD ``image``, absolute."""
    value = page.first("og:image", "og:image:url", "twitter:image", "twitter:image:src") or ld_text(page.ld("image"))
    return safe_url(value, url) if value else None
