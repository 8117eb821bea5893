"""Canonical article URLs: every address of one article maps to one string.

The canonical URL is the ``url`` field of an Article and the key in MongoDB and in the
dedupe/incremental state.

Paths are percent-encoded (UTF-8, upper-case hex): a 2026 path such as ``/GuoJi·ZhanLue/…``
reaches the crawl both raw (an ``href`` in a list) and encoded (``%C2%B7``: Scrapy passes
every request URL through ``w3lib.url.safe_url_string``, so ``response.url`` is encoded).
The encoded form is the one both can be turned into without guessing, it is what the
downloader really asks for, and it is plain ASCII, as RFC 3986 wants a URI to be.
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_GUANCHA_HOSTS = {"guancha.cn", "www.guancha.cn", "m.guancha.cn"}
_USER_HOSTS = {"user.guancha.cn", "m.user.guancha.cn"}
# /<section or columnist>/YYYY_MM_DD_<id>[_s|_<page>].shtml
_WWW_ARTICLE = re.compile(r"^(/[^/]+/\d{4}_\d{2}_\d{2}_\d+)(?:_s|_\d+)?\.shtml$")
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_PARAMS = {"s", "spm", "from", "share_token", "fbclid", "gclid"}
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


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
    """
    parts = urlsplit(safe_url_string(url.strip()))
    parts = parts._replace(path=_ESCAPE.sub(lambda escape: escape.group(0).upper(), parts.path))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host in _GUANCHA_HOSTS:
        match = _WWW_ARTICLE.match(parts.path)
        if match:  # an article: every page, the _s variant and any query are one
            return urlunsplit(("https", "www.guancha.cn", match.group(1) + ".shtml", "", ""))
        return urlunsplit(("https", "www.guancha.cn", parts.path or "/",
                           _strip_tracking(parts.query), ""))
    if host in _USER_HOSTS and parts.path.rstrip("/") == "/main/content":
        post_id = dict(parse_qsl(parts.query)).get("id", "")
        query = urlencode({"id": post_id}) if post_id else ""
        return urlunsplit(("https", "user.guancha.cn", "/main/content", query, ""))
    if host.endswith(".guancha.cn"):
        scheme = "https"
    return urlunsplit((scheme, _netloc(parts, host, scheme), parts.path or "/",
                       _strip_tracking(parts.query), ""))


def _netloc(parts: SplitResult, host: str, scheme: str) -> str:
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    if port is None or port == default:
        return host
    return f"{host}:{port}"


def _strip_tracking(query: str) -> str:
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key not in _TRACKING_PARAMS and not key.startswith(_TRACKING_PREFIXES)
    ]
    return urlencode(pairs)
