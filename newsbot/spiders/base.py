"""NewsSpider: what every newsbot spider shares, whatever the site.

- its arguments, declared in ``__init__`` and checked before any request: a bad value is
  an :class:`ArgumentError` that names the argument, the value and what is expected;
- :meth:`NewsSpider.make_request`, the one place a request is built;
- listing -> article requests (:meth:`NewsSpider.follow`, :meth:`NewsSpider.listed`), so
  that an article's categories follow the best channel it was listed in whatever the
  order the lists come back in, and the failure accounting (``list_failed``,
  ``article_failed``; the newsbot signals the health check reads);
- list callbacks, one per list kind, each wrapped by :func:`list_callback` so that a list
  the rules cannot read costs that page only;
- :meth:`NewsSpider.parse`, which picks the callback by URL (the site's rules), so
  ``scrapy parse URL`` works without ``-c`` on any article or list page.

A site's spider adds its channels, its start requests, its list callbacks and its article
callbacks (see newsbot/spiders/guancha.py).
"""
from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Self, TypeVar

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot import signals
from newsbot.challenge import is_challenge
from newsbot.compact import HashedMap
from newsbot.items import UNRANKED, Article
from newsbot.middlewares.incremental import AlreadyStored
from newsbot.middlewares.redirect_away import redirected_away
from newsbot.middlewares.superseded import Superseded
from newsbot.pipelines.clean import REQUIRED
from newsbot.sites.fallback import complete
from newsbot.sites.listing import ListEntry
from newsbot.times import crawl_now
from newsbot.urls import canonical_url

# What the site rules must find on an article page; the clean pipeline requires them too.
EXTRACTED = tuple(name for name in REQUIRED if name != "url")
# A page already downloaded, kept with the requests that fetch the rest of its article:
# (URL, body, encoding) pickles for the scrapy-redis queue, a parsed tree does not.
Saved = tuple[str, bytes, str]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
S = TypeVar("S", bound="NewsSpider")
ListMethod = Callable[[S, TextResponse], Iterable[Request]]


