"""guancha.cn list pages and list APIs: which articles each channel shows.

Every function takes the page and the real URL it stands for (links resolve against the
real site, whatever mirror served the page) and returns ListEntry objects.

Where the 2019–2022 saved pages and the 2026 evidence (shared/reference/guancha-2026.md)
disagree, both shapes are read.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from copy import copy
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector, SelectorList
from w3lib.url import safe_url_string

from newsbot.items import Image
from newsbot.sites.guancha.urls import REAL, is_article, post_url
from newsbot.sites.listing import ListEntry
from newsbot.sites.page import image_of
from newsbot.text import normalise_optional, normalise_ws
from newsbot.times import beijing_iso, relative_iso

logger = logging.getLogger(__name__)

# Channel keys (spider argument) and the category names the users' blog uses, in the
# order that decides the category of an article listed on several channels.
CHANNELS: dict[str, str] = {
    "toutiao": "头条",
    "review": "评论&研究",
    "yaowen": "要闻",
    "fengwen": "风闻",
    "redian": "热点",
    "gundong": "滚动",
    "shiping": "时评",
    "fengwen-topic": "风闻",
    "fengwen-user": "风闻",
    "column": "栏目",
    "author": "专栏",
}
DEFAULT_CHANNELS = ("toutiao", "review", "yaowen", "fengwen", "redian", "gundong", "shiping")
CHANNEL_ORDER = tuple(dict.fromkeys(CHANNELS.values()))
HOME_COLUMNS = {
    "review": ".module-news-main h4.module-title a",
    # Not ".img-List h4 …": a stray </li> on the real page moves most teasers out of it.
    "yaowen": "li.middle h4.module-title a, ul.three-coloum > li > h4.module-title a",
    "fengwen": ".fengwen-list h4.module-title a",
}


def _text(sel: Selector | SelectorList[Selector], css: str) -> str | None:
    return normalise_optional(" ".join(sel.css(css).getall()).replace("[全文]", ""))


def _first_text(sel: Selector | SelectorList[Selector], *css: str) -> str | None:
    """The text of the first selector that finds any (an author shown two ways is one author)."""
    return next(filter(None, (_text(sel, one) for one in css)), None)


def _last_time(spans: Iterable[Selector]) -> str | None:
    """The last span that reads as a date-time: the counters ("阅读 60761") come before it."""
    for span in reversed(list(spans)):
        if moment := beijing_iso(normalise_ws(" ".join(span.css("::text").getall()))):
            return moment
    return None


def _href(link: Selector) -> str | None:
    """A title link's href; old 时评 markup may put the class on a wrapper of the <a>."""
    return link.attrib.get("href") or link.css("a::attr(href)").get()


def _image(img: Selector | None, base: str) -> Image | None:
    if img is None:
        return None
    element = img.root
    if element.get("data-original") and element.get("src"):
        element = copy(element)  # a lazy list image: its src is a placeholder
        del element.attrib["src"]
    return image_of(element, base)


def _entries(links: Iterable[tuple[str | None, ListEntry]], base: str) -> list[ListEntry]:
    """Resolve links, keep article links only, one entry per URL in first-seen order.

    Hrefs are percent-encoded (a raw ``GuoJi·ZhanLue`` and ``GuoJi%C2%B7ZhanLue`` are one
    link). A link repeated on one page fills the blanks of its first entry (a 时评 piece
    could be a lead piece without summary and again a list piece with one)."""
    out: dict[str, ListEntry] = {}
    for href, entry in links:
        if not href:
            continue
        try:
            url = safe_url_string(urljoin(base, href.strip()))
        except ValueError as error:  # "http://[broken": one bad link costs that link only
            logger.warning("%s: skipping the link %r: %s", base, href[:200], error)
            continue
        if not is_article(url):
            continue
        entry = replace(entry, url=url)
        out[url] = out[url].merged(entry, CHANNEL_ORDER) if url in out else entry
    return list(out.values())


def headline_list(sel: Selector, base: str) -> list[ListEntry]:
    """头条 list_N.shtml: `.headline-list li .content-headline h3 a`; the element after
    the h3 holds the lead image; the date is a span of the item's enclosing div."""
    links = []
    for item in sel.css(".headline-list li .content-headline"):
        link = item.css("h3 a")
        if not link:
            continue
        after = item.xpath("./h3/following-sibling::*[1]")
        links.append((link.attrib.get("href"), ListEntry(
            url="",
            channel=CHANNELS["toutiao"],
            title=_text(link, "::text"),
            summary=_text(item, "p.module-artile ::text"),
            lead_image=_image(next(iter(after.css("img")), None), base),
            listed_at=beijing_iso(" ".join(item.css("span::text").getall())),
        )))
    return _entries(links, base)


