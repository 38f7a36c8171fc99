"""Reprints: paragraphs that are the same text in several reports, found at ingest.

Two paragraphs are the same text when their folded texts, without spaces and punctuation, are
equal (exact), or when their character 5-gram sets are near-duplicates: MinHash signatures
(64 permutations) put in 16 LSH bands of 4, candidates kept when at least 70 % of their
signatures agree (an estimate of the Jaccard similarity of their 5-grams). The signatures are
those ``datasketch``'s ``MinHash`` gives (scheme affine32), computed for many paragraphs at once
with numpy (``signatures``; the tests check them against datasketch).
Paragraphs shorter than ``MIN_CHARS`` or of the kinds in ``SKIPPED_KINDS`` (credits,
datelines…) are left out: they repeat without being reprints. Groups are the connected
components of these pairs.

The result lives beside the index in its generation folder (``reprints.npz``): every row's
report, paragraph number, signature, group and the pairs (edges) that make the groups, each
report's content hash and which report records those came from. Each ingest brings it up to
date: rows of reports whose content hash is unchanged are kept, only new or changed reports are
read and signed (and only new index segments' report records read), only the pairs a change
can reach are looked for again, and the groups are the connected components of the edges
(``scipy``). A reader drops rows whose report has changed since, so
a stale file never shows a wrong reprint. No URLs or markup here.
"""

from __future__ import annotations

import hashlib
import re
import threading
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from whoosh.query import Term
from whoosh.searching import Searcher

from .folding import fold
from .records import Records, Rows, indexed_hashes, load_rows, report_records, save_rows
from .textstore import TextWriter

FILE_NAME = "reprints.npz"
VERSION = 2  # of the file and of what counts as the same text: change it when either changes
MIN_CHARS = 24  # characters (spaces and punctuation left out) a paragraph needs to count
SKIPPED_KINDS = frozenset({"byline", "dateline", "credit", "boilerplate"})
SHINGLE = 5
PERMUTATIONS = 64
BANDS, ROWS = 16, 4  # BANDS * ROWS == PERMUTATIONS
SIMILARITY = 0.7  # share of agreeing signature values for a near-duplicate
_NOT_TEXT = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """The text as compared: folded, without spaces and punctuation."""
    return _NOT_TEXT.sub("", fold(text))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The affine32 permutations (a, b) datasketch's ``MinHash(num_perm=64, seed=1)`` draws,
    drawn the same way here (importing datasketch costs an ingest more than the pass)."""
    draw = np.random.RandomState(1)
    a = draw.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
    return a, b


_BASE = 0x01000193  # shingle hashes: code points as digits base this, modulo 2**32
_MASK32 = 0xFFFFFFFF
BATCH_SHINGLES = 1 << 16  # shingles signed at once (a 16 MB matrix of permuted hashes)


def shingle_hash(shingle: str) -> int:
    """The 32-bit hash of a shingle: its code points as digits base ``_BASE``, mod 2**32."""
    value = 0
    for char in shingle:
        value = (value * _BASE + ord(char)) & _MASK32
    return value


def signature(text: str) -> np.ndarray:
    """The MinHash signature of one normalised text (see ``signatures``)."""
    return signatures([text])[0]


def signatures(texts: list[str]) -> np.ndarray:
    """MinHash signatures (uint32, one row per text) of normalised texts' character 5-grams:
    the values datasketch's ``MinHash`` (scheme affine32, 64 permutations, seed 1) gives with
    ``shingle_hash`` as its hash function, computed for many texts at once with numpy. A text
    shorter than a shingle counts as one shingle of itself."""
    found = np.empty((len(texts), PERMUTATIONS), dtype=np.uint32)
    start = 0
    while start < len(texts):
        stop, shingles = start, 0
        while stop < len(texts) and (stop == start or shingles < BATCH_SHINGLES):
            shingles += max(1, len(texts[stop]) - SHINGLE + 1)
            stop += 1
        found[start:stop] = _batch_signatures(texts[start:stop])
        start = stop
    return found


def _batch_signatures(texts: list[str]) -> np.ndarray:
    a, b = _permutations()
    padded = [t if len(t) >= SHINGLE else t.rjust(SHINGLE, "\0") for t in texts]
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.array([len(t) for t in padded], dtype=np.int64)
    counts = lengths - SHINGLE + 1  # shingles per text
    firsts = np.cumsum(lengths) - lengths  # where each text starts in ``codes``
    heads = np.cumsum(counts) - counts  # where each text's shingles start in the list
    positions = np.arange(counts.sum()) + np.repeat(firsts - heads, counts)
    hashes = np.zeros(len(positions), dtype=np.uint32)
    base = np.uint32(_BASE)
    for k in range(SHINGLE):
        hashes = hashes * base + codes[positions + k]
    permuted = _fmix32(hashes)[:, None] * a[None, :] + b[None, :]
    return np.minimum.reduceat(permuted, heads, axis=0)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix datasketch's affine32 scheme applies."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def digest(text: str) -> int:
    """A 63-bit digest of a normalised text (exact sameness)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()) >> 1


