"""Keep a copy of every picture of an article (hot links die: hosts purge files, check referrers).

With ``NEWSBOT_IMAGES_STORE`` set (a directory, ``s3://bucket/prefix/`` or
``gs://bucket/prefix/``: Scrapy's file stores), each body image and the lead image are
downloaded with Scrapy's FilesPipeline and their ``path`` (relative to the store) and
``checksum`` (md5 of the stored bytes) are set on the item's Image. The bytes are kept
as served (a PNG chart stays a PNG, a GIF keeps its frames) once Pillow has checked that
they are an image.

- The path is Scrapy's ``full/<sha1 of the URL><ext>``: the same picture in two articles, or
  in two crawls, is one file, whatever mirror it was fetched from (``NEWSBOT_MIRRORS`` maps
  downloads below the pipeline, which sees only real URLs).
- A picture that fails (an HTTP error, a timeout, bytes that are no image) gets path and
  checksum None, is counted in ``newsbot/images/failed/<reason>`` and logged once, with the
  image and the article URL; the article goes on to the next pipelines all the same.
"""
from __future__ import annotations

import logging
from io import BytesIO
from typing import Any, Self

from itemadapter import ItemAdapter
from PIL import Image as PillowImage
from PIL import UnidentifiedImageError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline
from twisted.internet import defer, error
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from newsbot.disabled import disabled

logger = logging.getLogger(__name__)
STATS = "newsbot/images"
_TIMEOUTS = (DownloadTimeoutError, TimeoutError, error.TimeoutError, defer.TimeoutError)
_CONNECTION = (DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError, ResponseDataLossError,
               error.ConnectError, error.DNSLookupError, error.ConnectionLost, error.ConnectionDone)


class ImageFailed(Exception):
    """A picture that could not be stored; ``reason`` names the stats key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ImagesPipeline(FilesPipeline):
    """Scrapy's FilesPipeline fed with the Images of an Article, writing back path and checksum."""

    LOG_FAILED_RESULTS = False  # failures are logged once per article in item_completed

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        # Why each failed download failed, by download URL. media_failed records it and
        # returns: raising would make Scrapy log every failure again as an ERROR with a traceback.
        self.failures: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        store = (crawler.settings.get("NEWSBOT_IMAGES_STORE") or "").strip()
        if not store:
            raise disabled(cls, "NEWSBOT_IMAGES_STORE is not set; items keep hot links")
        cls._update_stores(crawler.settings)
        return cls(store, crawler=crawler)

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        article = ItemAdapter(item).get("url") or ""
        return [self._request(url, article) for url in _image_urls(item)]

    def _request(self, url: str, article_url: str) -> Request:
        headers = {"Referer": article_url} if article_url else {}
        # Pictures are often on other hosts (CDNs) than the spider's allowed_domains.
        return Request(url, callback=NO_CALLBACK, headers=headers, meta={"allow_offsite": True})

    async def media_downloaded(self, response: Response, request: Request, info: MediaPipeline.SpiderInfo,
                               *, item: Any = None) -> FileInfo:
        if response.status != 200:
            raise ImageFailed(f"http_{response.status}")
        if not _is_image(response.body):
            raise ImageFailed("not_image")
        return await super().media_downloaded(response, request, info, item=item)

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> None:  # type: ignore[override]
        """Record why, and return: Scrapy then caches None as the URL's result (for every
        article that uses it) and item_completed reads the reason back from ``failures``."""
        self.failures[request.url] = _reason(failure)

    def item_completed(self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("url") or "<no url>"
        # One result per request, and get_media_requests made one request per image, in order.
        for image, (ok, value) in zip(_images(item), results, strict=True):
            if ok and value and not isinstance(value, Failure):
                image["path"], image["checksum"] = value["path"], value["checksum"]
                self.crawler.stats.inc_value(f"{STATS}/stored")
                continue
            image["path"] = image["checksum"] = None
            if isinstance(value, Failure):
                reason = _reason(value)
            else:
                reason = self.failures.get(safe_url_string(image["url"]), "error")
            self.crawler.stats.inc_value(f"{STATS}/failed")
            self.crawler.stats.inc_value(f"{STATS}/failed/{reason}")
            logger.warning("Image not stored (%s): %s in %s", reason, image["url"], article)
        return item


def _images(item: Any) -> list[ItemAdapter]:
    """The lead image, then the body images (Images or dicts) that have a URL: the requests' order."""
    adapter = ItemAdapter(item)
    lead = adapter.get("lead_image")
    images = [ItemAdapter(image) for image in ([lead] if lead else []) + list(adapter.get("images") or [])]
    return [image for image in images if image.get("url")]


def _image_urls(item: Any) -> list[str]:
    return [image["url"] for image in _images(item)]


def _is_image(body: bytes) -> bool:
    """Whether Pillow recognises ``body`` as a whole, readable image."""
    try:
        with PillowImage.open(BytesIO(body)) as picture:
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def _reason(failure: Failure) -> str:
    """The stats key of a failed download: http_404, not_image, timeout, connection, filtered, error."""
    value = failure.value
    if isinstance(value, ImageFailed):
        return value.reason
    if isinstance(value, _TIMEOUTS):
        return "timeout"
    if isinstance(value, _CONNECTION):
        return "connection"
    if isinstance(value, IgnoreRequest):
        return "filtered"
    return "error"