def home_columns(sel: Selector, base: str, channels: Iterable[str]) -> dict[str, list[ListEntry]]:
    """The home page's 评论&研究, 要闻 and 风闻 columns."""
    out = {}
    for key in channels:
        links = []
        for link in sel.css(HOME_COLUMNS[key]):
            teaser = link.xpath("./ancestor::li[1]")
            img = teaser.css(".fastRead-img img")
            links.append((link.attrib.get("href"), ListEntry(
                url="",
                channel=CHANNELS[key],
                title=_text(link, "::text"),
                summary=_text(teaser, "p.module-artile ::text"),
                lead_image=_image(img[0] if img else None, base),
                # 2019–2022: div.author-intro; 2026: span.module-interact-creator.
                author=_first_text(teaser, "div.author-intro p a::text, div.author-intro h4 ::text",
                                   ".module-interact-creator ::text"),
            )))
        out[key] = _entries(links, base)
    return out


def api_list(text: str, base: str, channel: str) -> list[ListEntry]:
    """热点 / 滚动 JSON: {"items": [{"TITLE": …, "HTTP_URL": "/path/…shtml"}]}."""
    items = _json_items(json.loads(text), "items", base)
    links = [(_scalar(item.get("HTTP_URL")), ListEntry(url="", channel=CHANNELS[channel],
                                                       title=normalise_optional(_scalar(item.get("TITLE")))))
             for item in items]
    return _entries(links, base)


def _json_items(data: object, key: str, where: str) -> list[dict]:
    """The entries of a JSON list (``data[key]``, or ``data["data"][key]``); an entry that is
    no object is skipped with a warning, so one malformed entry costs that entry only."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    good = [item for item in items if isinstance(item, dict)]
    if len(good) < len(items):
        logger.warning("%s: skipped %d malformed list entr%s", where, len(items) - len(good),
                       "y" if len(items) - len(good) == 1 else "ies")
    return good


def _scalar(value: object) -> str | None:
    """A JSON value as text when it is a string or a number, else None (a list, an object)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


# XPath with parsel's has-class(). 时评 lead pieces: `.tsp-list1-title` anywhere (2019–2022
# `div.tsp-list1-box`, 2026 one `div.tsp-list1` a piece). The other pieces: a title inside
# `.tsp-list2-box` (RSSHub) or `ul.tsp-list2-list > li` (2026). A union visits a node once,
# so a link both shapes match is read once.
_LIST1_TITLES = "//*[has-class('tsp-list1-title')]"
_LIST2_TITLES = ("//*[has-class('tsp-list2-box')]//*[has-class('tsp-list2-title')]"
                 " | //ul[has-class('tsp-list2-list')]/li//*[has-class('tsp-list2-title')]")
_LIST1_BOX = "./ancestor::*[has-class('tsp-list1-box') or has-class('tsp-list1')][1]"
_LIST2_BOX = "./ancestor::*[has-class('tsp-list2-box') or (self::li and parent::ul[has-class('tsp-list2-list')])][1]"


def _own_box(link: Selector, xpath: str, titles: str) -> Selector | None:
    """The box around one title; None when it holds several (their names would mix)."""
    box = link.xpath(xpath)
    return box[0] if box and len(box[0].css(titles)) == 1 else None


def commentary_list(sel: Selector, base: str) -> list[ListEntry]:
    """时评 /mainnews-sp/: lead pieces (title, author) and the rest (title, author, summary,
    time = the last date span of `.tsp-list2-review`)."""
    links = []
    channel = CHANNELS["shiping"]
    for link in sel.xpath(_LIST1_TITLES):
        box = _own_box(link, _LIST1_BOX, ".tsp-list1-title")
        links.append((_href(link), ListEntry(
            url="", channel=channel, title=_text(link, "::text"),
            author=_text(box, ".tsp-list1-name ::text") if box is not None else None)))
    for link in sel.xpath(_LIST2_TITLES):
        box = _own_box(link, _LIST2_BOX, ".tsp-list2-title")
        entry = ListEntry(url="", channel=channel, title=_text(link, "::text"))
        if box is not None:
            entry = replace(entry, summary=_text(box, ".tsp-list2-content ::text"),
                            author=_text(box, ".tsp-list2-name ::text"),
                            listed_at=_last_time(box.css(".tsp-list2-review span")))
        links.append((_href(link), entry))
    return _entries(links, base)


