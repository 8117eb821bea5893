"""Crawl the sites of the sites file (``NEWSBOT_SITES_FILE``; newsbot/sites/configured).

Arguments (``-a name=value``), besides NewsSpider's max_pages, since and refresh:
  sites   comma list of site names from the sites file (default: every site)

Each site is crawled from its feeds (RSS/Atom), its sitemaps (a sitemap index, news
sitemaps, robots.txt ``Sitemap:`` lines) and its list pages (article links by pattern, the
next page by selector). Articles are read by newsbot.generic plus the site's selector
overrides and filed under ``[group, source_name, section]``. The health check judges each
site on its own: its channels are ``<site>`` or ``<site>/<section>``.

Feeds and sitemaps that redirect are followed (they move; Scrapy's redirect handling); a
list page or an article redirected to another page is a miss (newsbot/middlewares/redirect_away.py).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newsbot.dom import parse_response
from newsbot.items import UNRANKED
from newsbot.middlewares.redirect_away import redirected_away
from newsbot.sites.configured.config import FIELDS, ListPage, SiteConfig, bundled_sites, load_sites_file
from newsbot.sites.configured.discover import Found, feed_entries, list_links, robots_sitemaps, sitemap_entries
from newsbot.sites.configured.extract import read_article
from newsbot.sites.configured.site import channel, configured, on_hosts, register_sites
from newsbot.sites.listing import ListEntry
from newsbot.sites.registry import get
from newsbot.spiders.base import ArgumentError, NewsSpider, csv, failed_request, list_callback
from newsbot.urls import canonical_url

SETTING = "NEWSBOT_SITES_FILE"
# What the generic extractor is asked for, by the name the health check shows.
GENERIC_RULES = dict.fromkeys(("title", "published_at", "paragraphs"), "newsbot.generic")


@dataclass(frozen=True)
class Origin:
    """Which site and section a list request is for, and its page number (in request meta)."""

    site: str
    section: str = ""
    page: int = 1

    @property
    def channel(self) -> str:
        return channel(self.site, self.section)

    def meta(self) -> dict[str, Any]:
        return {"newsbot_origin": {"site": self.site, "section": self.section, "page": self.page}}


def load_sites(settings: BaseSettings) -> tuple[SiteConfig, ...]:
    """The sites of the sites file the settings name, checked and registered."""
    path = settings.get(SETTING)
    configs = load_sites_file(path) if path else bundled_sites()
    register_sites(configs)
    return configs


class _SameName(dict[str, str]):
    """A channel's category name is the channel itself (``<site>`` or ``<site>/<section>``)."""

    def __missing__(self, key: str) -> str:
        return key


