"""Concordance (keyword in context): every occurrence of a query in the paragraphs it matches.

The paragraphs are those ``search.search`` lists (``Finder.query`` and ``matchsets.passing``,
the same filters and field terms); in each, the occurrences are what the search marks: every
occurrence of the strings that made each term match it (``QueryTerm.needles``), overlapping
ones joined into one. The folded texts of the paragraphs are laid end to end as one array of
code points (``Passages``), and the occurrences are found, joined, sorted and their collocates
counted with numpy over that array, so the cost per occurrence is in C. Occurrences are found
and sorted in the folded text (Traditional and Simplified sort together); only the page's
lines are mapped back to the original text for display. No URLs or markup here:
``research_pages`` makes them.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pypinyin import Style, lazy_pinyin
from whoosh.searching import Searcher

from . import matchsets
from .analysis import cut
from .caching import RecentCache
from .columnvalues import stored_fields
from .folding import fold, original_spans
from .matching import MatchIndex, match_index
from .query import SearchQuery
from .querylang import ParsedQuery
from .search import Finder, described, facet_columns
from .textstore import texts_for

SORT_CHARS = 12  # left/right sorts compare this many characters next to the match
MATCH_CHARS = 32  # ... then the match itself, up to this many characters
COLLOCATE_CHARS = 8  # collocates are the jieba word next to the match within this window
TOP_COLLOCATES = 20
_BREAK = re.compile(r"[^\w]")  # collocates do not reach across punctuation or spaces
_SPACE = re.compile(r"\s+")
_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: the paragraph's document number and the span in its folded text."""

    docnum: int
    start: int
    end: int


@dataclass(frozen=True)
class Occurrences:
    """Occurrences as arrays (document number, start and end in its folded text), in order."""

    doc: np.ndarray = field(default_factory=lambda: _EMPTY)
    start: np.ndarray = field(default_factory=lambda: _EMPTY)
    end: np.ndarray = field(default_factory=lambda: _EMPTY)

    def __len__(self) -> int:
        return len(self.doc)

    def __getitem__(self, chosen: slice | np.ndarray) -> Occurrences:
        return Occurrences(self.doc[chosen], self.start[chosen], self.end[chosen])

    def __iter__(self) -> Iterator[Occurrence]:
        for doc, start, end in zip(
            self.doc.tolist(), self.start.tolist(), self.end.tolist(), strict=True
        ):
            yield Occurrence(doc, start, end)


@dataclass
class Line:
    """One concordance line for display: context in the original text, and its paragraph."""

    doc_id: str
    n: int
    fp: str
    title: str
    date: str
    year: str
    city: str
    county: str
    left: str
    match: str
    right: str


@dataclass
class Concordance:
    """Every occurrence (in the order asked), the paragraphs they are in, the collocates."""

    occurrences: Occurrences
    paragraphs: int
    left: Counter = field(default_factory=Counter)  # the top collocates (``Found.left``)
    right: Counter = field(default_factory=Counter)
    took_ms: float = 0.0


@dataclass
class Found:
    """What the concordance of a query finds, in any order: every occurrence (document number,
    span in its folded text; by position), the characters around each, the collocates."""

    occurrences: Occurrences
    paragraphs: int
    left: Counter  # the TOP_COLLOCATES words most often just left (ties at the cut included)
    right: Counter  # ... just right
    before: np.ndarray  # SORT_CHARS characters left of each, nearest first; 0 past its paragraph
    after: np.ndarray  # ... right of each
    match: np.ndarray  # the match's characters (up to MATCH_CHARS); 0 after its end
    position: list[np.ndarray]  # start, report and paragraph, date: least significant first
    orders: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def ordered(self, sort: str, order: str) -> Occurrences:
        """The occurrences by date, report, paragraph and place in it; or by the context left
        (nearest character first) or right of the match (by pinyin or by character), then
        by the match and by date (each order worked out once)."""
        key = (sort, order if sort in ("left", "right") else "")
        chosen = self.orders.get(key)
        if chosen is None:  # two threads may both sort: the same array, assigned whole
            chosen = self.orders[key] = _order(self, *key)
        return self.occurrences[chosen]


