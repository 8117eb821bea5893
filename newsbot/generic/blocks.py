"""The article container read as blocks in page order: paragraphs, headings, list items, pictures.

A block element (``p``, ``h2``, ``li``…) or a ``<br>`` ends a block, so text that a page
separates with ``<br>`` only becomes paragraphs too. Each text block remembers how much of
it sits inside links and which element it came from, for the filters in body.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from newsbot.generic.nodes import text_of
from newsbot.html_clean import is_pixel, pixels, safe_url
from newsbot.items import Image
from newsbot.text import drop_controls, normalise_ws

BLOCK = frozenset({
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th", "thead", "tbody", "tfoot",
    "figure", "figcaption", "address", "center", "hr", "caption", "details", "summary", "body", "form",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
KINDS = {"li": "li", "dd": "li", "pre": "pre", "figcaption": "caption", "caption": "caption",
         "td": "cell", "th": "cell", **dict.fromkeys(HEADINGS, "h")}
# Lazy-loading attributes first: ``src`` then often holds a placeholder (blank.gif, a spinner).
LAZY = ("data-original", "data-src", "data-lazy-src", "data-url", "data-actualsrc", "data-echo", "file")
PLACEHOLDER = re.compile(r"blank|spacer|placeholder|loading|lazy|grey\.gif|pixel|1x1|transparent", re.I)
CENTRED = re.compile(r"text-align\s*:\s*center", re.I)
CAPTION_CLASS = re.compile(r"caption|pic|img|photo|image|desc|note|illustration|credit", re.I)
CAPTION_WORD = re.compile(r"(?<![a-z])caption", re.I)
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
WHOLE = frozenset({"p", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "td", "th", "a"})
IMAGE_FILES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".avif")
STYLE_WIDTH = re.compile(r"(?<![-\w])width\s*:\s*(\d+)px")
STYLE_HEIGHT = re.compile(r"(?<![-\w])height\s*:\s*(\d+)px")
ICON_SIZE = 50  # a declared width or height below this is an icon, not a picture
# A table cell holding blocks of its own is layout; one holding only inline text is data.
LAYOUT_CELL = etree.XPath("boolean(.//*[self::p or self::div or self::br or self::table or self::ul or self::ol"
                          " or self::li or self::h1 or self::h2 or self::h3 or self::h4 or self::blockquote])")
MAX_DEPTH = 300  # deeper than this, a subtree is read as plain text (the stack is finite)


@dataclass
class Block:
    kind: str  # p, h, li, pre, quote, cell, caption, img
    text: str = ""
    links: int = 0
    source: etree._Element | None = None
    image: Image | None = None
    figure: etree._Element | None = None  # the <figure> a picture or caption belongs to
    centred: bool | None = None  # None: as its source says, read when first asked (few blocks are)

    def looks_centred(self) -> bool:
        """The block's element, or its parent, is centred or classed as a caption."""
        centred = self.centred
        if centred is None:
            source = self.source
            centred = self.centred = is_centred(source) or (source is not None and is_centred(source.getparent()))
        return centred


def picture_url(img: etree._Element, base_url: str) -> str | None:
    """The picture's real, absolute address: a lazy-loading attribute over a placeholder ``src``.

    >>> picture_url(etree.fromstring('<img src="/blank.gif" data-original="a.jpg"/>'), "https://x.cn/n/")
    'https://x.cn/n/a.jpg'
    >>> picture_url(etree.fromstring('<img src="data:image/gif;base64,R0"/>'), "https://x.cn/") is None
    True
    """
    candidates = [img.get(name) for name in LAZY]
    srcset = (img.get("srcset") or img.get("data-srcset") or "").strip()
    if srcset:
        candidates.append(srcset.split(",")[0].split()[0] if srcset.split(",")[0].split() else None)
    src = img.get("src")
    if src and not PLACEHOLDER.search(src):
        candidates.insert(0, src)
    else:
        candidates.append(src)
    for value in candidates:
        value = (value or "").strip()
        if value and not value.lower().startswith("data:"):
            url = safe_url(value, base_url)
            if url:
                return url
    return None



def _style_pixels(pattern: re.Pattern[str], style: str) -> int | None:
    """A size in px from an inline style (``height:39px``), else None."""
    match = pattern.search(style)
    return int(match.group(1)) if match else None


