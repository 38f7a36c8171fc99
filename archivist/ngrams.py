"""Exact matching and ranking statistics from postings held in numpy arrays, one table per
Whoosh segment (the segment's "n-gram table").

A table holds, for the paragraphs of one segment (by their number in the segment):

- every character's paragraphs, and every bigram's start positions in the segment's folded
  texts laid end to end: a string of two or more characters occurs exactly where its bigrams
  stand at consecutive positions, which is found by intersecting sorted position arrays in C;
- every jieba word's paragraphs and weights: the same words as the segment's Whoosh ``words``
  postings (Whoosh stays the index of record: a table is derived from a segment's paragraphs
  and can be rebuilt from their stored text).

Ingest builds the tables from the texts and words its reading processes analysed, once Whoosh has
committed the segments (``<generation>/ngrams/<segment id>/``); the server reads them with memory
mapping. A segment without one (an ingest killed just after its commit) gets one built in memory
by the first search of that index version, from its stored texts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np

from .analysis import analyse
from .columnvalues import column_values

TABLES_DIR = "ngrams"
SHIFT = np.uint64(32)
LOW32 = np.uint64(0xFFFFFFFF)
EMPTY = np.zeros(0, dtype=np.int64)
EMPTY32 = np.zeros(0, dtype=np.uint32)


def word_key(word: str) -> int:
    """A stable 64-bit key of a (folded) word."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class GramTable:
    """The postings of one segment's paragraphs (see the module's docstring)."""

    starts: np.ndarray  # int64[docs + 1]: where each paragraph's folded text starts
    chars: np.ndarray  # uint32: the distinct code points, sorted
    char_offsets: np.ndarray  # int64[len(chars) + 1]: each character's run in char_docs
    char_docs: np.ndarray  # uint32: paragraphs containing the character, ascending
    bigrams: np.ndarray  # uint32 (or 64): keys (first char's index * len(chars) + second's), sorted
    bigram_offsets: np.ndarray  # uint32 (or 64) [len(bigrams) + 1]: each bigram's run in positions
    positions: np.ndarray  # uint32: start positions of the bigram, ascending
    words: np.ndarray  # uint64: word keys (word_key), sorted
    word_offsets: np.ndarray  # int64[len(words) + 1]: each word's run in word_docs
    word_docs: np.ndarray  # uint32: paragraphs with the word, ascending
    word_weights: np.ndarray  # uint16: how often the word occurs in each

    @property
    def doc_count(self) -> int:
        return len(self.starts) - 1

    def lengths(self) -> np.ndarray:
        """Each paragraph's folded length in characters."""
        return np.diff(self.starts)

    # Lookups: every answer is an ascending array of the segment's paragraph numbers.

    @cached_property
    def _char_indexes(self) -> dict[str, int]:
        return {chr(code): i for i, code in enumerate(self.chars.tolist())}

    def _char_index(self, char: str) -> int:
        return self._char_indexes.get(char, -1)

    def char_paragraphs(self, char: str) -> np.ndarray:
        i = self._char_index(char)
        if i < 0:
            return EMPTY
        return self.char_docs[self.char_offsets[i] : self.char_offsets[i + 1]]

    def bigram_positions(self, gram: str) -> np.ndarray:
        """The start positions of a two-character string (empty when it does not occur)."""
        first, second = self._char_index(gram[0]), self._char_index(gram[1])
        if first < 0 or second < 0:
            return EMPTY
        key = first * len(self.chars) + second
        i = int(np.searchsorted(self.bigrams, self.bigrams.dtype.type(key)))
        if i == len(self.bigrams) or int(self.bigrams[i]) != key:
            return EMPTY
        return self.positions[self.bigram_offsets[i] : self.bigram_offsets[i + 1]]

    def containing(self, folded: str) -> np.ndarray:
        """The paragraphs whose folded text contains the (folded) string."""
        if len(folded) <= 1:
            return self.char_paragraphs(folded) if folded else EMPTY
        return self.paragraphs_at(self.starts_of(folded))

    def starts_of(self, folded: str) -> np.ndarray:
        """Where every occurrence of a string of two or more characters starts, overlapping
        ones included: ascending positions in the segment's folded texts end to end (a
        bigram never spans two paragraphs, so neither does an occurrence)."""
        grams = [folded[i : i + 2] for i in range(len(folded) - 1)]
        runs = [(self.bigram_positions(g), i) for i, g in enumerate(grams)]
        if not runs or any(len(p) == 0 for p, _ in runs):
            return EMPTY
        runs.sort(key=lambda run: len(run[0]))
        (rarest, at), others = runs[0], runs[1:]
        starts = rarest.astype(np.int64) - at
        starts = starts[starts >= 0]
        for positions, offset in others:  # values cast to the array's type: no copy of it
            wanted = (starts + offset).astype(positions.dtype)
            found = np.searchsorted(positions, wanted)
            inside = found < len(positions)
            hit = np.zeros(len(wanted), dtype=bool)
            hit[inside] = positions[found[inside]] == wanted[inside]
            starts = starts[hit]
            if not len(starts):
                return EMPTY
        return starts

    def paragraphs_at(self, positions: np.ndarray) -> np.ndarray:
        """The distinct paragraphs holding ascending positions."""
        docs = np.searchsorted(self.starts, positions.astype(self.starts.dtype), side="right") - 1
        if len(docs) > 1:
            docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
        return docs

    def bigram_frequencies(self, gram: str) -> tuple[np.ndarray, np.ndarray]:
        """(paragraphs, occurrences in each) of a two-character string."""
        positions = self.bigram_positions(gram)
        if not len(positions):
            return EMPTY, EMPTY
        docs = np.searchsorted(self.starts, positions.astype(self.starts.dtype), side="right") - 1
        edges = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1], [True])))
        return docs[edges[:-1]], np.diff(edges)

    def word_frequencies(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(paragraphs, weight in each) of a jieba word."""
        key = word_key(word)
        i = int(np.searchsorted(self.words, np.uint64(key)))
        if i == len(self.words) or int(self.words[i]) != key:
            return EMPTY, EMPTY
        run = slice(self.word_offsets[i], self.word_offsets[i + 1])
        return self.word_docs[run], self.word_weights[run]

    def bigrams_starting(self, char: str) -> list[str]:
        """The bigrams that occur and start with a character."""
        first = self._char_index(char)
        if first < 0:
            return []
        width = len(self.chars)
        low, high = np.searchsorted(self.bigrams, [first * width, (first + 1) * width])
        seconds = (self.bigrams[low:high] % np.uint64(width)).astype(np.int64)
        return [char + chr(int(self.chars[s])) for s in seconds]

    # Storage

    def save(self, folder: Path) -> None:
        """Write the table into ``folder`` (made whole in a temporary folder, then renamed)."""
        temporary = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir(parents=True)
        for item in fields(self):
            path = temporary / f"{item.name}.npy"
            with open(path, "wb") as out:
                np.save(out, getattr(self, item.name))
                out.flush()
                os.fsync(out.fileno())
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(temporary, folder)

    @classmethod
    def load(cls, folder: Path) -> GramTable:
        """A saved table, memory-mapped; OSError/ValueError when missing or damaged."""
        arrays = {  # plain arrays over the mapped files (np.memmap's slicing is slower)
            item.name: np.load(folder / f"{item.name}.npy", mmap_mode="r").view(np.ndarray)
            for item in fields(cls)
        }
        return cls(**arrays)


def build_table(folded: list[str], word_ids: list[np.ndarray], vocabulary: list[str]) -> GramTable:
    """The table of a segment: its paragraphs' folded texts in order ("" for report records),
    and the ids of each one's jieba words in ``vocabulary``."""
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    starts = np.zeros(len(folded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    codes = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
    chars, ids = _dense_ids(codes)
    char_offsets, char_docs = _char_postings(ids, lengths, len(chars))
    bigrams, bigram_offsets, positions = _bigram_postings(ids, starts, len(chars))
    words, word_offsets, word_docs, word_counts = _word_postings(word_ids, vocabulary)
    return GramTable(
        _compact(starts),
        chars,
        _compact(char_offsets),
        char_docs,
        _compact(bigrams),
        _compact(bigram_offsets),
        positions,
        words,
        _compact(word_offsets),
        word_docs,
        np.minimum(word_counts, np.iinfo(np.uint16).max).astype(np.uint16),
    )


def _compact(numbers: np.ndarray) -> np.ndarray:
    """Non-negative integers in 32 bits when they fit (tables are a large part of the index)."""
    if len(numbers) and int(numbers.max()) >= 2**32:
        return numbers
    return numbers.astype(np.uint32)


class TableInputs:
    """The folded texts and word ids of paragraphs, by (doc_id, paragraph number): what an
    ingest analysed, kept until its segments' tables are built; and the same texts by report,
    with their kinds and signed rows, for the reprint pass."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.rows: dict[tuple[str, int], tuple[str, np.ndarray]] = {}
        # for the reprint pass: each report's paragraph numbers, folded texts and kinds in
        # order, and its rows as the reading processes signed them (``reprints.sign``: bytes)
        self.reports: dict[str, tuple[list[int], list[str], list[str]]] = {}
        self.signed: dict[str, bytes] = {}

    def ids(self, words: list[str]) -> np.ndarray:
        vocabulary = self.vocabulary
        return np.fromiter(
            (vocabulary.setdefault(w, len(vocabulary)) for w in words), np.uint32, len(words)
        )

    def add(self, doc_id: str, n: int, folded: str, words: list[str], kind: str = "") -> None:
        self.rows[(doc_id, n)] = (folded, self.ids(words))
        numbers, texts, kinds = self.reports.setdefault(doc_id, ([], [], []))
        numbers.append(n)
        texts.append(folded)
        kinds.append(kind)

    def row(self, doc_id: str, n: int, text: Callable[[], str]) -> tuple[str, np.ndarray]:
        """A paragraph's folded text and word ids; one not added is analysed from ``text()``."""
        found = self.rows.get((doc_id, n))
        if found is None:
            folded, words = analyse(text())
            found = (folded, self.ids(words))
        return found

    def table(self, folded: list[str], word_ids: list[np.ndarray]) -> GramTable:
        return build_table(folded, word_ids, list(self.vocabulary))


def table_from_texts(texts: Iterable[str]) -> GramTable:
    """The table of paragraphs given by their original texts (analysed here)."""
    inputs = TableInputs()
    rows = [inputs.row("", i, lambda t=t: t) for i, t in enumerate(texts)]
    return inputs.table([r[0] for r in rows], [r[1] for r in rows])


def _dense_ids(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct code points sorted, each code point's index among them)."""
    if not len(codes):
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint64)
    present = np.zeros(int(codes.max()) + 1, dtype=bool)
    present[codes] = True
    chars = np.flatnonzero(present).astype(np.uint32)
    index = np.zeros(len(present), dtype=np.uint32)
    index[chars] = np.arange(len(chars), dtype=np.uint32)
    return chars, index[codes].astype(np.uint64)


def _runs(sorted_keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, offsets[len + 1]) of a sorted key array."""
    if not len(sorted_keys):
        return sorted_keys[:0], np.zeros(1, dtype=np.int64)
    edges = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    offsets = np.concatenate(([0], edges, [size])).astype(np.int64)
    return sorted_keys[offsets[:-1]], offsets


def _char_postings(ids: np.ndarray, lengths: np.ndarray, width: int):
    docs = np.repeat(np.arange(len(lengths), dtype=np.uint64), lengths)
    pairs = np.sort((ids << SHIFT) | docs)
    if len(pairs):
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    keys, offsets = _runs(pairs >> SHIFT, len(pairs))
    char_offsets = np.zeros(width + 1, dtype=np.int64)  # every character has a run
    counts = np.diff(offsets)
    per_char = np.zeros(width, dtype=np.int64)
    per_char[keys.astype(np.int64)] = counts
    np.cumsum(per_char, out=char_offsets[1:])
    return char_offsets, (pairs & LOW32).astype(np.uint32)


def _bigram_postings(ids: np.ndarray, starts: np.ndarray, width: int):
    if len(ids) < 2:
        return np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, np.uint32)
    inside = np.ones(len(ids) - 1, dtype=bool)  # a bigram never spans two paragraphs
    last = starts[1:-1] - 1
    inside[last[(last >= 0) & (last < len(inside))]] = False
    at = np.flatnonzero(inside).astype(np.uint64)
    keys = ids[:-1][inside] * np.uint64(width) + ids[1:][inside]
    pairs = np.sort((keys << SHIFT) | at)
    bigrams, offsets = _runs(pairs >> SHIFT, len(pairs))
    return bigrams, offsets, (pairs & LOW32).astype(np.uint32)


def _word_postings(word_ids: list[np.ndarray], vocabulary: list[str]):
    """(word keys, offsets, paragraphs, weights) with each word's paragraphs ascending and
    its weight the number of times it occurs there."""
    sizes = np.fromiter(map(len, word_ids), dtype=np.int64, count=len(word_ids))
    if not sizes.sum():
        return np.zeros(0, np.uint64), np.zeros(1, np.int64), EMPTY32, np.zeros(0, np.int64)
    docs = np.repeat(np.arange(len(word_ids), dtype=np.uint64), sizes)
    pairs = np.sort((np.concatenate(word_ids).astype(np.uint64) << SHIFT) | docs)
    distinct, pair_offsets = _runs(pairs, len(pairs))  # each (word, paragraph) once
    counts = np.diff(pair_offsets)
    words, word_offsets = _runs(distinct >> SHIFT, len(distinct))
    keys = np.array([word_key(vocabulary[int(w)]) for w in words], dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    rank = np.empty(len(order), dtype=np.uint64)
    rank[order] = np.arange(len(order), dtype=np.uint64)
    run_of = np.repeat(np.arange(len(words)), np.diff(word_offsets))
    by_key = np.argsort((rank[run_of] << SHIFT) | (distinct & LOW32), kind="stable")
    sizes_by_key = np.diff(word_offsets)[order]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(sizes_by_key, out=offsets[1:])
    return (
        keys[order],
        offsets,
        (distinct & LOW32)[by_key].astype(np.uint32),
        counts[by_key],
    )


# From Whoosh segments --------------------------------------------------------------------------


def segment_table(leaf, inputs: TableInputs) -> GramTable:
    """The table of a Whoosh segment: its paragraphs from ``inputs``, or (merged in from an
    earlier ingest, or with no inputs at all) analysed anew from their stored text."""
    count = leaf.doc_count_all()
    doc_ids, numbers, kinds = (column_values(leaf, name) for name in ("doc_id", "n", "kind"))
    folded: list[str] = []
    word_ids: list[np.ndarray] = []
    for docnum in range(count):
        if not kinds[docnum]:  # a report record
            folded.append("")
            word_ids.append(EMPTY32)
            continue
        text, ids = inputs.row(
            doc_ids[docnum], numbers[docnum], lambda d=docnum: leaf.stored_fields(d).get("text", "")
        )
        folded.append(text)
        word_ids.append(ids)
    return inputs.table(folded, word_ids)


def segment_id(leaf) -> str:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else ""


def tables_dir(generation: Path) -> Path:
    return generation / TABLES_DIR


def write_missing_tables(generation: Path, reader, inputs: TableInputs | None = None) -> list[str]:
    """Build and save the table of every segment of the reader that has none (from what the
    ingest analysed, ``inputs``), and remove the tables of segments no longer in it; the
    segment ids written."""
    inputs = inputs or TableInputs()
    folder = tables_dir(generation)
    folder.mkdir(exist_ok=True)
    leaves = [leaf for leaf, _offset in _leaves(reader)]
    wanted = {segment_id(leaf) for leaf in leaves}
    written = []
    for leaf in leaves:
        name = segment_id(leaf)
        if name and not (folder / name).is_dir():
            segment_table(leaf, inputs).save(folder / name)
            written.append(name)
    for stale in folder.iterdir():
        if stale.name not in wanted:
            shutil.rmtree(stale, ignore_errors=True)
    return written


def _leaves(reader) -> list[tuple[object, int]]:
    return list(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else [(reader, 0)]


def load_or_build(generation: Path | None, leaf) -> GramTable:
    """A segment's saved table, or one built in memory when it has none (or it is damaged)."""
    name = segment_id(leaf)
    if generation is not None and name:
        try:
            table = GramTable.load(tables_dir(generation) / name)
            if table.doc_count == leaf.doc_count_all():
                return table
        except (OSError, ValueError):
            pass
    return segment_table(leaf, TableInputs())
