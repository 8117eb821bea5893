"""The guancha.cn hosts, and the mirror the crawl may fetch them from.

Items always carry the real site's URLs. When a setting points a host at a mirror (the
bundled sample site, a cache), only the address a request goes to changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsbot.sites.guancha.urls import HOST_KEYS as _HOST_KEYS
from newsbot.sites.guancha.urls import REAL


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