# The stored table ----------------------------------------------------------------------------


@dataclass
class Table:
    """Every counted paragraph: report, number, exact digest, signature, group (-1: none)."""

    doc: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    n: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    digest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    signature: np.ndarray = field(
        default_factory=lambda: np.zeros((0, PERMUTATIONS), dtype=np.uint32)
    )
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    hashes: dict[str, str] = field(default_factory=dict)  # report -> content hash
    records: Records = field(default_factory=dict)  # the report records the hashes came from
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int32))

    def keep(self, mask: np.ndarray) -> Table:
        """The rows of the mask, with the edges between them (renumbered)."""
        renumbered = np.cumsum(mask) - 1
        edges = self.edges[mask[self.edges].all(axis=1)] if len(self.edges) else self.edges
        return Table(
            self.doc[mask],
            self.n[mask],
            self.digest[mask],
            self.signature[mask],
            self.group[mask],
            dict(self.hashes),
            self.records,
            renumbered[edges].astype(np.int32),
        )


COLUMNS = ("n", "digest", "signature", "group", "edges")
DTYPES = (np.int32, np.int64, np.uint32, np.int32, np.int32)


def load_table(folder: Path) -> Table | None:
    """The stored table of a generation, or None when there is none (or of another version)."""
    rows = load_rows(Path(folder) / FILE_NAME, VERSION)
    if rows is None or not set(COLUMNS) <= set(rows.columns):
        return None
    return Table(
        rows.doc,
        *(rows.columns[c] for c in COLUMNS[:4]),
        rows.hashes,
        rows.records,
        rows.columns["edges"],
    )


def save_table(folder: Path, table: Table) -> None:
    """Write the table atomically (a reader sees the old file or the new one)."""
    columns = {c: getattr(table, c).astype(t) for c, t in zip(COLUMNS, DTYPES, strict=True)}
    save_rows(
        Path(folder) / FILE_NAME, VERSION, Rows(table.doc, table.hashes, table.records, columns)
    )


# Bringing it up to date ----------------------------------------------------------------------


@dataclass
class UpdateResult:
    """What a reprint pass did."""

    signed: int = 0  # paragraphs read and signed
    reports: int = 0  # reports (re)read
    rows: int = 0
    groups: int = 0


