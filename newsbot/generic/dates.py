"""The publication time of a page that no site rule understands.

In order: a ``<meta>``/``itemprop``/JSON-LD publication time that carries a time of day;
the first date-time written on the page after the headline (``最后更新`` lines skipped);
a date without a time (midnight), from the metadata, else the first plain date written after the headline in the
text, else the URL. A relative time (刚刚, 5分钟前, 昨天 18:30) after the headline counts
against the crawl time. A time without an offset is wall-clock time in the site's zone. A
JSON-LD ``pubDate`` (Baidu's) is not read: on guancha.cn it is the last-update time.

The update time: ``article:modified_time``/``dateModified``, else a 最后更新/更新时间 line.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from lxml import etree

from newsbot.generic.meta import load_json_ld
from newsbot.generic.nodes import texts_after, texts_in
from newsbot.times import BEIJING, aware, beijing_iso, iso, relative_iso

META_NAMES = frozenset({
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "pubdate", "publishdate", "publish_date", "publication_date", "publishtime", "publish-time",
    "ptime", "dc.date.issued", "sailthru.date", "parsely-pub-date",
})
# A date and a time of day, as Chinese pages write them: 2022-04-27 10:22, 2022年4月27日 10:22
DATE_TIME = re.compile(r"\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?")
UPDATED = re.compile(r"更新|修改|编辑于|updated", re.IGNORECASE)
RELATIVE = re.compile(r"刚刚|\d{1,2}\s*(?:分钟|小时|天)前|(?:昨天|前天)\s*\d{1,2}:\d{2}")
MODIFIED_NAMES = frozenset({"article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified"})
# At most ``limit`` text nodes (SCAN_LIMIT): a time further down belongs to something else.


def text_after(element: etree._Element, limit: int) -> list[str]:
    """The first ``limit`` text nodes after ``element`` in page order, scripts left out."""
    return texts_after(element, limit)


def body_text(tree: etree._Element, limit: int) -> list[str]:
    """The first ``limit`` text nodes of the body, scripts left out."""
    body = next(tree.iter("body"), None)
    return texts_in(body, limit) if body is not None else []


class Scans:
    """The text the rules here read: SCAN_LIMIT text nodes after the headline (none without
    one) and SCAN_LIMIT of the body, each walked once, when a rule first needs it."""

    def __init__(self, tree: etree._Element, headline: etree._Element | None) -> None:
        self.tree, self.headline = tree, headline
        self._after: list[str] | None = None
        self._body: list[str] | None = None

    def body(self) -> list[str]:
        if self._body is None:
            self._body = body_text(self.tree, limit=SCAN_LIMIT)
        return self._body

    def each(self) -> Iterator[list[str]]:
        """The text after the headline, then the body's."""
        if self.headline is not None:
            if self._after is None:
                self._after = text_after(self.headline, limit=SCAN_LIMIT)
            yield self._after
        yield self.body()


LD_SCRIPTS = etree.XPath('//script[@type="application/ld+json"]')
DATED = etree.XPath("//meta[@content] | //time[@datetime] | //@itemprop/parent::*[@content or @datetime]")
SCAN_LIMIT = 400
OFFSET = re.compile(r"\d(?:Z|\s*[+-]\d{2}:?\d{2})$|\b(?:GMT|UTC)\b", re.IGNORECASE)
AFTERNOON = re.compile(r"\d\s*p\.?m\b", re.IGNORECASE)
ENGLISH_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b", re.IGNORECASE)
URL_DAY = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/]?(?P<d>[0-3]\d)(?!\d)")
NUMERIC_DAY = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/年.]\s*(?P<m>\d{1,2})\s*[-/月.]\s*(?P<d>\d{1,2})(?!\d)")
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"), 1)}
ENGLISH_DAY = re.compile(
    r"\b(?P<mon>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>(?:19|20)\d{2})\b"
)


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
    >>> value_iso("20 Nov 2019 08:02 GMT", ZoneInfo("UTC")), value_iso("Nov 18, 2019 8:22 PM", ZoneInfo("UTC"))
    ('2019-11-20T08:02:00+00:00', '2019-11-18T20:22:00+00:00')

    """
    try:
        return iso(aware(value, zone).astimezone(zone))  # type: ignore[arg-type]  # any tzinfo will do
    except (ValueError, OverflowError):
        pass
    if ENGLISH_MONTH.search(value):  # "20 Nov 2019 08:02 GMT", "Wed Nov 20 2019 08:00:58 GMT+0000"
        try:
            moment = parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
        if AFTERNOON.search(value) and moment.hour < 12:
            moment += timedelta(hours=12)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return iso(moment.astimezone(zone))
    return wall_clock_iso(value, zone)


def has_time_of_day(value: str) -> bool:
    """True when the value says more than the day.

    >>> has_time_of_day("2024-05-10"), has_time_of_day("2024-05-10T08:00:00+08:00")
    (False, True)
    """
    return re.search(r"\d[T\s]+\d{1,2}:\d{2}", value) is not None


def has_offset(value: str) -> bool:
    """True when a time says its zone (``Z``, ``+08:00``, ``-0500``, ``GMT``).

    >>> has_offset("2024-05-10T08:00:00+08:00"), has_offset("2019-11-19 00:51:04"), has_offset("20 Nov 2019 08:02 GMT")
    (True, False, True)
    """
    return OFFSET.search(value) is not None


def metadata_times(tree: etree._Element, dated: list[etree._Element] | None = None,
                   json_ld: list[object] | None = None) -> Iterator[str]:
    """Publication times the page declares for machines, in page order; ``json_ld`` is the
    data of the page's ``<script type="application/ld+json">`` blocks when the caller has it."""
    for node in DATED(tree) if dated is None else dated:
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if key in META_NAMES or (node.tag == "time" and node.get("pubdate") is not None):
            value = node.get("content") or node.get("datetime")
            if value and value.strip():
                yield value.strip()
    if json_ld is None:
        json_ld = [load_json_ld(script.text or "") for script in LD_SCRIPTS(tree)]
    for data in json_ld:
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


