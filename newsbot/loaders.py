"""Item loaders: the declared, pure cleaning steps between a page and an Article."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from itemloaders.processors import Identity, TakeFirst
from scrapy.loader import ItemLoader

from newsbot.items import Article
from newsbot.text import normalise_optional
from newsbot.times import beijing_iso


def unique(values: Iterable[Any]) -> list[Any]:
    """Keep the first of each value, in order.

    >>> unique(["王文", "李四", "王文"])
    ['王文', '李四']
    """
    seen: set[Any] = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def keep_iso(value: str | None) -> str | None:
    """Accept an ISO time as it is, otherwise read the text as Beijing time.

    >>> keep_iso("2022-04-27T10:22:31+08:00"), keep_iso(" 2022-04-27 10:22:31 ")
    ('2022-04-27T10:22:31+08:00', '2022-04-27T10:22:31+08:00')
    """
    if value and "T" in value and ("+" in value or value.endswith("Z")):
        return value
    return beijing_iso(value)


class Each:
    """Input processor: ``step`` applied to each value, ``None`` results dropped.

    What ``MapCompose(step)`` does, minus the loader context: itemloaders wraps a MapCompose
    and each of its functions in the context again on every value added, which was about a
    quarter of the loader's time on an article.

    >>> Each(str.strip)([" a ", "b"]), Each(lambda v: v or None)(["", "x"])
    (['a', 'b'], ['x'])
    """

    __slots__ = ("step",)

    def __init__(self, step: Callable[[Any], Any]) -> None:
        self.step = step

    def __call__(self, values: Iterable[Any]) -> list[Any]:
        return [value for value in map(self.step, values) if value is not None]


# (loader class, item class, field, "in"/"out") -> processor; see ArticleLoader.
_PROCESSORS: dict[tuple[type, type, str, str], Callable[..., Any]] = {}


class ArticleLoader(ItemLoader):
    """Base loader for every site: text is whitespace-normalised, empty values vanish."""

    default_item_class = Article
    default_input_processor = Each(normalise_optional)
    default_output_processor = TakeFirst()

    categories_out = Identity()
    channel_rank_in = Identity()
    authors_out = unique
    tags_out = unique
    paragraphs_out = Identity()

    published_at_in = Each(keep_iso)
    updated_at_in = Each(keep_iso)

    lead_image_in = Identity()
    images_in = Identity()
    images_out = Identity()
    body_html_in = Identity()

    # itemloaders looks a field's processors up again (class attribute, then the item's field
    # metadata) for every value added and every field loaded. Processors here are class
    # attributes, so the answer only depends on the classes: look it up once.
    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        key = (type(self), type(self.item), field_name, "in")
        if key not in _PROCESSORS:
            _PROCESSORS[key] = super().get_input_processor(field_name)
        return _PROCESSORS[key]

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        key = (type(self), type(self.item), field_name, "out")
        if key not in _PROCESSORS:
            _PROCESSORS[key] = super().get_output_processor(field_name)
        return _PROCESSORS[key]