def update(folder: Path, searcher: Searcher) -> UpdateResult:
    """Bring a generation's reprint table (and its folded texts, ``textstore``) in line with
    its index (see the module docstring): one read of the new and changed reports for both."""
    stored = load_table(folder)
    records = report_records(searcher, stored.records if stored else {})
    indexed = indexed_hashes(records)
    texts = TextWriter(folder, indexed, records)
    table = stored or Table()
    current = _rows_of(table, {d for d, h in table.hashes.items() if indexed.get(d) == h})
    todo = {d for d, h in indexed.items() if table.hashes.get(d) != h}
    unchanged = stored is not None and not todo and set(stored.hashes) == set(indexed)
    rows = _sign(searcher, todo, texts)
    texts.finish()
    if unchanged and current.all():
        return UpdateResult(0, 0, len(table.doc), len(np.unique(table.group[table.group >= 0])))
    table = refreshed(table, current, rows, whole=stored is None)
    table.hashes, table.records = dict(indexed), records
    save_table(folder, table)
    found = np.unique(table.group[table.group >= 0])
    return UpdateResult(len(rows), len(todo), len(table.doc), len(found))


def refreshed(table: Table, current: np.ndarray, rows: list, whole: bool = False) -> Table:
    """The table without its rows that are not current, with the new rows, regrouped: over
    every row when ``whole``, else only where a change can reach (the new rows, and those
    that shared a key with a row taken out); the same groups either way."""
    if whole:
        table = _append(table.keep(current) if len(current) else table, rows)
        table.edges = edges_of(table.digest, table.signature)
    else:
        old_keys = list(_keys(table.digest, table.signature))  # worked out once for both steps
        touched = _sharing_a_key(old_keys, ~current)[current]
        table = _append(table.keep(current), rows)
        added = slice(len(touched), len(table.doc))
        keys = [
            np.concatenate([kept[current], new])
            for kept, new in zip(
                old_keys, _keys(table.digest[added], table.signature[added]), strict=True
            )
        ]
        changed = np.r_[np.flatnonzero(touched), np.arange(len(touched), len(table.doc))]
        found = edges_of(table.digest, table.signature, changed, keys)
        table.edges = np.vstack([table.edges, found])
    table.group = groups(table.edges, len(table.doc))
    return table


def update_generation(folder: Path, index) -> UpdateResult:
    """``update`` with a searcher of the generation's (Whoosh) index."""
    with index.searcher() as searcher:
        return update(folder, searcher)


def _blocks(searcher: Searcher, doc_ids: set[str]) -> Iterator[dict]:
    """The stored fields of the blocks of some reports: read straight from each segment's
    stored-fields column, in one sweep when they are many, else through their doc_id."""
    reader = searcher.reader()
    if len(doc_ids) * 20 > searcher.doc_count():
        numbers: Iterable[int] = range(reader.doc_count_all())
    else:
        numbers = sorted(d for i in doc_ids for d in searcher.docs_for_query(Term("doc_id", i)))
    leaves = sorted(reader.leaf_readers(), key=lambda pair: pair[1])
    bases = [base for _leaf, base in leaves]
    for number in numbers:
        leaf, base = leaves[bisect_right(bases, number) - 1]
        if leaf.is_deleted(number - base):
            continue
        perdoc = getattr(leaf, "_perdoc", None)
        fields = (
            perdoc.stored_fields(number - base) if perdoc else leaf.stored_fields(number - base)
        )
        if "text" in fields and fields.get("doc_id") in doc_ids:  # a block, not a report record
            yield fields


def _sign(
    searcher: Searcher, doc_ids: set[str], texts: TextWriter
) -> list[tuple[str, int, int, np.ndarray]]:
    """The rows of the reports ``doc_ids``; the folded texts of those in ``texts.todo`` are
    handed to ``texts`` on the way."""
    kept = []
    for fields in _blocks(searcher, doc_ids | texts.todo):
        doc_id, n = fields["doc_id"], fields["n"]
        folded = fold(fields.get("text", ""))
        if doc_id in texts.todo:
            texts.add(doc_id, n, folded)
        if doc_id not in doc_ids or fields.get("kind") in SKIPPED_KINDS:
            continue
        text = _NOT_TEXT.sub("", folded)
        if len(text) >= MIN_CHARS:
            kept.append((doc_id, n, text))
    signed = signatures([text for _doc, _n, text in kept])
    return [(doc, n, digest(text), signed[i]) for i, (doc, n, text) in enumerate(kept)]


