"""Helpers every site's extractors share: what the crawl knows about a page, the body of
an article (paragraphs, images, cleaned HTML), images out of ``<img>`` elements, and the
loader fields that come from the crawl rather than from the page."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from newsbot.html_clean import CleanHtml, image_src, pixels
from newsbot.items import UNRANKED, Image
from newsbot.loaders import ArticleLoader
from newsbot.sites.listing import ListEntry
from newsbot.sites.registry import site_for_url
from newsbot.sites.site import Site
from newsbot.text import normalise_optional

# In the head; or straight under the body, where the parser puts the head of a page's second
# <html> shell (pages of two shells exist: guancha.cn's "speech" template).
META_DESCRIPTION = etree.XPath(
    "/html/head/meta[translate(@name, 'DESCRIPTION', 'description')='description']/@content"
    " | /html/body/meta[translate(@name, 'DESCRIPTION', 'description')='description']/@content",
    smart_strings=False,
)


@dataclass(frozen=True)
class PageContext:
    canonical: str  # the article's real canonical URL
    fetched: str  # the real-host URL of the page downloaded
    now: datetime  # the crawl's now, for relative times
    group: str = "新媒体"  # first category level
    listing: ListEntry | None = None  # every listing of the article seen, merged (ListEntry.merged)
    channel_rank: int = UNRANKED  # the listing's channel in the site's channel order

    @property
    def site(self) -> Site:
        """The registered site the article belongs to (by its canonical URL)."""
        site = site_for_url(self.canonical)
        if site is None:
            raise LookupError(f"no registered site holds {self.canonical}")
        return site


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    html: str = ""  # clean_fragment's output (or such outputs joined): the item gets it as a CleanHtml

    def then(self, more: Body) -> Body:
        """This body followed by ``more`` (the next page of the article): paragraphs
        concatenated, ``more``'s image indexes moved past this body's paragraphs.

        >>> one = Body(["甲"], [Image("a.jpg", index=1)], "<p>甲</p>")
        >>> two = one.then(Body(["乙", "丙"], [Image("b.jpg", index=1)], "<p>乙</p>"))
        >>> two.paragraphs, [image.index for image in two.images], two.html
        (['甲', '乙', '丙'], [1, 2], '<p>甲</p>\\n<p>乙</p>')
        """
        offset = len(self.paragraphs)
        return Body(
            paragraphs=self.paragraphs + more.paragraphs,
            images=self.images + [replace(image, index=image.index + offset) for image in more.images],
            html="\n".join(part for part in (self.html, more.html) if part),
        )


def joined(bodies: Iterable[Body]) -> Body:
    """The bodies of an article's pages, in page order, as one body."""
    whole = Body()
    for body in bodies:
        whole = whole.then(body)
    return whole



def image_of(img: etree._Element, base_url: str, index: int = 0) -> Image | None:
    """The Image an ``<img>`` shows (its URL made absolute), or None when it has no address."""
    src = image_src(img)
    if not src:
        return None
    return Image(
        url=urljoin(base_url, src),
        alt=normalise_optional(img.get("alt")),
        width=pixels(img.get("width")),
        height=pixels(img.get("height")),
        index=index,
    )


def start_loader(loader: ArticleLoader, ctx: PageContext) -> None:
    """Fields an article gets from the crawl and from its site's declaration rather than
    from the page."""
    site = ctx.site
    loader.add_value("url", ctx.canonical)
    loader.add_value("fetched_url", ctx.fetched)
    loader.add_value("site", site.name)
    loader.add_value("source_name", site.source_name)
    loader.add_value("language", site.language)
    listing = ctx.listing
    loader.add_value("channel_rank", ctx.channel_rank)
    if listing is not None:
        loader.add_value("categories", [ctx.group, site.source_name, listing.channel] if listing.channel
                         else [ctx.group, site.source_name])
        loader.add_value("summary", listing.summary)
        if listing.lead_image is not None:
            loader.add_value("lead_image", listing.lead_image)


def load_summary(loader: ArticleLoader, page: etree._Element) -> None:
    """The page's meta description, the summary of last resort (after the list's)."""
    loader.add_value("summary", META_DESCRIPTION(page))


def add_body(loader: ArticleLoader, body: Body) -> None:
    loader.add_value("paragraphs", body.paragraphs)
    loader.add_value("images", body.images)
    loader.add_value("body_html", CleanHtml(body.html) if body.html else None)
