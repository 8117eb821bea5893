"""YAML front matter in the reference post's style, valid YAML for any text.

Strings are written single-quoted (``title: 'a''b'``) except the few the reference writes
plain (``author``, category items), which stay plain only when that is unambiguous in
both YAML 1.1 (PyYAML) and YAML 1.2 (js-yaml, which Hexo uses); anything else is quoted.

Values are made single-line first (see ``yaml_text``): YAML cannot hold control characters,
and a newline inside a quoted scalar would be folded by the parser anyway.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, timezone
from email.utils import format_datetime

from newsbot.times import BEIJING, aware

# What YAML's "printable" set excludes (YAML 1.2 §5.1), plus the BOM.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A plain scalar we dare write: starts with a letter, then letters, digits, spaces and a
# few punctuation marks that mean nothing to YAML in the middle of a block scalar.
_PLAIN = re.compile(r"[^\W\d_][\w ·.,()（）-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

Field = tuple[str, "str | bool | Sequence[str] | None"]


def yaml_text(value: str | None) -> str:
    """One line of printable text: characters YAML cannot hold (controls, surrogates, the
    BOM, U+FFFE/U+FFFF) are removed, then whitespace runs (newlines too) become one space.

    >>> yaml_text("  a\\n\\tb\\u2028c\\x00d ")
    'a b cd'
    """
    return " ".join(_NOT_PRINTABLE.sub("", value or "").split())


def quoted(value: str | None) -> str:
    """A single-quoted YAML scalar.

    >>> quoted("It's: #1")
    "'It''s: #1'"
    """
    return "'" + yaml_text(value).replace("'", "''") + "'"


def plain(value: str | None) -> str:
    """The value as a plain scalar when that is safe, else single-quoted.

    >>> plain("观察者网"), plain("yes"), plain("- x"), plain("A, B")
    ('观察者网', "'yes'", "'- x'", 'A, B')
    """
    text = yaml_text(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return quoted(text)


def rfc1123_gmt(iso: str, naive_tz: timezone = BEIJING) -> str:
    """An ISO 8601 time as RFC 1123 in GMT; a time without offset is taken as ``naive_tz``.

    >>> rfc1123_gmt("2022-04-27T10:22:31+08:00")
    'Wed, 27 Apr 2022 02:22:31 GMT'
    """
    return format_datetime(aware(iso, naive_tz).astimezone(UTC), usegmt=True)


def render_front_matter(fields: Sequence[Field]) -> str:
    """``---`` … ``---`` lines for already formatted fields; None values are left out.

    A list value is written as the reference writes ``categories``: the key with a
    trailing space, then one `` - item`` line per item.
    """
    lines = ["---"]
    for key, value in fields:
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: ")
            lines.extend(f" - {item}" for item in value)
    lines.append("---")
    return "\n".join(lines) + "\n"
