"""JSON lines for ``scrapy crawl -O FILE.jsonl`` that never lose an article silently.

Scrapy's exporter writes into a buffered file; a full disk surfaces at some later flush
(or at close, as one "Error storing" line) and the articles in between are gone while
the state marks them seen. This one writes each line straight to the file descriptor
and, when the disk refuses it, cuts the file back to the last whole line and reports the
article to the crawl's :class:`~newsbot.outputs.OutputGuard`: it is not marked as seen,
the crawl exits 4, and the next crawl exports it.

An :class:`~newsbot.items.Article` (every item a crawl yields) becomes its dict directly
rather than through Scrapy's per-field ItemAdapter calls and the encoder's ``default`` for
each Image (two thirds of the cost of a line); the line is the same bytes. Any other item,
or an exporter with ``fields_to_export``, goes Scrapy's way.
"""
from __future__ import annotations

import io
import os
from dataclasses import fields
from typing import IO, Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from newsbot.items import Article, Image
from newsbot.outputs import OutputGuard, guard

ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
IMAGE_FIELDS = tuple(f.name for f in fields(Image))


class JsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file: Any, *, output_guard: OutputGuard | None = None, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.guard = output_guard or OutputGuard()
        self.target = str(getattr(file, "name", "") or "the JSON lines feed")

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: Any, **kwargs: Any) -> Self:
        return cls(file, output_guard=guard(crawler), **kwargs)

    def export_item(self, item: Any) -> None:
        fast = type(item) is Article and self.fields_to_export is None
        record = article_dict(item) if fast else dict(self.get_serialized_fields(item))
        data = to_bytes(self.encoder.encode(record) + "\n", self.encoding)
        try:
            self._write(data)
        except OSError as error:
            url = ItemAdapter(item).get("url")
            self.guard.fail("jsonlines", self.target, error, url if isinstance(url, str) else None)

    def _write(self, data: bytes) -> None:
        fd = _fileno(self.file)
        if fd is None:  # compressed or in memory: no descriptor to write whole lines to
            self.file.write(data)
            self.file.flush()
            return
        self.file.flush()
        try:
            start: int | None = os.lseek(fd, 0, os.SEEK_END)
        except OSError:
            start = None  # a pipe (standard output) cannot be cut back
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            if start is not None:
                os.ftruncate(fd, start)  # no torn line for the next one to be glued to
            raise


def article_dict(article: Article) -> dict[str, Any]:
    """What Scrapy's exporter makes of an Article: its fields in order, each Image a dict of
    the fields it has (``path`` and ``checksum`` only once the images pipeline set them)."""
    values = vars(article)
    record = {name: values[name] for name in ARTICLE_FIELDS}
    record["lead_image"] = _image_dict(record["lead_image"])
    if record["images"]:
        record["images"] = [_image_dict(image) for image in record["images"]]
    return record


def _image_dict(image: Any) -> Any:
    if type(image) is not Image:
        return image  # None, or a dict: the encoder writes it as it is
    values = vars(image)
    return {name: values[name] for name in IMAGE_FIELDS if name in values}


def _fileno(file: IO[bytes]) -> int | None:
    try:
        return file.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
