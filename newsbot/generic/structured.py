"""The article body a page declares in JSON-LD (``articleBody``), checked against the page.

Publishers put the whole text there when the page shows only its start (the rest behind
"read more" or loaded by script), but also teasers cut at 500 characters, and bodies of
another story. The declared body replaces what the page's markup gave only when it is real:
much longer than the markup's text, holding most of that text itself (so it is this
article), and its opening words are shown on the page (so it is not a template's leftover).
"""
from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

from newsbot.generic.meta import Page
from newsbot.text import normalise_ws

TAG = re.compile(r"<[a-zA-Z/][^>]*>")
LINES = re.compile(r"\s*\n\s*")
NON_WORD = re.compile(r"\W+")
LONGER = 1.5  # the declared body must be this much longer than the markup's text
AGREE = 0.6  # and hold this share of the markup's text
OPENING = 40  # characters of the declared body that must be shown on the page
MIN_BODY = 200


def declared_paragraphs(page: Page) -> list[str]:
    """``articleBody`` of an article-typed JSON-LD object as paragraphs, HTML read as text.

    >>> from lxml import html as h
    >>> tree = h.document_fromstring('<script type="application/ld+json">{"@type": "NewsArticle",'
    ...     ' "articleBody": "First line &amp; more.\\\\nSecond <b>line</b>."}</script><p>x</p>')
    >>> declared_paragraphs(Page(tree))
    ['First line & more.', 'Second line.']
    """
    body = next((item.get("articleBody") for item in page.articles if isinstance(item.get("articleBody"), str)),
                None)
    if not body or not body.strip():
        return []
    if TAG.search(body):
        fragment = lxml_html.fragment_fromstring(body, create_parent="div")
        for node in fragment.iter("p", "br", "div", "li", "h2", "h3", "h4"):
            node.tail = "\n" + (node.tail or "")
        body = fragment.text_content()
    text = html.unescape(html.unescape(body))  # some templates escape twice: &amp;quot;
    return [line for line in (normalise_ws(part) for part in LINES.split(text)) if line]


def squeezed(text: str) -> str:
    """Letters and digits only, lower case, for comparing texts laid out differently."""
    return NON_WORD.sub("", text).lower()


def better_body(declared: list[str], found: list[str], page_words: str) -> bool:
    """Whether the declared paragraphs should replace ``found`` (module docstring)."""
    whole = squeezed("".join(declared))
    if len(whole) < MIN_BODY or len(whole) < LONGER * len(squeezed("".join(found))):
        return False
    if squeezed(declared[0])[:OPENING] not in squeezed(page_words):
        return False
    shown = [squeezed(p) for p in found]
    total = sum(map(len, shown))
    return total == 0 or sum(len(p) for p in shown if p in whole) >= AGREE * total


def paragraphs_html(paragraphs: list[str]) -> str:
    """The paragraphs as a fragment of ``<p>`` elements."""
    root = etree.Element("div")
    for text in paragraphs:
        etree.SubElement(root, "p").text = text
    return "".join(etree.tostring(child, encoding="unicode") for child in root)
