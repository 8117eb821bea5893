"""Decode pages by their bytes when the declared charset lies.

Chinese pages often declare gb2312 while sending UTF-8, or declare UTF-8 while sending GBK.
Scrapy trusts the declaration; this middleware checks it against the bytes.
"""
from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# Tried in order. UTF-8 first: bytes that are valid UTF-8 and not ASCII are almost never
# anything else, while GB18030 accepts nearly any byte string and so proves little.
CANDIDATES = ("utf-8", "gb18030", "big5")


def decodes(body: bytes, encoding: str) -> bool:
    """True when ``body`` is valid in ``encoding``.

    >>> decodes("观察者网".encode("gbk"), "utf-8"), decodes("观察者网".encode("gbk"), "gb18030")
    (False, True)
    """
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def best_encoding(body: bytes, declared: str) -> str:
    """The encoding the bytes really use: UTF-8 if valid, else the declared one if valid.

    >>> best_encoding("观察者网".encode("utf-8"), "gb2312")
    'utf-8'
    >>> best_encoding("观察者网".encode("gbk"), "utf-8")
    'gb18030'
    """
    if decodes(body, "utf-8"):
        return "utf-8"
    if declared.lower() not in ("utf-8", "utf8") and decodes(body, declared):
        return declared
    for candidate in CANDIDATES[1:]:
        if decodes(body, candidate):
            return candidate
    return declared


class EncodingFixMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "EncodingFixMiddleware":
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or response.body.isascii():
            return response
        declared = response.encoding
        actual = best_encoding(response.body, declared)
        if actual.replace("-", "").lower() == declared.replace("-", "").lower() or (
            actual == "gb18030" and declared.lower() in ("gbk", "gb2312", "cp936")
        ):
            return response
        logger.warning("%s declares %s but its bytes are %s; decoding as %s", response.url, declared, actual, actual)
        self.stats.inc_value("newsbot/encoding/fixed")
        return response.replace(encoding=actual)
