"""Crawl every channel of guancha.cn (观察者网); see newsbot/sites/guancha for extraction.

Arguments (``-a name=value``, or scrapyd's ``-d name=value``):
  channels   comma list of channel keys (default: the news channels; see lists.CHANNELS)
  max_pages  how many pages of a paginated list to read (default NEWSBOT_MAX_PAGES)
  since      YYYY-MM-DD: skip listed articles older than this and stop paging past them
  topic_ids  comma list of 风闻 topic ids for the fengwen-topic channel (default: all topics)
  uids       comma list of 风闻 member ids for the fengwen-user channel
  order      风闻 list order (1 latest reply, 2 latest post, …)
  refresh    1 to fetch stored articles again (read by the incremental middleware)
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import scrapy
from lxml import etree
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.dom import parse_response
from newsbot.middlewares.incremental import AlreadyStored
from newsbot.sites.guancha.article import extract_article, fengwen_redirect
from newsbot.sites.guancha.context import PageContext
from newsbot.sites.guancha.fengwen import extract_post
from newsbot.sites.guancha.hosts import REAL, Hosts, full_text_url, host_key
from newsbot.sites.guancha import lists
from newsbot.sites.listing import ListEntry
from newsbot.times import crawl_now
from newsbot.urls import canonical_url

HOME_KEYS = ("review", "yaowen", "fengwen")


def _csv(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


class GuanchaSpider(scrapy.Spider):
    name = "guancha"

    def __init__(
        self,
        *args: Any,
        channels: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        topic_ids: str | None = None,
        uids: str | None = None,
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
        self.order = str(order)
        self.listings: dict[str, ListEntry] = {}
        self._first_wave = 0
        self._held: list[Request] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "GuanchaSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.hosts = Hosts(
            www=settings.get("NEWSBOT_GUANCHA_WWW", REAL["www"]).rstrip("/"),
            user=settings.get("NEWSBOT_GUANCHA_USER", REAL["user"]).rstrip("/"),
            app=settings.get("NEWSBOT_GUANCHA_APP", REAL["app"]).rstrip("/"),
        )
        spider.group = settings.get("NEWSBOT_CATEGORY_GROUP", "新媒体")
        spider.now = crawl_now(settings.get("NEWSBOT_NOW"))
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSBOT_MAX_PAGES", 10)
        return spider

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
        if "fengwen-user" in self.channels:
            if not self.uids:
                self.logger.warning("channel fengwen-user needs uids=<member ids>; skipping it")
            for uid in self.uids:
                yield self._list(self._member_url(uid, 1), "members", uid=uid, page=1)

    def _topic_url(self, topic: str, page: int) -> str:
        if topic:
            return f"{REAL['user']}/topic/post-list?topic_id={topic}&page={page}&order={self.order}"
        return f"{REAL['user']}/main/index-list.json?&page={page}&order={self.order}"

    def _member_url(self, uid: str, page: int) -> str:
        return f"{REAL['app']}/user/get-published-list?page_size=20&page_no={page}&uid={uid}"

    def _list(self, real_url: str, kind: str, **cb_kwargs: Any) -> Request:
        # First pages go before articles (see start()); a next page goes after the articles
        # of the page before it, so the queue holds one page of articles, not the whole list.
        first = cb_kwargs.get("page", 1) == 1
        return Request(
            self.hosts.fetch_url(real_url),
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"kind": kind, "real_url": real_url, **cb_kwargs},
            priority=10 if first else -10,
        )

    # --- list pages -------------------------------------------------------------------
    def parse_list(self, response: TextResponse, kind: str, real_url: str, **kwargs: Any) -> Iterator[Request]:
        produced = getattr(self, f"_{kind}_requests")(response, real_url, **kwargs)
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
        yield from self._follow(entries, response)
        if entries and page < self.max_pages and not self._past_since(entries):
            yield self._list(f"{REAL['www']}/GuanChaZheTouTiao/list_{page + 1}.shtml", "headline", page=page + 1)

    def _home_requests(self, response: TextResponse, real_url: str, keys: list[str]) -> Iterator[Request]:
        for key, entries in lists.home_columns(response.selector, real_url, keys).items():
            self.crawler.stats.inc_value(f"newsbot/lists/entries/{key}", len(entries))
            yield from self._follow(entries, response, count=False)

    def _api_requests(self, response: TextResponse, real_url: str, channel: str) -> Iterator[Request]:
        yield from self._follow(self._json(response, lambda text: lists.api_list(text, real_url, channel)), response)

    def _commentary_requests(self, response: TextResponse, real_url: str) -> Iterator[Request]:
        yield from self._follow(lists.commentary_list(response.selector, real_url), response)

    def _fengwen_requests(self, response: TextResponse, real_url: str, topic: str, page: int) -> Iterator[Request]:
        # Served as JSON on the real site although it is an HTML fragment.
        entries = lists.fengwen_list(Selector(text=response.text, type="html"), real_url, "fengwen-topic")
        yield from self._follow(entries, response)
        if entries and page < self.max_pages:
            yield self._list(self._topic_url(topic, page + 1), "fengwen", topic=topic, page=page + 1)

    def _members_requests(self, response: TextResponse, real_url: str, uid: str, page: int) -> Iterator[Request]:
        entries = self._json(response, lambda text: lists.member_posts(text, self.now))
        yield from self._follow(entries, response)
        if entries and page < self.max_pages and not self._past_since(entries):
            yield self._list(self._member_url(uid, page + 1), "members", uid=uid, page=page + 1)

    def _json(self, response: Response, parse: Any) -> list[ListEntry]:
        try:
            return parse(response.text)
        except (ValueError, AttributeError) as exc:
            self.logger.error("list %s is not the JSON we expect (%s); skipping it", response.url, exc)
            self.crawler.stats.inc_value("newsbot/lists/bad_json")
            return []

    def _older_than_since(self, entry: ListEntry) -> bool:
        return bool(self.since and entry.listed_at and entry.listed_at[:10] < self.since)

    def _past_since(self, entries: list[ListEntry]) -> bool:
        return any(self._older_than_since(entry) for entry in entries)

    def _follow(self, entries: list[ListEntry], response: Response, count: bool = True) -> Iterator[Request]:
        stats = self.crawler.stats
        if not entries:
            self.logger.warning("list page %s has no article links", response.url)
            stats.inc_value("newsbot/lists/empty")
            return
        if count:
            stats.inc_value("newsbot/lists/entries", len(entries))
        for entry in entries:
            if self._older_than_since(entry):
                stats.inc_value("newsbot/lists/older_than_since")
                continue
            yield self._article_request(entry)

    # --- articles ---------------------------------------------------------------------
    def _article_request(self, entry: ListEntry, real_url: str | None = None) -> Request:
        canonical = canonical_url(entry.url)
        known = self.listings.get(canonical)
        self.listings[canonical] = known.merged(entry, lists.CHANNEL_ORDER) if known else entry
        real = real_url or full_text_url(canonical)
        callback = self.parse_post if host_key(canonical) == "user" else self.parse_article
        return Request(
            self.hosts.fetch_url(real),
            callback=callback,
            errback=self.article_failed,
            cb_kwargs={"canonical": canonical, "listing": entry},
            meta={"newsbot_article": True, "newsbot_canonical": canonical},
        )

    def _context(self, response: Response, canonical: str, listing: ListEntry) -> PageContext:
        known = self.listings.pop(canonical, None)
        merged = known.merged(listing, lists.CHANNEL_ORDER) if known else listing
        return PageContext(canonical, self.hosts.real_url(response.url), self.now, self.group, merged)

    def parse_article(self, response: Response, canonical: str, listing: ListEntry) -> Iterator[Any]:
        page = self._page(response)
        if page is None:
            return
        post_id = fengwen_redirect(page)
        if post_id:
            self.crawler.stats.inc_value("newsbot/fengwen/redirects")
            self.listings.pop(canonical, None)
            post = replace(listing, url=f"{REAL['user']}/main/content?id={post_id}")
            yield self._article_request(post)
            return
        self.crawler.stats.inc_value("newsbot/articles/extracted")
        yield extract_article(page, self._context(response, canonical, listing))

    def parse_post(self, response: Response, canonical: str, listing: ListEntry) -> Iterator[Any]:
        page = self._page(response)
        if page is None:
            return
        self.crawler.stats.inc_value("newsbot/articles/extracted")
        yield extract_post(page, self._context(response, canonical, listing))

    def _page(self, response: Response) -> etree._Element | None:
        """The parsed article page; None, counted as a failure, when it is not text."""
        if not isinstance(response, TextResponse):
            self._failed(response.url, "not_text", f"is not a text page ({type(response).__name__})")
            return None
        return parse_response(response)

    # --- failures ---------------------------------------------------------------------
    def article_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request
        canonical = request.cb_kwargs.get("canonical", "")
        if failure.check(AlreadyStored):  # counted by the incremental middleware
            self.listings.pop(canonical, None)
            return
        real = self.hosts.real_url(request.url)
        if failure.check(HttpError) and failure.value.response.status == 404 and real.endswith("_s.shtml"):
            # Not every article has a single-page version: fall back to the page itself.
            self.crawler.stats.inc_value("newsbot/fetch/full_text_missing")
            yield self._article_request(request.cb_kwargs["listing"], real_url=canonical).replace(dont_filter=True)
            return
        self.listings.pop(canonical, None)
        self._failed(request.url, _reason(failure), f"failed: {failure.getErrorMessage()}")

    def list_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request
        if failure.check(HttpError) and failure.value.response.status == 404 and request.cb_kwargs.get("page", 1) > 1:
            self.logger.info("%s: no such list page, the list ends before it", request.url)
            self.crawler.stats.inc_value("newsbot/lists/ended")
        else:
            self._failed(request.url, _reason(failure), f"list page failed: {failure.getErrorMessage()}")
        yield from self._gate(request, ())

    def _failed(self, url: str, reason: str, message: str) -> None:
        self.logger.error("%s %s", url, message)
        self.crawler.stats.inc_value(f"newsbot/fetch/failed/{reason}")


def _reason(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return failure.type.__name__ if failure.type else "unknown"
