"""The guancha.cn hosts and what each holds (mirrors are mapped below the spider: newsbot/mirrors.py)."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

REAL = {  # the real origin of each host
    "www": "https://www.guancha.cn",
    "user": "https://user.guancha.cn",
    "app": "https://app.guancha.cn",
    "img": "https://i.guancha.cn",
}
_HOST_KEYS = {
    "www.guancha.cn": "www",
    "guancha.cn": "www",
    "m.guancha.cn": "www",
    "user.guancha.cn": "user",
    "app.guancha.cn": "app",
    "i.guancha.cn": "img",
}
_ARTICLE_PATH = re.compile(r"^/[^/]+/\d{4}_\d{2}_\d{2}_\d+(?:_\d+)?\.shtml$")


def host_key(real_url: str) -> str | None:
    """Which guancha host a real URL is on ("www", "user", "app", "img"), None for others."""
    return _HOST_KEYS.get((urlsplit(real_url).hostname or "").lower())


def is_article(real_url: str) -> bool:
    """A www article page (any page of it) or a 风闻 post.

    >>> is_article("https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml"), is_article("https://user.guancha.cn")
    (True, False)
    """
    parts = urlsplit(real_url)
    key = host_key(real_url)
    if key == "www":
        return bool(_ARTICLE_PATH.match(parts.path))
    return key == "user" and parts.path == "/main/content" and "id" in dict(parse_qsl(parts.query))


def full_text_url(canonical: str) -> str:
    """The page that holds an article's whole text: ``_s.shtml`` on www, ``&page=0`` for 风闻.

    >>> full_text_url("https://www.guancha.cn/internation/2022_04_27_636953.shtml")
    'https://www.guancha.cn/internation/2022_04_27_636953_s.shtml'
    >>> full_text_url("https://user.guancha.cn/main/content?id=900001")
    'https://user.guancha.cn/main/content?id=900001&page=0'
    """
    if host_key(canonical) == "user":
        return canonical + "&page=0"
    return canonical.removesuffix(".shtml") + "_s.shtml"
