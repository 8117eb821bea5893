"""Time parsing for Chinese news sites: every time on them is Beijing time (UTC+08:00)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})[-/年.](?P<mo>\d{1,2})[-/月.](?P<d>\d{1,2})日?"
    r"(?:\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?)?"
)
_MONTH_DAY = re.compile(r"^(?P<mo>\d{1,2})[-/月](?P<d>\d{1,2})日?\s+(?P<h>\d{1,2}):(?P<mi>\d{2})$")
_AGO = re.compile(r"^(?P<n>\d+)\s*(?P<unit>秒|分钟|小时|天)前$")
_DAY_WORD = re.compile(r"^(?P<word>今天|昨天|前天)\s*(?P<h>\d{1,2}):(?P<mi>\d{2})$")
_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_DAY_OFFSET = {"今天": 0, "昨天": 1, "前天": 2}


def iso(moment: datetime) -> str:
    """ISO 8601 with offset and whole seconds.

    >>> iso(datetime(2022, 4, 27, 10, 22, 31, 500, tzinfo=BEIJING))
    '2022-04-27T10:22:31+08:00'
    """
    return moment.replace(microsecond=0).isoformat()


def beijing_iso(text: str | None) -> str | None:
    """The first absolute date-time in ``text``, read as Beijing time.

    >>> beijing_iso("最后更新: 2019-09-07 09:27:48")
    '2019-09-07T09:27:48+08:00'
    >>> beijing_iso("2026-09-27 22:09")  # list pages show minutes only
    '2026-09-27T22:09:00+08:00'
    >>> beijing_iso("字号：A- A A+") is None
    True
    """
    match = _ABSOLUTE.search(text or "")
    if not match:
        return None
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    try:
        moment = datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["mi"], parts["s"], tzinfo=BEIJING)
    except ValueError:
        return None
    return iso(moment)


def relative_iso(text: str | None, now: datetime) -> str | None:
    """Resolve the informal times of community pages against ``now`` (Beijing time).

    >>> now = datetime(2022, 4, 27, 12, 0, tzinfo=BEIJING)
    >>> for text in ("刚刚", "5分钟前", "3小时前", "昨天 18:30", "04-27 10:22"):
    ...     print(relative_iso(text, now))
    2022-04-27T12:00:00+08:00
    2022-04-27T11:55:00+08:00
    2022-04-27T09:00:00+08:00
    2022-04-26T18:30:00+08:00
    2022-04-27T10:22:00+08:00
    >>> relative_iso("01-05 08:00", now)  # a month-day later than now is last year's
    '2022-01-05T08:00:00+08:00'
    >>> relative_iso("12-31 08:00", now)
    '2021-12-31T08:00:00+08:00'
    """
    value = " ".join((text or "").split())
    now = now.astimezone(BEIJING)
    if not value:
        return None
    if value == "刚刚":
        return iso(now)
    if match := _AGO.match(value):
        return iso(now - timedelta(**{_UNITS[match["unit"]]: int(match["n"])}))
    if match := _DAY_WORD.match(value):
        day = now - timedelta(days=_DAY_OFFSET[match["word"]])
        return iso(day.replace(hour=int(match["h"]), minute=int(match["mi"]), second=0))
    if match := _MONTH_DAY.match(value):
        try:
            moment = now.replace(
                month=int(match["mo"]), day=int(match["d"]), hour=int(match["h"]), minute=int(match["mi"]), second=0
            )
        except ValueError:
            return None
        if moment > now + timedelta(days=1):
            moment = moment.replace(year=now.year - 1)
        return iso(moment)
    return beijing_iso(value)


def crawl_now(value: str | None = None) -> datetime:
    """The crawl's notion of now: the pinned ISO instant ``value`` if given, else the clock.

    >>> crawl_now("2022-04-27T12:00:00+08:00").isoformat()
    '2022-04-27T12:00:00+08:00'
    """
    return aware(value) if value else datetime.now(UTC)


def aware(value: str, naive_tz: timezone = BEIJING) -> datetime:
    """Parse ISO 8601 (``Z`` allowed); a time without offset is taken as ``naive_tz``.

    >>> aware("2022-04-27T10:22:31").isoformat(), aware("2022-04-27T02:22:31Z").isoformat()
    ('2022-04-27T10:22:31+08:00', '2022-04-27T02:22:31+00:00')
    """
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=naive_tz)


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC, as ``crawled_at`` is stored."""
    return iso(moment.astimezone(UTC))


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 instant with offset, or None.

    >>> parse_instant("2022-04-27T10:22:31+08:00").utcoffset().total_seconds()
    28800.0
    >>> parse_instant("2022-04-27 10:22") is None, parse_instant("昨天") is None
    (True, True)
    """
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None
