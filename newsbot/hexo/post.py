"""Render one Article (an item or a plain dict) as a Hexo post in the reference layout.

Field choices (the reference post shows a 头条 article; these generalise it):

- ``author``: the authors joined with ", ", else the source, else the source name.
- ``categories``: as the article has them (group, source, channel), blank ones left out;
  Hexo nests them (新媒体 > 观察者网 > 头条), as the blog does today.
- ``headimg`` and ``thumbnail``: the lead image (the list-page picture), else the first
  body image, else both keys are left out.
- ``date``: ``published_at`` converted to GMT (RFC 1123); ``updated``: ``updated_at`` the
  same way, written only when the article has one (Hexo reads it as the update time).
- Body: ``<div>``, the lead image line (unless it is also the first body image), the
  sanitised body laid out like the reference, a blank line, ``</div>``.
- The text starts with an empty line, as the reference post does; Hexo accepts it.
- Pictures are hot links with ``referrerpolicy="no-referrer"``; with ``images_url`` (the
  published images store, NEWSBOT_HEXO_IMAGES_URL) those that have a stored copy are shown
  from it instead (newsbot/hexo/images.py): cover, lead line and body alike.
"""
from __future__ import annotations

from html import escape
from typing import Any

from itemadapter import ItemAdapter
from lxml import html

from newsbot.hexo.frontmatter import Field, plain, quoted, render_front_matter, rfc1123_gmt, yaml_text
from newsbot.hexo.images import local_copies, use_local_copies
from newsbot.hexo.layout import layout_body, protect
from newsbot.hexo.sanitize import REFERRER_POLICY, safe_url, sanitise
from newsbot.html_clean import CleanHtml
from newsbot.items import fields_of


def render_post(article: Any, images_url: str = "") -> str:
    """The full post text for ``article`` (raises ValueError without ``published_at``);
    ``images_url``: the URL the images store is published under, empty = hot links only."""
    adapter = ItemAdapter(article)
    published = adapter.get("published_at")
    if not published:
        raise ValueError(f"article without published_at: {adapter.get('url')!r}")
    copies = local_copies(article, images_url)
    body = _body_root(adapter.get("body_html"), adapter.get("url"))
    use_local_copies(body, copies)
    base = adapter.get("url")
    lead = _local(_image(adapter.get("lead_image"), base), copies)
    cover = lead or _local(_first_image(adapter.get("images"), body, base), copies)
    fields: list[Field] = [
        ("title", quoted(adapter.get("title"))),
        ("categories", [plain(c) for c in adapter.get("categories") or [] if yaml_text(c)] or None),
        ("headimg", quoted(cover["url"]) if cover else None),
        ("author", _author(adapter)),
        ("comments", False),
        ("date", rfc1123_gmt(published)),
        ("updated", rfc1123_gmt(adapter["updated_at"]) if adapter.get("updated_at") else None),
        ("thumbnail", quoted(cover["url"]) if cover else None),
    ]
    lines = ["", render_front_matter(fields), "<div>"]
    if lead and lead["url"] != _first_body_src(body):
        lines.append(protect(_lead_line(lead)))
    lines.extend(layout_body(body))
    lines += ["", "</div>", ""]
    return "\n".join(lines)


def _author(adapter: ItemAdapter) -> str | None:
    names = [n for n in adapter.get("authors") or [] if n and n.strip()]
    name = ", ".join(n.strip() for n in names) or adapter.get("source") or adapter.get("source_name")
    return plain(name) if name else None


def _image(value: Any, base_url: str | None) -> dict[str, Any] | None:
    """An Image (dataclass or dict) as its url (safe, absolute), width and height, or None."""
    if not value:
        return None
    if isinstance(value, dict):
        image: Any = value
    else:
        image = fields_of(value) if ItemAdapter.is_item(value) else dict(value)
    url = safe_url(image.get("url") or "", base_url)
    return {"url": url, "width": image.get("width"), "height": image.get("height")} if url else None


def _local(image: dict[str, Any] | None, copies: dict[str, str]) -> dict[str, Any] | None:
    """The image with the URL of its stored copy, if it has one (``local`` then True)."""
    if image is None or image["url"] not in copies:
        return image
    return {**image, "url": copies[image["url"]], "local": True}


def _first_image(images: Any, body: html.HtmlElement, base_url: str | None) -> dict[str, Any] | None:
    for value in images or []:
        if image := _image(value, base_url):
            return image
    src = _first_body_src(body)
    return {"url": src} if src else None


def _first_body_src(body: html.HtmlElement) -> str | None:
    return next((img.get("src") for img in body.iter("img")), None)


def _body_root(body_html: str | None, base_url: str | None) -> html.HtmlElement:
    root = html.fragment_fromstring(body_html or "", create_parent="div")
    return sanitise(root, base_url, cleaned=isinstance(body_html, CleanHtml))


def _lead_line(lead: dict[str, Any]) -> str:
    """``<img src=… width="970px" height="374px" referrerpolicy=…>`` as the reference."""
    attrs = [f'src="{escape(lead["url"])}"']
    for name in ("width", "height"):
        size = str(lead.get(name) or "").strip()
        if size.isdigit() and int(size) > 0:
            attrs.append(f'{name}="{int(size)}px"')
    if not lead.get("local"):
        attrs.append(f'referrerpolicy="{REFERRER_POLICY}"')
    return f"<img {' '.join(attrs)}>"
