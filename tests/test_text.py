"""newsbot.text: the one place whitespace is normalised (values written by hand)."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from newsbot.text import content_hash, drop_controls, fold_ws, normalise_optional, normalise_paragraphs, normalise_ws


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


def test_fold_keeps_edges_and_no_break_spaces() -> None:
    assert fold_ws("\n\t\u3000\u3000据美媒报道，\n 美国国会 ") == " 据美媒报道， 美国国会 "
    assert fold_ws("<b>后</b>") == "<b>后</b>" and fold_ws("\n\n") == " " and fold_ws("") == ""
    assert fold_ws("图片来源：\xa0\xa0新华社\n") == "图片来源：\xa0\xa0新华社 "


# What fold_ws must equal: every run of whitespace but U+00A0 becomes one space. fold_ws takes
# a faster road (str.split) when there is no U+00A0, so any character str.split() and the
# regular expression disagree on would show here.
FOLDED = re.compile(r"[^\S\xa0]+")
WHITESPACEY = st.text(st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85",
                                       "\xa0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000",
                                       "\u200b", "a", "观", "。"]))


@given(st.one_of(st.text(), WHITESPACEY))
def test_fold_is_the_regular_expression(text: str) -> None:
    assert fold_ws(text) == FOLDED.sub(" ", text)


def test_drop_controls_removes_what_lxml_refuses_and_keeps_tab_newline_and_text() -> None:
    assert drop_controls("一\x00\x01二\x08\x0b\x0c三\x1f\x7f\ufffe\uffff四\t\n\r五\u3000\xa0") == "一二三\x7f四\t\n\r五\u3000\xa0"
    assert drop_controls("") == ""
