"""The publication time of a page that no site rule understands.

In order: a ``<meta>``/``itemprop``/JSON-LD publication time that carries a time of day;
the first date-time written on the page after the headline (``最后更新`` lines skipped);
a date without a time (midnight), from the metadata, else from htmldate's search of the
text and the URL. A time without
an offset is wall-clock time in the site's zone. A JSON-LD ``pubDate`` (Baidu's) is not
read: on guancha.cn it is the last-update time.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo

from htmldate import find_date
from lxml import etree, html

from newsbot.times import aware, beijing_iso, iso

META_NAMES = frozenset({
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "pubdate", "publishdate", "publish_date", "publication_date", "publishtime", "publish-time",
    "ptime", "dc.date.issued", "sailthru.date", "parsely-pub-date",
})
# A date and a time of day, as Chinese pages write them: 2022-04-27 10:22, 2022年4月27日 10:22
DATE_TIME = re.compile(r"\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?")
UPDATED = re.compile(r"更新|修改|编辑于|updated", re.IGNORECASE)
# At most $limit text nodes: a time further down belongs to something else.
TEXT_NODES = etree.XPath("(following::text()[not(ancestor::script) and not(ancestor::style)])[position() <= $limit]")
BODY_TEXT = etree.XPath("(//body//text()[not(ancestor::script) and not(ancestor::style)])[position() <= $limit]")
DATED = etree.XPath("//meta[@content] | //time[@datetime] | //*[@itemprop][@content or @datetime]")
SCAN_LIMIT = 400


def wall_clock_iso(text: str, zone: tzinfo) -> str | None:
    """The first absolute date(-time) in Chinese text, as wall-clock time in ``zone``.

    >>> from zoneinfo import ZoneInfo
    >>> wall_clock_iso("发布时间：2022年4月27日 10:22", ZoneInfo("Asia/Shanghai"))
    '2022-04-27T10:22:00+08:00'
    >>> wall_clock_iso("2022-01-05 08:00", ZoneInfo("Europe/Berlin"))
    '2022-01-05T08:00:00+01:00'
    """
    beijing = beijing_iso(text.replace("：", ":"))
    if beijing is None:
        return None
    return iso(datetime.fromisoformat(beijing).replace(tzinfo=zone))


def value_iso(value: str, zone: tzinfo) -> str | None:
    """A metadata time in ``zone``: ISO 8601 (naive read as ``zone``) or written-out text.

    >>> from zoneinfo import ZoneInfo
    >>> shanghai = ZoneInfo("Asia/Shanghai")
    >>> value_iso("2024-05-09T14:30:07.000Z", shanghai), value_iso("2024-05-19 06:49", shanghai)
    ('2024-05-09T22:30:07+08:00', '2024-05-19T06:49:00+08:00')
    >>> value_iso("no date", shanghai) is None
    True
    """
    try:
        return iso(aware(value, zone).astimezone(zone))  # type: ignore[arg-type]  # any tzinfo will do
    except (ValueError, OverflowError):
        return wall_clock_iso(value, zone)


def has_time_of_day(value: str) -> bool:
    """True when the value says more than the day.

    >>> has_time_of_day("2024-05-10"), has_time_of_day("2024-05-10T08:00:00+08:00")
    (False, True)
    """
    return re.search(r"\d[T\s]+\d{1,2}:\d{2}", value) is not None


def metadata_times(tree: etree._Element) -> Iterator[str]:
    """Publication times the page declares for machines, in page order."""
    for node in DATED(tree):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if key in META_NAMES or (node.tag == "time" and node.get("pubdate") is not None):
            value = node.get("content") or node.get("datetime")
            if value and value.strip():
                yield value.strip()
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        yield from _json_ld_dates(data)


def _json_ld_dates(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str) and value.strip():
            yield value.strip()
        for child in data.values():
            yield from _json_ld_dates(child)
    elif isinstance(data, list):
        for child in data:
            yield from _json_ld_dates(child)


def written_time(tree: etree._Element, headline: etree._Element | None, zone: tzinfo) -> str | None:
    """The first date-time with a time of day in the page text after ``headline`` (else anywhere)."""
    scans = [TEXT_NODES(headline, limit=SCAN_LIMIT)] if headline is not None else []
    for nodes in [*scans, BODY_TEXT(tree, limit=SCAN_LIMIT)]:
        for text in nodes:
            match = DATE_TIME.search(text)
            if match and not UPDATED.search(text[: match.start()]):
                return wall_clock_iso(match.group(), zone)
    return None


def searched_day(tree: html.HtmlElement, url: str) -> str | None:
    """htmldate's extensive search (page text, URL), YYYY-MM-DD: slow, so only as a last resort."""
    try:
        return find_date(tree, extensive_search=True, original_date=True, url=url)
    except (ValueError, TypeError):
        return None


def published_at(
    tree: html.HtmlElement, headline: etree._Element | None, zone: tzinfo, url: str, day: str | None = None
) -> str | None:
    """See the module docstring; ``day`` is the date trafilatura read from the markup, if any."""
    declared = [(raw, value) for raw in metadata_times(tree) if (value := value_iso(raw, zone))]
    precise = next((value for raw, value in declared if has_time_of_day(raw)), None)
    written = precise or written_time(tree, headline, zone)
    if written:
        return written
    if declared:
        return declared[0][1]
    day = day or searched_day(tree, url)
    return value_iso(day, zone) if day else None
