"""Folding for matching: NFKC, lower case, Traditional to Simplified, collapsed white space.

Folding is for indexing and queries only, never for display. It works character by character,
so every folded character can be traced back to the original character it came from; that map
is what lets highlighting mark the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

FOLDING_VERSION = "1"  # part of the index settings: change it when folding changes

_t2s = opencc.OpenCC("t2s")
_SPACES = re.compile(" {2,}")


@lru_cache(maxsize=1 << 16)
def fold_char(char: str) -> str:
    """Fold one character; white space becomes a single space, control characters vanish."""
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category in ("Cc", "Cf"):
        return ""
    normal = "".join(c for c in unicodedata.normalize("NFKC", char) if not c.isspace())
    if any(ord(c) > 0x2E7F for c in normal):
        normal = _t2s.convert(normal)
    return normal.lower()


class _FoldTable(dict):
    """A str.translate table that folds characters it has not seen yet on first use."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The folded form of ``text``, as indexed and searched."""
    translated = text.translate(_TABLE)
    return _SPACES.sub(" ", translated) if "  " in translated else translated


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its original character.

    The offsets list has one extra entry, ``len(text)``, so a folded span ``[i, j)`` maps to the
    original span ``[offsets[i], offsets[j])``.
    """
    out: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        folded = _TABLE[ord(char)]
        if folded == " ":
            if previous_space:
                continue
            previous_space = True
        elif folded:
            previous_space = False
        for piece in folded:
            out.append(piece)
            offsets.append(index)
    offsets.append(len(text))
    return "".join(out), offsets
