"""The article body from its blocks: paragraphs, pictures with captions, a cleaned fragment.

Blocks go that are mostly link text (lists of other stories), that are page furniture by
their words (share prompts, copyright lines, editor credits, "read more" teasers), or that
repeat the headline. A short heading such as 相关阅读 or "Related" ends the article. A
picture's caption is its ``<figcaption>``, else the short line right after it when that
line is centred or classed as a caption, or (in Chinese) has no closing punctuation.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import etree

from newsbot.generic.blocks import HEADINGS, Block
from newsbot.generic.nodes import text_of
from newsbot.html_clean import CleanHtml, clean_fragment, inner_html, remove_keeping_tail
from newsbot.items import Image
from newsbot.text import normalise_ws

LINK_DENSITY = 0.5
LIST_LINK_DENSITY = 0.3
MOSTLY_LINKS = 0.8
OWN_SENTENCE = 60
FURNITURE = re.compile(
    r"^(?:[（(【\[]?\s*(?:责任编辑|责编|编辑|校对|审核|监制|值班编辑)\s*[:：]"
    r"|分享到|分享至|扫一扫|扫描二维码|关注我们|点击(?:查看|进入|阅读)|阅读全文|展开全文|查看原文|阅读原文|返回(?:首页|顶部)"
    r"|(?:share|tweet|email|print)(?: this)?(?: article| story)?$|follow us|sign up|subscribe|advert(?:isement)?$"
    r"|continue reading|read more|click here|all rights reserved|（?版权所有|本文来源[:：]?$"
    r"|(?:hide |show |toggle )?captions?$|close$|expand$|enlarge$|back to (?:gallery|top)"
    r"|(?:previous|next)(?: image| slide)?$"
    r"|(?:published|updated|posted)$|(?:photo|image|picture)s?(?: credit)?\s*:"
    r"|(?:published|updated|posted)(?: at| on)? [\d:.]+ ?(?:[ap]\.?m\.?)?(?: [a-z]{2,4})?\.?$"
    r"|don'?t miss$|this (?:slideshow|gallery|video|content) requires javascript|comments?$|tell us what you think"
    r"|(?:播报|编辑|关注|已关注|举报|收藏|点赞|评论|复制链接|打开APP|APP内打开|播报文章)$|语音播报文章"
    r"|(?:来自|IP属地[:：]?)\s*[\u4e00-\u9fff]{2,3}$)",
    re.IGNORECASE,
)
# A caption's credit ends it: "(Image: GETTY)", "Natalie Naccache | Bloomberg | Getty Images".
PICTURE_CREDIT = re.compile(
    r"\((?:image|photo|picture|pic|credit)s?\s*:[^)]*\)\s*$|(?:getty images|shutterstock|alamy(?: stock photo)?)\s*$",
    re.IGNORECASE,
)
PICTURE_CREDIT_MAX = 300
# The last character a credit can end with, ``re.IGNORECASE`` folds included (ſ, K): a block
# ending otherwise is not searched (the search cost microseconds a block).
CREDIT_ENDS = frozenset(")sSſkKKyYoO")
# A line that only dates the story: "5:27 am CST, Wednesday, November 20, 2019", "Updated Nov. 20, 2019".
DATELINE_WORDS = re.compile(
    r"\b(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    r"|published|updated|posted|last|on|at|am|pm|a\.m|p\.m|[a-z]{2,4}t|utc|gmt)\b|\d+|[\s,.:/|-]+",
    re.IGNORECASE,
)
DATELINE_MAX = 70
YEAR = re.compile(r"\d{4}")
COPYRIGHT = re.compile(
    r"©|copyright\s*(?:©|\(c\)|\d{4})|all rights reserved"
    r"|版权所有|未经.{0,6}授权.{0,10}转载|[不得请勿禁止严]{2}转载|ICP[备证]|举报电话|不良信息举报",
    re.IGNORECASE,
)
STOP = re.compile(
    r"^(?:相关(?:阅读|新闻|文章|报道|推荐|链接)|延伸阅读|推荐阅读|热门(?:推荐|文章|新闻)?|更多(?:新闻|精彩|阅读)|猜你喜欢"
    r"|related(?: (?:articles|stories|news|content|coverage|posts))?|read more|more from|more stories|recommended"
    r"|you (?:may|might) also like|trending|most popular|further reading|popular (?:stories|articles)|see also)"
    r"\s*[:：]?$",
    re.IGNORECASE,
)
STOP_MAX = 40
EDITOR_CREDIT = re.compile(r"责任编辑\s*[:：]")
DATE_ONLY = re.compile(r"^[\d\s:/.\-年月日时分秒]+$")
# A page that only says it has no article (a soft 404) has no body.
NOT_FOUND = re.compile(r"页面不存在|已被删除|找不到|无法找到|not found|no longer available|404", re.IGNORECASE)
NOT_FOUND_MAX = 80
CAPTION_MAX = 80
SENTENCE_END = ("。", "！", "？", "!", "?", "…", "”", "；", ";", "：", ":")
HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    body_html: str | None = None


def is_furniture(block: Block) -> bool:
    """A block that belongs to the page around the article (module docstring).

    >>> is_furniture(Block("p", "责任编辑：小婷")), is_furniture(Block("p", "© 2024 Example Media"))
    (True, True)
    >>> is_furniture(Block("p", "The copyright office said on Monday that it would appeal."))
    False
    >>> is_furniture(Block("p", "39健康网(www.39.net)专稿，未经书面授权请勿转载。"))
    True
    >>> [is_furniture(Block("p", text)) for text in ("播报", "来自甘肃", "来自甘肃的考生说，今年的题目不难。")]
    [True, True, False]
    >>> [is_furniture(Block("p", t)) for t in ("Masks hide their faces (Image: GETTY )", "Updated at 1:23 p.m.")]
    [True, True]
    """
    text = block.text
    if FURNITURE.match(text) or DATE_ONLY.match(text) or is_dateline(text):
        return True
    if len(text) <= PICTURE_CREDIT_MAX and text.rstrip()[-1:] in CREDIT_ENDS and PICTURE_CREDIT.search(text):
        return True
    if len(text) < 200 and is_credit_line(text):
        return True
    density = block.links / len(text)
    if density > MOSTLY_LINKS:
        return True
    # A linked headline followed by a sentence of its own is a point of the article (a news
    # digest's list), not a teaser: teasers add a date or a source, not a sentence.
    if len(text) - block.links >= OWN_SENTENCE:
        return False
    return density > (LIST_LINK_DENSITY if block.kind == "li" else LINK_DENSITY)


def is_dateline(text: str) -> bool:
    """An English line that says when and nothing else.

    >>> is_dateline("5:27 am CST, Wednesday, November 20, 2019"), is_dateline("Updated Nov. 20, 2019")
    (True, True)
    >>> is_dateline("On Nov. 20, 2019 the senate met."), is_dateline("2019")
    (False, False)
    """
    # The cheap tests first: most short lines have no four-digit number.
    return (len(text) <= DATELINE_MAX and YEAR.search(text) is not None and any(c.isalpha() for c in text)
            and not DATELINE_WORDS.sub("", text))


def is_credit_line(text: str) -> bool:
    """A copyright or editor line (COPYRIGHT, EDITOR_CREDIT). ASCII text can only match the
    English words, so it is searched only when it holds them (a case-insensitive search of
    every short block cost microseconds each).

    >>> is_credit_line("Copyright 2019 The Times"), is_credit_line("A copyright fight")
    (True, False)
    >>> is_credit_line("责任编辑：张三")
    True
    """
    if text.isascii():
        lowered = text.lower()
        return ("copyright" in lowered or "all rights reserved" in lowered) and COPYRIGHT.search(text) is not None
    return COPYRIGHT.search(text) is not None or EDITOR_CREDIT.search(text) is not None


def kept_blocks(blocks: list[Block], title: str | None) -> list[Block]:
    """The article's blocks: furniture out, cut at a "related" heading, and after the last
    paragraph only the pictures (and captions) that follow it directly."""
    kept: list[Block] = []
    seen_text = False
    for block in blocks:
        if block.kind == "img":
            kept.append(block)
            continue
        if seen_text and len(block.text) <= STOP_MAX and STOP.match(block.text):
            break
        if is_furniture(block) or (title and block.text == title) or (block.kind == "h" and not seen_text
                                                                   and block.source is not None
                                                                   and block.source.tag == "h1"):
            kept.append(Block("gap"))
            continue
        kept.append(block)
        seen_text = seen_text or block.kind != "h"
    last = max((i for i, b in enumerate(kept) if _is_prose(b)), default=-1)
    end = last + 1
    while end < len(kept) and (kept[end].kind in ("img", "caption")
                               or (kept[end].kind == "p" and _caption_like(kept[end]))):
        end += 1
    return [b for b in kept[:end] if b.kind != "gap"]


def _is_prose(block: Block) -> bool:
    """A paragraph of the article rather than a caption or a teaser's title."""
    if block.kind in ("img", "caption", "h", "gap"):
        return False
    tag = block.source.tag if block.source is not None else None
    return tag == "p" or len(block.text) > CAPTION_MAX or block.text.endswith(SENTENCE_END)