def fengwen_list(sel: Selector, base: str, channel: str) -> list[ListEntry]:
    """风闻 topic and index lists (user.guancha.cn): `.list-item h4 a`."""
    links = [(link.attrib.get("href"), ListEntry(url="", channel=CHANNELS[channel], title=_text(link, "::text")))
             for link in sel.css(".list-item h4 a")]
    return _entries(links, base)


def member_posts(text: str, now: datetime) -> list[ListEntry]:
    """A 风闻 member's posts (app.guancha.cn JSON): data.items[] with id, title, summary."""
    data = json.loads(text)
    links = []
    for item in _json_items(data.get("data") if isinstance(data, dict) else None, "items", "member posts"):
        post = _scalar(item.get("id"))
        if not post or not post.isdigit():
            continue
        links.append((post_url(post), ListEntry(
            url="", channel=CHANNELS["fengwen-user"],
            title=normalise_optional(_scalar(item.get("title"))),
            summary=normalise_optional(_scalar(item.get("summary"))),
            author=normalise_optional(_scalar(item.get("user_nick"))),
            listed_at=relative_iso(_scalar(item.get("pass_at")), now),
        )))
    return _entries(links, REAL["user"])


def _column_items(sel: Selector, base: str, channel: str) -> list[ListEntry]:
    """`ul.column-list > li`: `h4.module-title a`, summary `p.module-artile` (its `[全文]` link
    dropped), time = the last date span of `.module-interact`. A page without the list (the
    home page a missing list redirects to) gives no entries."""
    links = []
    for item in sel.css("ul.column-list > li"):
        link = item.css("h4.module-title a")
        if not link:
            continue
        links.append((link[0].attrib.get("href"), ListEntry(
            url="", channel=CHANNELS[channel], title=_text(link[0], "::text"),
            summary=_text(item, "p.module-artile ::text"),
            listed_at=_last_time(item.css(".module-interact span")),
        )))
    return _entries(links, base)


def column_list(sel: Selector, base: str, column: str) -> list[ListEntry]:
    """栏目 lists /column/{column}/{N} (``column`` as in the path, e.g. ``GuoJi·ZhanLue``)."""
    entries = _column_items(sel, base, "column")
    if not entries:
        logger.debug("column %s: no ul.column-list entries on %s", column, base)
    return entries


def author_list(sel: Selector, base: str) -> list[ListEntry]:
    """Author, column and topic pages /{slug} and /{slug}/list_N.shtml (60 a page).

    No saved page or public parser shows their item markup (the one 2026 source takes every
    article link); the 2020 channel lists `/{slug}/list_N.shtml` used `ul.column-list`, so
    that is what is read here. Other links on the page (hot lists, the A–Z author index)
    are not entries."""
    return _column_items(sel, base, "author")


# The page number of /column/{栏目}/{N} or /{slug}/list_{N}.shtml.
_LIST_PAGE = re.compile(r"^(?:/column/[^/]+/(?P<column>\d+)|/[^/]+/list_(?P<slug>\d+)\.shtml)$")


def next_list_page(url: str) -> str | None:
    """The next page of a 栏目 or author list, None for any other URL.

    >>> next_list_page("https://www.guancha.cn/column/GuoJi·ZhanLue/1")
    'https://www.guancha.cn/column/GuoJi·ZhanLue/2'
    >>> next_list_page("https://www.guancha.cn/ChenSiYuan/list_9.shtml?s=x")
    'https://www.guancha.cn/ChenSiYuan/list_10.shtml'
    >>> next_list_page("https://www.guancha.cn/ChenSiYuan"), next_list_page("https://www.guancha.cn/a/b/list_1.shtml")
    (None, None)
    """
    parts = urlsplit(url)
    match = _LIST_PAGE.match(parts.path)
    if not match:
        return None
    group = "column" if match["column"] else "slug"
    start, end = match.span(group)
    path = f"{parts.path[:start]}{int(match[group]) + 1}{parts.path[end:]}"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