def written_time(
    tree: etree._Element, headline: etree._Element | None, zone: tzinfo, now: datetime | None = None,
    scans: Scans | None = None,
) -> str | None:
    """The first date-time with a time of day in the page text after ``headline`` (else anywhere);
    with ``now``, a relative time right after the headline too."""
    for nodes in (scans or Scans(tree, headline)).each():
        for position, text in enumerate(nodes):
            match = DATE_TIME.search(text)
            if match and not UPDATED.search(text[: match.start()]):
                return wall_clock_iso(match.group(), zone)
            relative = RELATIVE.search(text) if now is not None and headline is not None and position < 40 else None
            if relative and now is not None:
                return relative_time(relative.group(), now, zone)
    return None


def relative_time(text: str, now: datetime, zone: tzinfo) -> str | None:
    """A relative time against ``now``, as wall-clock time in ``zone``.

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2024, 5, 20, 4, 0, tzinfo=ZoneInfo("UTC"))
    >>> shanghai = ZoneInfo("Asia/Shanghai")
    >>> relative_time("5分钟前", now, shanghai), relative_time("昨天 18:30", now, shanghai)
    ('2024-05-20T11:55:00+08:00', '2024-05-19T18:30:00+08:00')
    """
    local = now.astimezone(zone)
    found = relative_iso(" ".join(text.split()), local.replace(tzinfo=BEIJING))
    if found is None:
        return None
    return iso(datetime.fromisoformat(found).replace(tzinfo=zone))


def updated_at(tree: etree._Element, zone: tzinfo, dated: list[etree._Element] | None = None,
               scans: Scans | None = None) -> str | None:
    """See the module docstring; ``dated`` is DATED(tree), ``scans`` the page's Scans, when the
    caller has them already."""
    for node in DATED(tree) if dated is None else dated:
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        value = (node.get("content") or node.get("datetime") or "").strip()
        if key in MODIFIED_NAMES and value and (found := value_iso(value, zone)):
            return found
    text = "\n".join(scans.body() if scans is not None else body_text(tree, limit=SCAN_LIMIT))
    if not may_say_updated(text):
        return None
    for match in UPDATED.finditer(text):
        stamp = DATE_TIME.search(text, match.end(), match.end() + 40)
        if stamp and stamp.start() - match.end() < 12:
            return wall_clock_iso(stamp.group(), zone)
    return None


def may_say_updated(text: str) -> bool:
    """False when UPDATED cannot match: none of 更, 修, 编, nor "updated" in any case (whose
    letters have no case-insensitive matches beyond ASCII). A fraction of the regex scan.

    >>> may_say_updated("Last UPDATED 5 May"), may_say_updated("最后更新"), may_say_updated("Posted 5 May")
    (True, True, False)
    """
    return "更" in text or "修" in text or "编" in text or "updated" in text.lower()


def url_day(url: str) -> str | None:
    """The day a URL's path spells out (2022_04_26, 2024/05/20, t20240520_, 20240520/).

    >>> url_day("https://www.guancha.cn/politics/2022_04_26_636888.shtml"), url_day("https://x.cn/gj/202405/t20240520_1.htm")
    ('2022-04-26', '2024-05-20')
    >>> url_day("https://x.com/2024/05/20/story.html"), url_day("https://x.com/a/123456789012.html")
    ('2024-05-20', None)
    """
    for match in URL_DAY.finditer(url):
        day = _day(match["y"], match["m"], match["d"])
        if day:
            return day
    return None


def written_day(tree: etree._Element, headline: etree._Element | None, scans: Scans | None = None) -> str | None:
    """The first plain date (2024-05-20, 2024年5月20日, May 20, 2024) after the headline, else in the body."""
    for nodes in (scans or Scans(tree, headline)).each():
        for text in nodes:
            if match := NUMERIC_DAY.search(text):
                day = _day(match["y"], match["m"], match["d"])
            elif match := ENGLISH_DAY.search(text):
                day = _day(match["y"], str(MONTHS[match["mon"][:3].lower()]), match["d"])
            else:
                continue
            if day:
                return day
    return None


def _day(year: str, month: str, day: str) -> str | None:
    try:
        moment = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return moment.isoformat() if 1995 <= moment.year <= 2100 else None


def published_at(
    tree: etree._Element, headline: etree._Element | None, zone: tzinfo, url: str, now: datetime | None = None,
    dated: list[etree._Element] | None = None, json_ld: list[object] | None = None, scans: Scans | None = None,
) -> str | None:
    """See the module docstring; ``now`` is the crawl time, for relative times. ``dated`` (DATED(tree)),
    ``json_ld`` (the data of the JSON-LD blocks) and ``scans`` (the page's Scans) are what the
    caller has read already."""
    scans = scans or Scans(tree, headline)
    declared = [(raw, value) for raw in metadata_times(tree, dated, json_ld) if (value := value_iso(raw, zone))]
    # A time with its offset over a wall-clock one (sailthru.date is often UTC, unmarked).
    timed = [(raw, value) for raw, value in declared if has_time_of_day(raw)]
    precise = next((value for raw, value in timed if has_offset(raw)), timed[0][1] if timed else None)
    written = precise or written_time(tree, headline, zone, now, scans)
    if written:
        return written
    if declared:
        return declared[0][1]
    day = written_day(tree, headline, scans) or url_day(url)
    return value_iso(day, zone) if day else None
