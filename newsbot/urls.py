"""Canonical article URLs: every address of one article maps to one string.

The canonical URL is the ``url`` field of an Article and the key in MongoDB and in the
dedupe/incremental state. A registered site gives its own rule (``Site.canonical_url``);
any other URL gets w3lib's ``canonicalize_url`` (sorted query, percent-encoded UTF-8 path
and query, no fragment) without tracking parameters, credentials or the default port.

Paths are percent-encoded (UTF-8, upper-case hex): a path such as ``/GuoJi·ZhanLue/…``
reaches the crawl both raw (an ``href`` in a list) and encoded (``%C2%B7``: Scrapy passes
every request URL through ``w3lib.url.safe_url_string``, so ``response.url`` is encoded).
The encoded form is the one both can be turned into without guessing, it is what the
downloader really asks for, and it is plain ASCII, as RFC 3986 wants a URI to be.
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from scrapy.utils.url import strip_url
from w3lib.url import canonicalize_url, url_query_cleaner

from newsbot.sites.registry import site_for_url

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "spm", "from", "share_token",
})


def canonical_url(url: str) -> str:
    """Return the one URL that stands for the article at ``url``.

    >>> canonical_url("http://m.guancha.cn/internation/2022_04_26_636893_s.shtml?s=fwzxfbt#comment")
    'https://www.guancha.cn/internation/2022_04_26_636893.shtml'
    >>> canonical_url("https://user.guancha.cn/main/content?id=723415&page=0")
    'https://user.guancha.cn/main/content?id=723415'
    >>> canonical_url("https://www.guancha.cn/GuoJi·ZhanLue/2026_10_03_903114_s.shtml")
    'https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml'
    >>> canonical_url("https://www.guancha.cn/GuoJi%c2%b7ZhanLue/2026_10_03_903114.shtml")
    'https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml'
    >>> canonical_url("HTTP://News.Example.org:80/a/b.html?utm_source=x&p=2&fbclid=y&id=9#top")
    'http://news.example.org/a/b.html?id=9&p=2'
    """
    site = site_for_url(url)
    if site is not None:
        return site.canonical_url(url)
    return generic_canonical_url(url)


def generic_canonical_url(url: str) -> str:
    """The rule for a URL of no site (a site may use it for its pages that are no article).

    >>> generic_canonical_url("https://user:pw@Example.org:443/a?b=2&a=1&a=0&gclid=x#f")
    'https://example.org/a?a=0&a=1&b=2'
    """
    return strip_url(without_tracking(canonicalize_url(url.strip())))


def without_tracking(url: str, also: Iterable[str] = ()) -> str:
    """``url`` without its tracking parameters (``TRACKING_PARAMS``, ``utm_*`` and the
    names in ``also``) or its fragment; the other parameters keep their order and spelling.

    >>> without_tracking("https://example.org/list?page=2&utm_medium=wx&s=abc&page=3#x", also=["s"])
    'https://example.org/list?page=2&page=3'
    """
    names = TRACKING_PARAMS.union(also)
    query = urlsplit(url).query
    tracking = [key for key, _ in parse_qsl(query, keep_blank_values=True)
                if key in names or key.startswith(TRACKING_PREFIXES)]
    return url_query_cleaner(url, tracking, remove=True, unique=False)
