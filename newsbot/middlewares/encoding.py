"""Decode pages by their bytes when the declared charset lies.

Chinese pages often declare gb2312 while sending UTF-8, or declare UTF-8 while sending GBK.
Scrapy trusts the declaration; this middleware checks it against the bytes.
"""
from __future__ import annotations

import logging

from charset_normalizer import from_bytes
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# GB2312 and GBK pages often use characters only their superset GB18030 has.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030"}


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
    """The encoding the bytes really use.

    UTF-8 first: non-ASCII bytes that are valid UTF-8 are almost never anything else. Then
    the declared charset if the bytes fit it, then a statistical guess (charset-normalizer).

    >>> best_encoding("观察者网".encode("utf-8"), "gb2312")
    'utf-8'
    >>> best_encoding("观察者网，中国关怀，全球视野。".encode("gbk"), "utf-8")
    'gb18030'
    """
    if decodes(body, "utf-8"):
        return "utf-8"
    declared = SUPERSETS.get(declared.lower(), declared)
    if declared.lower().replace("-", "") != "utf8" and decodes(body, declared):
        return declared
    guess = from_bytes(body).best()
    encoding = guess.encoding if guess is not None else "gb18030"
    return SUPERSETS.get(encoding, encoding)


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
        if _same(actual, declared):
            return response
        logger.warning("%s declares %s but its bytes are %s; decoding as %s", response.url, declared, actual, actual)
        self.stats.inc_value("newsbot/encoding/fixed")
        return response.replace(encoding=actual)


def _same(a: str, b: str) -> bool:
    def key(name: str) -> str:
        name = name.lower()
        return SUPERSETS.get(name, name).replace("-", "").replace("_", "")

    return key(a) == key(b)