FOUND_KEPT = 8  # queries whose concordance is kept per index version (paging, sorting)
KEEP_AT_MOST = 200_000  # occurrences: larger concordances are worked out at every request
_found: RecentCache[tuple[object, Found]] = RecentCache(FOUND_KEPT)


def forget_found() -> None:
    """Drop every concordance kept (the next request for each finds it again)."""
    _found.clear()


def concordance(searcher: Searcher, query: SearchQuery, sort: str, order: str) -> Concordance:
    """Every occurrence of the query in the paragraphs its search lists, sorted, with the
    jieba words most often just left and right of it."""
    started = time.perf_counter()
    parsed = query.parsed
    if not parsed.groups:
        return Concordance(Occurrences(), 0)
    columns = facet_columns(searcher)
    key = (id(columns), parsed, matchsets.filter_key(query, parsed))
    found = _found.get(key, lambda: (columns, find(searcher, columns, query)))[1]
    if len(found.occurrences) > KEEP_AT_MOST:
        _found.forget(key)
    result = Concordance(found.ordered(sort, order), found.paragraphs, found.left, found.right)
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def find(searcher: Searcher, columns, query: SearchQuery) -> Found:
    """Every occurrence of the query in the paragraphs its search lists, with the context
    of each and the collocates."""
    parsed = query.parsed
    matching, _exact = Finder(searcher).query(parsed)
    passed = matchsets.passing(searcher, columns, query, parsed, matching)
    passages = _table_passages(searcher, columns, passed, parsed)
    if passages is None:
        passages = read_passages(searcher, columns, passed)
    found = passages.occurrences(parsed)
    before, match, after = passages.around(found, SORT_CHARS, MATCH_CHARS)
    docs = passages.docs[found.doc]
    codes = columns.codes
    return Found(
        occurrences=passages.located(found),
        paragraphs=len(passed),
        left=_words_counted(before[:, :COLLOCATE_CHARS], _LEFT_WORDS),
        right=_words_counted(after[:, :COLLOCATE_CHARS], _RIGHT_WORDS),
        before=before,
        after=after,
        match=match,
        position=[found.start, codes.order[docs], codes.date_last[docs]],
    )


