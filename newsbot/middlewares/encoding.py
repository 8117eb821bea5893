"""Decode pages by their bytes when the declared charset lies.

Chinese pages often declare gb2312 while sending UTF-8, or declare UTF-8 while sending GBK.
Scrapy trusts the declaration; this middleware checks it against the bytes, by these rules
in this order:

1. Nearly-valid UTF-8 is UTF-8: at most one invalid sequence per 1,000 bytes (at least one
   is always allowed, so a download cut mid-character counts), provided the cleanly decoded
   non-ASCII characters outnumber the invalid sequences ten to one. Scrapy then decodes with
   ``errors="replace"``, so only the broken bytes become U+FFFD, not the whole page.
2. A single-byte declared charset (latin-1, iso-8859-*, windows-125x) loses to GB18030 when
   the bytes decode as GB18030 and read as Chinese: at least 80% of the decoded non-ASCII
   characters are CJK standing in runs of two or more. GBK read as latin-1 decodes without an
   error, so only this check catches it; Western text read as GB18030 gives lone CJK
   characters between ASCII letters (share near 0), real Chinese pages measure 0.88-0.99.
3. GB2312 and GBK are read as their superset GB18030.
4. Otherwise the declared charset if the bytes fit it, else a statistical guess
   (charset-normalizer).
"""
from __future__ import annotations

import codecs
import logging
import re
from typing import Self

from charset_normalizer import from_bytes
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# GB2312 and GBK pages often use characters only their superset GB18030 has.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030"}

BYTES_PER_BAD_SEQUENCE = 1000
CLEAN_PER_BAD_SEQUENCE = 10
CHINESE_SHARE = 0.8

# CJK symbols and punctuation, Extension A, Unified Ideographs, Compatibility Ideographs,
# fullwidth forms, Extensions B and later.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff"
_CJK_RUN = re.compile(f"[{_CJK}]{{2,}}")
_REPLACEMENT = "\ufffd".encode("utf-8")


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


def mostly_utf8(body: bytes) -> bool:
    r"""True when ``body`` is UTF-8 but for a few broken sequences (rule 1 above).

    >>> text = "观察者网，中国关怀，全球视野。".encode("utf-8")
    >>> mostly_utf8(text + b"\xff"), mostly_utf8(text[:-1]), mostly_utf8(b"\xff" + text + b"\xff")
    (True, True, False)
    >>> mostly_utf8("观察者网".encode("gbk"))
    False
    """
    try:
        body.decode("utf-8")
        return True  # valid: no broken sequence at all (the common case, decoded in C)
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(_REPLACEMENT)
    clean = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # non-ASCII characters
    allowed = max(1, len(body) // BYTES_PER_BAD_SEQUENCE)
    return bad <= allowed and clean >= CLEAN_PER_BAD_SEQUENCE * bad


def chinese_share(text: str) -> float:
    r"""The share of the non-ASCII characters that are CJK in runs of two or more.

    >>> chinese_share("<p>观察者网，中国关怀</p>")
    1.0
    >>> chinese_share("Gr\u9c9ee f\u9ef5r")  # "Größe für" in latin-1 bytes read as GB18030
    0.0
    """
    non_ascii = sum(1 for char in text if ord(char) > 127)
    in_runs = sum(len(run) for run in _CJK_RUN.findall(text))
    return in_runs / non_ascii if non_ascii else 0.0


def single_byte(encoding: str) -> bool:
    """True for the single-byte charsets latin-1, iso-8859-* and windows-125x (cp125x).

    >>> single_byte("latin-1"), single_byte("Windows-1252"), single_byte("gb2312"), single_byte("nonsense")
    (True, True, False, False)
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith("iso8859-") or re.fullmatch(r"cp125\d", name) is not None


def reads_as_chinese(body: bytes) -> bool:
    """True when ``body`` decodes as GB18030 into mostly Chinese text (rule 2 above)."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return chinese_share(text) >= CHINESE_SHARE


def best_encoding(body: bytes, declared: str) -> str:
    """The encoding the bytes really use, by the module's rules.

    >>> best_encoding("观察者网".encode("utf-8"), "gb2312")
    'utf-8'
    >>> best_encoding("观察者网，中国关怀，全球视野。".encode("gbk"), "utf-8")
    'gb18030'
    >>> best_encoding("观察者网，中国关怀，全球视野。".encode("gbk"), "iso-8859-1")
    'gb18030'
    >>> best_encoding("Größe für Ärzte".encode("latin-1"), "iso-8859-1")
    'iso-8859-1'
    """
    if mostly_utf8(body):
        return "utf-8"
    if single_byte(declared) and reads_as_chinese(body):
        return "gb18030"
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
    def from_crawler(cls, crawler: Crawler) -> Self:
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
