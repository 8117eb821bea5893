"""Front matter: valid YAML for any title, the reference's style, correct GMT dates."""
from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsbot.hexo import render_post
from newsbot.hexo.frontmatter import plain, quoted, rfc1123_gmt, yaml_text

TRICKY = [
    "It's \"quoted\": yes",
    "# not a comment",
    "- not a list item",
    "* not an alias",
    "&anchor !tag %directive @at `tick` |pipe >fold",
    "a: b",
    "back\\slash \\n \\x41",
    "emoji 🎉🇨🇳 and 中文：冒号",
    "---",
    "...",
    "yes",
    "null",
    "~",
    "0o17",
    "1e3",
    "2022-04-27",
    "[flow, seq]",
    "{flow: map}",
    "  leading and trailing  ",
]


def front(article_title: str, **extra: object) -> dict:
    """The post's front matter parsed by PyYAML."""
    article = {"url": "https://www.guancha.cn/a/2022_04_27_1.shtml", "title": article_title,
               "published_at": "2022-04-27T10:22:31+08:00", "body_html": "<p>x</p>", **extra}
    text = render_post(article)
    block = text.split("---\n")[1]
    return yaml.safe_load(block)


def test_tricky_titles_round_trip() -> None:
    for title in TRICKY:
        assert front(title)["title"] == title.strip(), title


def test_newlines_and_tabs_become_single_spaces() -> None:
    assert front("第一行\n第二行\r\n\t第三行\u2028四")["title"] == "第一行 第二行 第三行 四"
    assert front("a\x00b\x07c\ufeffd")["title"] == "abcd"


@settings(max_examples=400, deadline=None)
@given(st.text())
@example("'")
@example("\\")
@example("\x85")
@example("\ud800")
def test_any_title_is_valid_yaml_and_reads_back(title: str) -> None:
    """Normalisation: whitespace runs (newlines included) -> one space, stripped, and
    characters YAML cannot hold (controls, surrogates, BOM, U+FFFE/FFFF) removed."""
    assert front(title)["title"] == yaml_text(title)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zs", "Zl", "Zp"],
                                      blacklist_characters="\ufeff\ufffe\uffff")))
def test_titles_without_whitespace_or_controls_are_kept_exactly(title: str) -> None:
    assert front(title)["title"] == title


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=3), st.lists(st.text(), max_size=3))
def test_authors_and_categories_are_valid_yaml(categories: list[str], authors: list[str]) -> None:
    data = front("t", categories=categories, authors=authors, source="观察者网")
    assert data.get("categories") == ([yaml_text(c) for c in categories if yaml_text(c)] or None)
    names = [a for a in authors if a and a.strip()]
    assert data["author"] == (yaml_text(", ".join(a.strip() for a in names)) if names else "观察者网")


def test_plain_only_when_unambiguous() -> None:
    assert plain("观察者网") == "观察者网"
    assert plain("Reuters, AP") == "Reuters, AP"
    for value in ("yes", "No", "TRUE", "null", "123", "1月", "#x", "- x", "a: b", "It's"):
        assert plain(value).startswith("'"), value
    assert quoted("It's") == "'It''s'"


def test_dates_are_gmt() -> None:
    assert rfc1123_gmt("2022-04-27T10:22:31+08:00") == "Wed, 27 Apr 2022 02:22:31 GMT"
    assert rfc1123_gmt("2022-04-27T07:00:00+08:00") == "Tue, 26 Apr 2022 23:00:00 GMT"
    assert rfc1123_gmt("2022-04-27T02:22:31Z") == "Wed, 27 Apr 2022 02:22:31 GMT"
    assert rfc1123_gmt("2022-04-27T10:22:31") == "Wed, 27 Apr 2022 02:22:31 GMT"  # naive = Beijing
    assert rfc1123_gmt("2021-12-31T20:00:00-05:00") == "Sat, 01 Jan 2022 01:00:00 GMT"


def test_key_order_and_optional_keys() -> None:
    post = render_post({
        "url": "https://example.com/x", "title": "T", "published_at": "2022-04-27T10:22:31+08:00",
        "updated_at": "2022-04-28T09:00:00+08:00", "authors": ["甲", "乙"], "categories": ["新媒体"],
        "images": [{"url": "https://img.example.com/1.jpg"}], "body_html": "<p>x</p>",
    })
    assert post.split("---\n")[1].split("\n") == [
        "title: 'T'",
        "categories: ",
        " - 新媒体",
        "headimg: 'https://img.example.com/1.jpg'",
        "author: 甲, 乙",
        "comments: false",
        "date: Wed, 27 Apr 2022 02:22:31 GMT",
        "updated: Thu, 28 Apr 2022 01:00:00 GMT",
        "thumbnail: 'https://img.example.com/1.jpg'",
        "",
    ]
    bare = render_post({"url": "https://example.com/x", "title": "T", "published_at": "2022-04-27T10:22:31+08:00"})
    assert bare.split("---\n")[1].split("\n") == [
        "title: 'T'", "comments: false", "date: Wed, 27 Apr 2022 02:22:31 GMT", ""]
