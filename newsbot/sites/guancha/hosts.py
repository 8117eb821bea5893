"""The guancha.cn hosts, and the mirror the crawl may fetch them from.

Items always carry the real site's URLs. When a setting points a host at a mirror (the
bundled sample site, a cache), only the address a request goes to changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

REAL = {
    "www": "https://www.guancha.cn",
    "user": "https://user.guancha.cn",
    "app": "https://app.guancha.cn",
    "img": "https://i.guancha.cn",
}
_HOST_KEYS = {
    "www.guancha.cn": "www",
    "guancha.cn": "www",
    "m.guancha.cn": "www",
    "user.guancha.cn": "user",
    "app.guancha.cn": "app",
    "i.guancha.cn": "img",
}
_ARTICLE_PATH = re.compile(r"^/[^/]+/\d{4}_\d{2}_\d{2}_\d+(?:_\d+)?\.shtml$")


@dataclass(frozen=True)
class Hosts:
    """Base URLs (scheme://host[:port]) to fetch each real host from."""

    www: str = REAL["www"]
    user: str = REAL["user"]
    app: str = REAL["app"]
    img: str = REAL["img"]  # the image host, fetched by the images pipeline only

    @classmethod
    def from_settings(cls, settings: Any) -> "Hosts":
        """The hosts named by the NEWSBOT_GUANCHA_<HOST> settings (the real ones if unset)."""
        return cls(**{key: (settings.get(f"NEWSBOT_GUANCHA_{key.upper()}") or real).rstrip("/")
                      for key, real in REAL.items()})

    def fetch_url(self, real_url: str) -> str:
        """The address to download ``real_url`` from.

        >>> Hosts(www="http://127.0.0.1:8000").fetch_url("https://www.guancha.cn/a/b.shtml?x=1")
        'http://127.0.0.1:8000/a/b.shtml?x=1'
        """
        parts = urlsplit(real_url)
        key = _HOST_KEYS.get((parts.hostname or "").lower())
        if key is None:
            return real_url
        base = urlsplit(getattr(self, key))
        return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))

    def real_url(self, fetched_url: str) -> str:
        """The real site's address of a downloaded URL (the inverse of fetch_url).

        >>> Hosts(user="http://127.0.0.1:8001").real_url("http://127.0.0.1:8001/main/content?id=1&page=0")
        'https://user.guancha.cn/main/content?id=1&page=0'
        """
        parts = urlsplit(fetched_url)
        for key in REAL:
            base = urlsplit(getattr(self, key))
            if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
                real = urlsplit(REAL[key])
                return urlunsplit((real.scheme, real.netloc, parts.path, parts.query, ""))
        return fetched_url


def host_key(real_url: str) -> str | None:
    """Which guancha host a real URL is on ("www", "user", "app", "img"), None for others."""
    return _HOST_KEYS.get((urlsplit(real_url).hostname or "").lower())


def is_article(real_url: str) -> bool:
    """A www article page (any page of it) or a 风闻 post.

    >>> is_article("https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml"), is_article("https://user.guancha.cn")
    (True, False)
    """
    parts = urlsplit(real_url)
    key = host_key(real_url)
    if key == "www":
        return bool(_ARTICLE_PATH.match(parts.path))
    return key == "user" and parts.path == "/main/content" and "id" in dict(parse_qsl(parts.query))


def full_text_url(canonical: str) -> str:
    """The page that holds an article's whole text: ``_s.shtml`` on www, ``&page=0`` for 风闻.

    >>> full_text_url("https://www.guancha.cn/internation/2022_04_27_636953.shtml")
    'https://www.guancha.cn/internation/2022_04_27_636953_s.shtml'
    >>> full_text_url("https://user.guancha.cn/main/content?id=900001")
    'https://user.guancha.cn/main/content?id=900001&page=0'
    """
    if host_key(canonical) == "user":
        return canonical + "&page=0"
    return canonical.removesuffix(".shtml") + "_s.shtml"
