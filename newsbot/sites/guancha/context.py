"""What the crawl knows about a page besides its bytes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from newsbot.items import UNRANKED
from newsbot.loaders import ArticleLoader
from newsbot.sites.guancha.body import Body, extract_body
from newsbot.sites.listing import ListEntry

SITE = "guancha"
SOURCE_NAME = "观察者网"
FENGWEN_SOURCE = "风闻社区"
LANGUAGE = "zh-CN"
# In the head; or straight under the body, where the parser puts the head of a page's second
# <html> shell (the "speech" template).
META_DESCRIPTION = etree.XPath(
    "/html/head/meta[translate(@name, 'DESCRIPTION', 'description')='description']/@content"
    " | /html/body/meta[translate(@name, 'DESCRIPTION', 'description')='description']/@content",
    smart_strings=False,
)


@dataclass(frozen=True)
class PageContext:
    canonical: str  # the article's real canonical URL
    fetched: str  # the real-host URL of the page downloaded
    now: datetime  # the crawl's now, for relative times
    group: str = "新媒体"  # first category level
    listing: ListEntry | None = None  # every listing of the article seen, merged (ListEntry.merged)
    channel_rank: int = UNRANKED  # the listing's channel in the site's channel order


def start_loader(loader: ArticleLoader, ctx: PageContext) -> None:
    """Fields every guancha article gets from the crawl rather than from the page."""
    loader.add_value("url", ctx.canonical)
    loader.add_value("fetched_url", ctx.fetched)
    loader.add_value("site", SITE)
    loader.add_value("source_name", SOURCE_NAME)
    loader.add_value("language", LANGUAGE)
    listing = ctx.listing
    loader.add_value("channel_rank", ctx.channel_rank)
    if listing is not None:
        loader.add_value("categories", [ctx.group, SOURCE_NAME, listing.channel] if listing.channel
                         else [ctx.group, SOURCE_NAME])
        loader.add_value("summary", listing.summary)
        if listing.lead_image is not None:
            loader.add_value("lead_image", listing.lead_image)


def load_summary(loader: ArticleLoader, page: etree._Element) -> None:
    """The page's meta description, the summary of last resort (after the list's)."""
    loader.add_value("summary", META_DESCRIPTION(page))


def add_body(loader: ArticleLoader, body: Body) -> None:
    loader.add_value("paragraphs", body.paragraphs)
    loader.add_value("images", body.images)
    loader.add_value("body_html", body.html or None)


def load_body(loader: ArticleLoader, page: etree._Element, element: etree._Element | None, ctx: PageContext) -> Body:
    """Paragraphs, images and cleaned HTML of the body ``element`` (None: no body found),
    plus the page's meta description as the summary of last resort."""
    load_summary(loader, page)
    body = extract_body(element, ctx.canonical)
    add_body(loader, body)
    return body
