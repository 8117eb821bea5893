"""Plain, correct ``-h`` output for newsbot's commands.

Scrapy's help formatter takes every printed line that ends with a colon for a section
heading: a help text wrapped right after "default:" came out title-cased and underlined
("Posts Directory, E.G. Site/Source/_Posts (Default" over a row of ``=``), and it joins
a command's description into one paragraph. Here only argparse's own section titles
are headings, and a description keeps its paragraphs (separated by blank lines).
"""
from __future__ import annotations

import argparse
import re
from typing import Any

from scrapy.commands import ScrapyCommand, ScrapyHelpFormatter

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


class PlainHelpFormatter(ScrapyHelpFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.titles: set[str] = set()  # "Options:", "Global Options:", ...

    def start_section(self, heading: str | None) -> None:
        if heading:
            self.titles.add(f"{heading}:")
        super().start_section(heading)

    def format_part_strings(self, part_strings: list[str]) -> list[str]:
        # Hide the lines that only look like headings from Scrapy's formatter, then put them back.
        hidden: dict[str, str] = {}
        masked = []
        for part in part_strings:
            if part.endswith(":\n") and part.strip() not in self.titles:
                key = f"\0{len(hidden)}\0"
                hidden[key] = part
                part = key
            masked.append(part)
        return [hidden.get(part, part) for part in super().format_part_strings(masked)]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = PARAGRAPH_BREAK.split(text.strip())
        return "\n\n".join(super(PlainHelpFormatter, self)._fill_text(p, width, indent) for p in paragraphs)


class PlainHelpCommand(ScrapyCommand):
    """Base of newsbot's commands (first in the bases, before Scrapy's command class)."""

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.formatter_class = PlainHelpFormatter
