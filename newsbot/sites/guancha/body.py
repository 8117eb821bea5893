"""guancha.cn article bodies: paragraphs, images with their captions, cleaned HTML.

Images stand in their own centred ``<p>``; a caption is the next centred ``<p>`` without an
image. Neither belongs to the text paragraphs. The rights notice (本文系观察者网独家稿件…)
that closes many bodies is part of the article: it is the last paragraph, as on the page
and in the blog post. The pager of a multi-page article (下一页, 余下全文) is not.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from lxml import etree

from newsbot.html_clean import clean_fragment, image_src, inner_html, remove_keeping_tail
from newsbot.items import Image
from newsbot.text import normalise_optional, normalise_ws

NOT_CONTENT = ("div.content-bottom-ad", "div.gc-comment", "div.share", "ul.hot-list", "div.img-special",
               "#select_page", ".module-page")
# A paragraph made of nothing but pager labels and page numbers.
PAGER_ONLY = re.compile(r"^[\d\s]*(?:(?:上一页|下一页|余下全文|尾页|首页)[\d\s]*)+$")


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    html: str = ""

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


def pixels(value: str | None) -> int | None:
    """An HTML width/height attribute as an int: ``"970px"`` and ``"970"`` are 970.

    >>> pixels("970px"), pixels(" 530 "), pixels("50%"), pixels(None)
    (970, 530, None, None)
    """
    value = (value or "").strip().lower().removesuffix("px")
    return int(value) if value.isdigit() else None


def _centred(p: etree._Element) -> bool:
    style = (p.get("style") or "").replace(" ", "").lower()
    return (p.get("align") or "").lower() == "center" or "text-align:center" in style


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


def extract_body(element: etree._Element | None, base_url: str) -> Body:
    """Paragraphs, captioned images and cleaned HTML of a body element (None: empty)."""
    body = Body()
    if element is None:
        return body
    root = clean_fragment(element, base_url, NOT_CONTENT)
    captionable: Image | None = None
    pager_links: list[etree._Element] = []
    for node in root.iter("p", "img"):
        if node.tag == "img":
            if _has_p_ancestor(node, root):
                continue
            _add_images(body, [node], base_url)
            captionable = None
            continue
        imgs = list(node.iter("img"))
        text = normalise_ws("".join(node.itertext()))
        if imgs:
            captionable = _add_images(body, imgs, base_url)
            continue
        if captionable is not None and text and _centred(node):
            captionable.caption = text
        elif text and PAGER_ONLY.match(text):
            pager_links.append(node)
        elif text:
            body.paragraphs.append(text)
        captionable = None
    for node in pager_links:
        remove_keeping_tail(node)
    body.html = inner_html(root).strip()
    return body


def _add_images(body: Body, imgs: list[etree._Element], base_url: str) -> Image | None:
    """Append the images standing before the next paragraph; the last one may get a caption."""
    added = [image_of(img, base_url, len(body.paragraphs)) for img in imgs]
    body.images.extend(image for image in added if image is not None)
    return body.images[-1] if any(added) else None


def _has_p_ancestor(node: etree._Element, root: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not root:
        if parent.tag == "p":
            return True
        parent = parent.getparent()
    return False
