"""风闻 community posts (user.guancha.cn/main/content?id=N&page=0)."""
from __future__ import annotations

from scrapy.http import TextResponse

from newsbot.items import Article
from newsbot.loaders import ArticleLoader
from newsbot.sites.guancha.context import FENGWEN_SOURCE, PageContext, load_body, start_loader
from newsbot.text import normalise_ws
from newsbot.times import relative_iso


def extract_post(response: TextResponse, ctx: PageContext) -> Article:
    sel = response.selector
    loader = ArticleLoader(selector=sel)
    start_loader(loader, ctx)
    loader.add_css("title", "div.article-content h1 ::text")
    if ctx.listing is not None:
        loader.add_value("title", ctx.listing.title)
    loader.add_css("authors", ".user-main h4 a::text")
    loader.add_value("source", FENGWEN_SOURCE)
    loader.add_value("published_at", relative_iso(normalise_ws(" ".join(sel.css(".time1 ::text").getall())), ctx.now))
    load_body(loader, sel, ".article-txt-content", ctx)
    return loader.load_item()
