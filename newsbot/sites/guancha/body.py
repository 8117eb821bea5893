"""guancha.cn article bodies: paragraphs, images with their captions, cleaned HTML.

Images stand in their own centred ``<p>``; a caption is the next centred ``<p>`` without an
image. Neither belongs to the text paragraphs. The rights notice (本文系观察者网独家稿件…)
that closes many bodies is part of the article: it is the last paragraph, as on the page
and in the blog post. The pager of a multi-page article (下一页, 余下全文) is not.
"""
from __future__ import annotations

import re

from lxml import etree

from newsbot.html_clean import clean_fragment, inner_html, remove_keeping_tail
from newsbot.items import Image
from newsbot.loaders import ArticleLoader
from newsbot.sites.page import Body, PageContext, add_body, image_of, load_summary
from newsbot.text import normalise_ws

NOT_CONTENT = ("div.content-bottom-ad", "div.gc-comment", "div.share", "ul.hot-list", "div.img-special",
               "#select_page", ".module-page")
# A paragraph made of nothing but pager labels and page numbers.
PAGER_ONLY = re.compile(r"^[\d\s]*(?:(?:上一页|下一页|余下全文|尾页|首页)[\d\s]*)+$")


def _centred(p: etree._Element) -> bool:
    style = (p.get("style") or "").replace(" ", "").lower()
    return (p.get("align") or "").lower() == "center" or "text-align:center" in style


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


def load_body(loader: ArticleLoader, page: etree._Element, element: etree._Element | None, ctx: PageContext) -> Body:
    """Paragraphs, images and cleaned HTML of the body ``element`` (None: no body found),
    plus the page's meta description as the summary of last resort."""
    load_summary(loader, page)
    body = extract_body(element, ctx.canonical)
    add_body(loader, body)
    return body
