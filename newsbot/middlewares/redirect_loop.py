"""Name redirect loops instead of letting the duplicate filter swallow them quietly.

Scrapy's RedirectMiddleware sends the redirected request back through the scheduler, whose
duplicate filter drops a URL already seen, at DEBUG level: a loop A -> B -> A vanishes
without a word. This middleware runs before it and fails such a response loudly.
"""
from __future__ import annotations

import logging
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)


class RedirectLoopError(IgnoreRequest):
    """A redirect that leads back to a URL of its own chain."""


class RedirectLoopMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = safe_url_string(response.urljoin(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.stats.inc_value("newsbot/fetch/redirect_loop")
            logger.error("redirect loop: %s -> %s", " -> ".join(chain), target)
            raise RedirectLoopError(f"redirect loop back to {target}")
        return response
