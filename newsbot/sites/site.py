"""What the rest of newsbot knows about a news site: one declaration per site.

A site package builds one :class:`Site` and the registry (``newsbot.sites.registry``) hands
it to whoever asks by URL or by name: the generic URL code, the Hexo file names, the tests.
No other module knows a site's hosts or URL rules.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from lxml import etree

    from newsbot.items import Article
    from newsbot.sites.page import PageContext


class Extractor(Protocol):
    """Reads one article out of a parsed page (see :func:`newsbot.dom.parse_response`)."""

    def __call__(self, page: etree._Element, ctx: PageContext, /) -> Article: ...


def _no_id(url: str) -> str | None:
    return None


def _same_page(canonical: str) -> str:
    return canonical


@dataclass(frozen=True, eq=False)
class Site:
    """One news site. Hosts are lower-case names; a URL on a subdomain of one of them
    belongs to the site too (``stat.guancha.cn`` is guancha's).

    ``canonical_url`` and ``is_article`` accept any address of a page (any scheme, mirror
    host spelling, page variant or tracking query); ``article_id`` gives the short id used
    in file names (``None``: the caller falls back to a hash of the URL); ``full_text_url``
    maps a canonical article URL to the page that holds its whole text. ``channels`` maps
    the spider's channel keys to channel names, in the order that decides which channel an
    article listed on several is filed under. ``extractors`` maps the host of a canonical
    URL to the function that reads an article on that host.
    """

    name: str
    source_name: str
    language: str
    timezone: str
    hosts: frozenset[str]
    article_hosts: frozenset[str]
    canonical_url: Callable[[str], str]
    is_article: Callable[[str], bool]
    extractors: Mapping[str, Extractor]
    article_id: Callable[[str], str | None] = _no_id
    full_text_url: Callable[[str], str] = _same_page
    channels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.article_hosts <= self.hosts:
            raise ValueError(f"{self.name}: article hosts {sorted(self.article_hosts - self.hosts)} are not hosts")
        if not set(self.extractors) <= self.article_hosts:
            raise ValueError(f"{self.name}: extractors for {sorted(set(self.extractors) - self.article_hosts)}, "
                             "which hold no articles")

    @property
    def channel_order(self) -> tuple[str, ...]:
        """Channel names, best first (a name shared by several keys counts once)."""
        return tuple(dict.fromkeys(self.channels.values()))

    def extractor_for(self, canonical: str) -> Extractor:
        """The extractor for the article at ``canonical`` (its canonical URL)."""
        host = (urlsplit(canonical).hostname or "").lower()
        try:
            return self.extractors[host]
        except KeyError:
            raise LookupError(f"{self.name}: no extractor for {canonical}") from None
