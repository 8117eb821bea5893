"""The sites file: one ``[[sites]]`` table per site, checked before any request.

Every mistake is one :class:`SitesFileError` naming the file, the site, the key and what
was expected (see the README, "Adding a site by configuration", for the format).
"""
from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from scrapy.exceptions import UsageError

EXAMPLE = "examples.toml"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FIELDS = ("title", "body", "time", "author")
SITE_KEYS = ("name", "source_name", "group", "language", "timezone", "allowed_domains", "feeds", "sitemaps",
             "lists", "article_pattern", "selectors", "encoding", "delay", "concurrency")
START_KEYS = ("url", "section")
LIST_KEYS = ("url", "section", "article_pattern", "next_page")


class SitesFileError(UsageError, ValueError):
    """The sites file cannot be used; the message says where and what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_help=False)


@dataclass(frozen=True)
class Rule:
    """A CSS selector or an XPath expression (one starting with ``/``, ``./`` or ``(``)."""

    expression: str
    xpath: etree.XPath = field(compare=False, repr=False)

    def __call__(self, node: etree._Element) -> list[Any]:
        found = self.xpath(node)
        return found if isinstance(found, list) else [found]


@dataclass(frozen=True)
class Start:
    """A feed or sitemap (or robots.txt) URL, and the section its articles are filed under."""

    url: str
    section: str = ""


@dataclass(frozen=True)
class ListPage:
    url: str
    article_pattern: re.Pattern[str]  # which links of the page are articles (absolute URLs)
    next_page: Rule | None = None  # the link to the next page of the list
    section: str = ""


@dataclass(frozen=True)
class SiteConfig:
    name: str
    source_name: str
    language: str
    timezone: str
    allowed_domains: tuple[str, ...]
    group: str | None = None
    feeds: tuple[Start, ...] = ()
    sitemaps: tuple[Start, ...] = ()
    lists: tuple[ListPage, ...] = ()
    article_pattern: re.Pattern[str] | None = None
    selectors: Mapping[str, Rule] = field(default_factory=dict)
    encoding: str | None = None
    delay: float | None = None
    concurrency: int | None = None
    # The sections of its start points, best first: in the order the file declares them
    # (feeds, sitemaps and lists as they come in the site's table). An article listed in
    # several is filed under the first.
    sections: tuple[str, ...] = ()


def rule(expression: str) -> Rule:
    """``expression`` compiled: XPath when it starts with ``/``, ``./`` or ``(``, else CSS
    (ValueError when it is neither)."""
    text = expression.strip()
    try:
        if text.startswith(("/", "./", "(")):
            return Rule(text, etree.XPath(text))
        return Rule(text, etree.XPath(CSSSelector(text, translator="html").path))
    except (etree.XPathSyntaxError, SelectorError) as error:
        raise ValueError(str(error) or type(error).__name__) from None


def load_sites_file(path: str | Path) -> tuple[SiteConfig, ...]:
    """Every site of the sites file at ``path``, checked."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as error:
        raise SitesFileError(f"sites file {where}: cannot be read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SitesFileError(f"sites file {where}: not TOML ({error})") from None
    return parse_sites(data, where)


def bundled_sites() -> tuple[SiteConfig, ...]:
    """The example sites file shipped with newsbot (read as package data: scrapyd runs
    newsbot from a zipped egg)."""
    text = resources.files(__package__).joinpath(EXAMPLE).read_text("utf-8")
    return parse_sites(tomllib.loads(text), f"bundled {EXAMPLE}")


def parse_sites(data: Mapping[str, Any], where: str = "sites file") -> tuple[SiteConfig, ...]:
    """The sites of an already-parsed sites file (``where`` names it in errors)."""
    extra = sorted(set(data) - {"sites"})
    if extra:
        raise SitesFileError(f"{where}: unknown top-level key {extra[0]!r}; expected only [[sites]] tables")
    tables = data.get("sites")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise SitesFileError(f"{where}: expected one or more [[sites]] tables")
    sites: list[SiteConfig] = []
    for number, table in enumerate(tables, 1):
        site = _Checker(where, table, number).site()
        if any(other.name == site.name for other in sites):
            raise SitesFileError(f"{where}: site {site.name!r}: name: expected a name no other site has")
        sites.append(site)
    return tuple(sites)


class _Checker:
    """Reads one ``[[sites]]`` table; every error names the site and the key."""

    def __init__(self, where: str, table: dict[str, Any], number: int) -> None:
        self.where, self.table = where, table
        name = table.get("name")
        self.label = f"site {name!r}" if isinstance(name, str) and name else f"site #{number}"

    def fail(self, key: str, expected: str, value: Any = None, got: bool = True) -> SitesFileError:
        shown = f", got {value!r}" if got else ""
        return SitesFileError(f"{self.where}: {self.label}: {key}: expected {expected}{shown}")

    def site(self) -> SiteConfig:
        unknown = sorted(set(self.table) - set(SITE_KEYS))
        if unknown:
            raise self.fail(unknown[0], f"one of the keys {', '.join(SITE_KEYS)} (unknown key)", got=False)
        name = self.text("name", required=True)
        if not NAME.match(name):
            raise self.fail("name", "lower-case letters, digits, '-' and '_'", name)
        domains = self.domains()
        feeds, sitemaps, lists = self.starts("feeds", domains), self.starts("sitemaps", domains), self.lists(domains)
        starts: dict[str, tuple[Start | ListPage, ...]] = {"feeds": feeds, "sitemaps": sitemaps, "lists": lists}
        config = SiteConfig(
            name=name,
            source_name=self.text("source_name", required=True),
            language=self.text("language", required=True),
            timezone=self.zone(),
            allowed_domains=domains,
            group=self.text("group") or None,
            feeds=feeds,
            sitemaps=sitemaps,
            lists=lists,
            article_pattern=self.pattern("article_pattern", self.table.get("article_pattern")),
            selectors=self.selectors(),
            encoding=self.encoding(),
            delay=self.number("delay", float, 0),
            concurrency=self.number("concurrency", int, 1),
            sections=tuple(dict.fromkeys(start.section for key in self.table if key in starts
                                         for start in starts[key])),
        )
        if not (config.feeds or config.sitemaps or config.lists):
            raise self.fail("feeds", "at least one feed, sitemap or list page (keys feeds, sitemaps, lists)",
                            got=False)
        return config

    def text(self, key: str, required: bool = False, value: Any = None, where: str | None = None) -> str:
        value = self.table.get(key) if value is None and where is None else value
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where or key, "a non-empty string", value)
        return value.strip()

    def zone(self) -> str:
        zone = self.text("timezone", required=True)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail("timezone", "an IANA time zone such as 'Asia/Shanghai'", zone) from None
        return zone

    def domains(self) -> tuple[str, ...]:
        value = self.table.get("allowed_domains")
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail("allowed_domains", "a non-empty list of host names", value)
        domains = tuple(v.strip().lower().rstrip(".") for v in value)
        for domain in domains:
            if "/" in domain or ":" in domain or " " in domain:
                raise self.fail("allowed_domains", "host names such as 'example.com' (no scheme, port or path)",
                                domain)
        return domains

    def url(self, key: str, value: Any, domains: tuple[str, ...]) -> str:
        url = self.text(key, required=True, value=value, where=key)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise self.fail(key, "an http(s) URL", url)
        if not any(host == d or host.endswith("." + d) for d in domains):
            raise self.fail(key, f"a URL on the allowed_domains ({', '.join(domains)})", url)
        return url

    def entries(self, key: str) -> list[Any]:
        value = self.table.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "a list", value)
        return value

    def starts(self, key: str, domains: tuple[str, ...]) -> tuple[Start, ...]:
        starts = []
        for index, entry in enumerate(self.entries(key)):
            at = f"{key}[{index}]"
            if isinstance(entry, str):
                starts.append(Start(self.url(at, entry, domains)))
                continue
            if not isinstance(entry, dict):
                raise self.fail(at, "a URL or a table {url = ..., section = ...}", entry)
            self.known(at, entry, START_KEYS)
            starts.append(Start(self.url(f"{at}.url", entry.get("url"), domains), self.section(at, entry)))
        return tuple(starts)

    def lists(self, domains: tuple[str, ...]) -> tuple[ListPage, ...]:
        pages = []
        for index, entry in enumerate(self.entries("lists")):
            at = f"lists[{index}]"
            if not isinstance(entry, dict):
                raise self.fail(at, "a table {url, article_pattern, next_page, section}", entry)
            self.known(at, entry, LIST_KEYS)
            pattern = self.pattern(f"{at}.article_pattern", entry.get("article_pattern"), required=True)
            assert pattern is not None
            following = entry.get("next_page")
            pages.append(ListPage(
                url=self.url(f"{at}.url", entry.get("url"), domains),
                article_pattern=pattern,
                next_page=None if following is None else self.selector(f"{at}.next_page", following),
                section=self.section(at, entry),
            ))
        return tuple(pages)

    def known(self, at: str, entry: dict[str, Any], keys: tuple[str, ...]) -> None:
        unknown = sorted(set(entry) - set(keys))
        if unknown:
            raise self.fail(f"{at}.{unknown[0]}", f"one of the keys {', '.join(keys)} (unknown key)", got=False)

    def section(self, at: str, entry: dict[str, Any]) -> str:
        value = entry.get("section")
        return "" if value is None else self.text("section", value=value, where=f"{at}.section")

    def pattern(self, key: str, value: Any, required: bool = False) -> re.Pattern[str] | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(key, "a regular expression (a string)", value)
        try:
            return re.compile(value)
        except re.error as error:
            raise self.fail(key, f"a valid regular expression ({error})", value) from None

    def selector(self, key: str, value: Any) -> Rule:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "a CSS selector or an XPath expression (a string)", value)
        try:
            return rule(value)
        except ValueError as error:
            raise self.fail(key, f"a valid CSS selector or XPath expression ({error})", value) from None

    def selectors(self) -> dict[str, Rule]:
        value = self.table.get("selectors", {})
        if not isinstance(value, dict):
            raise self.fail("selectors", f"a table of {', '.join(FIELDS)}", value)
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise self.fail(f"selectors.{unknown[0]}", f"one of {', '.join(FIELDS)} (unknown field)", got=False)
        return {name: self.selector(f"selectors.{name}", expression) for name, expression in value.items()}

    def encoding(self) -> str | None:
        value = self.text("encoding")
        if not value:
            return None
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise self.fail("encoding", "an encoding Python knows, such as 'gbk' or 'utf-8'", value) from None

    def number(self, key: str, kind: Callable[[Any], Any], minimum: float) -> Any:
        value = self.table.get(key)
        if value is None:
            return None
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or (kind is int and not isinstance(value, int)) or value < minimum:
            expected = "a whole number" if kind is int else "a number"
            raise self.fail(key, f"{expected} >= {minimum:g}", value)
        return kind(value)
