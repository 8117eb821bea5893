"""Post file names and incremental writing into a Hexo ``source/_posts`` directory.

A post is named ``<published date>-<article id>.md`` (``2022-04-27-guancha-636953.md``):
the date as the article carries it (Beijing date for guancha), the id from the canonical
URL, never from the title. Names use only ``[a-z0-9-]`` and are stable across runs.

``PostStore`` remembers which URL owns which file in a hidden manifest
(``.newsbot-hexo.jsonl``, one ``{"url", "file"}`` line per change; Hexo skips dotfiles).
With it a name taken by another URL gets a suffix from this URL's hash, and an article
whose date changed is moved to its new name instead of being duplicated. A file is only
written when its bytes change, atomically, so unchanged posts keep their mtime.

In memory the store keeps 64-bit hashes of the URLs and names (newsbot/compact.py, 32 bytes
a post instead of about 300); the name a URL had before a move is read from the manifest.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from newsbot.compact import HashedMap, key64
from newsbot.files import write_atomically, write_if_changed
from newsbot.hexo.post import render_post
from newsbot.sites.registry import site_for_url
from newsbot.times import aware

logger = logging.getLogger(__name__)

MANIFEST = ".newsbot-hexo.jsonl"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_POST_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.md")  # what post_filename and _claim make
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def url_hash(url: str, length: int = 10) -> str:
    """Hex digits of the URL's SHA-1."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:length]


def article_id(url: str, site: str | None = None) -> str:
    """The id its site gives the URL (``Site.article_id``: ``guancha-<id>``,
    ``fengwen-<id>``), else ``<site>-<url hash>``.

    >>> article_id("https://www.guancha.cn/internation/2022_04_27_636953.shtml")
    'guancha-636953'
    >>> article_id("https://user.guancha.cn/main/content?id=723415")
    'fengwen-723415'
    >>> article_id("https://example.com/a/../b?x=1", site="Example News")
    'example-news-410044f4d3'
    """
    owner = site_for_url(url)
    own = owner.article_id(url) if owner is not None else None
    if own and _SAFE_ID.fullmatch(own):  # a site's id too must be a safe file name
        return own
    prefix = _NOT_SLUG.sub("-", (site or "").lower()).strip("-")[:24].strip("-") or "post"
    return f"{prefix}-{url_hash(url)}"


def post_filename(article: Any) -> str:
    """``<YYYY-MM-DD>-<article id>.md`` for an Article (item or dict)."""
    adapter = ItemAdapter(article)
    url, published = adapter.get("url"), adapter.get("published_at")
    if not url or not published:
        raise ValueError(f"article needs url and published_at: {url!r}")
    return f"{aware(published).date().isoformat()}-{article_id(url, adapter.get('site'))}.md"


class PostStore:
    """A posts directory written incrementally (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str], images_url: str = "") -> None:
        self.directory = Path(directory)
        self.images_url = images_url  # where the images store is published (render_post)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._manifest = self.directory / MANIFEST
        self._files = HashedMap(bits=64)  # url -> its file name (hashes)
        self._owners = HashedMap(bits=64)  # file name -> the url that has it (hashes)
        self._lines = 0  # manifest lines, to know when compacting pays
        self._load()

    def publish(self, article: Any) -> str:
        """Render ``article`` and save it; "written", "unchanged", or "failed" (logged).

        A write the disk refuses (OSError) is not "failed": it raises, for the caller to
        report (the article cannot be a post now, but it can be once there is room).
        """
        url = ItemAdapter(article).get("url")
        try:
            if not isinstance(url, str) or not url:
                raise ValueError(f"article needs a url: {url!r}")
            name, written = self.save(url, post_filename(article), render_post(article, self.images_url))
        except (ValueError, TypeError) as error:
            logger.error("Cannot write the Hexo post for %s: %s", url, error)
            return "failed"
        outcome = "written" if written else "unchanged"
        logger.debug("Hexo post %s %s", name, outcome)
        return outcome

    def save(self, url: str, name: str, text: str) -> tuple[str, bool]:
        """Write ``text`` for ``url`` under ``name`` (or a suffixed variant).

        Returns the file name used and whether the file was (re)written.
        """
        name = self._claim(url, name)
        path = self.directory / name
        data = text.encode("utf-8")
        written = write_if_changed(path, data)
        had = self._files.get(url)
        if had != key64(name):
            old = self._file_of(url) if had is not None else None
            if old and old != name and (self.directory / old).is_file():
                (self.directory / old).unlink()
                logger.info("Hexo post for %s moved from %s to %s", url, old, name)
            self._record(url, name)
        return name, written

    def _claim(self, url: str, name: str) -> str:
        """``name`` if free or already ours, else ``<stem>-<url hash>.md``."""
        stem = name.removesuffix(".md")
        mine = key64(url)
        for candidate in (name, f"{stem}-{url_hash(url, 8)}.md", f"{stem}-{url_hash(url, 40)}.md"):
            if self._owners.get(candidate, mine) == mine:
                return candidate
        raise RuntimeError(f"no free file name for {url}")

    def _record(self, url: str, name: str) -> None:
        self._apply(url, name)
        with self._manifest.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"url": url, "file": name}, ensure_ascii=False) + "\n")
        self._lines += 1

    def _apply(self, url: str, name: str) -> None:
        mine = key64(url)
        old = self._files.get(mine)
        if old is not None and self._owners.get(old) == mine:
            self._owners.pop(old)
        self._files[mine] = key64(name)
        self._owners[name] = mine

    def _load(self) -> None:
        for _, url, name in self._entries(warn=True):
            self._apply(url, name)

    def _entries(self, warn: bool = False, containing: str = "") -> Iterator[tuple[int, str, str]]:
        """(line number, url, file name) of each valid manifest line (with ``containing``
        in it), read a line at a time; lines counted in ``_lines`` when ``warn``."""
        if not self._manifest.is_file():
            return
        with self._manifest.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if warn:
                    self._lines += 1
                if containing not in line:
                    continue
                try:
                    entry = json.loads(line)
                    url, name = entry["url"], entry["file"]
                except (ValueError, KeyError, TypeError):
                    if warn:
                        logger.warning("Ignoring line %d of %s: not a manifest entry", number, self._manifest)
                    continue
                # Only names this store makes: a crafted "../x" would have a later move delete
                # a file outside the posts directory.
                if not isinstance(url, str) or not isinstance(name, str) or not _POST_NAME.fullmatch(name):
                    if warn:
                        logger.warning("Ignoring line %d of %s: %r is not a post file name", number,
                                       self._manifest, str(name)[:200])
                    continue
                yield number, url, name

    def _file_of(self, url: str) -> str | None:
        """The file name the manifest gives ``url`` last (a move is rare: one read of it)."""
        found = None
        for _, owner, name in self._entries(containing=json.dumps(url, ensure_ascii=False)):
            if owner == url:
                found = name
        return found

    def compact(self) -> None:
        """Rewrite the manifest with one line per URL, when it holds more than that."""
        if self._lines == len(self._files):
            return
        kept, lines = HashedMap(), []
        for _, url, name in self._entries():
            if self._files.get(url) == key64(name) and url not in kept:
                kept[url] = 0
                lines.append(json.dumps({"url": url, "file": name}, ensure_ascii=False))
        self._lines = len(lines)
        write_atomically(self._manifest, ("\n".join(lines) + "\n" if lines else "").encode("utf-8"))