def _rows_of(table: Table, doc_ids: set[str]) -> np.ndarray:
    """Whether each row is of one of these reports."""
    return np.fromiter((d in doc_ids for d in table.doc), dtype=bool, count=len(table.doc))


def _append(table: Table, rows: list) -> Table:
    if not rows:
        return table
    return Table(
        np.concatenate([table.doc, np.array([r[0] for r in rows], dtype=object)]),
        np.concatenate([table.n, np.array([r[1] for r in rows], dtype=np.int32)]),
        np.concatenate([table.digest, np.array([r[2] for r in rows], dtype=np.int64)]),
        np.vstack([table.signature, np.array([r[3] for r in rows], dtype=np.uint32)]),
        np.concatenate([table.group, np.full(len(rows), -1, dtype=np.int32)]),
        table.hashes,
        table.records,
        table.edges,
    )


def edges_of(
    digests: np.ndarray,
    signatures: np.ndarray,
    rows: np.ndarray | None = None,
    every_key: list[np.ndarray] | None = None,
) -> np.ndarray:
    """The pairs of rows that are the same text: each row (of ``rows``, or all) with the first
    row sharing its digest (exact), or its key in a band whose signatures then agree on at
    least SIMILARITY of their values (near). The pairs of some rows are those a pass over all
    rows finds for them. ``every_key``: the rows' ``_keys``, when already worked out."""
    found = [np.zeros((0, 2), dtype=np.int32)]
    if not len(digests):
        return found[0]
    for band, keys in enumerate(every_key or _keys(digests, signatures)):
        first, other = _first_pairs(keys) if rows is None else _first_pairs_of(keys, rows)
        if band:  # a band key only makes a candidate: the signatures must agree
            agree = (signatures[first] == signatures[other]).mean(axis=1) >= SIMILARITY
            first, other = first[agree], other[agree]
        found.append(np.c_[first, other])
    return np.vstack(found).astype(np.int32)


def groups(edges: np.ndarray, count: int) -> np.ndarray:
    """Group number of each row (-1 when it is the only one of its text): the connected
    components of the edges."""
    from scipy.sparse import coo_matrix  # imported on first use: a server never needs it
    from scipy.sparse.csgraph import connected_components

    if not count:
        return np.zeros(0, dtype=np.int32)
    weights = np.ones(len(edges), dtype=np.int8)
    graph = coo_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    return np.where(sizes[labels] > 1, labels, -1).astype(np.int32)


def _keys(digests: np.ndarray, signatures: np.ndarray) -> Iterator[np.ndarray]:
    """What rows are paired on: the exact digest, then each band's key."""
    yield digests
    for band in range(BANDS):
        yield _band_keys(signatures[:, band * ROWS : (band + 1) * ROWS])


def _sharing_a_key(every_key: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Whether each row shares a key (digest or band, ``_keys``) with one of the rows of the
    mask."""
    sharing = np.zeros(len(rows), dtype=bool)
    if rows.any():
        for keys in every_key:
            sharing |= _holding(keys, keys[rows])
    return sharing


def _holding(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each key is one of the values (sorting the few values, not the many keys)."""
    wanted = np.unique(values)
    near = np.searchsorted(wanted, keys).clip(max=len(wanted) - 1)
    return wanted[near] == keys


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def _band_keys(columns: np.ndarray) -> np.ndarray:
    """One 64-bit key per row for a band's values (a collision only adds a candidate, which
    the signature check then turns down)."""
    with np.errstate(over="ignore"):
        return (columns.astype(np.uint64) * _MIX[: columns.shape[1]]).sum(axis=1, dtype=np.uint64)


def _first_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each key, another row with that key) for every row sharing a key."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1]
    first_of = np.repeat(order[starts], np.diff(np.r_[starts, len(order)]))
    same = first_of != order
    return first_of[same], order[same]


