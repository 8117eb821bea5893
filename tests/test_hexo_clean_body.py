"""A body the crawl's cleaner wrote (CleanHtml) skips the allowlist, on the blog and in the
feeds; every other body gets it.

The sample pages are the sample site's (tests/sites/guancha/www); three of them carry
analytics images in their bodies (636874, 636930, 636949).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from itemadapter import ItemAdapter

from newsbot.dom import parse_html
from newsbot.feeds.entry import content_html
from newsbot.generic import extract_article as generic_article
from newsbot.hexo import render_post
from newsbot.html_clean import CleanHtml
from newsbot.items import Article
from newsbot.sites.guancha.article import extract_article
from newsbot.sites.page import PageContext
from tests.crawl import PINNED_NOW
from tests.test_hexo_body import body_lines

WWW = Path(__file__).resolve().parent / "sites" / "guancha" / "www"
URL_OF_FEED = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"
ARTICLE_PAGE = re.compile(r"\d{4}_\d\d_\d\d_\d+(_s)?\.shtml")
HOSTILE = ('<p onclick="steal()">正文<script>alert(1)</script></p>'
           '<p><img src="https://i.guancha.cn/a.jpg" onerror="x()"><a href="javascript:alert(1)">链接</a></p>')
HOSTILE_SANITISED = [
    "<p>", "正文", "</p>",
    "<p>", '<img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer"><a>链接</a> ', "</p>",
]


def sample_articles() -> list[Article]:
    now = datetime.fromisoformat(PINNED_NOW)
    found = []
    for path in sorted(WWW.rglob("*.shtml")):
        if ARTICLE_PAGE.fullmatch(path.name):
            url = "https://www.guancha.cn/" + path.relative_to(WWW).as_posix()
            item = extract_article(parse_html(path.read_bytes()), PageContext(url, url, now))
            if item.body_html and item.published_at:
                found.append(item)
    return found


def test_a_crawled_body_gives_the_post_the_whole_sanitiser_gives() -> None:
    articles = sample_articles()
    assert len(articles) == 27
    assert all(type(a.body_html) is CleanHtml for a in articles)
    for article in articles:
        fast = render_post(article)
        article.body_html = str(article.body_html)
        assert type(article.body_html) is str
        assert fast == render_post(article), article.url


def test_a_plain_string_body_is_sanitised_in_full() -> None:
    assert body_lines(HOSTILE) == HOSTILE_SANITISED
    # Any string operation on a CleanHtml gives a plain str: the mark cannot outlive a change.
    changed = CleanHtml("<p>正文</p>") + HOSTILE
    assert type(changed) is str
    assert body_lines(changed) == ["<p>", "正文", "</p>", *HOSTILE_SANITISED]


def test_a_stored_item_read_back_is_sanitised_in_full() -> None:
    crawled = sample_articles()[0]
    crawled.body_html = CleanHtml(HOSTILE)  # as if a cleaner had let it through, then stored
    stored = json.loads(json.dumps(ItemAdapter(crawled).asdict(), ensure_ascii=False))
    assert type(stored["body_html"]) is str
    post = render_post(stored)
    assert "<script" not in post and "onclick" not in post and "javascript:" not in post and "onerror" not in post


def test_a_cleaned_body_still_loses_analytics_images_and_gets_the_referrer_policy() -> None:
    body = CleanHtml('<p>前<img src="https://hm.baidu.com/hm.gif?x" width="10" height="10">后'
                     '<img src="https://stats.example.com/a.gif">尾<img src="https://i.guancha.cn/a.jpg"></p>')
    kept = '前后尾<img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer"> '
    assert body_lines(body) == ["<p>", kept, "</p>"]


def test_a_feed_entry_of_a_crawled_body_is_what_the_whole_sanitiser_gives() -> None:
    for article in sample_articles():
        fast = content_html(ItemAdapter(article))
        article.body_html = str(article.body_html)
        assert fast == content_html(ItemAdapter(article)), article.url


def test_a_feed_entry_sanitises_a_plain_body_and_drops_analytics_images_of_a_clean_one() -> None:
    plain = content_html(ItemAdapter({"url": URL_OF_FEED, "body_html": HOSTILE}))
    assert plain == ('<p>正文</p><p><img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer">'
                     '<a>链接</a></p>')
    clean = CleanHtml('<p>图<img src="https://hm.baidu.com/hm.gif?x" width="10" height="10"></p>')
    assert content_html(ItemAdapter({"url": URL_OF_FEED, "body_html": clean})) == "<p>图</p>"


def test_a_generic_extraction_body_gives_the_post_the_whole_sanitiser_gives() -> None:
    # The three news sample sites are read by newsbot.generic, whose fragment is clean_fragment's.
    pages = sorted((Path(__file__).resolve().parent / "sites" / "news").rglob("*.html"))
    checked = 0
    for path in pages:
        article = generic_article(path.read_bytes(), "https://news.example/" + path.name,
                                  crawled_at="2022-04-27T12:00:00+08:00")
        if not article.body_html or not article.published_at:
            continue
        assert type(article.body_html) is CleanHtml, path
        fast = render_post(article)
        article.body_html = str(article.body_html)
        assert fast == render_post(article), path
        checked += 1
    assert checked == 6, checked  # of the 9 pages: the 6 articles; the 3 list pages have no date
