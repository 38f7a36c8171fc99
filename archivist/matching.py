"""The paragraphs of one index version as numpy sets: exact substring lookups and ranking
statistics over the n-gram tables of all its segments (``ngrams``), built once per version.

A set of paragraphs is an ascending ``int64`` array of the index's document numbers; the
functions at the end combine such sets through a boolean mask over the whole index (a few
hundred kilobytes at a million paragraphs), in C.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher

from .caching import RecentCache
from .columnvalues import DirectStoredFields, column_values, live_documents, stored_fields
from .ngrams import EMPTY, GramTable, load_or_build

VERSIONS_KEPT = 2


@dataclass(frozen=True)
class Segment:
    """One segment's table and where its paragraphs start in the index's numbering."""

    offset: int
    table: GramTable
    deleted: np.ndarray | None  # bool per paragraph of the segment, or None without deletions


class MatchIndex:
    """Exact matching over every segment of an index version (thread-safe: read-only)."""

    def __init__(self, segments: list[Segment], size: int, live: np.ndarray, opener=None) -> None:
        self.segments = segments
        self.size = size  # document numbers run from 0 to size - 1
        self.live = live  # ascending: the paragraphs (not report records, not deleted)
        self._lengths: np.ndarray | None = None
        self._average: float | None = None
        self._opener = opener  # opens a reader of this version's segments (None: none)
        self._kept: DirectStoredFields | None = None  # the stored fields of one kept reader
        self._lock = threading.Lock()

    def stored_fields(self, docnum: int, searcher: Searcher) -> dict:
        """A document's stored fields, read through one reader kept for this version (a new
        searcher reads the offsets of every document's stored fields first: O(size) per
        request), straight from its segment files; without one, through the
        searcher."""
        stored = self._stored()
        if stored is None:
            return searcher.stored_fields(docnum)
        fields = stored.get(docnum)  # positioned reads: no lock
        if fields is not None:
            return fields
        with self._lock:  # Whoosh's readers seek and read: one thread at a time
            return stored_fields(stored.reader, docnum)

    def _stored(self) -> DirectStoredFields | None:
        """The kept reader's stored fields (opened on first use; None without one)."""
        if self._kept is not None:
            return self._kept
        with self._lock:
            if self._kept is None and self._opener is not None:
                try:
                    self._kept = DirectStoredFields(self._opener())
                except OSError:  # its generation was removed: only open searchers read it
                    self._opener = None
            return self._kept

    def _gather(self, lookup) -> np.ndarray:
        parts = []
        for segment in self.segments:
            local = lookup(segment.table)
            if not len(local):
                continue
            if segment.deleted is not None:
                local = local[~segment.deleted[local]]
            parts.append(local.astype(np.int64) + segment.offset)
        if not parts:
            return EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def containing(self, folded: str) -> np.ndarray:
        """The paragraphs whose folded text contains the (folded) string."""
        return self._gather(lambda table: table.containing(folded))

    def occurrences(self, folded: str) -> tuple[np.ndarray, np.ndarray]:
        """(document, start in its folded text) of every occurrence of a string of two or
        more characters in the live paragraphs, overlapping ones included."""
        docs, starts = [], []
        for segment in self.segments:
            table = segment.table
            at = table.starts_of(folded)
            local = np.searchsorted(table.starts, at.astype(table.starts.dtype), side="right") - 1
            if segment.deleted is not None:
                kept = ~segment.deleted[local]
                at, local = at[kept], local[kept]
            docs.append(local.astype(np.int64) + segment.offset)
            starts.append(at - table.starts[local].astype(np.int64))
        if not docs:
            return EMPTY, EMPTY
        return np.concatenate(docs), np.concatenate(starts)

    def frequencies(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(paragraphs, weight in each) of a ranking term: a jieba word of ``words``, or a
        bigram (or single character, weight 1) of the folded text in ``grams``."""
        docs, weights = [], []
        for segment in self.segments:
            table = segment.table
            if field == "words":
                local, weight = table.word_frequencies(term)
            elif len(term) == 2:
                local, weight = table.bigram_frequencies(term)
            else:
                local = table.char_paragraphs(term)
                weight = np.ones(len(local), dtype=np.float32)
            if segment.deleted is not None and len(local):
                keep = ~segment.deleted[local]
                local, weight = local[keep], weight[keep]
            docs.append(local.astype(np.int64) + segment.offset)
            weights.append(np.asarray(weight, dtype=np.float64))
        if not docs:
            return EMPTY, np.zeros(0)
        return np.concatenate(docs), np.concatenate(weights)

    def lengths(self) -> np.ndarray:
        """Every document's folded length in characters (0 for report records)."""
        if self._lengths is None:
            lengths = np.zeros(self.size, dtype=np.int64)
            for segment in self.segments:
                own = segment.table.lengths()
                lengths[segment.offset : segment.offset + len(own)] = own
            self._lengths = lengths
        return self._lengths

    def average_length(self) -> float:
        """The paragraphs' mean folded length."""
        if self._average is None:
            self._average = float(self.lengths()[self.live].mean()) if len(self.live) else 0.0
        return self._average

    def has(self, folded: str) -> bool:
        """Whether some segment holds every bigram of the string (cheap, may be a false yes)."""
        grams = [folded[i : i + 2] for i in range(len(folded) - 1)] or [folded]
        for segment in self.segments:
            table = segment.table
            found = (
                len(table.bigram_positions(g)) if len(g) == 2 else len(table.char_paragraphs(g))
                for g in grams
            )
            if all(found):
                return True
        return False

    def bigrams_starting(self, char: str) -> list[str]:
        """The bigrams of the index that start with a character."""
        found: dict[str, None] = {}
        for segment in self.segments:
            found.update(dict.fromkeys(segment.table.bigrams_starting(char)))
        return sorted(found)


_CACHE: RecentCache[MatchIndex] = RecentCache(VERSIONS_KEPT)


def generation_folder(searcher: Searcher) -> Path | None:
    """The folder of the searcher's index (None for an index not in a folder)."""
    storage = getattr(getattr(searcher, "_ix", None), "storage", None)
    folder = getattr(storage, "folder", None)
    return Path(folder) if folder else None


def match_index(searcher: Searcher) -> MatchIndex:
    """The match index of the searcher's index version, built once per version (and noted on
    the searcher, which sees one version all its life)."""
    found = getattr(searcher, "_archivist_matches", None)
    if found is None:
        found = searcher._archivist_matches = _match_index(searcher)
    return found


def _match_index(searcher: Searcher) -> MatchIndex:
    reader = searcher.reader()
    folder = generation_folder(searcher)
    leaves = list(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else [(reader, 0)]
    key = (str(folder), tuple((_segment_key(leaf), offset) for leaf, offset in leaves))
    storage = getattr(getattr(searcher, "_ix", None), "storage", None)
    return _CACHE.get(key, lambda: _build(folder, leaves, reader, storage))


def _segment_key(leaf) -> tuple:
    segment = leaf.segment()
    return (segment and segment.segment_id(), leaf.doc_count_all(), leaf.doc_count())


def _build(folder: Path | None, leaves, reader, storage) -> MatchIndex:
    segments = []
    for leaf, offset in leaves:
        deleted = None
        if leaf.has_deletions():
            deleted = np.zeros(leaf.doc_count_all(), dtype=bool)
            live = np.fromiter(leaf.all_doc_ids(), dtype=np.int64)
            deleted[:] = True
            deleted[live] = False
        segments.append(Segment(offset, load_or_build(folder, leaf), deleted))
    size = reader.doc_count_all()
    opener = None
    if storage is not None and all(leaf.segment() is not None for leaf, _ in leaves):
        schema, parts = reader.schema, [leaf.segment() for leaf, _ in leaves]
        opener = lambda: _reader_of(storage, schema, parts)  # noqa: E731
    return MatchIndex(segments, size, _paragraphs(reader, size), opener)


def _reader_of(storage, schema, segments):
    """A reader of exactly these segments (the version a searcher saw)."""
    readers = [SegmentReader(storage, schema, segment) for segment in segments]
    return readers[0] if len(readers) == 1 else MultiReader(readers)


def _paragraphs(reader, size: int) -> np.ndarray:
    """The live paragraphs: documents with a block kind, not deleted."""
    kinds = np.array([bool(kind) for kind in column_values(reader, "kind")], dtype=bool)
    return np.flatnonzero(kinds & live_documents(reader, size))


# Sets of paragraphs --------------------------------------------------------------------------


def as_set(docnums) -> np.ndarray:
    """An ascending int64 array of distinct document numbers from any iterable of them."""
    if isinstance(docnums, np.ndarray):
        array = docnums.astype(np.int64, copy=False)
    else:
        array = np.fromiter(docnums, dtype=np.int64)
    if len(array) > 1 and not np.all(array[1:] > array[:-1]):
        array = np.unique(array)
    return array


def run_positions(firsts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The positions of several runs laid end to end: ``firsts[i]``, ``firsts[i] + 1``, …, for
    ``sizes[i]`` positions each (to gather variable-length runs of an array in one step)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    heads = np.cumsum(sizes) - sizes  # where each run starts in the result
    return np.arange(int(sizes.sum())) + np.repeat(np.asarray(firsts) - heads, sizes)


def intersect(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    if not len(a) or not len(b):
        return EMPTY
    mask = np.zeros(size, dtype=bool)
    mask[a] = True
    return b[mask[b]]


def union(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    if not len(a):
        return b
    if not len(b):
        return a
    mask = np.zeros(size, dtype=bool)
    mask[a] = True
    mask[b] = True
    return np.flatnonzero(mask)


def difference(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    if not len(a) or not len(b):
        return a
    mask = np.zeros(size, dtype=bool)
    mask[b] = True
    return a[~mask[a]]
