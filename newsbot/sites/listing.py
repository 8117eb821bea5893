"""What a list page says about an article; travels with the request that fetches it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from newsbot.items import Image


@dataclass(frozen=True)
class ListEntry:
    url: str  # the real site's URL of the article as linked
    channel: str
    title: str | None = None
    summary: str | None = None
    lead_image: Image | None = None
    listed_at: str | None = None  # ISO 8601, when the list shows a time
    author: str | None = None

    def merged(self, other: ListEntry, channel_order: tuple[str, ...]) -> ListEntry:
        """One entry for an article listed twice.

        The listing in the channel first in ``channel_order`` wins. A listing in the same
        channel fills its blanks (of two different values, the one that sorts first), a
        listing in a worse channel adds nothing: what the lists say about an article is a
        function of the listings in its best channel, whatever order they came in (a worse
        listing read after the article would have come too late to add anything)."""
        mine, theirs = _rank(self.channel, channel_order), _rank(other.channel, channel_order)
        if mine != theirs:
            return self if mine < theirs else other
        return replace(self, **{name: _pick(getattr(self, name), getattr(other, name)) for name in _FILLED})


_FILLED = ("title", "summary", "lead_image", "listed_at", "author")


def _pick(mine: Any, theirs: Any) -> Any:
    if mine is None or theirs is None:
        return theirs if mine is None else mine
    return min(mine, theirs, key=lambda value: value.url if isinstance(value, Image) else str(value))


def _rank(channel: str, order: tuple[str, ...]) -> int:
    return order.index(channel) if channel in order else len(order)
