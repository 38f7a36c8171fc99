"""Text analysis for the index: folding and jieba words, Whoosh style.

Ingest analyses each paragraph once, in its reading processes (:func:`analyse`): the folded text
and its jieba words. Whoosh's ``words`` field gets the words ready cut (:func:`word_list`, read
by :class:`WordListTokenizer`); the folded text and the words also make the segment's n-gram
table (``ngrams``), which does exact matching and ranking statistics. ``word_analyzer()`` =
``FoldingTokenizer() | JiebaFilter()`` gives the same words from raw text, with positions and
character offsets into the original. :func:`query_grams` names the bigrams of a string.

The index pickles these classes with its schema: keep them top-level in this module, whose
import path must not change.

The word segmenter is jieba with two additions, made the same way by ingest and by the server:
the gazetteer's place names and a user dictionary (``archive/userdict.txt``, jieba's format: one
word a line, optionally followed by a frequency and a part-of-speech tag, separated by single
spaces; blank lines and lines starting with ``#`` are skipped, and words are folded like the
text). Everything that changes how text is cut is part of :func:`settings_fingerprint`, so a new
dictionary means a full re-index.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import jieba
from whoosh.analysis import Composable, Filter, Token, Tokenizer

from .caching import RecentCache
from .folding import FOLDING_VERSION, fold, fold_with_offsets

# The index's format: 2 lone spaces indexed in ``grams``; 3 ``kind`` a column; 4 date sort keys;
# 5 report records keep the lineage of corrected text; 6 layout repair on evidence (other blocks);
# 7 story facts, mentioned places and inferred years per paragraph (metadata from evidence only);
# 8 blocks keep their page, report records the original's file name and media type, and their
# newspaper page (版次); 9 layout repair across page breaks and photos (other blocks); 10 cut
# captions, source credits, tables, Latin case, parallel headings (other blocks); 11 characters
# and bigrams in numpy tables per segment, not in Whoosh, and facet values as columns only
ANALYSIS_VERSION = "11"
USERDICT_NAME = "userdict.txt"
PLACE_WORD_FREQ = 2000

jieba.setLogLevel(logging.WARNING)

SEGMENTERS_KEPT = 3  # the live generation's dictionary, the one before it, and one more

_lock = threading.Lock()  # guards the process-wide dictionary
_default = {"userdict": ""}  # the process's dictionary (ingest, command line)
_thread = threading.local()  # a server thread's dictionary: the one of its request's index
_segmenters: RecentCache[jieba.Tokenizer] = RecentCache(SEGMENTERS_KEPT)  # by dictionary


def use_user_dictionary(text: str) -> None:
    """Set the user dictionary (jieba format) of this process (threads that chose none)."""
    with _lock:
        _default["userdict"] = text


def use_user_dictionary_in_thread(text: str | None) -> None:
    """Set the user dictionary of this thread only (None: the process's again): a request
    segments its query with the dictionary of the index generation it searches, whatever
    other threads search."""
    _thread.userdict = text


def user_dictionary() -> str:
    """The user dictionary text in force in this thread."""
    text = getattr(_thread, "userdict", None)
    return _default["userdict"] if text is None else text


def dictionary_generation() -> int:
    """A number that differs between the user dictionaries in force (for caches)."""
    return hash(user_dictionary())


def user_dictionary_entries(text: str) -> list[tuple[str, int | None, str | None]]:
    """(folded word, frequency or None, tag or None) for each entry of a jieba user dictionary."""
    entries = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        word, freq, tag = jieba.re_userdict.match(line).groups()
        word = fold(word).strip()
        if word:
            entries.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return entries


def place_words() -> list[str]:
    """The gazetteer's place names given to the segmenter."""
    from .gazetteer import default_gazetteer

    return default_gazetteer().place_names()


def settings_fingerprint(userdict_text: str) -> str:
    """A digest of everything that changes how text is analysed (and places are read): a new
    one means a re-index."""
    from .gazetteer import adcodes_path

    digest = hashlib.sha1()
    parts = (ANALYSIS_VERSION, FOLDING_VERSION, jieba.__version__, userdict_text)
    for part in (*parts, "\n".join(place_words())):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(adcodes_path().read_bytes())
    return digest.hexdigest()[:16]


def segmenter() -> jieba.Tokenizer:
    """The jieba tokenizer with the gazetteer's place names and the user dictionary in force:
    built once per dictionary (the last SEGMENTERS_KEPT kept), shared by every thread."""
    text = user_dictionary()
    return _segmenters.get(text, lambda: _build_segmenter(text))


def _build_segmenter(userdict_text: str) -> jieba.Tokenizer:
    """A copy of the base segmenter with the user dictionary's words added; the base itself
    when the dictionary adds none (a copy is some 60 MB)."""
    base = _base_segmenter()
    entries = list(user_dictionary_entries(userdict_text))
    if not entries:
        return base
    tokenizer = jieba.Tokenizer()
    # jieba 0.42.1 keeps its whole dictionary in these attributes: copying them is much faster
    # than loading the dictionary again (a second) every time the user dictionary changes.
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.user_word_tag_tab = dict(base.user_word_tag_tab)
    tokenizer.initialized = True
    for word, freq, tag in entries:
        tokenizer.add_word(word, freq, tag)
    return tokenizer


@lru_cache(maxsize=1)
def _base_segmenter() -> jieba.Tokenizer:
    """jieba's dictionary with the gazetteer's place names, loaded once per process."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for name in place_words():
        tokenizer.add_word(name, PLACE_WORD_FREQ)
    return tokenizer


WORDLIKE = re.compile(r"[^\W_]")  # a letter, digit or ideograph: Unicode categories L and N


def is_wordlike(text: str) -> bool:
    """True when the text has a letter, digit or ideograph (not only punctuation or space)."""
    return WORDLIKE.search(text) is not None


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
        if chars:
            folded, offsets = fold_with_offsets(value)
        else:  # positions and words only: no map back to the original needed
            folded, offsets = fold(value), None
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


WORD_SEPARATOR = "\x1f"  # folding drops control characters: no folded word holds one


def analyse(text: str) -> tuple[str, list[str]]:
    """A paragraph's folded text and its jieba words (punctuation and spaces left out)."""
    folded = fold(text)
    return folded, cut(folded)


def word_list(words: list[str]) -> str:
    """Words ready cut, as the ``words`` field takes them."""
    return WORD_SEPARATOR.join(words)


class WordListTokenizer(FoldingTokenizer):
    """Yields the words of a :func:`word_list` value, at consecutive positions (no jieba here:
    the words were cut when the paragraph was read; no character offsets)."""

    def __call__(  # the tokenizer contract's other options change nothing here
        self, value: str, positions: bool = False, start_pos: int = 0, **options: object
    ) -> Iterator[Token]:
        token = Token(positions, False, **{k: options[k] for k in ("mode",) if k in options})
        token.boost = 1.0
        token.stopped = False
        for position, word in enumerate(w for w in value.split(WORD_SEPARATOR) if w):
            token.text = word
            if positions:
                token.pos = start_pos + position
            yield token


def word_analyzer() -> Composable:
    """Folded jieba words, for ranking."""
    return FoldingTokenizer() | JiebaFilter()


def query_grams(folded: str) -> list[str]:
    """The characters or bigrams whose occurrence at consecutive positions is exactly the
    (already folded) string: a single character, or the list of its overlapping bigrams."""
    if len(folded) <= 1:
        return [folded] if folded else []
    return [folded[i : i + 2] for i in range(len(folded) - 1)]


def load_user_dictionary(path: Path) -> str:
    """The text of a user dictionary file, or "" when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
