"""Recognise an anti-bot JavaScript challenge page served instead of the site.

Such a page is small, carries none of the site's markup, and its scripts set a cookie and
reload, or name a known challenge (Aliyun WAF ``acw_sc__v2``, Jiasule ``__jsl_clearance``,
Cloudflare's ``_cf_chl``). The caller says the site's markers were missing; this looks at
the rest.
"""
from __future__ import annotations

import re

TOKENS = re.compile(rb"acw_sc__v2|__jsl_clearance|_cf_chl|cf-challenge|challenge-platform|/cdn-cgi/challenge", re.I)
COOKIE_RELOAD = re.compile(
    rb"document\.cookie\s*=.{0,2000}?(location\.reload|location\.href\s*=|location\.replace)", re.I | re.S
)
MAX_BYTES = 30_000


def is_challenge(body: bytes) -> bool:
    """True when ``body`` looks like a JavaScript challenge page.

    >>> is_challenge(b"<html><script>var x='acw_sc__v2';document.cookie=x;location.reload()</script></html>")
    True
    >>> is_challenge(b"<html><script>document.cookie='a=1'; location.reload();</script></html>")
    True
    >>> is_challenge(b"<html><body><h3>title</h3><p>text</p></body></html>")
    False
    """
    if len(body) > MAX_BYTES or b"<script" not in body.lower():
        return False
    return bool(TOKENS.search(body) or COOKIE_RELOAD.search(body))
