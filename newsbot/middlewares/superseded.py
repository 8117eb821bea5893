"""Drop an article request this crawl no longer needs, before it is downloaded.

One article listed in two channels can be asked for twice: the request fingerprint holds
the channel (newsbot/fingerprint.py) so that a better channel is never dropped as a
duplicate. When this crawl has the article in hand already (answered in the same or a
better channel, being downloaded, or asked for in a better channel: the spider's
:meth:`~newsbot.spiders.base.NewsSpider.claim` says), the other request is dropped with
:class:`Superseded` instead of being downloaded; a request for a better channel than the
answer goes on, to raise the article's categories.
"""
from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


class Superseded(IgnoreRequest):
    """This crawl has the article in hand already, from another request."""


class SupersededMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | Response | None:
        if not request.meta.get("newsbot_article"):
            return None
        claim = getattr(self.crawler.spider, "claim", None)
        if claim is not None and not claim(request):
            raise Superseded(f"already answered in the same or a better channel: {request.url}")
        return None
