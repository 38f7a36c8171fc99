"""Folding for matching: NFKC, marks and variation selectors dropped, lower case, Traditional
to Simplified, collapsed white space.

Folding is for indexing and queries only, never for display. It works character by character,
so every folded character can be traced back to the original character it came from; that map
is what lets highlighting mark the original text. Because it works character by character, the
fold of a piece of a text is a piece of the fold of the text: searching folded strings in folded
texts finds every occurrence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np
import opencc

FOLDING_VERSION = "3"  # part of the index settings: change it when folding changes
# 3: combining marks (accents) and variation selectors dropped

_t2s = opencc.OpenCC("t2s")
_SPACES = re.compile(" {2,}")
_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs")  # controls, format characters, lone surrogates
_REPLACEMENT = "\ufffd"  # what undecodable bytes become: noise, like a control character
_CJK_FROM = 0x2E80  # OpenCC is only asked about characters from the CJK radicals on
# Non-spacing and enclosing marks: accents (é = e + U+0301), variation selectors (U+FE00-FE0F,
# U+E0100-E01EF, which pick a glyph of the same character). Kana voicing marks stay: they make
# another letter (か, が).
_MARKS = ("Mn", "Me")
_KEPT_MARKS = ("゙", "゚")


@lru_cache(maxsize=1 << 16)
def fold_char(char: str) -> str:
    """Fold one character; white space becomes a single space; control and format characters,
    combining marks, variation selectors, lone surrogates and the replacement character
    vanish."""
    if char.isspace():
        return " "
    if char == _REPLACEMENT or unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    folded = char
    for _ in range(3):  # a few conversions chain (藴 -> 蕴 -> ...): fold to a fixed point
        step = _fold_once(folded)
        if step == folded:
            break
        folded = step
    return folded


def _fold_once(text: str) -> str:
    normal = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    normal = _without_marks(normal)
    if any(ord(c) >= _CJK_FROM for c in normal):
        normal = _t2s.convert(normal)
    return normal.lower()


def _without_marks(text: str) -> str:
    """The text with its combining marks and variation selectors removed (é -> e)."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = [c for c in decomposed if c in _KEPT_MARKS or unicodedata.category(c) not in _MARKS]
    return unicodedata.normalize("NFC", "".join(kept)) if len(kept) < len(decomposed) else text


class _FoldTable(dict):
    """A str.translate table that folds characters it has not seen yet on first use, noting
    those that do not fold to exactly one other character."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        irregular = len(folded) != 1 or folded == " "
        if irregular:
            _IRREGULAR.add(chr(codepoint))
            _LENGTH[codepoint], _SPACE[codepoint] = len(folded), folded == " "
        _KIND[codepoint] = 2 if irregular else 1  # before the entry: see the comment on _KIND
        self[codepoint] = folded
        return folded


_IRREGULAR: set[str] = set()  # characters that vanish, become several, or are white space
# Each code point as the table knows it: 0 not yet folded, 1 folds to one other character,
# 2 irregular (in _IRREGULAR); set once per character, before its entry in the table, so a
# character the table holds has its kind.
_KIND = np.zeros(0x110000, dtype=np.uint8)
# What each code point folds to, for ``_offsets``: how many characters, and whether a space
# (set before its kind)
_LENGTH = np.ones(0x110000, dtype=np.uint8)
_SPACE = np.zeros(0x110000, dtype=bool)
_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The folded form of ``text``, as indexed and searched."""
    translated = text.translate(_TABLE)
    return _SPACES.sub(" ", translated) if "  " in translated else translated


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its original character.

    The offsets list has one extra entry, ``len(text)``, so a folded span ``[i, j)`` maps to the
    original span ``[offsets[i], offsets[j - 1] + 1)``.
    """
    translated = text.translate(_TABLE)
    if _IRREGULAR.isdisjoint(text):  # every character folded to one: offsets are positions
        return translated, list(range(len(text) + 1))
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


def original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of ``text`` that the span ``[start, end)`` of its fold came from (only the
    text up to the span is folded, and mapped only when a character there does not fold to
    exactly one)."""
    codes = _known(_code_points(text[:end]))
    if not (_KIND[codes] == 2).any():
        return start, end
    offsets = _offsets(_known(_code_points(text)))  # the text's fold may end past ``end``
    return int(offsets[start]), int(offsets[end - 1]) + 1


def original_spans(texts: list[str], starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """``original_span`` of many spans at once: the texts up to their spans are checked
    together, and only those with a character that does not fold to exactly one are mapped."""
    heads = [text[:end] for text, end in zip(texts, ends, strict=True)]
    codes = _known(_code_points("".join(heads)))
    bounds = np.r_[0, np.cumsum([len(head) for head in heads])]
    irregular = set(
        (np.searchsorted(bounds, np.flatnonzero(_KIND[codes] == 2), "right") - 1).tolist()
    )
    return [
        original_span(text, start, end) if i in irregular else (start, end)
        for i, (text, start, end) in enumerate(zip(texts, starts, ends, strict=True))
    ]


def _known(codes: np.ndarray) -> np.ndarray:
    """The code points, each one's kind noted (folding those not folded yet notes it)."""
    if not _KIND[codes].all():
        codes.tobytes().decode("utf-32-le", "surrogatepass").translate(_TABLE)
    return codes


def _offsets(codes: np.ndarray) -> np.ndarray:
    """``fold_with_offsets(text)[1]`` without its last entry, for the text's code points (each
    known to the table), with numpy: each character stands for as many folded ones as it
    folds to, a space after a space (characters that vanish between them aside) for none."""
    irregular = _KIND[codes] == 2
    lengths = np.ones(len(codes), dtype=np.int64)
    lengths[irregular] = _LENGTH[codes[irregular]]
    spaces = np.zeros(len(codes), dtype=bool)
    spaces[irregular] = _SPACE[codes[irregular]]
    kept = np.flatnonzero(lengths)
    repeated = np.zeros(len(codes), dtype=bool)
    repeated[kept[1:]] = spaces[kept[1:]] & spaces[kept[:-1]]
    lengths[repeated] = 0
    return np.repeat(np.arange(len(codes)), lengths)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def folded_fingerprint(folded: str) -> str:
    """A short digest of a block's folded text, carried by permalinks."""
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()[:10]
