"""Fail an article or list request that the site redirects somewhere else, loudly.

guancha.cn answers a missing or removed article (and the ``_s.shtml`` of a single-page
article) with a 302 to its home page. Scrapy's RedirectMiddleware would queue the home
page, which the duplicate filter then drops at DEBUG level: the article vanishes without a
word. This middleware runs before RedirectMiddleware. A redirect to anything that is not
the same page (by canonical URL) is not followed: the 3xx response goes on to Scrapy's
HttpError handling and so to the request's errback, with the target in
``request.meta["newsbot_redirected_away"]`` (:func:`redirected_away` reads it). Going
through the errback rather than raising here keeps the failure on the path every other
HTTP error takes (retries, stats, the distributed in-flight records). Redirects within one
page (http to https, a tracking query) go on as usual.
"""
from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from newsbot.urls import canonical_url

REDIRECTS = (301, 302, 303, 307, 308)
# Request meta keys that mark an article, a further page of one, or a list page.
WATCHED = ("newsbot_article", "newsbot_page_of", "newsbot_list")
META = "newsbot_redirected_away"


def redirected_away(failure: Failure) -> str | None:
    """Where a failed request was redirected to, if that is why it failed."""
    if not failure.check(HttpError):
        return None
    return failure.value.response.request.meta.get(META)


class RedirectAwayMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        meta = request.meta
        if response.status not in REDIRECTS or not any(meta.get(key) for key in WATCHED):
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        target = safe_url_string(response.urljoin(location.decode("latin-1")))
        expected = meta.get("newsbot_canonical") or canonical_url(request.url)
        if canonical_url(target) != canonical_url(expected):
            meta[META] = target
            meta["dont_redirect"] = True
        return response