def _caption_like(block: Block) -> bool:
    return len(block.text) <= CAPTION_MAX


def is_caption(block: Block, image_block: Block) -> bool:
    """``block`` describes the picture just before it (module docstring)."""
    if block.kind == "caption":
        return block.figure is image_block.figure  # its own figure's, or both outside any
    if block.kind not in ("p", "cell") or len(block.text) > CAPTION_MAX:
        return False
    if block.looks_centred():
        return True
    return bool(HAN.search(block.text)) and not block.text.endswith(SENTENCE_END)


def build_body(blocks: list[Block], base_url: str, title: str | None) -> Body:
    """Paragraphs, images (with captions and positions) and a cleaned HTML fragment."""
    kept = kept_blocks(blocks, title)
    result = Body()
    shown: list[Block] = []
    last_image: Block | None = None
    for block in kept:
        if block.image is not None:
            if any(i.url == block.image.url for i in result.images):
                continue
            block.image.index = len(result.paragraphs)
            result.images.append(block.image)
            last_image = block
        elif last_image is not None and last_image.image is not None and last_image.image.caption is None \
                and is_caption(block, last_image):
            last_image.image.caption = block.text
            continue
        elif block.kind == "caption":
            continue  # a figure's caption without its picture
        else:
            result.paragraphs.append(block.text)
            last_image = None
        shown.append(block)
    if not result.paragraphs or (sum(map(len, result.paragraphs)) <= NOT_FOUND_MAX
                                 and NOT_FOUND.search(" ".join(result.paragraphs))):
        return Body()
    result.body_html = fragment(shown, base_url)
    return result