class ArgumentError(UsageError, ValueError):
    """A spider argument with a value it cannot take; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_help=False)


def csv(value: str | Iterable[str] | None) -> list[str]:
    """The non-empty items of a comma list.

    >>> csv(" a, b,,c "), csv(None), csv(["x", " "])
    (['a', 'b', 'c'], [], ['x'])
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def positive_int(name: str, value: str | int) -> int:
    """``value`` as a whole number > 0, else an ArgumentError naming ``name``.

    >>> positive_int("max_pages", " 3 ")
    3
    >>> positive_int("max_pages", "abc")
    Traceback (most recent call last):
    ...
    newsbot.spiders.base.ArgumentError: max_pages: 'abc' is not a positive whole number
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ArgumentError(f"{name}: {value!r} is not a positive whole number")
    return int(text)


def day(name: str, value: str) -> str:
    """A YYYY-MM-DD date, checked.

    >>> day("since", "2022-04-27")
    '2022-04-27'
    >>> day("since", "notadate")
    Traceback (most recent call last):
    ...
    newsbot.spiders.base.ArgumentError: since: 'notadate' is not a date (YYYY-MM-DD)
    """
    text = value.strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ArgumentError(f"{name}: {value!r} is not a date (YYYY-MM-DD)")


def zero_or_one(name: str, value: str | int | bool) -> bool:
    """``0`` or ``1`` (as given on the command line) as a bool.

    >>> zero_or_one("refresh", "1"), zero_or_one("refresh", 0)
    (True, False)
    >>> zero_or_one("refresh", "yes")
    Traceback (most recent call last):
    ...
    newsbot.spiders.base.ArgumentError: refresh: 'yes' is not 0 or 1
    """
    text = str(int(value) if isinstance(value, bool) else value).strip()
    if text not in ("0", "1"):
        raise ArgumentError(f"{name}: {value!r} is not 0 or 1")
    return text == "1"


def list_callback(method: ListMethod[S]) -> Callable[[S, TextResponse], Iterator[Request]]:
    """Make a list method a callback: whatever goes wrong reading the page (a rule meets
    markup it did not expect) is logged and counted, and costs that page only."""

    @functools.wraps(method)
    def callback(self: S, response: TextResponse) -> Iterator[Request]:
        url = response.url
        try:
            produced = list(method(self, response))
        except Exception as error:  # noqa: BLE001 - any list the rules cannot read costs that page only
            produced = []
            self.crawler.stats.inc_value(f"newsbot/lists/failed/{type(error).__name__}")
            self.logger.error("list page %s could not be read (%s: %s); skipping it", url,
                              type(error).__name__, str(error)[:200])
            self.list_missed(method.__name__, url)
        yield from produced

    return callback


class NewsSpider(scrapy.Spider):
    """Arguments (``-a name=value``, or scrapyd's ``-d name=value``):

    channels   comma list of channel keys (default: the site's default channels)
    max_pages  how many pages of a paginated list to read (default NEWSBOT_MAX_PAGES)
    since      YYYY-MM-DD: skip listed articles older than this and stop paging past them
    refresh    1 to fetch stored articles again (read by the incremental middleware)
    """

    # What a site's spider declares.
    channel_names: ClassVar[Mapping[str, str]] = {}  # channel key (argument) -> category name
    default_channels: ClassVar[tuple[str, ...]] = ()
    channel_order: tuple[str, ...] = ()  # category names, best first (news: per crawl, from the sites file)
    now: datetime  # the crawl's now (NEWSBOT_NOW), set in from_crawler

    def __init__(
        self,
        *args: Any,
        channels: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        refresh: str | int | bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channels = self._channels(channels)
        self.max_pages: int | None = None if max_pages is None else positive_int("max_pages", max_pages)
        self.since = None if since is None else day("since", since)
        self.refresh = False if refresh is None else zero_or_one("refresh", refresh)
        self.per_list = 0  # NEWSBOT_ARTICLES_PER_LIST, read in from_crawler
        self.group = "新媒体"
        # Per canonical URL: the listings of an article asked for and not yet answered
        # here; the best channel rank it was asked for until it is answered, and the best
        # it was answered in; the rank of its request being downloaded now (see listed()
        # and claim()). Only ``answered`` lasts the whole crawl: compact, about 10 bytes
        # an article.
        self.listings: dict[str, ListEntry] = {}
        self.requested: dict[str, int] = {}
        self.answered = HashedMap()
        self.downloading: dict[str, int] = {}

    @classmethod
    def check_arguments(cls, arguments: Mapping[str, Any]) -> None:
        """Raise ArgumentError for an argument no spider ``__init__`` of this class takes, or
        one with a value it cannot take, before any crawler exists (``scrapy crawl`` calls
        this first, so a bad ``-a`` is one line and exit 2, not a traceback). Names starting
        with ``_`` are scrapyd's own (``_job``)."""
        known = {name for klass in cls.__mro__ if issubclass(klass, NewsSpider)
                 for name, parameter in inspect.signature(klass.__init__).parameters.items()
                 if parameter.kind is inspect.Parameter.KEYWORD_ONLY}
        unknown = sorted(name for name in arguments if name not in known and not name.startswith("_"))
        if unknown:
            raise ArgumentError(f"unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
                                f" for spider {cls.name}; known: {', '.join(sorted(known))}")
        cls(**arguments)  # the values: __init__ checks each one

    def _channels(self, value: str | None) -> list[str]:
        known = ", ".join(self.channel_names)
        if value is None:
            return list(self.default_channels)
        chosen = csv(value)
        if not chosen:
            raise ArgumentError(f"channels: {value!r} names no channel; known: {known}")
        unknown = [key for key in chosen if key not in self.channel_names]
        if unknown:
            raise ArgumentError(f"channels: unknown {', '.join(map(repr, unknown))}; known: {known}")
        return chosen

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.group = settings.get("NEWSBOT_CATEGORY_GROUP")
        spider.now = crawl_now(settings.get("NEWSBOT_NOW"))
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSBOT_MAX_PAGES")
        spider.per_list = settings.getint("NEWSBOT_ARTICLES_PER_LIST")
        crawler.signals.connect(spider.request_dropped, signal=scrapy_signals.request_dropped)
        return spider

    # --- where requests go ------------------------------------------------------------
    def make_request(self, url: str, **kwargs: Any) -> Request:
        """Every request of the spider is built here (mirrors are mapped below the spider:
        newsbot/mirrors.py)."""
        return Request(url, **kwargs)

    def list_request(self, real_url: str, callback: Callable[..., Any], page: int = 1,
                     headers: dict[str, str] | None = None) -> Request:
        # First pages go before articles; a next page goes after the articles of the page
        # before it, so the queue holds one page of articles, not the whole list.
        return self.make_request(real_url, callback=callback, errback=self.list_failed,
                                 meta={"newsbot_list": True}, headers=headers,
                                 priority=10 if page == 1 else -10)

    # --- what the site's spider provides ----------------------------------------------
    def callback_for(self, real_url: str) -> Callable[..., Iterable[Any]] | None:
        """The callback for a page at ``real_url`` (None: not a page of this spider)."""
        return None

    def list_channels(self, callback_name: str, real_url: str) -> list[str]:
        """The channel keys a list page read by ``callback_name`` stands for."""
        return []

    def list_page(self, real_url: str) -> int:
        """The page number of a list page (1 when the URL shows none)."""
        return 1

    def article_request(self, canonical: str, listing: ListEntry) -> Request:
        """The request that fetches the article at ``canonical``, listed as ``listing``."""
        raise NotImplementedError

    # --- any page -----------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """The callback the site's rules give for this URL (``scrapy parse`` without -c)."""
        url = response.url
        callback = self.callback_for(url)
        if callback is None:
            self.logger.warning("%s is neither a list nor an article page of %s; nothing to parse", url, self.name)
            return
        yield from callback(response)

    # --- list pages -> article requests ----------------------------------------------
    def follow(self, entries: list[ListEntry], response: Response, kind: str, key: str,
               count: bool = True) -> Iterator[Request]:
        """Article requests for ``entries`` of a list page of ``kind`` (channel ``key``)."""
        stats = self.crawler.stats
        real = response.url
        self._signal(signals.list_parsed, kind=kind, channel=self.channel_names[key], url=real,
                     links=len(entries), first=self.list_page(real) == 1)
        if not entries:
            # Past the last page a list ends with an empty page: only a first page is news.
            level = logging.WARNING if self.list_page(real) == 1 else logging.INFO
            self.logger.log(level, "list page %s has no article links", response.url)
            stats.inc_value("newsbot/lists/empty")
            self.check_challenge(response.url, response.body)
            return
        if count:
            stats.inc_value("newsbot/lists/entries", len(entries))
        if self.per_list:
            entries = entries[:self.per_list]
        for entry in entries:
            if self._older_than_since(entry):
                stats.inc_value("newsbot/lists/older_than_since")
                continue
            request = self.listed(entry)
            if request is not None:
                yield request

    def listed(self, entry: ListEntry) -> Request | None:
        """The request for a listed article; None when this crawl has it in hand already.

        An article's categories follow the best channel it was listed in (the site's
        channel order), whatever the order the lists come back in. A listing in the same
        or a worse channel than the article's request merges into it (it is read when the
        article is), or does nothing once the article was answered. A listing in a better
        channel asks for the article again, for that channel: a request of its own for the
        duplicate filters (newsbot/fingerprint.py), and the stores keep the best channel
        they are given (newsbot/mongo/ops.py), so the outcome is the same on one machine
        and on many. The request made redundant by it is dropped unread
        (newsbot/middlewares/superseded.py).
        """
        canonical = canonical_url(entry.url)
        rank = self.rank(entry.channel)
        answered, asked = self.answered.get(canonical), self.requested.get(canonical)
        if answered is not None:
            if rank >= answered:
                return None
            self.crawler.stats.inc_value("newsbot/lists/upgraded")
        known = self.listings.get(canonical)
        merged = known.merged(entry, self.channel_order) if known else entry
        self.listings[canonical] = merged
        if answered is None and asked is not None:
            if rank >= asked:
                return None
            self.crawler.stats.inc_value("newsbot/lists/upgraded_pending")
        if answered is not None or asked is not None:
            self.logger.debug("%s listed in a better channel (%s) than it was %s in: asking again", canonical,
                              entry.channel, "read" if answered is not None else "asked for")
        self.requested[canonical] = rank if asked is None else min(rank, asked)
        return self.article_request(canonical, merged)

    def channel_meta(self, listing: ListEntry) -> dict[str, Any]:
        """The request meta that says which channel an article request is for."""
        return {"newsbot_channel": listing.channel, "newsbot_channel_rank": self.rank(listing.channel)}

    def claim(self, request: Request) -> bool:
        """Whether to download an article request now (newsbot/middlewares/superseded.py).

        No when its article was answered here in the same or a better channel; or was
        asked for here in a better channel (that request, queued, answers it); or this
        process asked for it in this channel and is downloading it for another one (that
        download is read with every listing seen here, this one's included). Yes, and
        noted as being downloaded, otherwise: a first request, a retry, one that raises the
        article's channel, or one another worker asked for (in distributed mode a
        request may be answered by any worker: only what this process listed itself is
        known to be read here).
        """
        canonical, rank = request.meta.get("newsbot_canonical"), request.meta.get("newsbot_channel_rank")
        if not canonical or not isinstance(rank, int):
            return True
        answered, asked = self.answered.get(canonical), self.requested.get(canonical)
        if answered is not None and answered <= rank:
            return False
        if answered is None and asked is not None and (
                asked < rank or (asked == rank and self.downloading.get(canonical, rank) != rank)):
            return False
        self.downloading[canonical] = rank
        return True

    def request_dropped(self, request: Request) -> None:
        """A request the duplicate filter dropped answers nothing here: an article request
        it made redundant must be downloaded after all."""
        canonical, rank = request.meta.get("newsbot_canonical"), request.meta.get("newsbot_channel_rank")
        if request.meta.get("newsbot_article") and canonical and self.requested.get(canonical) == rank:
            del self.requested[canonical]

    def settle(self, canonical: str, listing: ListEntry) -> ListEntry:
        """Every listing of ``canonical`` seen here merged with the request's, now that the
        article is answered (extracted, forwarded or failed): later listings in the same or
        a worse channel change nothing."""
        known = self.listings.pop(canonical, None)
        merged = known.merged(listing, self.channel_order) if known else listing
        rank = self.rank(merged.channel)
        self.answered[canonical] = min(rank, self.answered.get(canonical, rank))
        # Once answered, what was asked for is read no more (listed() and claim() look at
        # the answer first).
        self.requested.pop(canonical, None)
        self.downloading.pop(canonical, None)
        return merged

    def default_listing(self, canonical: str) -> ListEntry:
        """The listing of an article fetched without one (``scrapy parse`` on its URL)."""
        return ListEntry(url=canonical, channel="")

    def rank(self, channel: str) -> int:
        """Where ``channel`` stands in the site's channel order (0 = best)."""
        return self.channel_order.index(channel) if channel in self.channel_order else UNRANKED

    def next_page(self, entries: list[ListEntry], page: int, real_url: str, callback: Callable[..., Any],
                  headers: dict[str, str] | None = None) -> Iterator[Request]:
        """Page ``page + 1`` at ``real_url``, unless the list ended, reached max_pages or
        went past ``since``."""
        if entries and page < (self.max_pages or 0) and not self._past_since(entries):
            yield self.list_request(real_url, callback, page=page + 1, headers=headers)

    def parse_json(self, response: Response, parse: Callable[[str], list[ListEntry]]) -> list[ListEntry]:
        """The entries of a JSON list; none, logged and counted, when it is not JSON."""
        try:
            return parse(response.text)
        except (ValueError, AttributeError, RecursionError) as exc:
            self.logger.error("list %s is not the JSON we expect (%s); skipping it", response.url,
                              f"{type(exc).__name__}: {str(exc)[:200]}")
            self.crawler.stats.inc_value("newsbot/lists/bad_json")
            self.check_challenge(response.url, response.body)
            return []

    def _older_than_since(self, entry: ListEntry) -> bool:
        return bool(self.since and entry.listed_at and entry.listed_at[:10] < self.since)

    def _past_since(self, entries: list[ListEntry]) -> bool:
        return any(self._older_than_since(entry) for entry in entries)

    # --- articles -------------------------------------------------------------------------
    def finish(self, item: Article, kind: str, selectors: dict[str, str], page: Saved, canonical: str,
               listing: ListEntry) -> Article:
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
                self.check_challenge(url, body)
        self.crawler.stats.inc_value(f"newsbot/extraction/{item.extraction}")
        self.crawler.stats.inc_value("newsbot/articles/extracted")
        self._signal(signals.page_extracted, kind=kind, url=canonical, missing=missing, selectors=selectors,
                     extraction=item.extraction, item=item)
        self.article_done(listing, canonical, "extracted")
        return item

    def article_done(self, listing: ListEntry, canonical: str, outcome: str, detail: str = "") -> None:
        self._signal(signals.article_done, channel=listing.channel, url=canonical, outcome=outcome, detail=detail)

    # --- failures -------------------------------------------------------------------------
    def article_failed(self, failure: Failure) -> None:
        request = failed_request(failure)
        canonical, listing = self._article_of(request)
        if failure.check(Superseded):
            self.crawler.stats.inc_value("newsbot/lists/superseded")
            return
        self.settle(canonical, listing)
        if failure.check(AlreadyStored):  # counted by the incremental middleware
            self.article_done(listing, canonical, "stored")
            return
        target = redirected_away(failure)
        if target:
            self.crawler.stats.inc_value("newsbot/fetch/failed/redirected_away")
            self.logger.error("%s was redirected away to %s: the article is missing (removed, or the site changed)",
                              request.url, target)
            self.article_done(listing, canonical, "redirected_away", target)
            return
        self.failed(canonical, listing, request.url, reason(failure), f"failed: {failure.getErrorMessage()}")

    def _article_of(self, request: Request) -> tuple[str, ListEntry]:
        canonical = request.cb_kwargs.get("canonical") or request.meta.get("newsbot_canonical") \
            or canonical_url(request.url)
        return canonical, request.cb_kwargs.get("listing") or self.default_listing(canonical)

    def list_failed(self, failure: Failure) -> None:
        request = failed_request(failure)
        real = request.url
        target = redirected_away(failure)
        ended = (failure.check(HttpError) and failure.value.response.status == 404) or target
        if ended and self.list_page(real) > 1:
            self.logger.info("%s: no such list page, the list ends before it", real)
            self.crawler.stats.inc_value("newsbot/lists/ended")
        elif target:
            self.crawler.stats.inc_value("newsbot/fetch/failed/redirected_away")
            self.logger.error("list page %s was redirected away to %s: the list is gone or moved", real, target)
            self.list_missed(_name(request.callback), real)
        else:
            self.logger.error("%s list page failed: %s", request.url, failure.getErrorMessage())
            self.crawler.stats.inc_value(f"newsbot/fetch/failed/{reason(failure)}")

    def list_missed(self, callback_name: str, real_url: str) -> None:
        """Report a first list page that gave nothing at all (unreadable, or gone)."""
        kind = callback_name.removeprefix("parse_")
        for key in self.list_channels(callback_name, real_url):
            self._signal(signals.list_parsed, kind=kind, channel=self.channel_names[key], url=real_url,
                         links=0, first=True)

    def failed(self, canonical: str, listing: ListEntry, url: str, why: str, message: str) -> None:
        self.logger.error("%s %s", url, message)
        self.crawler.stats.inc_value(f"newsbot/fetch/failed/{why}")
        self.article_done(listing, canonical, "failed", why)

    def check_challenge(self, url: str, body: bytes) -> None:
        if is_challenge(body):
            self.crawler.stats.inc_value("newsbot/health/challenge_pages")
            self._signal(signals.challenge_seen, url=url)

    def _signal(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, **kwargs)


def _name(callback: Any) -> str:
    return getattr(callback, "__name__", "") or ""


def failed_request(failure: Failure) -> Request:
    """The request of an errback's failure (Scrapy sets it on the Failure)."""
    return failure.request  # type: ignore[attr-defined]


def reason(failure: Failure) -> str:
    """A short name for why a request failed, for stats keys."""
    if redirected_away(failure):
        return "redirected_away"
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return failure.type.__name__ if failure.type else "unknown"
