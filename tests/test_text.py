"""newsbot.text: the one place whitespace is normalised (values written by hand)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsbot.text import content_hash, normalise_optional, normalise_paragraphs, normalise_ws


def test_full_width_and_no_break_spaces() -> None:
    assert normalise_ws("\u3000\u3000据美媒报道，\xa0美国国会\n\n27日\t通过") == "据美媒报道， 美国国会 27日 通过"


def test_zero_width_characters_removed() -> None:
    assert normalise_ws("观察\u200b者网\ufeff") == "观察者网"


def test_empty_values() -> None:
    assert normalise_ws(None) == "" and normalise_ws("") == "" and normalise_ws(" \u3000\xa0\n") == ""
    assert normalise_optional("\u3000") is None


def test_paragraphs_drop_empty_ones() -> None:
    assert normalise_paragraphs(["\u3000第一段。\u3000", "\xa0", "", None, " 第二段 "]) == ["第一段。", "第二段"]


def test_hash_ignores_whitespace_only() -> None:
    assert content_hash("标题", ["第一段。", "第二段。"]) == content_hash(" 标题\u3000", ["\u3000第一段。", "", "第二段。 "])
    assert content_hash("标题", ["第一段。"]) != content_hash("标题", ["第一段！"])
    # a paragraph break is not a space: moving text between paragraphs is a change
    assert content_hash("t", ["a b"]) != content_hash("t", ["a", "b"])


@given(st.text())
def test_normalise_is_idempotent_and_trimmed(text: str) -> None:
    once = normalise_ws(text)
    assert normalise_ws(once) == once
    assert once == once.strip() and "  " not in once