def _table_passages(searcher: Searcher, columns, docs: np.ndarray, parsed) -> Passages | None:
    """The passages as spans of the text table's file, their needles found through the
    n-gram tables (no text read but the characters around each occurrence); None when
    a needle is a single character (the tables keep no character positions) or the table
    lacks a paragraph or holds another text for it than the index."""
    needles = [n for t in parsed.positive_terms() for n in (t.folded, *t.words)]
    if any(len(needle) < 2 for needle in needles):
        return None
    stored = texts_for(searcher, columns)
    if stored is None or not len(docs):
        return None
    start, length = stored.start[docs], stored.length[docs]
    index = match_index(searcher)
    if (length < 0).any() or not np.array_equal(length // 4, index.lengths()[docs]):
        return None
    chars = stored.code_points()
    if chars is None:
        return None
    order = np.argsort(start, kind="stable")
    offsets = start[order] // 4
    return Passages(docs[order], offsets, offsets + length[order] // 4, chars, index)


def read_passages(searcher: Searcher, columns, docs: np.ndarray) -> Passages:
    """The folded texts of the paragraphs (as indexed): from the text table beside the index
    (``textstore``), or, for paragraphs it lacks, straight from each segment's stored-fields
    column (not through the reader's per-call schema check)."""
    stored = texts_for(searcher, columns)
    found, codes = stored.codes(docs) if stored is not None else (docs[:0], _codes(""))
    if len(found) == len(docs):
        return Passages.of(found, codes)
    missing = docs[~np.isin(docs, found)].tolist()
    reader = searcher.reader()
    texts = [fold(stored_fields(reader, doc).get("text", "")) + "\0" for doc in missing]
    more = _codes("".join(texts))
    return Passages.of(np.r_[found, np.array(missing, dtype=np.int64)], np.r_[codes, more])


# The passages laid end to end ----------------------------------------------------------------


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@dataclass(frozen=True)
class Passages:
    """The folded texts of some paragraphs as spans of one array of code points: laid end
    to end, each followed by a 0 (``of``; folding drops control characters: no text holds
    one), or the text table's file (``_table_passages``), whose needles are then found
    through the n-gram tables (``index``). Occurrences found here are positions in
    ``chars``; no needle and no context reaches from one passage into another."""

    docs: np.ndarray  # the paragraphs' document numbers, in the order of their spans
    offsets: np.ndarray  # where each one's text starts in chars (ascending)
    ends: np.ndarray  # where it ends
    chars: np.ndarray  # uint32 code points
    index: MatchIndex | None = None

    @classmethod
    def of(cls, docs: np.ndarray, chars: np.ndarray) -> Passages:
        """The passages of the documents from their texts' code points, each text followed
        by a 0."""
        ends = np.flatnonzero(chars == 0)
        offsets = np.r_[0, ends[:-1] + 1] if len(ends) else ends
        return cls(docs, offsets.astype(np.int64), ends.astype(np.int64), chars)

    def find(self, needle: str) -> np.ndarray:
        """The start of every occurrence of a string (overlapping ones included)."""
        if self.index is not None:
            return self._found_in_index(needle)
        codes = _codes(needle)
        if not len(codes) or len(codes) > len(self.chars):
            return _EMPTY
        found = np.flatnonzero(self.chars[: len(self.chars) - len(codes) + 1] == codes[0])
        for k in range(1, len(codes)):
            found = found[self.chars[found + k] == codes[k]]
        return found

    def _found_in_index(self, needle: str) -> np.ndarray:
        """``find`` through the n-gram tables: the occurrences in these passages' paragraphs."""
        docs, starts = self.index.occurrences(needle)
        by_doc = np.argsort(self.docs)
        mine = self.docs[by_doc]
        at = np.searchsorted(mine, docs).clip(max=max(len(mine) - 1, 0))
        kept = mine[at] == docs if len(mine) else np.zeros(len(docs), dtype=bool)
        return self.offsets[by_doc[at[kept]]] + starts[kept]

    def passage_of(self, positions: np.ndarray) -> np.ndarray:
        """The index (into ``docs``) of the passage holding each position."""
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def occurrences(self, parsed: ParsedQuery) -> Occurrences:
        """Every occurrence of what made each term match each passage (the term's string
        where the passage has it, else its words where it has them all), overlapping ones
        joined, adjacent ones kept apart; in ``chars`` positions, by position."""
        starts, ends = [], []
        for term in parsed.positive_terms():
            for needle, at in self._needles(term):
                starts.append(at)
                ends.append(at + len(needle))
        if not starts:
            return Occurrences()
        start, end = np.concatenate(starts), np.concatenate(ends)
        order = np.lexsort((end, start))
        start, end = start[order], end[order]
        reach = np.maximum.accumulate(end)
        first = np.ones(len(start), dtype=bool)
        first[1:] = start[1:] >= reach[:-1]
        heads = np.flatnonzero(first)
        joined_end = np.maximum.reduceat(end, heads) if len(heads) else _EMPTY
        return Occurrences(self.passage_of(start[heads]), start[heads], joined_end)

    def _needles(self, term) -> list[tuple[str, np.ndarray]]:
        """(needle, its starts) in the passages where it is what made the term match."""
        whole = self.find(term.folded)
        found = [(term.folded, whole)]
        if not term.words:
            return found
        has_whole = np.zeros(len(self.docs), dtype=bool)
        has_whole[self.passage_of(whole)] = True
        by_word = [(word, self.find(word)) for word in term.words]
        has_all = ~has_whole
        for _word, at in by_word:
            has = np.zeros(len(self.docs), dtype=bool)
            has[self.passage_of(at)] = True
            has_all &= has
        for word, at in by_word:
            found.append((word, at[has_all[self.passage_of(at)]]))
        return found

    def located(self, found: Occurrences) -> Occurrences:
        """Occurrences in ``chars`` positions as (document number, span in its text)."""
        base = self.offsets[found.doc]
        return Occurrences(self.docs[found.doc], found.start - base, found.end - base)

    def around(self, found: Occurrences, side: int, longest: int):
        """(the ``side`` characters before each occurrence, nearest first; its characters,
        up to ``longest`` of them, as wide as the longest one; the ``side`` characters after
        it), 0 outside its passage and past its end: one gather from the text for each."""
        lengths = found.end - found.start
        width = min(int(lengths.max()) if len(found) else 0, longest)
        step = np.arange(side)
        before = self._gathered(found.start[:, None] - 1 - step, self.offsets[found.doc], None)
        match = self._gathered(found.start[:, None] + np.arange(width), None, found.end)
        after = self._gathered(found.end[:, None] + step, None, self.ends[found.doc])
        return before, match, after

    def _gathered(self, at: np.ndarray, low: np.ndarray | None, high: np.ndarray | None):
        """The code points at the positions ``at`` (a row per occurrence), 0 where a position
        is before its row's ``low`` or at or after its ``high``."""
        chars = np.take(self.chars, at, mode="clip")
        if low is not None:
            chars[at < low[:, None]] = 0
        if high is not None:
            chars[at >= high[:, None]] = 0
        return chars


# Sorting -------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


@lru_cache(maxsize=1 << 16)
def char_key(char: str) -> str:
    """A character's sort key by pinyin: other characters first, then syllables with tone
    numbers, homophones by the character (the common reading of a character on its own)."""
    if not _CJK.match(char):
        return "0" + char
    return "1" + lazy_pinyin(char, style=Style.TONE3, neutral_tone_with_five=True)[0] + char


class PinyinRanks:
    """Each character's rank by ``char_key`` among every character this process has sorted
    so far (from 1; 0 for none): ranks compare in pinyin order. A character not seen before
    ranks them all again, once (thread-safe: the rank array is replaced whole)."""

    def __init__(self) -> None:
        self._rank = np.zeros(0x110000, dtype=np.int32)
        self._known = np.zeros(0, dtype=np.int64)
        self._lock = threading.Lock()

    def of(self, chars: np.ndarray) -> np.ndarray:
        """The characters (code points, 0 for none) replaced by their ranks."""
        ranks = self._rank[chars]
        new = chars[(ranks == 0) & (chars != 0)]
        if len(new):
            ranks = self._learn(new)[chars]
        return ranks

    def _learn(self, new: np.ndarray) -> np.ndarray:
        with self._lock:
            known = np.union1d(self._known, new)
            if len(known) > len(self._known):
                keys = [char_key(chr(c)) for c in known.tolist()]
                order = sorted(range(len(keys)), key=keys.__getitem__)
                rank = np.zeros(0x110000, dtype=np.int32)
                rank[known[order]] = np.arange(1, len(known) + 1, dtype=np.int32)
                self._known, self._rank = known, rank
            return self._rank


_PINYIN = PinyinRanks()


def _order(found: Found, sort: str, order: str) -> np.ndarray:
    """Positions of the occurrences in the order ``Found.ordered`` describes."""
    if sort not in ("left", "right"):
        return np.lexsort(found.position)
    context = found.before if sort == "left" else found.after
    if order == "pinyin":
        context = _PINYIN.of(context)
    by_position = np.lexsort(found.position)
    # np.lexsort is stable: rows laid out by position stay so among equal contexts and matches
    keys = [key[by_position] for key in (*_packed(found.match)[::-1], *_packed(context)[::-1])]
    varied = [key for key in keys if len(key) and key.min() != key.max()]
    return by_position[np.lexsort(varied)] if varied else by_position


def _packed(rows: np.ndarray) -> list[np.ndarray]:
    """The rows of small non-negative integers as a few uint64 columns, most significant
    first, that sort the rows as their columns would, left to right (``np.lexsort`` takes
    one key per column: packing as many columns as fit into each key saves most of them)."""
    if not rows.size:
        return [np.zeros(len(rows), dtype=np.uint64)]
    bits = max(int(rows.max()).bit_length(), 1)
    per_key = 64 // bits
    wide = rows.astype(np.uint64)
    keys = []
    for first in range(0, rows.shape[1], per_key):
        key = np.zeros(len(rows), dtype=np.uint64)
        for column in range(first, first + per_key):
            key <<= np.uint64(bits)
            if column < rows.shape[1]:
                key |= wide[:, column]
        keys.append(key)
    return keys


# Collocates ----------------------------------------------------------------------------------


def _words_counted(windows: np.ndarray, known: WindowWords) -> Counter:
    """The word ``known.word_of`` cuts from each window (nearest character first; cut at the
    first punctuation or space), counted: the ``TOP_COLLOCATES`` most frequent (ties at the
    cut included). Windows are looked up whole, so the cut is made once per window."""
    return known.counted(np.ascontiguousarray(windows))


class WindowWords:
    """The word cut from each window (a row of code points, 0 after its end) seen so far in
    this process, looked up with numpy: jieba and Python run once per distinct window, the
    first time it is seen (thread-safe; at most ``MAX_WINDOWS`` kept)."""

    MAX_WINDOWS = 1_000_000

    def __init__(self, word_of) -> None:
        self.word_of = word_of
        # (ascending mixes of the rows, the rows in that order, each one's word: an index
        # into words), replaced whole: a reader takes one consistent version
        self.known = (
            np.zeros(0, dtype=np.uint64),
            np.zeros((0, COLLOCATE_CHARS), dtype=np.uint32),
            np.zeros(0, dtype=np.int64),
        )
        self.words: list[str] = [""]
        self.number: dict[str, int] = {"": 0}
        self._lock = threading.Lock()

    def counted(self, rows: np.ndarray) -> Counter:
        """How often each word is the one cut from the rows."""
        keys, kept, word = self.known
        mixed = _mixed(rows)
        by_mix = np.argsort(mixed)  # sorted needles: searchsorted walks the keys in order
        at = np.empty(len(rows), dtype=np.intp)
        at[by_mix] = np.searchsorted(keys, mixed[by_mix])
        at = at.clip(max=max(len(keys) - 1, 0))
        found = np.zeros(len(rows), dtype=bool)
        if len(keys):
            found = (keys[at] == mixed) & _same_rows(kept[at], rows)
        ids = np.where(found, word[at] if len(keys) else 0, -1)
        if not found.all():
            ids[~found] = self._learn(rows[~found], mixed[~found])
        tally = np.bincount(ids, minlength=len(self.words))
        tally[0] = 0  # no word
        return Counter({self.words[i]: int(tally[i]) for i in _most(tally, TOP_COLLOCATES)})

    def _learn(self, rows: np.ndarray, mixed: np.ndarray) -> np.ndarray:
        """The words of rows not seen before (cut now, and kept)."""
        distinct, first, inverse = np.unique(mixed, return_index=True, return_inverse=True)
        width = rows.shape[1]
        text = rows[first].tobytes().decode("utf-32-le")
        with self._lock:
            ids = np.fromiter(
                (
                    self._number(self.word_of(text[i * width : (i + 1) * width].rstrip("\0")))
                    for i in range(len(first))
                ),
                dtype=np.int64,
                count=len(first),
            )
            exact = _same_rows(rows, rows[first][inverse])  # a mix shared by two rows
            keys, kept, word = self.known
            if len(keys) + len(first) <= self.MAX_WINDOWS and exact.all():
                keys = np.r_[keys, distinct]
                order = np.argsort(keys, kind="stable")
                self.known = (
                    keys[order],
                    np.vstack([kept, rows[first]])[order],
                    np.r_[word, ids][order],
                )
        found = ids[inverse]
        if not exact.all():  # rows whose mix another row has: cut on their own
            with self._lock:  # words are numbered under the lock
                for i in np.flatnonzero(~exact).tolist():
                    piece = rows[i].tobytes().decode("utf-32-le").rstrip("\0")
                    found[i] = self._number(self.word_of(piece))
        return found

    def _number(self, word: str) -> int:
        number = self.number.get(word)
        if number is None:
            number = self.number[word] = len(self.words)
            self.words.append(word)
        return number


def _most(tally: np.ndarray, n: int) -> list[int]:
    """The indexes of the ``n`` largest positive counts, and of every count equal to the
    smallest of those (ties at the cut are for the caller to break)."""
    if len(tally) > n:
        cut_at = np.partition(tally, len(tally) - n)[len(tally) - n]
        return np.flatnonzero(tally >= max(cut_at, 1)).tolist()
    return np.flatnonzero(tally).tolist()


_ROW_MIX = np.random.default_rng(17).integers(1, 2**63, size=64, dtype=np.uint64) | np.uint64(1)


def _mixed(rows: np.ndarray) -> np.ndarray:
    """A 64-bit mix of each row's values (equal rows, equal mixes; rarely, unequal ones too)."""
    wide = _as_wide(rows)
    with np.errstate(over="ignore"):
        return (wide * _ROW_MIX[: wide.shape[1]]).sum(axis=1, dtype=np.uint64)


def _as_wide(rows: np.ndarray) -> np.ndarray:
    """Rows of uint32 as uint64 values: two to a value when a row's width is even (a view of
    the same bytes), else one each."""
    if rows.shape[1] % 2 == 0 and rows.flags.c_contiguous:
        return rows.view(np.uint64)
    return rows.astype(np.uint64)


def _same_rows(one: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each row of one equals the same row of the other."""
    return (_as_wide(one) == _as_wide(other)).all(axis=1)


def _last_word(nearest_first: str) -> str:
    piece = _BREAK.split(nearest_first, maxsplit=1)[0]
    words = cut(piece[::-1]) if piece else []
    return words[-1] if words else ""


def _first_word(window: str) -> str:
    piece = _BREAK.split(window, maxsplit=1)[0]
    words = cut(piece) if piece else []
    return words[0] if words else ""


_LEFT_WORDS = WindowWords(_last_word)
_RIGHT_WORDS = WindowWords(_first_word)


# Lines ---------------------------------------------------------------------------------------


def lines(searcher: Searcher, chosen: Occurrences, width: int) -> list[Line]:
    """The chosen occurrences as lines: ``width`` characters of original text each side."""
    index = match_index(searcher)
    stored: dict[int, dict] = {}
    every = [
        stored.get(doc) or stored.setdefault(doc, index.stored_fields(doc, searcher))
        for doc in chosen.doc.tolist()
    ]
    texts = [fields.get("text", "") for fields in every]
    spans = original_spans(texts, chosen.start.tolist(), chosen.end.tolist())
    return [
        Line(
            doc_id=fields["doc_id"],
            n=fields["n"],
            **described(fields),
            left=_SPACE.sub(" ", text[max(0, start - width) : start]),
            match=_SPACE.sub(" ", text[start:end]),
            right=_SPACE.sub(" ", text[end : end + width]),
        )
        for fields, text, (start, end) in zip(every, texts, spans, strict=True)
    ]
