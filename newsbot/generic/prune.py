"""Remove from a page what is never article text: scripts, hidden parts, page chrome, widgets.

Chrome is known by its element (``nav``, ``aside``, ``footer``…) and by the words in its
``class`` and ``id`` (comments, share, related, sidebar, ads…), as news templates name their
parts. An element so named is removed only when it holds little of the page's prose and not the
page's first ``<h1>``, so that a layout wrapper with an unlucky name (``container
penci_sidebar``, ``caas disableAsideSection``) keeps the article.
"""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from newsbot.generic.nodes import link_chars, own_text, text_of
from newsbot.html_clean import remove_keeping_tail

NEVER_TEXT = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "svg", "math",
    "canvas", "video", "audio", "map", "button", "input", "select", "textarea", "option", "label",
    "head", "link", "meta", "dialog",
})
CHROME = frozenset({"nav", "aside", "footer", "menu"})
# Words of class/id that name chrome: a word that starts with one of CHROME_STEMS, or is one
# of CHROME_WORDS. Words split at non-letters and at camelCase humps ("theiaStickySidebar").
# Word tests rather than one big regex: the regex cost 20 us a label, 4 ms a page.
CHROME_STEMS = (
    "comment", "disqus", "share", "sharing", "social", "related", "recommend", "sidebar", "breadcrumb",
    "footer", "copyright", "newsletter", "subscri", "signup", "promo", "sponsor", "advert", "banner",
    "popup", "modal", "cookie", "paywall", "outbrain", "taboola", "pagination", "pager", "widget",
    "toolbar", "trending", "popular", "hotnews", "readmore", "morestories", "keyword", "tagcloud",
    "taglist", "masthead", "navbar", "topbar", "qrcode", "erweima", "weixin", "wechat", "feedback",
    "login", "search", "xiangguan", "tuijian", "remen", "pinglun", "fenxiang", "guanggao", "rank",
)
CHROME_WORDS = frozenset({
    "ad", "ads", "adv", "adsense", "nav", "menu", "tags", "tag", "share", "hot", "more", "extra",
    "header", "gg", "sns", "bottom", "foot", "aside", "print", "report", "zoom", "jump", "bio",
})
EMBED_WORDS = frozenset({"embed", "embedded"})
LABEL_WORDS = re.compile(r"[a-z]+|[0-9]+")
HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")
# The same words of an ASCII label in one pass: an upper-case run with the lower-case run
# after it ("theiaStickySidebar": theia, Sticky, Sidebar; "ADbox": ADbox); digits never matter.
ASCII_WORDS = re.compile(r"[A-Z]*[a-z]+|[A-Z]+")
CHROME_WORD, EMBED = 1, 2
CONTENT_CLASS = re.compile(r"article|content|entry|main|post|story|text|body|detail|zhengwen|wenzhang",
                           re.IGNORECASE)
# Elements that may be hidden, found in C (one XPath test per tag name would cost 3 ms a page).
MAYBE_HIDDEN = etree.XPath("//@style/.. | //@hidden/.. | //@aria-hidden/..")  # attribute steps: 0.4 ms, not 0.7
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Chrome-named elements that hold this share of the page's prose stay (a layout column named
# ``penci_sidebar`` or ``widget Blog`` that holds the article); comments and related-story
# boxes need more, since they are made of paragraphs themselves.
STRONG_CHROME = re.compile(r"comment|disqus|related|recommend|share|social|pinglun|xiangguan", re.IGNORECASE)
KEEP_STRONG, KEEP_WEAK = 0.6, 0.25
PROSE_MIN, PROSE_LINKS = 80, 0.3


def names(element: etree._Element) -> str:
    """The element's class and id, one string (most elements have neither, or no id)."""
    label, ident = element.get("class"), element.get("id")
    if ident is None:
        return label.strip() if label else ""
    return f"{label} {ident}".strip() if label else ident.strip()


@lru_cache(maxsize=4096)
def is_chrome_name(label: str) -> bool:
    """Whether a class/id string names page chrome.

    >>> is_chrome_name("article-share"), is_chrome_name("post-body"), is_chrome_name("ad top")
    (True, False, True)
    >>> is_chrome_name("social-media-embed"), is_chrome_name("theiaStickySidebar"), is_chrome_name("ADbox")
    (False, True, False)
    """
    if not label:
        return False
    # lower() may turn a non-ASCII letter into ASCII ones (K, İ): such labels take the general split
    words = ASCII_WORDS.findall(label) if label.isascii() else LABEL_WORDS.findall(HUMP.sub(" ", label).lower())
    kinds = set(map(word_kind, words))
    return EMBED not in kinds and CHROME_WORD in kinds


@lru_cache(maxsize=16384)
def word_kind(word: str) -> int:
    """CHROME_WORD, EMBED or 0 for one word of a label. Cached by word: labels differ from
    site to site, their words much less (``col``, ``item``, ``title``), so a page's labels
    are mostly decided from words seen before."""
    word = word.lower()
    if word in EMBED_WORDS:
        return EMBED  # a post embedded in the article (``social-media-embed``) is its text
    return CHROME_WORD if word in CHROME_WORDS or word.startswith(CHROME_STEMS) else 0


def is_hidden(element: etree._Element) -> bool:
    return (element.get("hidden") is not None or element.get("aria-hidden") == "true"
            or bool(HIDDEN_STYLE.search(element.get("style") or "")))


def prose_shares(root: etree._Element) -> dict[etree._Element, float]:
    """Each element's share of the page's prose: paragraphs of PROSE_MIN characters or more,
    little of it in links, summed up the tree."""
    found: dict[etree._Element, int] = {}
    total = 0
    for paragraph in root.iter("p", "pre", "blockquote", "td", "div", "section"):
        text = own_text(paragraph) if paragraph.tag in ("div", "section", "td") else text_of(paragraph)
        if len(text) < PROSE_MIN:
            continue  # short before stripping too: most blocks
        size = len(text.strip())
        if size < PROSE_MIN:
            continue
        links = link_chars(paragraph)
        if links > PROSE_LINKS * size:
            continue
        total += size
        for ancestor in paragraph.iterancestors():
            found[ancestor] = found.get(ancestor, 0) + size
    return {element: size / total for element, size in found.items()} if total else {}


def prune(root: etree._Element) -> None:
    """Remove, in place, everything under ``root`` that is not article text (module docstring).

    What is never text goes first; then chrome, unless it holds much of the page's prose.
    """
    # libxml2 removes them and keeps their tails (remove_keeping_tail's rule), without a
    # Python call per script, comment and <head> element.
    etree.strip_elements(root, *NEVER_TEXT, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    _remove_all([e for e in MAYBE_HIDDEN(root) if is_hidden(e)])
    shares = prose_shares(root)
    headline = next(root.iter("h1"), None)
    layout = set(headline.iterancestors()) if headline is not None else set()
    # Depth first, not into what goes: most elements of a portal page sit in chrome (its
    # menus, link tables and footers), and an element removed takes its subtree with it.
    doomed: list[etree._Element] = []
    stack = [root]
    while stack:
        element = stack.pop()
        tag = element.tag
        label = names(element)
        if tag in CHROME or (label and tag not in ("body", "html", "img") and element not in layout
                             and is_chrome_name(label)):
            keep = KEEP_STRONG if STRONG_CHROME.search(label) else KEEP_WEAK
            if shares.get(element, 0.0) < keep:
                doomed.append(element)
                continue
        stack.extend(reversed(element))
    _remove_all(doomed)


def _remove_all(elements: list[etree._Element]) -> None:
    for element in elements:
        if element.getparent() is not None:
            remove_keeping_tail(element)