def _first_pairs_of(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_first_pairs`` for some rows only, without sorting every key."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    holders = np.flatnonzero(_holding(keys, keys[rows]))  # ascending: the first one first
    values, first = np.unique(keys[holders], return_index=True)
    first_of = holders[first][np.searchsorted(values, keys[rows])]
    same = first_of != rows
    return first_of[same], rows[same]


# Reading -------------------------------------------------------------------------------------


class Reprints:
    """The reprint groups of one index generation, for lookups by report or paragraph."""

    def __init__(self, table: Table, indexed: dict[str, str]) -> None:
        fresh = _rows_of(table, {d for d, h in table.hashes.items() if indexed.get(d) == h})
        table = table.keep(fresh) if len(fresh) else table
        self.group_of: dict[tuple[str, int], int] = {}
        self.docs_of: dict[int, set[str]] = defaultdict(set)
        self.by_doc: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc_id, n, group in zip(table.doc, table.n.tolist(), table.group.tolist(), strict=True):
            if group < 0:
                continue
            self.group_of[(doc_id, n)] = group
            self.docs_of[group].add(doc_id)
            self.by_doc[doc_id].append((n, group))

    def others(self, doc_id: str, n: int) -> list[str]:
        """The other reports carrying the same text as this paragraph."""
        group = self.group_of.get((doc_id, n))
        return sorted(self.docs_of[group] - {doc_id}) if group is not None else []

    def for_document(self, doc_id: str) -> list[tuple[str, int]]:
        """(other report, how many of this report's paragraphs it carries), most first."""
        paragraphs = Counter(group for _n, group in self.by_doc.get(doc_id, []))
        shared: Counter = Counter()
        for group, count in paragraphs.items():  # each group once: a long report has many
            for other in self.docs_of[group]:
                if other != doc_id:
                    shared[other] += count
        return sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))


_cache: dict[str, tuple[int, Reprints]] = {}
_lock = threading.Lock()


def reprints_for(searcher: Searcher) -> Reprints | None:
    """The reprints of the searcher's generation (loaded once per file version), or None."""
    folder = _folder(searcher)
    if folder is None:
        return None
    path = folder / FILE_NAME
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        cached = _cache.get(str(folder))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        table = load_table(folder)
        if table is None:
            return None
        loaded = Reprints(table, indexed_hashes(report_records(searcher, table.records)))
        while len(_cache) >= 4:
            _cache.pop(next(iter(_cache)))
        _cache[str(folder)] = (stamp, loaded)
        return loaded


def _folder(searcher: Searcher) -> Path | None:
    """The generation folder a searcher reads (None for an index not in a folder)."""
    index = getattr(searcher, "_ix", None)
    folder = getattr(getattr(index, "storage", None), "folder", None)
    return Path(folder) if folder else None


# Search hooks --------------------------------------------------------------------------------


def one_of_each(searcher: Searcher, passed: set[int], columns) -> set[int]:
    """The passed paragraphs with each reprint group cut to one: its earliest passed member
    (by date, then report, then position); paragraphs in no group all stay."""
    found = reprints_for(searcher)
    if found is None or not found.group_of:
        return passed
    from .columns import column  # columns imports search, which imports this module lazily

    numbers, dates, doc_ids = (
        column(searcher, columns, "n"),
        column(searcher, columns, "date_last"),
        columns.doc_id,
    )
    chosen: dict[int, int] = {}
    kept: set[int] = set()
    for doc in passed:
        group = found.group_of.get((doc_ids[doc], numbers[doc]))
        if group is None:
            kept.add(doc)
            continue
        best = chosen.get(group)
        if best is None or (dates[doc], doc_ids[doc], doc) < (dates[best], doc_ids[best], best):
            chosen[group] = doc
    return kept | set(chosen.values())


def also_in(searcher: Searcher, doc_id: str, n: int) -> int:
    """How many other reports carry this paragraph's text (0 when unknown)."""
    found = reprints_for(searcher)
    return len(found.others(doc_id, n)) if found is not None else 0