class NewsSitesSpider(NewsSpider):
    name = "news"
    channel_names: ClassVar[Mapping[str, str]] = _SameName()
    allowed_domains: list[str] = []  # noqa: RUF012 - Scrapy reads this Spider attribute; set per crawl

    def __init__(self, *args: Any, sites: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_names = csv(sites)
        if sites is not None and not self.site_names:
            raise ArgumentError(f"sites: {sites!r} names no site")
        self.configs: list[SiteConfig] = []
        self.origins: dict[str, Origin] = {}
        self.ranks: dict[str, int] = {}  # channel -> its section's place among its site's (0 = best)

    @classmethod
    def check_settings(cls, settings: BaseSettings, arguments: dict[str, Any]) -> None:
        """Read and check the sites file, and the ``sites`` argument against it, before the
        crawl starts (newsbot.commands.crawl calls this): every mistake is one line."""
        known = [config.name for config in load_sites(settings)]
        unknown = [name for name in csv(arguments.get("sites")) if name not in known]
        if unknown:
            raise ArgumentError(f"sites: unknown {', '.join(map(repr, unknown))}; known: {', '.join(known)}")

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Each site's own delay and concurrency: a download slot per site."""
        super().update_settings(settings)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for config in load_sites(settings):
            slot = {key: value for key, value in (("delay", config.delay), ("concurrency", config.concurrency))
                    if value is not None}
            if slot:
                slots[_slot(config.name)] = slot
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        configs = load_sites(crawler.settings)
        names = spider.site_names or [config.name for config in configs]
        by_name = {config.name: config for config in configs}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise ArgumentError(f"sites: unknown {', '.join(map(repr, unknown))}; known: {', '.join(by_name)}")
        spider.configs = [by_name[name] for name in names]
        orders = [get(config.name).channel_order for config in configs]
        spider.channel_order = tuple(name for order in orders for name in order)
        spider.ranks = {name: rank for order in orders for rank, name in enumerate(order)}
        spider.allowed_domains = sorted({d for config in spider.configs for d in config.allowed_domains})
        return spider

    # --- where the crawl starts -----------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        for request in self.start_list_requests():
            yield request

    def start_list_requests(self) -> Iterator[Request]:
        """A request for every feed, sitemap and first list page of the chosen sites."""
        for config in self.configs:
            for feed in config.feeds:
                yield self.start_request(feed.url, self.parse_feed, Origin(config.name, feed.section))
            for sitemap in config.sitemaps:
                yield self.start_request(sitemap.url, self.parse_sitemap, Origin(config.name, sitemap.section))
            for index, listing in enumerate(config.lists):
                yield self.start_request(listing.url, self.parse_list, Origin(config.name, listing.section),
                                         list_index=index)

    def start_request(self, url: str, callback: Callable[..., Any], origin: Origin,
                      list_index: int | None = None) -> Request:
        """A feed, sitemap or list page request. Only list pages are watched for redirects
        (``newsbot_list``): a feed or sitemap that moved is followed."""
        self.origins[url] = origin
        meta: dict[str, Any] = {**origin.meta(), "download_slot": _slot(origin.site)}
        if list_index is not None:
            meta.update(newsbot_list=True, newsbot_list_index=list_index)
        return self.make_request(url, callback=callback, errback=self.list_failed, meta=meta,
                                 priority=10 if origin.page == 1 else -10)

    # --- which page is which ------------------------------------------------------------
    def callback_for(self, real_url: str) -> Callable[..., Iterable[Any]] | None:
        config = self._config_of(real_url)
        if config is None:
            return None
        if any(feed.url == real_url for feed in config.feeds):
            return self.parse_feed
        if any(sitemap.url == real_url for sitemap in config.sitemaps):
            return self.parse_sitemap
        if any(listing.url == real_url for listing in config.lists):
            return self.parse_list
        return self.parse_article if get(config.name).is_article(real_url) else None

    def _config_of(self, url: str) -> SiteConfig | None:
        for config in self.configs:
            if on_hosts(url, config.allowed_domains):
                return config
        return None

    def origin_of(self, response: Response) -> Origin:
        """The site, section and page of a start point's response, noted by URL for
        list_page() and list_channels(): under scrapy-redis the request may have been made
        by another worker, so the request meta says it, not what this process yielded."""
        origin = self._origin_in(response.meta, response.url)
        self.origins.setdefault(response.url, origin)
        return origin

    def _origin_in(self, meta: Mapping[str, Any], url: str) -> Origin:
        data = meta.get("newsbot_origin")
        if isinstance(data, dict):
            return Origin(str(data["site"]), str(data.get("section", "")), int(data.get("page", 1)))
        known = self.origins.get(url)
        if known is not None:
            return known
        config = self._config_of(url)
        return Origin(config.name if config else "")

    def list_failed(self, failure: Failure) -> None:
        """As for any list, and a start point that failed (a feed gone, a sitemap that
        answers 500) is a first page that gave nothing: the health check and the doctor
        name its site."""
        request = failed_request(failure)
        origin = self.origins.setdefault(request.url, self._origin_in(request.meta, request.url))
        super().list_failed(failure)
        if origin.page == 1 and not redirected_away(failure):  # redirected away: reported already
            self.list_missed(getattr(request.callback, "__name__", ""), request.url)

    def rank(self, channel: str) -> int:
        """Where ``channel`` stands among its own site's sections (0 = best), whatever the
        other sites of the file and the sites chosen: the stores compare ranks across crawls."""
        return self.ranks.get(channel, UNRANKED)

    def list_page(self, real_url: str) -> int:
        origin = self.origins.get(real_url)
        return origin.page if origin else 1

    def list_channels(self, callback_name: str, real_url: str) -> list[str]:
        origin = self.origins.get(real_url)
        return [origin.channel] if origin else []

    # --- feeds, sitemaps, list pages ------------------------------------------------
    @list_callback
    def parse_feed(self, response: TextResponse) -> Iterator[Request]:
        origin = self.origin_of(response)
        content_type = response.headers.get("Content-Type")
        found = feed_entries(response.body, response.url, content_type.decode("latin-1") if content_type else None)
        yield from self._follow(found, response, "feed", origin)

    @list_callback
    def parse_sitemap(self, response: TextResponse) -> Iterator[Request]:
        origin = self.origin_of(response)
        if response.url.rstrip("/").endswith("/robots.txt"):
            for url in robots_sitemaps(response.body, response.url):
                yield from self._child_sitemap(url, origin)
            return
        found = sitemap_entries(response.body, response.url, configured(origin.site).timezone)
        for url in found.sitemaps:
            yield from self._child_sitemap(url, origin)
        if not found.sitemaps:
            yield from self._follow(found.urls, response, "sitemap", origin)

    def _child_sitemap(self, url: str, origin: Origin) -> Iterator[Request]:
        if on_hosts(url, configured(origin.site).allowed_domains):
            yield self.start_request(url, self.parse_sitemap, origin)
        else:
            self.crawler.stats.inc_value("newsbot/news/offsite_sitemaps")
            self.logger.info("%s: sitemap %s is not on the allowed domains; skipped", origin.site, url)

    @list_callback
    def parse_list(self, response: TextResponse) -> Iterator[Request]:
        origin = self.origin_of(response)
        config = configured(origin.site)
        index = response.meta.get("newsbot_list_index")
        rules = config.lists[index] if isinstance(index, int) and index < len(config.lists) else self._list_rules(
            config, response.url)
        found, following = list_links(parse_response(response), response.url, rules)
        entries = self._follow(found, response, "list", origin)
        yield from entries
        if following and found and origin.page < (self.max_pages or 0) and not self._past(found):
            later = Origin(origin.site, origin.section, origin.page + 1)
            request = self.start_request(following, self.parse_list, later, list_index=config.lists.index(rules))
            yield request

    @staticmethod
    def _list_rules(config: SiteConfig, url: str) -> ListPage:
        return next((rules for rules in config.lists if rules.url == url), config.lists[0])

    def _past(self, found: list[Found]) -> bool:
        return bool(self.since) and any(f.published_at and f.published_at[:10] < (self.since or "") for f in found)

    def _follow(self, found: list[Found], response: Response, kind: str, origin: Origin) -> Iterator[Request]:
        """Article requests for the links a start point gave: those on the site's domains
        that are articles by its rules; the rest are counted and left."""
        site = get(origin.site)
        config = configured(origin.site)
        kept = []
        for link in found:
            if not on_hosts(link.url, config.allowed_domains):
                self.crawler.stats.inc_value("newsbot/news/offsite_links")
                self.logger.debug("%s: %s is not on the allowed domains; skipped", origin.site, link.url)
            elif not site.is_article(link.url):
                self.crawler.stats.inc_value("newsbot/news/not_articles")
            else:
                kept.append(ListEntry(url=link.url, channel=origin.channel, title=link.title, summary=link.summary,
                                      listed_at=link.published_at, author=link.author))
        self.origins.setdefault(response.url, origin)
        yield from self.follow(kept, response, kind, origin.channel)

    # --- articles ---------------------------------------------------------------------
    def article_request(self, canonical: str, listing: ListEntry) -> Request:
        site = listing.channel.partition("/")[0]
        return self.make_request(
            canonical, callback=self.parse_article, errback=self.article_failed,
            cb_kwargs={"canonical": canonical, "listing": listing},
            meta={"newsbot_article": True, "newsbot_canonical": canonical, "download_slot": _slot(site),
                  **self.channel_meta(listing)},
        )

    def parse_article(self, response: Response, canonical: str | None = None,
                      listing: ListEntry | None = None) -> Iterator[Any]:
        canonical = canonical or canonical_url(response.url)
        config = self._config_of(canonical)
        listing = listing or ListEntry(url=canonical, channel=config.name if config else "")
        merged = self.settle(canonical, listing)
        if config is None or not isinstance(response, TextResponse):
            self.failed(canonical, listing, response.url, "not_text", "is not a text page of a configured site")
            return
        section = merged.channel.partition("/")[2]
        group = config.group or self.group
        item = read_article(response.body, response.url, response.encoding, config, canonical, merged, section,
                            group, self.now)
        item.channel_rank = self.rank(merged.channel)
        selectors = {**GENERIC_RULES, **{_FIELD_OF.get(name, name): rule.expression
                                         for name, rule in config.selectors.items()}}
        yield self.finish(item, f"article/{config.name}", selectors, (response.url, response.body, response.encoding),
                          canonical, listing)


_FIELD_OF = dict(zip(FIELDS, ("title", "paragraphs", "published_at", "authors"), strict=True))


def _slot(site: str) -> str:
    return f"news:{site}"
