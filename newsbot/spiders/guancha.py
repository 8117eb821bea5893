"""Crawl every channel of guancha.cn (观察者网); see newsbot/sites/guancha for extraction.

Arguments (``-a name=value``, or scrapyd's ``-d name=value``), besides NewsSpider's
channels, max_pages, since and refresh (channel keys: lists.CHANNELS):
  topic_ids  comma list of 风闻 topic ids for the fengwen-topic channel (default: all topics)
  uids       comma list of 风闻 member ids for the fengwen-user channel
  columns    comma list of 栏目 slugs for the column channel (e.g. GuoJi·ZhanLue)
  authors    comma list of author or column page slugs for the author channel (e.g. ChenSiYuan)
  order      风闻 list order (1 latest reply, 2 latest post, …)

How an article is fetched (guancha-2026.md): its plain page first. Only a page that shows a
pager leads to more requests: the 余下全文 ``_s.shtml`` page, or, when that fails, pages
2..N one by one, joined in order. A page that is only a script redirect to a 风闻 post is
followed; one to another site is skipped and counted.

Debug one page with ``scrapy parse --spider guancha URL`` (the callback follows from the
URL) or ``-c parse_headline`` and the like.
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from twisted.python.failure import Failure

from newsbot.dom import parse_response
from newsbot.sites.guancha import lists
from newsbot.sites.guancha.article import FIELD_SELECTORS, extract_article
from newsbot.sites.guancha.fengwen import POST_SELECTORS, extract_post
from newsbot.sites.guancha.pages import is_list_page, pager, redirect_target
from newsbot.sites.guancha.urls import REAL, full_text_url, host_key, is_article
from newsbot.sites.listing import ListEntry
from newsbot.sites.page import PageContext
from newsbot.spiders.base import NewsSpider, Saved, csv, failed_request, list_callback, positive_int, reason
from newsbot.urls import canonical_url

HOME_KEYS = ("review", "yaowen", "fengwen")
# The channel key of each list callback that stands for one channel (parse_home and
# parse_api read theirs from the spider's channels and the URL).
LIST_CHANNEL = {"parse_headline": "toutiao", "parse_commentary": "shiping", "parse_fengwen": "fengwen-topic",
                "parse_members": "fengwen-user", "parse_column": "column", "parse_author": "author"}
_PAGED_PATH = re.compile(r"(?:/list_(\d+)\.shtml|^/column/[^/]+/(\d+))$")
_API_PATH = re.compile(r"^/api/(\w+)\.htm$")


class GuanchaSpider(NewsSpider):
    name = "guancha"
    # Offsite requests (a list linking elsewhere) are dropped by Scrapy's offsite filter.
    allowed_domains = ["guancha.cn"]  # noqa: RUF012 - Scrapy reads this Spider attribute
    channel_names = lists.CHANNELS
    default_channels = lists.DEFAULT_CHANNELS
    channel_order = lists.CHANNEL_ORDER

    def __init__(
        self,
        *args: Any,
        topic_ids: str | None = None,
        uids: str | None = None,
        columns: str | None = None,
        authors: str | None = None,
        order: str | int = "1",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.topic_ids = csv(topic_ids)
        self.uids = csv(uids)
        self.columns = csv(columns)
        self.author_pages = csv(authors)
        self.order = str(positive_int("order", order))

    # --- where the crawl starts -----------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        for request in self.start_list_requests():
            yield request

    def start_list_requests(self) -> Iterator[Request]:
        """One request for the first page of every selected list."""
        if "toutiao" in self.channels:
            yield self.list_request(f"{REAL['www']}/GuanChaZheTouTiao/list_1.shtml", self.parse_headline)
        if self.home_keys():
            yield self.list_request(f"{REAL['www']}/", self.parse_home)
        for key in ("redian", "gundong"):
            if key in self.channels:
                yield self.list_request(f"{REAL['www']}/api/{key}.htm", self.parse_api)
        if "shiping" in self.channels:
            yield self.list_request(f"{REAL['www']}/mainnews-sp/", self.parse_commentary)
        if "fengwen-topic" in self.channels:
            for topic in self.topic_ids or [""]:
                yield self.list_request(self._topic_url(topic, 1), self.parse_fengwen)
        for key, slugs, argument in (("fengwen-user", self.uids, "uids=<member ids>"),
                                     ("column", self.columns, "columns=<栏目 slugs>"),
                                     ("author", self.author_pages, "authors=<author page slugs>")):
            if key in self.channels and not slugs:
                self.logger.warning("channel %s needs %s; skipping it", key, argument)
        if "fengwen-user" in self.channels:
            for uid in self.uids:
                yield self.list_request(self._member_url(uid, 1), self.parse_members, headers=self._members_headers())
        if "column" in self.channels:
            for slug in self.columns:
                yield self.list_request(f"{REAL['www']}/column/{quote(slug)}/1", self.parse_column)
        if "author" in self.channels:
            for slug in self.author_pages:
                yield self.list_request(f"{REAL['www']}/{quote(slug)}/list_1.shtml", self.parse_author)

    def home_keys(self) -> list[str]:
        """The home page columns the channels select (all three for a home page asked for
        by URL with none selected: ``scrapy parse``)."""
        return [key for key in HOME_KEYS if key in self.channels]

    def _topic_url(self, topic: str, page: int) -> str:
        if topic:
            return f"{REAL['user']}/topic/post-list?topic_id={topic}&page={page}&order={self.order}"
        return f"{REAL['user']}/main/index-list.json?&page={page}&order={self.order}"

    def _member_url(self, uid: str, page: int) -> str:
        return f"{REAL['app']}/user/get-published-list?page_size=20&page_no={page}&uid={uid}"

    @staticmethod
    def _members_headers() -> dict[str, str]:
        # The member-list API answers only requests that come from the 风闻 site.
        return {"Referer": REAL["user"]}

    # --- which page is which ------------------------------------------------------------
    def callback_for(self, real_url: str) -> Callable[..., Iterable[Any]] | None:
        canonical = canonical_url(real_url)
        if is_article(canonical):
            return self.parse_post if host_key(canonical) == "user" else self.parse_article
        parts = urlsplit(real_url)
        key, path = host_key(real_url), parts.path
        if key == "www":
            if path in ("", "/"):
                return self.parse_home
            if path.startswith("/GuanChaZheTouTiao/"):
                return self.parse_headline
            if _API_PATH.match(path):
                return self.parse_api
            if path.rstrip("/") == "/mainnews-sp":
                return self.parse_commentary
            if path.startswith("/column/"):
                return self.parse_column
            if _PAGED_PATH.search(path):
                return self.parse_author
        if key == "user" and path in ("/main/index-list.json", "/topic/post-list"):
            return self.parse_fengwen
        if key == "app" and path == "/user/get-published-list":
            return self.parse_members
        return None

    def list_page(self, real_url: str) -> int:
        parts = urlsplit(real_url)
        match = _PAGED_PATH.search(parts.path)
        if match:
            return int(match[1] or match[2])
        query = dict(parse_qsl(parts.query))
        number = query.get("page") or query.get("page_no") or "1"
        return int(number) if number.isdigit() else 1

    def list_channels(self, callback_name: str, real_url: str) -> list[str]:
        if callback_name == "parse_home":
            return self.home_keys() or list(HOME_KEYS)
        if callback_name == "parse_api":
            match = _API_PATH.match(urlsplit(real_url).path)
            return [match[1]] if match and match[1] in self.channel_names else []
        return [LIST_CHANNEL[callback_name]] if callback_name in LIST_CHANNEL else []

    # --- list pages -------------------------------------------------------------------
    @list_callback
    def parse_headline(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        entries = lists.headline_list(response.selector, real)
        yield from self.follow(entries, response, "headline", "toutiao")
        yield from self._next(entries, real, self.parse_headline)

    @list_callback
    def parse_home(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        for key, entries in lists.home_columns(response.selector, real, self.list_channels("parse_home", real)).items():
            self.crawler.stats.inc_value(f"newsbot/lists/entries/{key}", len(entries))
            yield from self.follow(entries, response, f"home/{key}", key, count=False)

    @list_callback
    def parse_api(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        keys = self.list_channels("parse_api", real)
        if not keys:
            raise ValueError(f"not a 热点 or 滚动 API URL: {real}")
        key = keys[0]
        entries = self.parse_json(response, lambda text: lists.api_list(text, real, key))
        yield from self.follow(entries, response, "api", key)

    @list_callback
    def parse_commentary(self, response: TextResponse) -> Iterator[Request]:
        entries = lists.commentary_list(response.selector, response.url)
        yield from self.follow(entries, response, "commentary", "shiping")

    @list_callback
    def parse_fengwen(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        # Served as JSON on the real site although it is an HTML fragment.
        entries = lists.fengwen_list(Selector(text=response.text, type="html"), real, "fengwen-topic")
        yield from self.follow(entries, response, "fengwen", "fengwen-topic")
        page = self.list_page(real)
        if entries and page < (self.max_pages or 0):
            topic = dict(parse_qsl(urlsplit(real).query)).get("topic_id", "")
            yield self.list_request(self._topic_url(topic, page + 1), self.parse_fengwen, page=page + 1)

    @list_callback
    def parse_members(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        entries = self.parse_json(response, lambda text: lists.member_posts(text, self.now))
        yield from self.follow(entries, response, "members", "fengwen-user")
        uid = dict(parse_qsl(urlsplit(real).query)).get("uid", "")
        page = self.list_page(real)
        yield from self.next_page(entries, page, self._member_url(uid, page + 1), self.parse_members,
                                  headers=self._members_headers())

    @list_callback
    def parse_column(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        slug = unquote(urlsplit(real).path.split("/")[2])
        entries = lists.column_list(response.selector, real, slug)
        yield from self.follow(entries, response, "column", "column")
        yield from self._next(entries, real, self.parse_column)

    @list_callback
    def parse_author(self, response: TextResponse) -> Iterator[Request]:
        real = response.url
        entries = lists.author_list(response.selector, real)
        yield from self.follow(entries, response, "author", "author")
        yield from self._next(entries, real, self.parse_author)

    def _next(self, entries: list[ListEntry], real: str, callback: Callable[..., Any]) -> Iterator[Request]:
        """The next page of a list paged in its path (头条, 栏目, 专栏)."""
        following = lists.next_list_page(real)
        if following is not None:
            yield from self.next_page(entries, self.list_page(real), following, callback)

    # --- articles ---------------------------------------------------------------------
    def article_request(self, canonical: str, listing: ListEntry) -> Request:
        post = host_key(canonical) == "user"
        # A www article's plain page first; a 风闻 post's whole text is its page=0.
        return self.make_request(
            full_text_url(canonical) if post else canonical,
            callback=self.parse_post if post else self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"canonical": canonical, "listing": listing},
            meta={"newsbot_article": True, "newsbot_canonical": canonical, **self.channel_meta(listing)},
        )

    def _more(self, real_url: str, callback: Any, errback: Any, canonical: str, listing: ListEntry,
              saved: list[Saved], pages: list[str]) -> Request:
        """A request for more of an article whose first page(s) are ``saved``."""
        return self.make_request(
            real_url,
            callback=callback,
            errback=errback,
            cb_kwargs={"canonical": canonical, "listing": listing, "saved": saved, "pages": pages},
            meta={"newsbot_page_of": canonical, "newsbot_canonical": canonical, **self.channel_meta(listing)},
        )

    def _context(self, fetched: str, canonical: str, listing: ListEntry) -> PageContext:
        merged = self.settle(canonical, listing)
        return PageContext(canonical, fetched, self.now, self.group, merged, self.rank(merged.channel))

    def _defaults(self, response: Response, canonical: str | None,
                  listing: ListEntry | None) -> tuple[str, ListEntry]:
        """The article a response is for, when no request said it (``scrapy parse URL``)."""
        canonical = canonical or canonical_url(response.url)
        return canonical, listing or self.default_listing(canonical)

    def parse_article(self, response: Response, canonical: str | None = None,
                      listing: ListEntry | None = None) -> Iterator[Any]:
        canonical, listing = self._defaults(response, canonical, listing)
        page = self._page(response, canonical, listing)
        if page is None:
            return
        real = response.url
        target = redirect_target(page, real)
        if target:
            yield from self._stub(real, target, canonical, listing)
            return
        if is_list_page(page):
            self._answered_with_a_list(real, canonical, listing)
            return
        more = pager(page, real)
        saved = [_saved(response)]
        if more is not None and (more.full_text or more.pages):
            # The rest of the article may be read by another worker (distributed mode): it
            # travels with every listing seen here, and this process counts it answered.
            listing = self.settle(canonical, listing)
        if more is not None and more.full_text:
            self.crawler.stats.inc_value("newsbot/fetch/multi_page")
            yield self._more(more.full_text, self.parse_full_text, self.full_text_failed, canonical, listing,
                             saved, more.pages)
        elif more is not None and more.pages:
            self.crawler.stats.inc_value("newsbot/fetch/multi_page")
            yield self._more(more.pages[0], self.parse_more_page, self.more_page_failed, canonical, listing,
                             saved, more.pages[1:])
        else:
            yield from self._extracted(saved, canonical, listing, first=page)

    def parse_full_text(self, response: Response, canonical: str | None = None, listing: ListEntry | None = None,
                        saved: list[Saved] | None = None, pages: list[str] | None = None) -> Iterator[Any]:
        """The 余下全文 page: the whole article on one page."""
        canonical, listing = self._defaults(response, canonical, listing)
        kw = {"canonical": canonical, "listing": listing, "saved": saved or [], "pages": pages or []}
        page, problem = _further_page(response)
        if problem:
            yield from self._full_text_missing(response.url, problem, kw)
            return
        yield from self._extracted([_saved(response)], canonical, listing, first=page)

    def full_text_failed(self, failure: Failure) -> Iterator[Any]:
        request = failed_request(failure)
        yield from self._full_text_missing(request.url, reason(failure), request.cb_kwargs)

    def _full_text_missing(self, url: str, why: str, kw: dict[str, Any]) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsbot/fetch/full_text_missing")
        self.logger.warning("%s: the full-text page %s failed (%s); reading the article page by page",
                            kw["canonical"], url, why)
        if kw["pages"]:
            yield self._more(kw["pages"][0], self.parse_more_page, self.more_page_failed, kw["canonical"],
                             kw["listing"], kw["saved"], kw["pages"][1:])
        else:
            yield from self._partial(url, why, kw)

    def parse_more_page(self, response: Response, canonical: str | None = None, listing: ListEntry | None = None,
                        saved: list[Saved] | None = None, pages: list[str] | None = None) -> Iterator[Any]:
        """Page 2..N of an article without a full-text page: collected, then joined."""
        canonical, listing = self._defaults(response, canonical, listing)
        _page, problem = _further_page(response)
        if problem:
            yield from self._partial(response.url, problem, {"canonical": canonical, "listing": listing,
                                                             "saved": saved or []})
            return
        saved = [*(saved or []), _saved(response)]
        if pages:
            yield self._more(pages[0], self.parse_more_page, self.more_page_failed, canonical, listing,
                             saved, pages[1:])
        else:
            yield from self._extracted(saved, canonical, listing)

    def more_page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failed_request(failure)
        yield from self._partial(request.url, reason(failure), request.cb_kwargs)

    def _partial(self, url: str, why: str, kw: dict[str, Any]) -> Iterator[Any]:
        """Keep what was fetched of an article when the rest of it cannot be had."""
        if not kw["saved"]:
            self.settle(kw["canonical"], kw["listing"])
            self.failed(kw["canonical"], kw["listing"], url, why, f"failed ({why})")
            return
        self.crawler.stats.inc_value("newsbot/articles/partial")
        self.logger.warning("%s: %s failed (%s); storing the %d page(s) fetched", kw["canonical"],
                            url, why, len(kw["saved"]))
        yield from self._extracted(kw["saved"], kw["canonical"], kw["listing"])

    def _extracted(self, saved: list[Saved], canonical: str, listing: ListEntry,
                   first: etree._Element | None = None) -> Iterator[Any]:
        """The article from its ``saved`` pages; ``first``: page 1 already parsed."""
        trees = [parse_response(HtmlResponse(url, body=body, encoding=encoding))
                 for url, body, encoding in saved[0 if first is None else 1:]]
        if first is not None:
            trees.insert(0, first)
        ctx = self._context(saved[0][0], canonical, listing)
        item = extract_article(trees[0], ctx, more_pages=trees[1:])
        yield self.finish(item, "article", FIELD_SELECTORS, saved[0], canonical, listing)

    def parse_post(self, response: Response, canonical: str | None = None,
                   listing: ListEntry | None = None) -> Iterator[Any]:
        canonical, listing = self._defaults(response, canonical, listing)
        page = self._page(response, canonical, listing)
        if page is None:
            return
        item = extract_post(page, self._context(response.url, canonical, listing))
        yield self.finish(item, "post", POST_SELECTORS, _saved(response),
                          canonical, listing)

    def _stub(self, real: str, target: str, canonical: str, listing: ListEntry) -> Iterator[Request]:
        """A page that is only a script redirect: follow it on guancha, skip it elsewhere."""
        merged = self.settle(canonical, listing)
        if is_article(target):
            self.crawler.stats.inc_value(f"newsbot/stubs/{host_key(target)}")
            self.article_done(listing, canonical, "forwarded", target)
            forwarded = self.listed(replace(merged, url=target))
            if forwarded is not None:
                yield forwarded
            return
        self.crawler.stats.inc_value("newsbot/stubs/offsite")
        self.logger.info("%s is a redirect stub to %s, not on guancha.cn: skipped", real, target)
        self.article_done(listing, canonical, "offsite", target)

    def _answered_with_a_list(self, real: str, canonical: str, listing: ListEntry) -> None:
        """The site served its home page (or a list) for an article: a miss like a 302 to it.
        Nothing is extracted from it: the generic extractor would make an article of teasers."""
        self.settle(canonical, listing)
        self.crawler.stats.inc_value("newsbot/fetch/failed/list_page")
        self.logger.error("%s was answered with a list or the home page, not the article: the article is missing "
                          "(removed, or the site changed)", real)
        self.article_done(listing, canonical, "redirected_away", "a list page (200)")

    def _page(self, response: Response, canonical: str, listing: ListEntry) -> etree._Element | None:
        """The parsed article page; None, counted as a failure, when it is not text."""
        if not isinstance(response, TextResponse):
            self.settle(canonical, listing)
            self.failed(canonical, listing, response.url, "not_text", f"is not a text page ({type(response).__name__})")
            return None
        return parse_response(response)


def _saved(response: Response) -> Saved:
    """A downloaded page as kept with the requests for the rest of its article."""
    return response.url, response.body, response.encoding if isinstance(response, TextResponse) else "utf-8"


def _further_page(response: Response) -> tuple[etree._Element | None, str | None]:
    """A further page of an article (its full text, its page N), parsed, or why it cannot
    be used."""
    if not isinstance(response, TextResponse):
        return None, "not a text page"
    page = parse_response(response)
    if is_list_page(page):
        return None, "answered with a list or the home page"
    return page, None
