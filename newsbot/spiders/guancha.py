"""Crawl every channel of guancha.cn (观察者网); see newsbot/sites/guancha for extraction.

Arguments (``-a name=value``, or scrapyd's ``-d name=value``):
  channels   comma list of channel keys (default: the news channels; see lists.CHANNELS)
  max_pages  how many pages of a paginated list to read (default NEWSBOT_MAX_PAGES)
  since      YYYY-MM-DD: skip listed articles older than this and stop paging past them
  topic_ids  comma list of 风闻 topic ids for the fengwen-topic channel (default: all topics)
  uids       comma list of 风闻 member ids for the fengwen-user channel
  columns    comma list of 栏目 slugs for the column channel (e.g. GuoJi·ZhanLue)
  authors    comma list of author or column page slugs for the author channel (e.g. ChenSiYuan)
  order      风闻 list order (1 latest reply, 2 latest post, …)
  refresh    1 to fetch stored articles again (read by the incremental middleware)

How an article is fetched (guancha-2026.md): its plain page first. Only a page that shows a
pager leads to more requests: the 余下全文 ``_s.shtml`` page, or, when that fails, pages
2..N one by one, joined in order. A page that is only a script redirect to a 风闻 post is
followed; one to another site is skipped and counted.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import quote

import scrapy
from lxml import etree
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot import signals
from newsbot.challenge import is_challenge
from newsbot.dom import parse_response
from newsbot.middlewares.incremental import AlreadyStored
from newsbot.middlewares.redirect_away import redirected_away
from newsbot.pipelines.clean import REQUIRED
from newsbot.sites.fallback import complete
from newsbot.sites.guancha import lists
from newsbot.sites.guancha.article import FIELD_SELECTORS, extract_article
from newsbot.sites.guancha.fengwen import POST_SELECTORS, extract_post
from newsbot.sites.guancha.pages import is_list_page, pager, redirect_target
from newsbot.sites.guancha.urls import REAL, full_text_url, host_key, is_article
from newsbot.sites.listing import ListEntry
from newsbot.sites.page import PageContext
from newsbot.times import crawl_now
from newsbot.urls import canonical_url

HOME_KEYS = ("review", "yaowen", "fengwen")
# The channel key of each list kind that stands for one channel ("home" and "api" requests
# name theirs in cb_kwargs: keys, channel).
LIST_CHANNEL = {"headline": "toutiao", "commentary": "shiping", "fengwen": "fengwen-topic",
                "members": "fengwen-user", "column": "column", "author": "author"}
# What the site rules must find on an article page; the clean pipeline requires them too.
EXTRACTED = tuple(name for name in REQUIRED if name != "url")
# A page already downloaded, kept with the requests that fetch the rest of its article:
# (URL, body, encoding) pickles for the scrapy-redis queue, a parsed tree does not.
Saved = tuple[str, bytes, str]


def _csv(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


class GuanchaSpider(scrapy.Spider):
    name = "guancha"
    # Offsite requests (a list linking elsewhere) are dropped by Scrapy's offsite filter.
    allowed_domains = ["guancha.cn"]

    def __init__(
        self,
        *args: Any,
        channels: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        topic_ids: str | None = None,
        uids: str | None = None,
        columns: str | None = None,
        authors: str | None = None,
        order: str = "1",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channels = _csv(channels) or list(lists.DEFAULT_CHANNELS)
        unknown = [c for c in self.channels if c not in lists.CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; known: {sorted(lists.CHANNELS)}")
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        self.since = date.fromisoformat(since).isoformat() if since else None
        self.topic_ids = _csv(topic_ids)
        self.uids = _csv(uids)
        self.columns = _csv(columns)
        self.author_pages = _csv(authors)
        self.order = str(order)
        self.per_list = 0  # NEWSBOT_ARTICLES_PER_LIST, read in from_crawler
        self.listings: dict[str, ListEntry] = {}
        self._first_wave = 0
        self._held: list[Request] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "GuanchaSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.group = settings.get("NEWSBOT_CATEGORY_GROUP")
        spider.now = crawl_now(settings.get("NEWSBOT_NOW"))
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSBOT_MAX_PAGES")
        spider.per_list = settings.getint("NEWSBOT_ARTICLES_PER_LIST")
        return spider

    def _signal(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, **kwargs)

    # --- where the crawl starts -----------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        requests = list(self.start_list_requests())
        # Article requests wait until every first list page is read, so that an article on
        # several channels is categorised by channel order, not by which list came back first.
        self._first_wave = len(requests)
        for request in requests:
            request.meta["newsbot_first_wave"] = True
            yield request

    def start_list_requests(self) -> Iterator[Request]:
        """One request for the first page of every selected list."""
        if "toutiao" in self.channels:
            yield self._list(f"{REAL['www']}/GuanChaZheTouTiao/list_1.shtml", "headline", page=1)
        home = [key for key in HOME_KEYS if key in self.channels]
        if home:
            yield self._list(f"{REAL['www']}/", "home", keys=home)
        for key in ("redian", "gundong"):
            if key in self.channels:
                yield self._list(f"{REAL['www']}/api/{key}.htm", "api", channel=key)
        if "shiping" in self.channels:
            yield self._list(f"{REAL['www']}/mainnews-sp/", "commentary")
        if "fengwen-topic" in self.channels:
            for topic in self.topic_ids or [""]:
                yield self._list(self._topic_url(topic, 1), "fengwen", topic=topic, page=1)
        for key, slugs, argument in (("fengwen-user", self.uids, "uids=<member ids>"),
                                     ("column", self.columns, "columns=<栏目 slugs>"),
                                     ("author", self.author_pages, "authors=<author page slugs>")):
            if key in self.channels and not slugs:
                self.logger.warning("channel %s needs %s; skipping it", key, argument)
        if "fengwen-user" in self.channels:
            for uid in self.uids:
                yield self._list(self._member_url(uid, 1), "members", uid=uid, page=1)
        if "column" in self.channels:
            for slug in self.columns:
                yield self._list(self._column_url(slug, 1), "column", slug=slug, page=1)
        if "author" in self.channels:
            for slug in self.author_pages:
                yield self._list(self._author_url(slug, 1), "author", slug=slug, page=1)

    def _topic_url(self, topic: str, page: int) -> str:
        if topic:
            return f"{REAL['user']}/topic/post-list?topic_id={topic}&page={page}&order={self.order}"
        return f"{REAL['user']}/main/index-list.json?&page={page}&order={self.order}"

    def _member_url(self, uid: str, page: int) -> str:
        return f"{REAL['app']}/user/get-published-list?page_size=20&page_no={page}&uid={uid}"

    def _column_url(self, slug: str, page: int) -> str:
        return f"{REAL['www']}/column/{quote(slug)}/{page}"

    def _author_url(self, slug: str, page: int) -> str:
        return f"{REAL['www']}/{quote(slug)}/list_{page}.shtml"

    def _list(self, real_url: str, kind: str, **cb_kwargs: Any) -> Request:
        # First pages go before articles (see start()); a next page goes after the articles
        # of the page before it, so the queue holds one page of articles, not the whole list.
        first = cb_kwargs.get("page", 1) == 1
        # The member-list API answers only requests that come from the 风闻 site.
        headers = {"Referer": REAL["user"]} if kind == "members" else None
        return Request(
            real_url,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"kind": kind, "real_url": real_url, **cb_kwargs},
            meta={"newsbot_list": True},
            headers=headers,
            priority=10 if first else -10,
        )

    # --- list pages -------------------------------------------------------------------
    def parse_list(self, response: TextResponse, kind: str, real_url: str, **kwargs: Any) -> Iterator[Request]:
        try:
            produced = list(getattr(self, f"_{kind}_requests")(response, real_url, **kwargs))
        except Exception as error:  # noqa: BLE001 - any list the rules cannot read costs that page only
            produced = []
            self.crawler.stats.inc_value(f"newsbot/lists/failed/{type(error).__name__}")
            self.logger.error("list page %s could not be read (%s: %s); skipping it", real_url,
                              type(error).__name__, str(error)[:200])
            self._list_missed(kind, real_url, kwargs)
        # The gate must open whatever happened: held article requests wait for this page.
        yield from self._gate(response.request, produced)

    def _gate(self, request: Request | None, produced: Iterable[Request]) -> Iterator[Request]:
        """Hold article requests back until the first wave of list pages is read."""
        for out in produced:
            if out.meta.get("newsbot_article") and self._first_wave > 0:
                self._held.append(out)
            else:
                yield out
        if request is not None and request.meta.get("newsbot_first_wave") and self._first_wave > 0:
            self._first_wave -= 1
            if self._first_wave == 0:
                held, self._held = self._held, []
                yield from held

    def _headline_requests(self, response: TextResponse, real_url: str, page: int) -> Iterator[Request]:
        entries = lists.headline_list(response.selector, real_url)
        yield from self._follow(entries, response, "headline")
        yield from self._next_page(entries, page, f"{REAL['www']}/GuanChaZheTouTiao/list_{page + 1}.shtml", "headline")

    def _home_requests(self, response: TextResponse, real_url: str, keys: list[str]) -> Iterator[Request]:
        for key, entries in lists.home_columns(response.selector, real_url, keys).items():
            self.crawler.stats.inc_value(f"newsbot/lists/entries/{key}", len(entries))
            yield from self._follow(entries, response, f"home/{key}", key, count=False)

    def _api_requests(self, response: TextResponse, real_url: str, channel: str) -> Iterator[Request]:
        entries = self._json(response, lambda text: lists.api_list(text, real_url, channel))
        yield from self._follow(entries, response, "api", channel)

    def _commentary_requests(self, response: TextResponse, real_url: str) -> Iterator[Request]:
        yield from self._follow(lists.commentary_list(response.selector, real_url), response, "commentary")

    def _fengwen_requests(self, response: TextResponse, real_url: str, topic: str, page: int) -> Iterator[Request]:
        # Served as JSON on the real site although it is an HTML fragment.
        entries = lists.fengwen_list(Selector(text=response.text, type="html"), real_url, "fengwen-topic")
        yield from self._follow(entries, response, "fengwen")
        if entries and page < self.max_pages:
            yield self._list(self._topic_url(topic, page + 1), "fengwen", topic=topic, page=page + 1)

    def _members_requests(self, response: TextResponse, real_url: str, uid: str, page: int) -> Iterator[Request]:
        entries = self._json(response, lambda text: lists.member_posts(text, self.now))
        yield from self._follow(entries, response, "members")
        yield from self._next_page(entries, page, self._member_url(uid, page + 1), "members", uid=uid)

    def _column_requests(self, response: TextResponse, real_url: str, slug: str, page: int) -> Iterator[Request]:
        entries = lists.column_list(response.selector, real_url, slug)
        yield from self._follow(entries, response, "column")
        yield from self._next_page(entries, page, self._column_url(slug, page + 1), "column", slug=slug)

    def _author_requests(self, response: TextResponse, real_url: str, slug: str, page: int) -> Iterator[Request]:
        entries = lists.author_list(response.selector, real_url)
        yield from self._follow(entries, response, "author")
        yield from self._next_page(entries, page, self._author_url(slug, page + 1), "author", slug=slug)

    def _next_page(self, entries: list[ListEntry], page: int, real_url: str, kind: str,
                   **cb_kwargs: Any) -> Iterator[Request]:
        """Page ``page + 1`` at ``real_url``, unless the list ended, reached max_pages or
        went past ``since``."""
        if entries and page < self.max_pages and not self._past_since(entries):
            yield self._list(real_url, kind, page=page + 1, **cb_kwargs)

    def _json(self, response: Response, parse: Any) -> list[ListEntry]:
        try:
            return parse(response.text)
        except (ValueError, AttributeError, RecursionError) as exc:
            self.logger.error("list %s is not the JSON we expect (%s); skipping it", response.url,
                              f"{type(exc).__name__}: {str(exc)[:200]}")
            self.crawler.stats.inc_value("newsbot/lists/bad_json")
            self._check_challenge(response)
            return []

    def _older_than_since(self, entry: ListEntry) -> bool:
        return bool(self.since and entry.listed_at and entry.listed_at[:10] < self.since)

    def _past_since(self, entries: list[ListEntry]) -> bool:
        return any(self._older_than_since(entry) for entry in entries)

    def _follow(self, entries: list[ListEntry], response: Response, kind: str, key: str | None = None,
                count: bool = True) -> Iterator[Request]:
        """Article requests for ``entries`` of a list page of ``kind`` (channel ``key``, by
        default the kind's own: LIST_CHANNEL)."""
        stats = self.crawler.stats
        channel = lists.CHANNELS[key or LIST_CHANNEL[kind]]
        first = response.request is None or response.request.cb_kwargs.get("page", 1) == 1
        self._signal(signals.list_parsed, kind=kind, channel=channel, url=response.url,
                     links=len(entries), first=first)
        if not entries:
            self.logger.warning("list page %s has no article links", response.url)
            stats.inc_value("newsbot/lists/empty")
            self._check_challenge(response)
            return
        if count:
            stats.inc_value("newsbot/lists/entries", len(entries))
        if self.per_list:
            entries = entries[:self.per_list]
        for entry in entries:
            if self._older_than_since(entry):
                stats.inc_value("newsbot/lists/older_than_since")
                continue
            yield self._article_request(entry)

    # --- articles ---------------------------------------------------------------------
    def _article_request(self, entry: ListEntry) -> Request:
        canonical = canonical_url(entry.url)
        known = self.listings.get(canonical)
        self.listings[canonical] = known.merged(entry, lists.CHANNEL_ORDER) if known else entry
        post = host_key(canonical) == "user"
        # A www article's plain page first; a 风闻 post's whole text is its page=0.
        real = full_text_url(canonical) if post else canonical
        return Request(
            real,
            callback=self.parse_post if post else self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"canonical": canonical, "listing": entry},
            meta={"newsbot_article": True, "newsbot_canonical": canonical},
        )

    def _more(self, real_url: str, callback: Any, errback: Any, canonical: str, listing: ListEntry,
              saved: list[Saved], pages: list[str]) -> Request:
        """A request for more of an article whose first page(s) are ``saved``."""
        return Request(
            real_url,
            callback=callback,
            errback=errback,
            cb_kwargs={"canonical": canonical, "listing": listing, "saved": saved, "pages": pages},
            meta={"newsbot_page_of": canonical, "newsbot_canonical": canonical},
        )

    def _context(self, fetched: str, canonical: str, listing: ListEntry) -> PageContext:
        known = self.listings.pop(canonical, None)
        merged = known.merged(listing, lists.CHANNEL_ORDER) if known else listing
        return PageContext(canonical, fetched, self.now, self.group, merged)

    def parse_article(self, response: Response, canonical: str, listing: ListEntry) -> Iterator[Any]:
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
        saved = [(response.url, response.body, response.encoding)]
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

    def parse_full_text(self, response: Response, canonical: str, listing: ListEntry,
                        saved: list[Saved], pages: list[str]) -> Iterator[Any]:
        """The 余下全文 page: the whole article on one page."""
        kw = {"canonical": canonical, "listing": listing, "saved": saved, "pages": pages}
        page, problem = _further_page(response)
        if problem:
            yield from self._full_text_missing(response.url, problem, kw)
            return
        yield from self._extracted([(response.url, response.body, response.encoding)], canonical, listing, first=page)

    def full_text_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._full_text_missing(failure.request.url, _reason(failure), failure.request.cb_kwargs)

    def _full_text_missing(self, url: str, reason: str, kw: dict[str, Any]) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsbot/fetch/full_text_missing")
        self.logger.warning("%s: the full-text page %s failed (%s); reading the article page by page",
                            kw["canonical"], url, reason)
        if kw["pages"]:
            yield self._more(kw["pages"][0], self.parse_more_page, self.more_page_failed, kw["canonical"],
                             kw["listing"], kw["saved"], kw["pages"][1:])
        else:
            yield from self._partial(url, reason, kw)

    def parse_more_page(self, response: Response, canonical: str, listing: ListEntry,
                        saved: list[Saved], pages: list[str]) -> Iterator[Any]:
        """Page 2..N of an article without a full-text page: collected, then joined."""
        _page, problem = _further_page(response)
        if problem:
            yield from self._partial(response.url, problem, {"canonical": canonical, "listing": listing, "saved": saved})
            return
        saved = [*saved, (response.url, response.body, response.encoding)]
        if pages:
            yield self._more(pages[0], self.parse_more_page, self.more_page_failed, canonical, listing,
                             saved, pages[1:])
        else:
            yield from self._extracted(saved, canonical, listing)

    def more_page_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._partial(failure.request.url, _reason(failure), failure.request.cb_kwargs)

    def _partial(self, url: str, reason: str, kw: dict[str, Any]) -> Iterator[Any]:
        """Keep what was fetched of an article when the rest of it cannot be had."""
        self.crawler.stats.inc_value("newsbot/articles/partial")
        self.logger.warning("%s: %s failed (%s); storing the %d page(s) fetched", kw["canonical"],
                            url, reason, len(kw["saved"]))
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
        yield self._finish(item, "article", FIELD_SELECTORS, saved[0], canonical, listing)

    def parse_post(self, response: Response, canonical: str, listing: ListEntry) -> Iterator[Any]:
        page = self._page(response, canonical, listing)
        if page is None:
            return
        item = extract_post(page, self._context(response.url, canonical, listing))
        yield self._finish(item, "post", POST_SELECTORS, (response.url, response.body, response.encoding),
                           canonical, listing)

    def _finish(self, item: Any, kind: str, selectors: dict[str, str], page: Saved, canonical: str,
                listing: ListEntry) -> Any:
        """Fill what the site rules missed from the generic extractor, and report the page."""
        url, body, encoding = page
        missing = [name for name in EXTRACTED if not getattr(item, name)]
        filled = complete(item, body, url, encoding, missing)
        if missing:
            self.crawler.stats.inc_value(f"newsbot/extraction/site_missed/{kind}")
            self.logger.warning("%s: the %s rules found no %s (looked for %s)%s", canonical, kind, ", ".join(missing),
                                "; ".join(f"{name}: {selectors[name]}" for name in missing),
                                f"; the generic extractor filled {', '.join(filled)}" if filled else "")
            if not filled:
                self._check_challenge_bytes(url, body)
        self.crawler.stats.inc_value(f"newsbot/extraction/{item.extraction}")
        self.crawler.stats.inc_value("newsbot/articles/extracted")
        self._signal(signals.page_extracted, kind=kind, url=canonical, missing=missing, selectors=selectors,
                     extraction=item.extraction, item=item)
        self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="extracted", detail="")
        return item

    def _stub(self, real: str, target: str, canonical: str, listing: ListEntry) -> Iterator[Request]:
        """A page that is only a script redirect: follow it on guancha, skip it elsewhere."""
        self.listings.pop(canonical, None)
        if is_article(target):
            self.crawler.stats.inc_value(f"newsbot/stubs/{host_key(target)}")
            self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="forwarded", detail=target)
            yield self._article_request(replace(listing, url=target))
            return
        self.crawler.stats.inc_value("newsbot/stubs/offsite")
        self.logger.info("%s is a redirect stub to %s, not on guancha.cn: skipped", real, target)
        self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="offsite", detail=target)

    def _answered_with_a_list(self, real: str, canonical: str, listing: ListEntry) -> None:
        """The site served its home page (or a list) for an article: a miss like a 302 to it.
        Nothing is extracted from it: the generic extractor would make an article of teasers."""
        self.listings.pop(canonical, None)
        self.crawler.stats.inc_value("newsbot/fetch/failed/list_page")
        self.logger.error("%s was answered with a list or the home page, not the article: the article is missing "
                          "(removed, or the site changed)", real)
        self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="redirected_away",
                     detail="a list page (200)")

    def _page(self, response: Response, canonical: str, listing: ListEntry) -> etree._Element | None:
        """The parsed article page; None, counted as a failure, when it is not text."""
        if not isinstance(response, TextResponse):
            self._failed(canonical, listing, response.url, "not_text", f"is not a text page ({type(response).__name__})")
            return None
        return parse_response(response)

    # --- failures ---------------------------------------------------------------------
    def article_failed(self, failure: Failure) -> None:
        request = failure.request
        canonical, listing = request.cb_kwargs["canonical"], request.cb_kwargs["listing"]
        self.listings.pop(canonical, None)
        if failure.check(AlreadyStored):  # counted by the incremental middleware
            self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="stored", detail="")
            return
        target = redirected_away(failure)
        if target:
            self.crawler.stats.inc_value("newsbot/fetch/failed/redirected_away")
            self.logger.error("%s was redirected away to %s: the article is missing (removed, or the site changed)",
                              request.url, target)
            self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="redirected_away",
                         detail=target)
            return
        self._failed(canonical, listing, request.url, _reason(failure), f"failed: {failure.getErrorMessage()}")

    def list_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request
        page = request.cb_kwargs.get("page", 1)
        target = redirected_away(failure)
        ended = (failure.check(HttpError) and failure.value.response.status == 404) or target
        if ended and page > 1:
            self.logger.info("%s: no such list page, the list ends before it", request.url)
            self.crawler.stats.inc_value("newsbot/lists/ended")
        elif target:
            self.crawler.stats.inc_value("newsbot/fetch/failed/redirected_away")
            self.logger.error("list page %s was redirected away to %s: the list is gone or moved",
                              request.url, target)
            self._list_missed(request.cb_kwargs["kind"], request.url, request.cb_kwargs)
        else:
            self.logger.error("%s list page failed: %s", request.url, failure.getErrorMessage())
            self.crawler.stats.inc_value(f"newsbot/fetch/failed/{_reason(failure)}")
        yield from self._gate(request, ())

    def _list_missed(self, kind: str, url: str, cb_kwargs: dict[str, Any]) -> None:
        """Report a first list page that gave nothing at all (unreadable, or gone)."""
        for channel in _list_channels(kind, cb_kwargs):
            self._signal(signals.list_parsed, kind=kind, channel=channel, url=url, links=0, first=True)

    def _failed(self, canonical: str, listing: ListEntry, url: str, reason: str, message: str) -> None:
        self.logger.error("%s %s", url, message)
        self.crawler.stats.inc_value(f"newsbot/fetch/failed/{reason}")
        self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome="failed", detail=reason)

    def _check_challenge(self, response: Response) -> None:
        self._check_challenge_bytes(response.url, response.body)

    def _check_challenge_bytes(self, url: str, body: bytes) -> None:
        if is_challenge(body):
            self.crawler.stats.inc_value("newsbot/health/challenge_pages")
            self._signal(signals.challenge_seen, url=url)


def _further_page(response: Response) -> tuple[etree._Element | None, str | None]:
    """A further page of an article (its full text, its page N), parsed, or why it cannot
    be used."""
    if not isinstance(response, TextResponse):
        return None, "not a text page"
    page = parse_response(response)
    if is_list_page(page):
        return None, "answered with a list or the home page"
    return page, None


def _list_channels(kind: str, cb_kwargs: dict[str, Any]) -> list[str]:
    """The channel names a list request of ``kind`` stands for."""
    if kind == "home":
        keys = list(cb_kwargs.get("keys", []))
    elif kind == "api":
        keys = [cb_kwargs.get("channel", "")]
    else:
        keys = [LIST_CHANNEL.get(kind, "")]
    return [lists.CHANNELS[key] for key in keys if key in lists.CHANNELS]


def _reason(failure: Failure) -> str:
    if redirected_away(failure):
        return "redirected_away"
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return failure.type.__name__ if failure.type else "unknown"
