"""Canonical article URLs: every address of one article maps to one string.

The canonical URL is the ``url`` field of an Article and the key in MongoDB and in the
dedupe/incremental state.
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

_GUANCHA_HOSTS = {"guancha.cn", "www.guancha.cn", "m.guancha.cn"}
_USER_HOSTS = {"user.guancha.cn", "m.user.guancha.cn"}
# /<section or columnist>/YYYY_MM_DD_<id>[_s|_<page>].shtml
_WWW_ARTICLE = re.compile(r"^(/[^/]+/\d{4}_\d{2}_\d{2}_\d+)(?:_s|_\d+)?\.shtml$")
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_PARAMS = {"s", "spm", "from", "share_token", "fbclid", "gclid"}


def canonical_url(url: str) -> str:
    """Return the one URL that stands for the article at ``url``.

    >>> canonical_url("http://m.guancha.cn/internation/2022_04_26_636893_s.shtml?s=fwzxfbt#comment")
    'https://www.guancha.cn/internation/2022_04_26_636893.shtml'
    >>> canonical_url("https://user.guancha.cn/main/content?id=723415&page=0")
    'https://user.guancha.cn/main/content?id=723415'
    """
    url = url.strip()
    parts = urlsplit(url)
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
