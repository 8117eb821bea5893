"""What a list page says about an article; travels with the request that fetches it."""
from __future__ import annotations

from dataclasses import dataclass, replace

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
        """One entry for an article listed twice: the channel first in ``channel_order``
        wins, and blanks are filled from the other listing."""
        first, second = (self, other)
        if _rank(other.channel, channel_order) < _rank(self.channel, channel_order):
            first, second = other, self
        return replace(
            first,
            title=first.title or second.title,
            summary=first.summary or second.summary,
            lead_image=first.lead_image or second.lead_image,
            listed_at=first.listed_at or second.listed_at,
            author=first.author or second.author,
        )


def _rank(channel: str, order: tuple[str, ...]) -> int:
    return order.index(channel) if channel in order else len(order)
