"""guancha.cn article bodies: paragraphs, images with their captions, cleaned HTML.

Images stand in their own centred ``<p>``; a caption is the next centred ``<p>`` without an
image. Neither belongs to the text paragraphs. The rights notice closes many bodies: it
stays in the HTML (the blog shows it) but is not article text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from newsbot.html_clean import clean_fragment, image_src, inner_html
from newsbot.items import Image
from newsbot.text import normalise_optional, normalise_ws

NOT_CONTENT = ("div.content-bottom-ad", "div.gc-comment", "div.share", "ul.hot-list", "div.img-special")
RIGHTS_NOTICE = "本文系观察者网独家稿件"


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    html: str = ""


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
        elif text and not text.startswith(RIGHTS_NOTICE):
            body.paragraphs.append(text)
        captionable = None
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
