"""Who wrote the article: the byline at the top of the body, else what trafilatura found.

Never an editor: Chinese pages end with ``责任编辑：…``, and some extractors report that
name as the author.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from newsbot.loaders import unique
from newsbot.text import normalise_ws

# 【文/观察者网专栏作者 王文】, 文/张三, 作者：李四
BYLINE = re.compile(r"^[【\[]?\s*(?:文\s*[/／|]|作者\s*[:：])\s*(?P<names>[^】\]]+?)\s*[】\]]?$")
ROLE_WORDS = re.compile(r"\s*(?:编译|翻译|整理|报道|撰文|摄影?)$")
NAME_SEPARATORS = re.compile(r"[、，,;；/]+")
EDITOR = re.compile(r"(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<name>[^\s|｜（）()]+)")
EDITOR_WORDS = ("编辑", "责编", "editor")
BYLINE_PARAGRAPHS = 3


def byline_names(paragraphs: Iterable[str]) -> list[str]:
    """Names from a byline in the first paragraphs; the last word group names the people.

    >>> byline_names(["【文/观察者网专栏作者 王文】", "正文"])
    ['王文']
    >>> byline_names(["【文/观察者网 周远、李泽西 编译】"]), byline_names(["作者：李四"])
    (['周远', '李泽西'], ['李四'])
    >>> byline_names(["据美媒报道，文/图无关。"])
    []
    """
    for paragraph in list(paragraphs)[:BYLINE_PARAGRAPHS]:
        match = BYLINE.match(paragraph)
        if match:
            names = ROLE_WORDS.sub("", match["names"]).split()
            if names:
                return [name for name in NAME_SEPARATORS.split(names[-1]) if name]
    return []


def editors(page_text: str) -> set[str]:
    """The names the page credits as editors.

    >>> sorted(editors("本文仅代表作者个人观点。 责任编辑: 小婷 | 编辑：刘响"))
    ['刘响', '小婷']
    """
    return {match["name"] for match in EDITOR.finditer(page_text)}


def pick_authors(paragraphs: list[str], found: str | None, page_text: str) -> list[str]:
    """The byline's names, else trafilatura's ``found`` ("A; B"), editors removed.

    >>> pick_authors([], "刘响", "责任编辑：刘响"), pick_authors([], "张三; 责任编辑 李四", "")
    ([], ['张三'])
    """
    names = byline_names(paragraphs) or [normalise_ws(name) for name in NAME_SEPARATORS.split(found or "")]
    excluded = editors(page_text)
    return unique(
        name for name in names
        if name and name not in excluded and not any(word in name.lower() for word in EDITOR_WORDS)
    )
