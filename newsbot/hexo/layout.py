"""Lay the article body out the way the reference post does.

Every top-level block (``<p …>``, ``<div>``, ``<h2>``, …) takes three lines: its start tag,
its content on one line, its end tag. Inline content between blocks (a bare ``<img>``,
stray text) takes one line. The page's own indentation and line breaks do not matter:
runs of whitespace collapse to one space (as a browser shows them) and content lines are
stripped, so the same body laid out with tabs, spaces, CRLF or nothing at all gives the
same post. Content that ends with a tag is followed by one space, like the reference.

No line is ever blank: Markdown ends an HTML block at a blank line, and Hexo would then
read the rest of the body as Markdown. Braces and backticks are written as character
references so that Hexo's Nunjucks tags and code fences never fire on article text.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from lxml import html

from newsbot.html_clean import inner_html

BLOCKS = {
    "p", "div", "center", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
    "table", "figure", "pre", "hr",
}
_SPACES = re.compile(r"[ \t\r\n\f]+")
_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;"})


def layout_body(root: html.HtmlElement) -> list[str]:
    """The lines of the (sanitised) fragment under ``root``, reference style."""
    lines: list[str] = []
    run: list[str] = [escape(root.text or "", quote=False)]
    for child in root:
        if child.tag in BLOCKS:
            _flush(run, lines)
            lines.extend(_block(child))
            run = [escape(child.tail or "", quote=False)]
        else:
            run.append(html.tostring(child, encoding="unicode", with_tail=True))
    _flush(run, lines)
    return lines


def _block(element: html.HtmlElement) -> list[str]:
    """Start tag, content, end tag: three lines (one for ``<hr>``, none when empty)."""
    start, end = _tags(element)
    if element.tag == "hr":
        return [protect(start)]
    inner = inner_html(element)
    if element.tag == "pre":
        content = inner.strip("\r\n").replace("\r", "").replace("\n", "&#10;")
    else:
        content = _one_line([inner])
    if not content.strip() and not len(element):
        return []  # spacer paragraphs (<p>&nbsp;</p>) carry nothing
    return [protect(start), protect(content), end]


def _flush(run: list[str], lines: list[str]) -> None:
    content = _one_line(run)
    if content:
        lines.append(protect(content))
    run.clear()


def _one_line(parts: list[str]) -> str:
    content = _SPACES.sub(" ", "".join(parts)).strip(" ")
    return content + " " if content.endswith(">") else content


def _tags(element: html.HtmlElement) -> tuple[str, str]:
    """``<tag attr="…">`` with the attributes in their original order, and ``</tag>`` ("" for ``<hr>``)."""
    return _serialised_tags(str(element.tag), tuple(element.items()))


@lru_cache(maxsize=512)
def _serialised_tags(tag: str, attributes: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """Most blocks are a bare ``<p>`` or one of a few styled ones: lxml serialises each once."""
    serialised = html.tostring(html.Element(tag, dict(attributes)), encoding="unicode")
    if tag == "hr":
        return serialised, ""
    cut = serialised.rindex("</")
    return serialised[:cut], serialised[cut:]


def protect(line: str) -> str:
    """Braces and backticks as character references (inert for Nunjucks and Markdown).

    ``str.translate`` walks a CJK line a character at a time (12 us for 200 characters);
    most lines have none of the three, and three ``in`` tests find that in 0.1 us.
    """
    if "{" in line or "}" in line or "`" in line:
        return line.translate(_TEMPLATE_CHARS)
    return line
