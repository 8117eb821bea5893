"""Fetch a real site from a mirror, below everything that looks at URLs.

``NEWSBOT_MIRRORS`` maps real origins to mirror origins, e.g.
``{"https://www.guancha.cn": "http://127.0.0.1:8000"}`` (the bundled sample site, a cache, a
staging copy). The mapping happens in the download handler: spiders, the duplicate filter,
robots.txt, the offsite filter, the HTTP cache, the stats and the items see only real URLs.
A redirect's ``Location`` that points into a mirror is mapped back to the real origin.

Why a download handler rather than a downloader middleware: a middleware that changes
``request.url`` makes every later component see the mirror's address (the response URL,
the cache key, the robots.txt host, the politeness slot), which is what this avoids.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit
from weakref import WeakSet

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object

logger = logging.getLogger(__name__)
_announced: WeakSet[Crawler] = WeakSet()


class MirrorError(ValueError):
    """NEWSBOT_MIRRORS is not a mapping of origins to origins."""


def _origin(url: str, setting_key: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
        raise MirrorError(f"NEWSBOT_MIRRORS: {setting_key} {url!r} is not an origin (scheme://host[:port])")
    return parts.scheme, parts.netloc.lower()


class Mirrors:
    """Real origin <-> mirror origin.

    >>> m = Mirrors({"https://www.guancha.cn": "http://127.0.0.1:8000/"})
    >>> m.to_mirror("https://www.guancha.cn/a/b.shtml?x=1")
    'http://127.0.0.1:8000/a/b.shtml?x=1'
    >>> m.to_real("http://127.0.0.1:8000/"), m.to_mirror("https://user.guancha.cn/") is None
    ('https://www.guancha.cn/', True)
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._mirror: dict[tuple[str, str], tuple[str, str]] = {}
        self._real: dict[tuple[str, str], tuple[str, str]] = {}
        for real, mirror in mapping.items():
            real_origin, mirror_origin = _origin(real, "real origin"), _origin(mirror, "mirror of " + real)
            if mirror_origin in self._real:
                raise MirrorError(f"NEWSBOT_MIRRORS: {mirror} is the mirror of two origins")
            self._mirror[real_origin] = mirror_origin
            self._real[mirror_origin] = real_origin

    @classmethod
    def from_setting(cls, value: Any) -> Self:
        """From the setting's value: a dict, or JSON text (as the environment gives it)."""
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError as error:
                raise MirrorError(f"NEWSBOT_MIRRORS is not JSON: {error}") from error
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise MirrorError("NEWSBOT_MIRRORS must map origin strings to origin strings")
        return cls(value)

    def __bool__(self) -> bool:
        return bool(self._mirror)

    def __str__(self) -> str:
        return ", ".join(f"{urlunsplit((*real, '', '', ''))} -> {urlunsplit((*mirror, '', '', ''))}"
                         for real, mirror in self._mirror.items())

    def to_mirror(self, url: str) -> str | None:
        """Where to download ``url`` from; None when its origin has no mirror."""
        parts = urlsplit(url)
        target = self._mirror.get((parts.scheme, parts.netloc.lower()))
        if target is None:
            return None
        return urlunsplit((*target, parts.path or "/", parts.query, ""))

    def to_real(self, url: str) -> str:
        """The real address of a mirror's ``url`` (others unchanged)."""
        parts = urlsplit(url)
        origin = self._real.get((parts.scheme, parts.netloc.lower()))
        if origin is None:
            return url
        return urlunsplit((*origin, parts.path, parts.query, parts.fragment))


    def unmirror_text(self, text: str) -> str:
        """``text`` with every mirror origin in it replaced by its real origin (error messages).

        >>> Mirrors({"https://a.example": "http://127.0.0.1:1"}).unmirror_text("Getting http://127.0.0.1:1/x took long")
        'Getting https://a.example/x took long'
        """
        for real, mirror in self._mirror.items():
            text = text.replace(urlunsplit((*mirror, "", "", "")), urlunsplit((*real, "", "", "")))
        return text


class MirrorDownloadHandler(BaseDownloadHandler):
    """The http(s) download handler: Scrapy's own, fed the mirror's address where one is set."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.mirrors = Mirrors.from_setting(crawler.settings.get("NEWSBOT_MIRRORS") or {})
        self._inner: dict[str, BaseDownloadHandler] = {}
        built: dict[str, BaseDownloadHandler] = {}  # one instance (one connection pool) per class
        for scheme in ("http", "https"):
            path = crawler.settings.getdict("DOWNLOAD_HANDLERS_BASE").get(scheme)
            if not path:
                raise NotConfigured(f"no base download handler for {scheme}")
            if path not in built:
                built[path] = build_from_crawler(load_object(path), crawler)
            self._inner[scheme] = built[path]
        if self.mirrors and crawler not in _announced:  # Scrapy builds one handler per scheme
            _announced.add(crawler)
            logger.info("fetching from mirrors: %s", self.mirrors)

    async def download_request(self, request: Request) -> Response:
        target = self.mirrors.to_mirror(request.url)
        if target is None:
            return await self._inner[urlsplit(request.url).scheme].download_request(request)
        try:
            response = await self._inner[urlsplit(target).scheme].download_request(request.replace(url=target))
        except Exception as error:
            # Timeouts and connection errors name the address they tried: name the real one.
            error.args = tuple(self.mirrors.unmirror_text(arg) if isinstance(arg, str) else arg for arg in error.args)
            raise
        headers = response.headers.copy()
        location = headers.get("Location")
        if location:
            real = self.mirrors.to_real(response.urljoin(location.decode("latin-1")))
            headers["Location"] = real.encode("latin-1", "replace")
        return response.replace(url=request.url, headers=headers, request=request)

    async def close(self) -> None:
        for handler in {id(h): h for h in self._inner.values()}.values():
            await handler.close()
