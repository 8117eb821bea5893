"""Fill the gaps a site rule left with what the generic extractor found."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import fields

from newsbot.items import Article

FIELD_NAMES = frozenset(f.name for f in fields(Article))


def is_empty(value: object) -> bool:
    """None, an empty or blank string, or an empty list.

    >>> [is_empty(v) for v in (None, "", " ", [], "标题", ["p"])]
    [True, True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False


def fill_missing(article: Article, fallback: Article, fields: Iterable[str]) -> list[str]:
    """Copy into ``article`` the listed fields it lacks and ``fallback`` has; the names filled.

    >>> item = Article(title="站内标题", paragraphs=[])
    >>> fill_missing(item, Article(title="别的标题", paragraphs=["正文"]), ("title", "paragraphs"))
    ['paragraphs']
    >>> item.title, item.paragraphs
    ('站内标题', ['正文'])
    """
    filled = []
    for name in fields:
        if name not in FIELD_NAMES:
            raise ValueError(f"Article has no field {name!r}")
        value = getattr(fallback, name)
        if is_empty(getattr(article, name)) and not is_empty(value):
            setattr(article, name, copy.deepcopy(value))
            filled.append(name)
    return filled
