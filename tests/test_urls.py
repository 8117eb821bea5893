"""canonical_url: every address of one article is one string (values written by hand)."""
from __future__ import annotations

import pytest

from newsbot.urls import canonical_url

ARTICLE = "https://www.guancha.cn/internation/2022_04_26_636893.shtml"
POST = "https://user.guancha.cn/main/content?id=723415"


@pytest.mark.parametrize("url", [
    "https://www.guancha.cn/internation/2022_04_26_636893.shtml",
    "https://www.guancha.cn/internation/2022_04_26_636893_s.shtml",
    "https://www.guancha.cn/internation/2022_04_26_636893_2.shtml",
    "https://www.guancha.cn/internation/2022_04_26_636893_12.shtml",
    "http://www.guancha.cn/internation/2022_04_26_636893.shtml",
    "https://m.guancha.cn/internation/2022_04_26_636893.shtml",
    "http://m.guancha.cn/internation/2022_04_26_636893_s.shtml",
    "https://guancha.cn/internation/2022_04_26_636893.shtml",
    "https://WWW.GUANCHA.CN/internation/2022_04_26_636893.shtml",
    "https://www.guancha.cn/internation/2022_04_26_636893.shtml?s=fwzxfbt",
    "https://www.guancha.cn/internation/2022_04_26_636893_s.shtml?s=zwyzxw&utm_source=wx",
    "https://www.guancha.cn/internation/2022_04_26_636893.shtml#comment",
    "https://www.guancha.cn:443/internation/2022_04_26_636893_2.shtml?s=x#top",
    "  https://www.guancha.cn/internation/2022_04_26_636893.shtml  ",
])
def test_variants_of_one_article(url: str) -> None:
    assert canonical_url(url) == ARTICLE


@pytest.mark.parametrize("url", [
    "https://user.guancha.cn/main/content?id=723415",
    "https://user.guancha.cn/main/content?id=723415&page=0",
    "https://user.guancha.cn/main/content?id=723415&page=0&s=fwzwyzzwzbt",
    "https://user.guancha.cn/main/content?page=0&id=723415",
    "http://user.guancha.cn/main/content?id=723415#comments",
])
def test_variants_of_one_fengwen_post(url: str) -> None:
    assert canonical_url(url) == POST


def test_columnist_path_keeps_its_case() -> None:
    assert (canonical_url("http://m.guancha.cn/WangWen/2022_04_26_636900_s.shtml")
            == "https://www.guancha.cn/WangWen/2022_04_26_636900.shtml")


def test_different_articles_stay_different() -> None:
    assert canonical_url("https://www.guancha.cn/internation/2022_04_26_636894.shtml") != ARTICLE
    assert canonical_url("https://user.guancha.cn/main/content?id=723416") != POST


def test_idempotent() -> None:
    for url in (ARTICLE, POST, "https://example.com/a?b=1"):
        assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_other_sites_lose_only_fragment_and_tracking() -> None:
    assert (canonical_url("HTTP://Example.COM:80/news/1.html?id=3&utm_source=x&from=wx#top")
            == "http://example.com/news/1.html?id=3")
    assert canonical_url("https://example.com") == "https://example.com/"


def test_non_article_guancha_pages_keep_their_query() -> None:
    assert (canonical_url("http://www.guancha.cn/api/redian.htm?page=2&s=x")
            == "https://www.guancha.cn/api/redian.htm?page=2")


DOTTED = "https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml"


@pytest.mark.parametrize("url", [
    "https://www.guancha.cn/GuoJi·ZhanLue/2026_10_03_903114.shtml",
    "https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114.shtml",
    "https://www.guancha.cn/GuoJi%c2%b7ZhanLue/2026_10_03_903114.shtml",
    "http://m.guancha.cn/GuoJi·ZhanLue/2026_10_03_903114_s.shtml?s=x",
    "https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2026_10_03_903114_2.shtml",
])
def test_a_middle_dot_raw_or_percent_encoded_is_one_article(url: str) -> None:
    # the encoded form, which is what Scrapy sends and puts in response.url
    assert canonical_url(url) == DOTTED


def test_a_middle_dot_in_a_list_path_is_encoded_too() -> None:
    assert (canonical_url("https://www.guancha.cn/column/GuoJi·ZhanLue/1")
            == canonical_url("https://www.guancha.cn/column/GuoJi%C2%B7ZhanLue/1")
            == "https://www.guancha.cn/column/GuoJi%C2%B7ZhanLue/1")


def test_an_encoded_slash_stays_encoded() -> None:
    # decoding %2F would turn one path segment into two: another resource
    assert canonical_url("https://example.com/a%2fb/c") == "https://example.com/a%2Fb/c"


def test_a_guancha_query_keeps_its_order_with_upper_case_escapes() -> None:
    assert (canonical_url("http://m.guancha.cn/search?q=%e4%b8%ad&s=x&page=2")
            == "https://www.guancha.cn/search?q=%E4%B8%AD&page=2")
