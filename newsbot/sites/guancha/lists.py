"""guancha.cn list pages and list APIs: which articles each channel shows.

Every function takes the page and the real URL it stands for (links resolve against the
real site, whatever mirror served the page) and returns ListEntry objects.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector

from newsbot.items import Image
from newsbot.sites.guancha.body import image_of
from newsbot.sites.guancha.hosts import REAL, is_article
from newsbot.sites.listing import ListEntry
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
}
DEFAULT_CHANNELS = ("toutiao", "review", "yaowen", "fengwen", "redian", "gundong", "shiping")
CHANNEL_ORDER = tuple(dict.fromkeys(CHANNELS.values()))
HOME_COLUMNS = {
    "review": ".module-news-main h4.module-title a",
    # Not ".img-List h4 …": a stray </li> on the real page moves most teasers out of it.
    "yaowen": "li.middle h4.module-title a, ul.three-coloum > li > h4.module-title a",
    "fengwen": ".fengwen-list h4.module-title a",
}


def _text(sel: Selector, css: str) -> str | None:
    return normalise_optional(" ".join(sel.css(css).getall()).replace("[全文]", ""))


def _image(img: Selector | None, base: str) -> Image | None:
    return image_of(img.root, base) if img is not None else None


def _entries(links: Iterable[tuple[str | None, ListEntry]], base: str) -> list[ListEntry]:
    """Resolve links, keep article links only, first occurrence of each."""
    out, seen = [], set()
    for href, entry in links:
        if not href:
            continue
        url = urljoin(base, href.strip())
        if not is_article(url) or url in seen:
            continue
        seen.add(url)
        out.append(replace(entry, url=url))
    return out


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
            img = teaser.css("div.fastRead-img img")
            links.append((link.attrib.get("href"), ListEntry(
                url="",
                channel=CHANNELS[key],
                title=_text(link, "::text"),
                summary=_text(teaser, "p.module-artile ::text"),
                lead_image=_image(img[0] if img else None, base),
                author=_text(teaser, "div.author-intro p a::text, div.author-intro h4 ::text"),
            )))
        out[key] = _entries(links, base)
    return out


def api_list(text: str, base: str, channel: str) -> list[ListEntry]:
    """热点 / 滚动 JSON: {"items": [{"TITLE": …, "HTTP_URL": "/path/…shtml"}]}."""
    items = json.loads(text).get("items") or []
    links = [(item.get("HTTP_URL"), ListEntry(url="", channel=CHANNELS[channel], title=normalise_optional(item.get("TITLE"))))
             for item in items if isinstance(item, dict)]
    return _entries(links, base)


def commentary_list(sel: Selector, base: str) -> list[ListEntry]:
    """时评 /mainnews-sp/: `.tsp-list1-title` and `.tsp-list2-box .tsp-list2-title`."""
    links = []
    channel = CHANNELS["shiping"]
    for link in sel.css(".tsp-list1-title"):
        box = link.xpath("./ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' tsp-list1-box-type1 ')][1]")
        links.append((link.attrib.get("href") or link.css("a::attr(href)").get(), ListEntry(
            url="", channel=channel, title=_text(link, "::text"), author=_text(box, ".tsp-list1-name ::text"))))
    for box in sel.css(".tsp-list2-box"):
        link = box.css(".tsp-list2-title")
        if not link:
            continue
        review_spans = box.css(".tsp-list2-review span")
        links.append((link.attrib.get("href") or link.css("a::attr(href)").get(), ListEntry(
            url="", channel=channel, title=_text(link, "::text"),
            summary=_text(box, ".tsp-list2-content ::text"),
            author=_text(box, ".tsp-list2-name ::text"),
            listed_at=beijing_iso(normalise_ws(" ".join(review_spans[-1].css("::text").getall()))) if review_spans else None,
        )))
    return _entries(links, base)


def fengwen_list(sel: Selector, base: str, channel: str) -> list[ListEntry]:
    """风闻 topic and index lists (user.guancha.cn): `.list-item h4 a`."""
    links = [(link.attrib.get("href"), ListEntry(url="", channel=CHANNELS[channel], title=_text(link, "::text")))
             for link in sel.css(".list-item h4 a")]
    return _entries(links, base)


def member_posts(text: str, now: datetime) -> list[ListEntry]:
    """A 风闻 member's posts (app.guancha.cn JSON): data.items[] with id, title, summary."""
    data = json.loads(text).get("data") or {}
    links = []
    for item in data.get("items") or []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        links.append((f"{REAL['user']}/main/content?id={item['id']}", ListEntry(
            url="", channel=CHANNELS["fengwen-user"],
            title=normalise_optional(item.get("title")),
            summary=normalise_optional(item.get("summary")),
            author=normalise_optional(item.get("user_nick")),
            listed_at=relative_iso(item.get("pass_at"), now),
        )))
    return _entries(links, REAL["user"])