def picture(img: etree._Element, base_url: str) -> Image | None:
    """The image, or None for a tracking pixel, an icon or a picture without an address."""
    url = picture_url(img, base_url)
    style = img.get("style") or ""
    width = pixels(img.get("width")) or _style_pixels(STYLE_WIDTH, style)
    height = pixels(img.get("height")) or _style_pixels(STYLE_HEIGHT, style)
    if url is None or is_pixel(img) or any(size is not None and size < ICON_SIZE for size in (width, height)):
        return None
    return Image(url=url, alt=normalise_ws(img.get("alt")) or None, width=width, height=height)


def is_centred(element: etree._Element | None) -> bool:
    if element is None:
        return False
    if (element.get("align") or "").lower() == "center" or element.tag == "center":
        return True
    return bool(CENTRED.search(element.get("style") or "") or CAPTION_CLASS.search(element.get("class") or ""))


class Walker:
    """Collects the blocks of one or more container elements (module docstring)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.links = 0
        self.stack: list[etree._Element] = []
        self.figures: list[etree._Element] = []
        self.quotes = 0
        self.captions = 0  # inside an element classed as a caption

    def flush(self) -> None:
        raw = "".join(self.parts)
        self.parts.clear()
        links, self.links = self.links, 0
        if not raw or raw.isspace():
            return
        source = self.stack[-1] if self.stack else None
        tag = str(source.tag) if source is not None else "p"
        kind = KINDS.get(tag, "quote" if self.quotes else "p")
        if kind == "p" and source is not None and self.captions:
            kind = "caption"
        # Text laid out with blank lines only (no markup at all): one paragraph a line.
        pieces = BLANK_LINE.split(raw) if tag not in WHOLE and "\n" in raw else [raw]
        for piece in pieces:
            text = normalise_ws(drop_controls(piece))
            if text:
                self.blocks.append(Block(kind, text, links if len(pieces) == 1 else 0, source,
                                         figure=self.figures[-1] if self.figures else None))

    @staticmethod
    def teaser_link(img: etree._Element) -> bool:
        """The picture links to another page (a teaser), not to a larger copy of itself."""
        for ancestor in img.iterancestors("a"):
            href = (ancestor.get("href") or "").strip().lower().split("?")[0]
            return bool(href) and not href.startswith(("#", "javascript")) and not href.endswith(IMAGE_FILES)
        return False

    def text(self, value: str | None, in_link: bool) -> None:
        if value:
            self.parts.append(value)
            if in_link:
                self.links += len(value.strip())

    def walk(self, element: etree._Element, in_link: bool = False, depth: int = 0) -> None:
        tag = element.tag
        if not isinstance(tag, str):
            return
        if tag == "br" or tag == "hr":
            self.flush()
            return
        if tag == "img":
            image = None if self.teaser_link(element) else picture(element, self.base_url)
            if image is not None:
                self.flush()
                self.blocks.append(Block("img", image=image, source=element,
                                         figure=self.figures[-1] if self.figures else None))
            return
        if depth > MAX_DEPTH:
            self.text((text_of(element)), in_link)
            return
        block = tag in BLOCK
        if block and (tag == "td" or tag == "th") and not LAYOUT_CELL(element):
            block = False  # a data cell: its row is one line, the cells spaced
            self.parts.append(" ")
        in_link = in_link or tag == "a"
        if block:
            self.flush()
            self.stack.append(element)
            self.figures.extend([element] if tag == "figure" else [])
            self.quotes += tag == "blockquote"
            captioned = CAPTION_WORD.search(element.get("class") or "") is not None
            self.captions += captioned
        self.text(element.text, in_link)
        for child in element:
            self.walk(child, in_link, depth + 1)
            self.text(child.tail, in_link)
        if block:
            self.flush()
            self.stack.pop()
            if tag == "figure":
                self.figures.pop()
            self.quotes -= tag == "blockquote"
            self.captions -= captioned


def read_blocks(elements: list[etree._Element], base_url: str) -> list[Block]:
    walker = Walker(base_url)
    for element in elements:
        walker.walk(element)
        walker.flush()
    return walker.blocks
