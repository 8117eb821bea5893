"""guancha.cn's URL rules: its hosts, its article and 风闻 post addresses and the one
canonical form of each. No other module knows them: the rest of newsbot asks the registry
(``newsbot.sites.registry``), the guancha modules import from here.

Settled here once (three copies used to disagree):

- ``…_ID_s.shtml`` (the whole text) and ``…_ID_N.shtml`` (page N) are pages of the
  article ``…_ID.shtml``: articles, with its canonical URL and its id;
- ``m.user.guancha.cn`` is the mobile 风闻 host: a post there is the post on
  ``user.guancha.cn``, as ``m.guancha.cn`` pages are the ``www`` ones;
- an article or post id is 1 to 20 digits; an address with any other id is no article.
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlsplit

from w3lib.url import safe_url_string

from newsbot.urls import without_tracking

# The origin of each real host, by the key the crawl and the sample site name it with.
REAL = {
    "www": "https://www.guancha.cn",
    "user": "https://user.guancha.cn",
    "app": "https://app.guancha.cn",
    "img": "https://i.guancha.cn",
}
HOST_KEYS = {
    "guancha.cn": "www",
    "www.guancha.cn": "www",
    "m.guancha.cn": "www",
    "user.guancha.cn": "user",
    "m.user.guancha.cn": "user",
    "app.guancha.cn": "app",
    "i.guancha.cn": "img",
}
HOSTS = frozenset(HOST_KEYS)
ARTICLE_HOSTS = frozenset(host for host, key in HOST_KEYS.items() if key in ("www", "user"))
# /<section or columnist>/YYYY_MM_DD_<id>[_s|_<page>].shtml
_ARTICLE_PATH = re.compile(r"^(?P<stem>/[^/]+/\d{4}_\d{2}_\d{2}_(?P<id>\d{1,20}))(?P<variant>_s|_\d+)?\.shtml$")
_POST_PATHS = ("/main/content", "/main/content/")
_POST_ID = re.compile(r"^\d{1,20}$")
# Tracking parameters of the site's own share links, besides the usual ones (utm_*, …).
_TRACKING = ("s",)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _split(url: str) -> tuple[str | None, SplitResult]:
    parts = urlsplit(url.strip())
    return HOST_KEYS.get((parts.hostname or "").rstrip(".")), parts


def host_key(url: str) -> str | None:
    """Which guancha host a URL is on ("www", "user", "app", "img"), None for others.

    >>> host_key("http://M.User.guancha.cn/main/content?id=1"), host_key("https://guancha.cn/"), host_key("https://stat.guancha.cn/")
    ('user', 'www', None)
    """
    return _split(url)[0]


def post_url(post_id: str | int) -> str:
    """The canonical URL of the 风闻 post ``post_id``: the one place that builds one.

    >>> post_url(723415)
    'https://user.guancha.cn/main/content?id=723415'
    """
    return f"{REAL['user']}/main/content?id={post_id}"


def post_id(url: str) -> str | None:
    """The id of the 风闻 post at ``url`` (any address of it), None for any other URL.

    >>> post_id("http://m.user.guancha.cn/main/content/?page=0&id=723415#c"), post_id("https://user.guancha.cn/main/content?id=x1")
    ('723415', None)
    """
    key, parts = _split(url)
    if key != "user" or parts.path not in _POST_PATHS:
        return None
    value = dict(parse_qsl(parts.query)).get("id", "")
    return value if _POST_ID.match(value) else None


def _article_path(url: str) -> re.Match[str] | None:
    key, parts = _split(url)
    return _ARTICLE_PATH.match(parts.path) if key == "www" else None


def is_article(url: str) -> bool:
    """Any page of a www article (plain, ``_N``, ``_s``) or a 风闻 post, on any of their hosts.

    >>> [is_article(u) for u in ("https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml",
    ...  "http://m.guancha.cn/WangWen/2019_09_07_516891_s.shtml", "https://m.user.guancha.cn/main/content?id=7")]
    [True, True, True]
    >>> [is_article(u) for u in ("https://user.guancha.cn", "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml",
    ...  "https://i.guancha.cn/a/2019_09_07_1.shtml", "https://www.guancha.cn/a/2019_09_07_1_s.html")]
    [False, False, False, False]
    """
    return _article_path(url) is not None or post_id(url) is not None


def is_full_text_url(url: str) -> bool:
    """The ``_s.shtml`` page of an article (its whole text on one page).

    >>> is_full_text_url("https://www.guancha.cn/A/2022_04_26_7_s.shtml"), is_full_text_url("https://www.guancha.cn/A/2022_04_26_7_2.shtml")
    (True, False)
    """
    match = _article_path(url)
    return match is not None and match["variant"] == "_s"


def article_id(url: str) -> str | None:
    """``guancha-<id>`` for an article, ``fengwen-<id>`` for a 风闻 post, None otherwise.

    >>> article_id("http://m.guancha.cn/GuoJi%C2%B7ZhanLue/2022_04_26_636893_2.shtml?s=x"), article_id("https://m.user.guancha.cn/main/content?id=723415&page=0")
    ('guancha-636893', 'fengwen-723415')
    """
    if match := _article_path(url):
        return f"guancha-{match['id']}"
    post = post_id(url)
    return f"fengwen-{post}" if post else None


def canonical_url(url: str) -> str:
    """The one URL of the page at ``url``: ``https``, the ``www`` or ``user`` host for
    their mobile twins, the plain ``.shtml`` for every page of an article, ``?id=N`` alone
    for a post, no fragment and no tracking parameters; path and query percent-encoded
    with upper-case escapes (see :mod:`newsbot.urls`), the query in its own order.

    >>> canonical_url("http://m.guancha.cn/internation/2022_04_26_636893_s.shtml?s=fwzxfbt#comment")
    'https://www.guancha.cn/internation/2022_04_26_636893.shtml'
    >>> canonical_url("http://m.user.guancha.cn/main/content?page=0&id=723415&s=fwzwyzzwzbt")
    'https://user.guancha.cn/main/content?id=723415'
    >>> canonical_url("http://guancha.cn/api/redian.htm?page=2&s=x&utm_source=wx"), canonical_url("http://stat.guancha.cn:8080/pv?a=1#x")
    ('https://www.guancha.cn/api/redian.htm?page=2', 'https://stat.guancha.cn/pv?a=1')
    """
    safe = safe_url_string(url.strip())
    key, parts = _split(safe)
    path, query = (_ESCAPE.sub(lambda escape: escape.group(0).upper(), part) for part in (parts.path, parts.query))
    if key == "www" and (match := _ARTICLE_PATH.match(path)):
        return f"{REAL['www']}{match['stem']}.shtml"
    if key == "user" and (post := post_id(safe)):
        return post_url(post)
    origin = REAL[key] if key else f"https://{(parts.hostname or '').rstrip('.')}"
    return without_tracking(f"{origin}{path or '/'}{'?' if query else ''}{query}", also=_TRACKING)


def full_text_url(canonical: str) -> str:
    """The page that holds an article's whole text: ``_s.shtml`` on www, ``&page=0`` for 风闻.

    >>> full_text_url("https://www.guancha.cn/internation/2022_04_27_636953.shtml")
    'https://www.guancha.cn/internation/2022_04_27_636953_s.shtml'
    >>> full_text_url("https://user.guancha.cn/main/content?id=900001")
    'https://user.guancha.cn/main/content?id=900001&page=0'
    """
    post = post_id(canonical)
    if post is not None:
        return f"{post_url(post)}&page=0"
    return canonical.removesuffix(".shtml") + "_s.shtml"