def fragment(blocks: list[Block], base_url: str) -> str | None:
    """The kept blocks as one HTML fragment through newsbot.html_clean's allowlist (a CleanHtml)."""
    if not blocks:
        return None
    root = etree.Element("div")
    for block in blocks:
        if block.image is not None:
            figure = etree.SubElement(root, "figure")
            img = etree.SubElement(figure, "img", src=block.image.url)
            if block.image.alt:
                img.set("alt", block.image.alt)
            if block.image.caption:
                etree.SubElement(figure, "figcaption").text = block.image.caption
            continue
        element = _element(block)
        if block.kind == "li":
            if len(root) == 0 or root[-1].tag != "ul":
                etree.SubElement(root, "ul")
            root[-1].append(element)
        else:
            root.append(element)
    text = inner_html(clean_fragment(root, base_url, in_place=True)).strip()
    return CleanHtml(text) if text else None


def _element(block: Block) -> etree._Element:
    """The block's own element with its inline markup when it holds just this text, else a new one."""
    source = block.source
    tag = {"h": "h2", "li": "li", "pre": "pre", "quote": "blockquote"}.get(block.kind, "p")
    if block.kind == "h" and source is not None and source.tag in HEADINGS:
        tag = str(source.tag)
    if source is not None and source.tag in (tag, "p") and normalise_ws(text_of(source)) == block.text:
        element = copy.deepcopy(source)
        element.tail = None
        for img in list(element.iter("img")):
            remove_keeping_tail(img)  # pictures are figures of their own
        element.tag = tag
        element.attrib.clear()
        return element
    element = etree.Element(tag)
    element.text = block.text
    return element
