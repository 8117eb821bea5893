"""What a configured site's start points list: feeds, sitemaps, robots.txt and list pages.

Feeds (RSS 0.9x/2.0, Atom, RDF) are read by feedparser, which decodes them by their XML
declaration (a GBK feed included). Sitemaps are read here with lxml (entities off): Scrapy's
``scrapy.utils.sitemap.Sitemap`` keeps only the direct children of ``<url>``, so a news
sitemap's ``news:publication_date`` and ``news:title`` would be lost; robots.txt's
``Sitemap:`` lines are read by Scrapy's ``sitemap_urls_from_robots``.
"""
from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import feedparser
from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from newsbot.sites.configured.config import ListPage
from newsbot.text import normalise_optional
from newsbot.times import iso

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Found:
    """An article link a start point gave, with what it said about it."""

    url: str
    title: str | None = None
    published_at: str | None = None  # ISO 8601 with offset
    summary: str | None = None
    author: str | None = None


def feed_entries(body: bytes, url: str, content_type: str | None = None) -> list[Found]:
    """The entries of an RSS or Atom feed, in feed order (links made absolute)."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    found = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        found.append(Found(
            url=urljoin(url, link.strip()),
            title=normalise_optional(entry.get("title")),
            published_at=_struct_iso(stamp),
            author=normalise_optional(entry.get("author")),
        ))
    return found


def _struct_iso(stamp: time.struct_time | None) -> str | None:
    """feedparser's parsed date (always UTC) as ISO 8601."""
    if not stamp:
        return None
    return iso(datetime.fromtimestamp(calendar.timegm(stamp), UTC))


@dataclass(frozen=True)
class Sitemap:
    """A sitemap index (``sitemaps``: the sitemaps it lists) or a URL set (``urls``)."""

    sitemaps: list[str]
    urls: list[Found]


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child_text(node: etree._Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _child(node: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in node if _local(child.tag) == name), None)


def sitemap_entries(body: bytes, url: str, zone: str) -> Sitemap:
    """A sitemap or sitemap index (gzip allowed); a date without offset is in ``zone``."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise ValueError(f"{url} is not a sitemap (no XML)")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Sitemap([urljoin(url, loc) for node in root if _local(node.tag) == "sitemap"
                        if (loc := _child_text(node, "loc"))], [])
    if kind != "urlset":
        raise ValueError(f"{url} is not a sitemap (root element <{kind}>)")
    urls = []
    for node in root:
        loc = _child_text(node, "loc") if _local(node.tag) == "url" else None
        if not loc:
            continue
        news = _child(node, "news")
        when = (_child_text(news, "publication_date") if news is not None else None) or _child_text(node, "lastmod")
        urls.append(Found(
            url=urljoin(url, loc),
            title=normalise_optional(_child_text(news, "title")) if news is not None else None,
            published_at=w3c_datetime(when, zone),
        ))
    return Sitemap([], urls)


def w3c_datetime(value: str | None, zone: str) -> str | None:
    """A sitemap date (W3C datetime: a day, or a time with offset) as ISO 8601; a day or
    a time without offset is read in ``zone``.

    >>> w3c_datetime("2022-04-26T08:30:00Z", "Asia/Shanghai"), w3c_datetime("2022-04-26", "Asia/Shanghai")
    ('2022-04-26T08:30:00+00:00', '2022-04-26T00:00:00+08:00')
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone)))


def robots_sitemaps(body: bytes, url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt."""
    return list(sitemap_urls_from_robots(body, base_url=url))


def list_links(page: etree._Element, url: str, rules: ListPage) -> tuple[list[Found], str | None]:
    """The article links of a list page (those matching its ``article_pattern``, each once,
    in page order) and its next page's URL (None at the end of the list)."""
    seen: dict[str, Found] = {}
    for anchor in page.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        absolute = urljoin(url, href)
        if rules.article_pattern.search(absolute) and absolute not in seen:
            seen[absolute] = Found(absolute, title=normalise_optional("".join(anchor.itertext())))
    following: str | None = None
    if rules.next_page is not None:
        for found in rules.next_page(page):
            target = found.get("href") if isinstance(found, etree._Element) else str(found)
            if target and target.strip():
                following = urljoin(url, target.strip())
                break
    return list(seen.values()), following


