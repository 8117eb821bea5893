"""风闻 community posts (user.guancha.cn/main/content?id=N&page=0)."""
from __future__ import annotations

from lxml import etree

from newsbot.dom import first, select, text, texts
from newsbot.items import Article
from newsbot.loaders import ArticleLoader
from newsbot.sites.guancha.body import load_body
from newsbot.sites.page import PageContext, start_loader
from newsbot.text import normalise_ws
from newsbot.times import relative_iso

FENGWEN_SOURCE = "风闻社区"

POST_SELECTORS = {
    "title": "div.article-content h1 (or the list's title)",
    "published_at": ".time1",
    "paragraphs": ".article-txt-content p",
}


def extract_post(page: etree._Element, ctx: PageContext) -> Article:
    """The post on a 风闻 page (``page``: its parsed tree, see :func:`newsbot.dom.parse_response`)."""
    loader = ArticleLoader()
    start_loader(loader, ctx)
    loader.add_value("title", texts(page, "div.article-content h1"))
    if ctx.listing is not None:
        loader.add_value("title", ctx.listing.title)
    loader.add_value("authors", texts(page, ".user-main h4 a"))
    loader.add_value("source", FENGWEN_SOURCE)
    posted = normalise_ws(" ".join(text(node) for node in select(page, ".time1")))
    loader.add_value("published_at", relative_iso(posted, ctx.now))
    load_body(loader, page, first(page, ".article-txt-content"), ctx)
    return loader.load_item()
