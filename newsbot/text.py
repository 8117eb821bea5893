"""Pure text helpers shared by extraction (loaders) and the clean pipeline.

Whitespace normalisation lives here and nowhere else.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# Characters that render as nothing and only get in the way of comparisons. ZERO WIDTH
# JOINER is left alone on purpose: it is part of emoji sequences.
_INVISIBLE = re.compile("[\u200b\u200c\u2060\ufeff]")
# Characters lxml refuses in text and attribute values: the C0 controls other than tab, LF
# and CR, and the two noncharacters U+FFFE and U+FFFF. No browser shows them either.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Every whitespace run except U+00A0, which folding keeps (see fold_ws).
_FOLDABLE = re.compile(r"[^\S\xa0]+")
# str.split() with no argument splits on every Unicode whitespace character, which
# includes U+3000 (ideographic space), U+00A0 (no-break space), tabs and newlines.


def normalise_ws(text: str | None) -> str:
    """Collapse every run of whitespace to one ASCII space and strip the ends.

    Full-width (U+3000) and no-break (U+00A0) spaces count as whitespace; zero-width
    characters are removed. ``None`` becomes the empty string.

    >>> normalise_ws("  观察者网\\u3000\\u3000头条 \\n\\t news\\xa0 ")
    '观察者网 头条 news'
    >>> normalise_ws("a\\u200bb")
    'ab'
    >>> normalise_ws(None)
    ''
    >>> normalise_ws("\\u3000 \\xa0")
    ''
    """
    if not text:
        return ""
    if not text.isascii() and ("\u200b" in text or "\u200c" in text or "\u2060" in text or "\ufeff" in text):
        text = _INVISIBLE.sub("", text)  # substring tests are twenty times cheaper than a scan that finds nothing
    return " ".join(text.split())


def fold_ws(text: str) -> str:
    """Fold every run of whitespace to one ASCII space, keeping a space at either end.

    For HTML text, where the space between two words of different elements counts. No-break
    spaces (U+00A0) are deliberate layout (captions use them to set a credit apart) and stay.

    >>> fold_ws("\\n\\t\\u3000\\u3000第一段 \\n 继续\\n"), fold_ws("摄影\\xa0\\xa0张三"), fold_ws("")
    (' 第一段 继续 ', '摄影\\xa0\\xa0张三', '')
    """
    if "\xa0" in text:
        return _FOLDABLE.sub(" ", text)
    # str.split() is several times faster than the regular expression on long text.
    folded = " ".join(text.split())
    if not folded:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + folded + (" " if text[-1].isspace() else "")


def drop_controls(text: str) -> str:
    """``text`` without the control characters that XML (hence lxml) does not allow.

    >>> drop_controls("a\\x01b\\x08c\\x0bd\\x1fe\\tf\\ng"), drop_controls("观察者网")
    ('abcde\\tf\\ng', '观察者网')
    """
    return _CONTROLS.sub("", text) if not text.isprintable() else text


def normalise_optional(text: str | None) -> str | None:
    """Like :func:`normalise_ws`, but an empty result is ``None``.

    >>> normalise_optional(" \\u3000") is None
    True
    >>> normalise_optional(" 摘要 ")
    '摘要'
    """
    value = normalise_ws(text)
    return value or None


def normalise_paragraphs(paragraphs: Iterable[str | None]) -> list[str]:
    """Normalise each paragraph and drop the ones left empty.

    >>> normalise_paragraphs(["\\u3000\\u3000第一段。", "  ", None, "第二段\\n继续"])
    ['第一段。', '第二段 继续']
    """
    out = []
    for paragraph in paragraphs:
        value = normalise_ws(paragraph)
        if value:
            out.append(value)
    return out


def content_hash(title: str | None, paragraphs: Iterable[str | None]) -> str:
    """SHA-256 (hex) of the normalised title and paragraphs, one per line.

    Whitespace differences do not change the hash; text differences do.

    >>> content_hash(" 标题 ", ["第一段", " "]) == content_hash("标题", ["第一段"])
    True
    >>> content_hash("标题", ["第一段"]) == content_hash("标题", ["第二段"])
    False
    >>> len(content_hash("t", ["p"]))
    64
    """
    lines = [normalise_ws(title), *normalise_paragraphs(paragraphs)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
