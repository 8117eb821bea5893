"""Turn trafilatura's body (its XML: p, head, list/item, quote, graphic, hi, ref) into fields.

trafilatura sometimes takes a whole layout column for the article (guancha.cn sets its
article inside ``ul > li.left-main``, which it reads as a list). So only the run of blocks
from the first to the last text paragraph ``<p>`` is kept, plus the pictures right after
the last one: headlines, "related" lists and editor lines outside it fall away. A short
line right after a picture, without closing punctuation, is the picture's caption.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from trafilatura.htmlprocessing import convert_to_html

from newsbot.html_clean import clean_fragment, image_src, inner_html, is_tracker
from newsbot.items import Image
from newsbot.text import normalise_ws

TEXT_BLOCKS = ("p", "head", "quote", "code", "item")
EDITOR_LINE = re.compile(r"^[（(【\[]?\s*(?:责任编辑|责编|编辑)\s*[:：]")
CAPTION_MAX = 60
SENTENCE_END = ("。", "！", "？", "!", "?", "…", "”", "；", ";", "：", ":")


@dataclass
class Block:
    """One text block or picture of the body, with the trafilatura element it came from."""

    element: etree._Element
    text: str = ""
    image: Image | None = None


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    body_html: str | None = None


def blocks(body: etree._Element, base_url: str, page: etree._Element | None) -> list[Block]:
    """The text blocks and pictures in document order, nested blocks read as one."""
    originals = _page_images(page, base_url) if page is not None else {}
    out: list[Block] = []
    for element in body.iter("graphic", *TEXT_BLOCKS):
        if _inside_text_block(element):
            continue
        if element.tag == "graphic":
            image = _image(element, base_url, originals)
            if image is not None:
                out.append(Block(element, image=image))
            continue
        if element.tag == "item" and element.find(".//p") is not None:
            continue  # a layout list: its paragraphs are blocks of their own
        for graphic in element.iter("graphic"):
            image = _image(graphic, base_url, originals)
            if image is not None:
                out.append(Block(graphic, image=image))
        text = normalise_ws("".join(element.itertext()))
        if text:
            out.append(Block(element, text=text))
    if not any(block.text for block in out):
        out.extend(_loose_lines(body))
    return out


def _loose_lines(body: etree._Element) -> list[Block]:
    """Text with no block markup at all (trafilatura's baseline): one paragraph per line.

    >>> [b.text for b in _loose_lines(etree.fromstring("<span>第一行；\\n\\n第二行。</span>"))]
    ['第一行；', '第二行。']
    """
    found = []
    for line in "".join(body.itertext()).splitlines():
        text = normalise_ws(line)
        if text:
            paragraph = etree.Element("p")
            paragraph.text = text
            found.append(Block(paragraph, text=text))
    return found


def build_body(
    body: etree._Element | None, base_url: str, title: str | None, page: etree._Element | None = None
) -> Body:
    """Paragraphs, images (with captions and positions) and a cleaned HTML fragment."""
    if body is None:
        return Body()
    kept = _article_run(blocks(body, base_url, page))
    kept = [b for b in kept if not (b.text and (b.text == title or EDITOR_LINE.match(b.text)))]
    result = Body()
    previous: Block | None = None
    for block in kept:
        if block.image is not None:
            block.image.index = len(result.paragraphs)
            result.images.append(block.image)
        elif previous is not None and _captions(block, previous):
            previous.image.caption = block.text  # type: ignore[union-attr]  # _captions checked it
        else:
            result.paragraphs.append(block.text)
        previous = block
    result.body_html = _fragment(kept, base_url)
    return result


def _article_run(found: list[Block]) -> list[Block]:
    """From the first to the last text ``<p>``, plus the pictures that directly follow it.

    No ``<p>`` at all means no article: what is left are link lists and headings.
    """
    paragraph_at = [i for i, b in enumerate(found) if b.text and b.element.tag == "p"]
    if not paragraph_at:
        return []
    end = paragraph_at[-1] + 1
    while end < len(found) and found[end].image is not None:
        end += 1
    return found[paragraph_at[0]:end]


def _captions(block: Block, previous: Block) -> bool:
    """``block`` is the caption of the picture just before it (one without a caption yet)."""
    return previous.image is not None and previous.image.caption is None and _looks_like_caption(block.text)


def _looks_like_caption(text: str) -> bool:
    """Short, and not a sentence.

    >>> _looks_like_caption("华坚鞋业生产车间"), _looks_like_caption("这是一段正文。")
    (True, False)
    """
    return len(text) <= CAPTION_MAX and not text.endswith(SENTENCE_END)


def _inside_text_block(element: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in TEXT_BLOCKS and not (parent.tag == "item" and parent.find(".//p") is not None):
            return True
        parent = parent.getparent()
    return False


def _page_images(page: etree._Element, base_url: str) -> dict[str, etree._Element]:
    """The page's own ``<img>`` elements by absolute URL: trafilatura keeps only src/alt/title."""
    found: dict[str, etree._Element] = {}
    for img in page.iter("img"):
        src = image_src(img)
        if src:
            found.setdefault(src if src.startswith(("http:", "https:")) else urljoin(base_url, src), img)
    return found


def _image(graphic: etree._Element, base_url: str, originals: dict[str, etree._Element]) -> Image | None:
    src = (graphic.get("src") or "").strip()
    if not src or src.startswith("data:"):
        return None
    url = urljoin(base_url, src)
    original = originals.get(url)
    if original is not None and is_tracker(original):
        return None
    return Image(
        url=url,
        caption=_figure_caption(original) if original is not None else None,
        alt=normalise_ws(graphic.get("alt")) or None,
        width=_pixels(original.get("width") if original is not None else None),
        height=_pixels(original.get("height") if original is not None else None),
    )


def _figure_caption(img: etree._Element) -> str | None:
    """The ``<figcaption>`` of the picture's ``<figure>``, which trafilatura drops."""
    captions = img.xpath("ancestor::figure[1]//figcaption")
    if not captions:
        return None
    return normalise_ws("".join(captions[0].itertext())) or None


def _pixels(value: str | None) -> int | None:
    """An HTML width or height in pixels.

    >>> _pixels("600"), _pixels("600px"), _pixels("100%"), _pixels(None)
    (600, 600, None, None)
    """
    digits = (value or "").strip().lower().removesuffix("px")
    return int(digits) if digits.isdigit() else None


def _fragment(kept: list[Block], base_url: str) -> str | None:
    """The kept blocks as one cleaned HTML fragment (list items regrouped in a ``<ul>``)."""
    if not kept:
        return None
    root = etree.Element("body")
    seen: set[etree._Element] = set()  # holding the proxies keeps their identity stable
    for block in kept:
        element = block.element
        parent = element.getparent()
        if block.image is not None and parent is not None and parent.tag == "p":
            element = parent  # the picture's own paragraph
        if element in seen:
            continue
        seen.add(element)
        piece = copy.deepcopy(element)
        piece.tail = None
        if piece.tag == "item":
            if len(root) == 0 or root[-1].tag != "list":
                etree.SubElement(root, "list")
            root[-1].append(piece)
        else:
            root.append(piece)
    html_body = convert_to_html(root)[0]
    return inner_html(clean_fragment(html_body, base_url)).strip() or None
