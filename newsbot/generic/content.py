"""Find the element that holds the article: paragraph scores summed up the tree.

Every paragraph-like block (``p``, ``pre``, ``td``, ``blockquote``, or a ``div`` with text
of its own, as Chinese pages separate paragraphs with ``<br>``) scores by its length and
its punctuation, less the share of its text inside links. Its score goes to its parent in
full, to the grandparent by half and one level higher by a third, so the winner is the
element that directly holds most prose, not simply the biggest one. Class and id words
(``article-body`` up, ``sidebar`` down) and the element's own link density adjust it;
teasers (cut off with "...") and entries of repeated lists
count little.
A Han character counts as 2.5 letters: a Chinese sentence is about as long in characters
as an English one in words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from newsbot.generic.nodes import link_chars, own_text, text_of
from newsbot.generic.prune import CONTENT_CLASS, is_chrome_name, names

PARAGRAPHS = frozenset({"p", "pre", "td", "blockquote"})
OWN_TEXT = frozenset({"div", "section", "article", "span", "font", "center", "main", "body"})
PUNCTUATION = re.compile(r"[,.;:!?，。；：！？、]")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MIN_UNITS = 25  # shorter blocks (a date, a button label) say nothing
MAX_UNITS_A_CHARACTER = 2.5  # a Han character (see units)
TAG_BONUS = {"div": 5.0, "article": 10.0, "main": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0,
             "blockquote": 3.0, "ol": -3.0, "ul": -3.0, "li": -3.0, "form": -3.0, "dl": -3.0,
             "h1": -5.0, "h2": -5.0, "h3": -5.0, "h4": -5.0, "th": -5.0}
CLASS_WEIGHT = 25.0
SIBLING_FLOOR, SIBLING_SHARE = 10.0, 0.2
PROSE_UNITS, SIBLING_LINKS = 80, 0.25
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# A paragraph cut off with an ellipsis (maybe a date or a source after it) is a teaser; an
# element repeated REPEATED times with the same class among its siblings is an entry of a
# list. Both count a fifth.
TEASER_TAIL = 3  # words after the ellipsis at most
TEASER_FACTOR = 0.2
REPEATED = 3
LIST_DEPTH = 4
# Text inside a link is a teaser's, whatever its length (a whole story card wrapped in <a>).
IN_LINK = etree.XPath("//a//*")


def units(text: str) -> float:
    """The length of ``text`` in letter-equivalents (module docstring).

    >>> units("abcd"), units("中文")
    (4.0, 5.0)
    """
    if text.isascii():  # most English text: no scan for Han characters at all
        return float(len(text))
    han = HAN.subn("", text)[1]  # a count without a list of one-character strings
    return len(text) + 1.5 * han


def class_weight(element: etree._Element) -> float:
    label = names(element)
    if not label:
        return 0.0
    weight = CLASS_WEIGHT if CONTENT_CLASS.search(label) else 0.0
    return weight - CLASS_WEIGHT if is_chrome_name(label) else weight


@dataclass
class Scores:
    by_element: dict[etree._Element, float] = field(default_factory=dict)

    def add(self, element: etree._Element | None, score: float) -> None:
        if element is None or not isinstance(element.tag, str):
            return
        if element not in self.by_element:
            self.by_element[element] = TAG_BONUS.get(element.tag, 0.0) + class_weight(element)
        self.by_element[element] += score


def paragraph_score(element: etree._Element) -> float:
    """What a paragraph-like block adds to its ancestors; 0 for a short or link-only one."""
    paragraph = element.tag in PARAGRAPHS
    if paragraph:
        text = text_of(element).strip()
    elif element.tag in OWN_TEXT:
        text = own_text(element).strip()
    else:
        return 0.0
    if len(text) * MAX_UNITS_A_CHARACTER < MIN_UNITS:
        return 0.0  # short whatever its script: most blocks, decided without counting
    size = units(text)
    if size < MIN_UNITS:
        return 0.0
    links = link_chars(element) if paragraph else 0
    density = min(links / len(text), 1.0)
    score = (1.0 + len(PUNCTUATION.findall(text)) + min(size / 100.0, 3.0)) * (1.0 - density) ** 2
    return score * TEASER_FACTOR if is_truncated(text) else score


def is_truncated(text: str) -> bool:
    """The text ends with an ellipsis and at most TEASER_TAIL words after it. A string test,
    not a regex: ``(?:\\S+\\s*){0,3}$`` after an ellipsis backtracked cubically over a long
    spaceless (Chinese) run, up to half a second a paragraph.

    >>> is_truncated("Read the rest... 2 days ago"), is_truncated("a… " + "中" * 500 + " x y z")
    (True, False)
    >>> is_truncated("He said... then he left the room."), is_truncated("He waited….")
    (False, True)
    """
    end = max(text.rfind("...") + 3 if "..." in text else -1, text.rfind("…") + 1 if "…" in text else -1)
    return end >= 0 and len(text[end:].split(None, TEASER_TAIL)) <= TEASER_TAIL


def is_list_item(element: etree._Element) -> bool:
    """One of several siblings with the same class: an entry of a teaser list, not an article."""
    label = element.get("class")
    parent = element.getparent()
    if not label or parent is None:
        return False
    return sum(1 for sibling in parent if sibling.get("class") == label) >= REPEATED


def is_feed(element: etree._Element) -> bool:
    """A list whose first entry is one of REPEATED or more of the same class: a feed of cards."""
    if element.tag not in ("ul", "ol") or len(element) < REPEATED:
        return False
    return isinstance(element[0].tag, str) and is_list_item(element[0])


def in_list_item(element: etree._Element, seen: dict[etree._Element, bool]) -> bool:
    """``element`` is an entry of a repeated list, or inside (LIST_DEPTH levels up) an
    ``<li>`` that is one (a story card in a feed); a repeated layout ``div.row`` above an
    article is no list."""
    node: etree._Element | None = element
    for _ in range(LIST_DEPTH):
        if node is None:
            return False
        if node is element or node.tag == "li":
            if node not in seen:
                seen[node] = is_list_item(node)
            if seen[node]:
                return True
        node = node.getparent()
    return False


class Finals:
    """Container scores after their link density and teaser factors, computed on demand:
    both only lower a score, so the best is found without reading the text of most elements
    (each ``string()`` of a high ancestor reads the whole page again)."""

    def __init__(self, raw: dict[etree._Element, float]) -> None:
        self.raw = {e: score for e, score in raw.items() if e.tag not in ("html", "head")}
        self.memo: dict[etree._Element, float] = {}
        self.entries: dict[etree._Element, bool] = {}

    def get(self, element: etree._Element) -> float:
        if element not in self.raw:
            return 0.0
        if element not in self.memo:
            text_length = len(text_of(element)) or 1
            score = self.raw[element] * (1.0 - min(link_chars(element) / text_length, 1.0))
            if in_list_item(element, self.entries) or is_feed(element):
                score *= TEASER_FACTOR
            self.memo[element] = score
        return self.memo[element]

    def best(self) -> etree._Element | None:
        """The highest final score; on a tie, the element scored first (page order of its text)."""
        order = {e: i for i, e in enumerate(self.raw)}
        best: etree._Element | None = None
        best_score = 0.0
        for element in sorted(self.raw, key=lambda e: (-self.raw[e], order[e])):
            if best is not None and self.raw[element] < best_score:
                break  # no factor raises a score: nothing further down can win
            score = self.get(element)
            if best is None or score > best_score or (score == best_score and order[element] < order[best]):
                best, best_score = element, score
        return best


def containers(root: etree._Element) -> list[etree._Element]:
    """The element holding the article (module docstring) and those of its siblings that
    score at least a fifth as well (an article split by an ad slot), in page order; empty
    when the page has no prose at all."""
    scores = Scores()
    linked = set(IN_LINK(root))
    for element in root.iter(*PARAGRAPHS, *OWN_TEXT):
        if element in linked:
            continue
        score = paragraph_score(element)
        if not score:
            continue
        parent = element.getparent()
        if element.tag in OWN_TEXT:
            scores.add(element, score)  # text of its own: a paragraph and its own container
        scores.add(parent, score)
        grandparent = parent.getparent() if parent is not None else None
        scores.add(grandparent, score / 2)
        if grandparent is not None:
            scores.add(grandparent.getparent(), score / 3)
    final = Finals(scores.by_element)
    best = final.best()
    if best is None:
        return []
    parent = best.getparent()
    if parent is None or best.tag == "body":
        return [best]
    floor = max(SIBLING_FLOOR, SIBLING_SHARE * final.get(best))
    kept = [e for e in parent if e is best or final.get(e) >= floor or _prose(e)]
    # A heading stays when the block after it does (sections of one article).
    group = [e for i, e in enumerate(kept)
             if e.tag not in HEADINGS or (i + 1 < len(kept) and kept[i + 1].tag not in HEADINGS)]
    return with_twins(root, best, group, final, floor)


def with_twins(root: etree._Element, best: etree._Element, group: list[etree._Element],
               final: Finals, floor: float) -> list[etree._Element]:
    """``group`` and, in page order, the elements elsewhere of the best container's own tag
    and class that score above ``floor``: one article split into several containers by a
    pull quote, a video or an ad, each at its own depth of the layout."""
    label = best.get("class")
    if not label or not isinstance(best.tag, str):
        return group
    inside: set[etree._Element] | None = None  # read only when a twin turns up
    found: list[etree._Element] = []
    for element in root.iter(best.tag):  # a walk filtered in C: half an XPath test of every element
        if element.get("class") != label:
            continue
        if element is best:
            found.extend(group)
            continue
        if inside is None:
            inside = {a for e in group for a in e.iterancestors()} | {d for e in group for d in e.iter()}
        if element not in inside and final.get(element) >= floor:
            found.append(element)
    return found if len(found) > len(group) else group


def _prose(element: etree._Element) -> bool:
    """A sibling paragraph of the article's container, or a section heading."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in HEADINGS:
        return True
    if element.tag != "p":
        return False
    text = str(text_of(element)).strip()
    return units(text) >= PROSE_UNITS and link_chars(element) < SIBLING_LINKS * len(text)
