"""A configured site's article: newsbot.generic's reading of the page, then the site's
selector overrides (title, body, time, author) where it declares them, then what the
crawl knows (canonical URL, site, categories)."""
from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from newsbot.dom import parse_html
from newsbot.generic import extract_article
from newsbot.generic.dates import relative_time, value_iso
from newsbot.html_clean import inner_html
from newsbot.items import Article
from newsbot.sites.configured.config import Rule, SiteConfig
from newsbot.sites.configured.site import on_hosts
from newsbot.sites.listing import ListEntry
from newsbot.text import normalise_ws
from newsbot.urls import canonical_url


def read_article(body: bytes, url: str, encoding: str, config: SiteConfig, canonical: str, listing: ListEntry,
                 section: str, group: str, now: datetime) -> Article:
    """The article on the page ``body`` (as downloaded from ``url``, decoded as ``encoding``)."""
    headers = {"Content-Type": f"text/html; charset={config.encoding or encoding}"}
    item = extract_article(body, url, headers, zone=config.timezone, crawled_at=now)
    if config.selectors:
        page = parse_html(body.decode(config.encoding or encoding, errors="replace"), url)
        overrides(item, page, url, config, now, headers)
    own = canonical_url(item.url) if item.url else canonical
    item.url = own if on_hosts(own, config.allowed_domains) else canonical
    item.fetched_url = url
    item.site = config.name
    item.source_name = config.source_name
    item.language = item.language or config.language
    item.categories = [group, config.source_name, *([section] if section else [])]
    item.title = item.title or listing.title
    item.published_at = item.published_at or listing.listed_at
    item.summary = item.summary or listing.summary
    if not item.authors and listing.author:
        item.authors = [listing.author]
    return item


def overrides(item: Article, page: etree._Element, url: str, config: SiteConfig, now: datetime,
              headers: dict[str, str]) -> None:
    """Replace the fields the site declares selectors for with what they find (a selector
    that finds nothing leaves the generic reading)."""
    rules = config.selectors
    if "title" in rules and (title := first_text(rules["title"], page)):
        item.title = title
    if "author" in rules and (names := all_texts(rules["author"], page)):
        item.authors = names
    if "time" in rules and (stamp := read_time(first_text(rules["time"], page), config.timezone, now)):
        item.published_at = stamp
    if "body" in rules:
        found = [node for node in rules["body"](page) if isinstance(node, etree._Element)]
        if found:
            body = body_of(found, url, item.title or "", headers, config.timezone)
            item.paragraphs, item.images, item.body_html = body.paragraphs, body.images, body.body_html


def _value(found: object) -> str:
    if isinstance(found, etree._Element):
        return normalise_ws("".join(found.itertext()))
    return normalise_ws(str(found))


def first_text(rule: Rule, page: etree._Element) -> str:
    return next((value for value in map(_value, rule(page)) if value), "")


def all_texts(rule: Rule, page: etree._Element) -> list[str]:
    return list(dict.fromkeys(value for value in map(_value, rule(page)) if value))


def read_time(text: str, zone: str, now: datetime) -> str | None:
    """A time a selector found, read by the generic extractor's rules (newsbot.generic.dates):
    ISO 8601, a written date-time (``2022年4月26日 10:30``, ``Nov 18, 2019 8:22 PM``) in the
    site's zone, or a relative one (``3小时前``, ``昨天 18:30``); given in the site's zone.

    >>> from newsbot.times import aware
    >>> now = aware("2022-04-27T12:00:00+08:00")
    >>> read_time("2022-04-26T08:00:00Z", "Asia/Shanghai", now), read_time("2022/4/26 10:30", "Europe/London", now)
    ('2022-04-26T16:00:00+08:00', '2022-04-26T10:30:00+01:00')
    >>> read_time("3小时前", "Asia/Shanghai", now), read_time("", "UTC", now)
    ('2022-04-27T09:00:00+08:00', None)
    """
    value = text.strip()
    if not value:
        return None
    tz = ZoneInfo(zone)
    return value_iso(value, tz) or relative_time(value, now, tz)


def body_of(nodes: list[etree._Element], url: str, title: str, headers: dict[str, str], zone: str) -> Article:
    """The paragraphs, images and HTML of the body the selector found, read by the generic
    extractor from a page that holds only that body."""
    # One container: its content; several elements (paragraphs, figures): each whole.
    inner = inner_html(nodes[0]) if len(nodes) == 1 else "\n".join(
        etree.tostring(node, method="html", encoding="unicode", with_tail=False) for node in nodes)
    page = (f"<html><head><title>{html.escape(title)}</title></head>"
            f"<body><article>{inner}</article></body></html>")
    return extract_article(page.encode("utf-8"), url, {"Content-Type": "text/html; charset=utf-8"}, zone=zone)
