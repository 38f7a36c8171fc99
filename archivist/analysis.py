"""Text analysis for the index: folding, jieba words and character n-grams, Whoosh style.

Two analysers read every paragraph:

- ``word_analyzer()`` = ``FoldingTokenizer() | JiebaFilter()``: jieba words of the folded text,
  consecutive positions, character offsets into the original text. Used for ranking.
- ``gram_analyzer()`` = ``FoldingTokenizer() | GramFilter()``: every character and every pair of
  adjacent characters of the folded text, positioned by folded character index. A string of any
  length is a phrase of its bigrams, so a search for it finds every paragraph containing it.

The index pickles these classes with its schema: keep them top-level in this module, whose
import path must not change.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import jieba
from whoosh.analysis import Composable, Filter, Token, Tokenizer

from .folding import FOLDING_VERSION, fold_with_offsets

ANALYSIS_VERSION = "1"
USERDICT_NAME = "userdict.txt"
PLACE_WORD_FREQ = 2000

jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_state: dict[str, object] = {"segmenter": None, "userdict": ""}


def use_user_dictionary(text: str) -> None:
    """Set the user dictionary (jieba format) for this process; takes effect before first use."""
    with _lock:
        if text != _state["userdict"]:
            _state["userdict"] = text
            _state["segmenter"] = None


def user_dictionary() -> str:
    """The user dictionary text in force in this process."""
    return str(_state["userdict"])


def settings_fingerprint(userdict_text: str) -> str:
    """A digest of everything that changes how text is analysed: a new one means a re-index."""
    from .gazetteer import adcodes_path

    digest = hashlib.sha1()
    for part in (ANALYSIS_VERSION, FOLDING_VERSION, jieba.__version__, userdict_text):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(adcodes_path().read_bytes())
    return digest.hexdigest()[:16]


def segmenter() -> jieba.Tokenizer:
    """The process's jieba tokenizer with the gazetteer's place names and the user dictionary."""
    current = _state["segmenter"]
    if current is not None:
        return current  # type: ignore[return-value]
    with _lock:
        if _state["segmenter"] is None:
            _state["segmenter"] = _build_segmenter(str(_state["userdict"]))
        return _state["segmenter"]  # type: ignore[return-value]


def _build_segmenter(userdict_text: str) -> jieba.Tokenizer:
    from .gazetteer import default_gazetteer

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for name in default_gazetteer().place_names():
        tokenizer.add_word(name, PLACE_WORD_FREQ)
    for line in userdict_text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tokenizer.add_word(parts[0], freq)
    return tokenizer


def is_wordlike(text: str) -> bool:
    """True when the text has a letter, digit or ideograph (not only punctuation or space)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def cut(folded: str) -> list[str]:
    """Jieba words of an already folded text, punctuation and spaces left out."""
    return [w for w in segmenter().lcut(folded, HMM=True) if is_wordlike(w)]


class FoldingTokenizer(Tokenizer):
    """Yields the whole value as one folded token; ``token.offsets`` maps it to the original.

    Filters downstream split it; with ``chars=True`` they use the offsets to report character
    positions in the original text.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        folded, offsets = fold_with_offsets(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.text = folded
        token.offsets = offsets
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = value
        if positions:
            token.pos = start_pos
        if chars:
            token.startchar = start_char
            token.endchar = start_char + len(value)
        yield token


class _SplitFilter(Filter):
    """Shared part of the filters that split a folded token into pieces."""

    def pieces(self, text: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        """Yield (text, position offset, folded start, folded end) for each piece."""
        raise NotImplementedError

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            offsets = getattr(token, "offsets", None)
            base_pos = token.pos if token.positions else 0
            base_char = token.startchar if token.chars else 0
            for text, pos, start, end in self.pieces(token.text, token.mode):
                token.text = text
                if token.positions:
                    token.pos = base_pos + pos
                if token.chars and offsets is not None:
                    token.startchar = base_char + offsets[start]
                    token.endchar = base_char + offsets[end - 1] + 1
                yield token


class JiebaFilter(_SplitFilter):
    """Splits folded text into jieba words (precise mode); positions count the words."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def pieces(self, text: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        pos = 0
        start = 0
        for word in segmenter().cut(text, HMM=True):
            end = start + len(word)
            if is_wordlike(word):
                yield word, pos, start, end
                pos += 1
            start = end


class GramFilter(_SplitFilter):
    """Splits folded text into characters and adjacent pairs, positioned by character index.

    In ``query`` mode it yields only what a phrase needs: the bigrams, or the single character
    of a one-character text. Lone spaces are not indexed; pairs with a space are, so a quoted
    string with a space in it is still matched exactly.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def pieces(self, text: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        if mode == "query":
            if len(text) == 1:
                yield text, 0, 0, 1
            for i in range(len(text) - 1):
                yield text[i : i + 2], i, i, i + 2
            return
        last = len(text) - 1
        for i, char in enumerate(text):
            if char != " ":
                yield char, i, i, i + 1
            if i < last:
                yield text[i : i + 2], i, i, i + 2


def word_analyzer() -> Composable:
    """Folded jieba words, for ranking."""
    return FoldingTokenizer() | JiebaFilter()


def gram_analyzer() -> Composable:
    """Folded characters and bigrams, for exact recall."""
    return FoldingTokenizer() | GramFilter()


def query_grams(folded: str) -> list[str]:
    """The gram-field terms whose phrase matches exactly the (folded) string."""
    return [t.text for t in gram_analyzer()(folded, mode="query")]


def load_user_dictionary(path: Path) -> str:
    """The text of a user dictionary file, or "" when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
