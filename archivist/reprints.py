"""Reprints: paragraphs that are the same text in several reports, found at ingest.

Two paragraphs are the same text when their folded texts, without spaces and punctuation, are
equal (exact), or when their character 5-gram sets are near-duplicates: MinHash signatures
(64 permutations) put in 16 LSH bands of 4 (a 32-bit key per band), candidates kept when
their 5-gram sets are estimated at least 70 % alike (Jaccard) from the signatures' values
compared by their low 8 bits (b-bit minwise hashing: 45 of 64 values; only those 8 bits are
stored). The signatures are those ``datasketch``'s ``MinHash`` gives (scheme affine32),
computed with numpy (``signatures``; the tests check them against datasketch) by the ingest's
reading processes, for each report as they read it (``sign``: digests, low bits and band keys,
all the table keeps), or by the pass for reports they did not read.
Paragraphs shorter than ``MIN_CHARS`` or of the kinds in ``SKIPPED_KINDS`` (credits,
datelines…) are left out: they repeat without being reprints. Groups are the connected
components of these pairs.

The result lives beside the index in its generation folder's ``reprints/``: parts and a manifest
(``records.PartStore``) holding every signed paragraph's report, number, digest and signature
(low bits), a per-band index of its keys, and the pairs found. Each ingest writes one new part
for the reports new or changed since the last pass (signed by its reading processes, else from
the texts it analysed or read from the index) and the pairs of their texts with each other and
with every stored text (found by binary search in the band indexes), then the manifest; parts
are merged as they pile up, and the table is compacted when most of it is of reports the index
no longer holds. The pairs do not depend on the order in which texts came (``near_pairs``), so
an update finds what a pass over the whole index finds. A reader keeps only rows of reports the
index holds with the same content, and groups them (connected components, ``scipy``) once per
table and index version: a stale table never shows a wrong reprint. No URLs or markup here.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as fields_of
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np
from whoosh.query import Term
from whoosh.searching import Searcher

from .caching import RecentCache
from .folding import fold
from .matching import run_positions
from .records import (
    PartStore,
    Reports,
    concatenated,
    indexed_reports,
    live_rows,
    member,
    newest_to_merge,
    sort_distinct,
)
from .textstore import TextWriter

FOLDER = "reprints"
VERSION = 4  # of the files and of what counts as the same text: change it when either changes
MIN_CHARS = 24  # characters (spaces and punctuation left out) a paragraph needs to count
SKIPPED_KINDS = frozenset({"byline", "dateline", "credit", "boilerplate"})
SHINGLE = 5
PERMUTATIONS = 64
BANDS, ROWS = 16, 4  # BANDS * ROWS == PERMUTATIONS
SIMILARITY = 0.7  # estimated Jaccard similarity of a near-duplicate's 5-grams
# Values compared by their low 8 bits (b-bit minwise hashing, Li and König 2010): two values of
# different minima agree there by chance 1 time in 256, so SIMILARITY is this many agreeing
# values of PERMUTATIONS (ceil((0.7 + 0.3 / 256) * 64) = 45, as with whole values).
AGREEING = math.ceil((SIMILARITY + (1 - SIMILARITY) / 256) * PERMUTATIONS)
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
    positions = run_positions(firsts, counts)
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


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """One 32-bit key per band and row (``BANDS`` x rows) for the band's signature values
    (the top half of a 64-bit mix): rows with equal values have equal keys (a collision only
    adds a candidate, which the signature check then turns down)."""
    bands = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (bands * _MIX[:ROWS]).sum(axis=2, dtype=np.uint64).T
    return (mixed >> np.uint64(32)).astype(np.uint32)


def low_bits(signatures: np.ndarray) -> np.ndarray:
    """The low 8 bits of each signature value: what the table keeps and compares."""
    return signatures.astype(np.uint8)


_BYTES, _TOP_BYTE = np.uint64(0x0101010101010101), np.uint64(56)
_SHIFT = np.uint64(32)


def _agree(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Whether each pair of signatures (``low_bits``, rows of PERMUTATIONS bytes) agrees on at
    least AGREEING values: the bytes' equalities (0 or 1) added 8 at a time as 64-bit words,
    then the 8 bytes of the sum added by one multiplication (a sum of at most 64 fits)."""
    equal = np.ascontiguousarray(first == second).view(np.uint64)
    sums = equal[:, 0].copy()
    for word in range(1, PERMUTATIONS // 8):
        sums += equal[:, word]
    return (sums * _BYTES) >> _TOP_BYTE >= AGREEING


# Signed rows ---------------------------------------------------------------------------------

# A row as the reading processes hand it over: the fields of ``Rows``, 140 bytes, packed.
ROW = np.dtype(
    [("n", "<i4"), ("digest", "<i8"), ("low", "u1", (PERMUTATIONS,)), ("keys", "<u4", (BANDS,))]
)


@dataclass
class Rows:
    """Signed paragraphs, one row each: paragraph number, digest of the text, and what the
    table keeps of the signature (``low_bits``, and ``band_keys`` by row: rows x ``BANDS``)."""

    n: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    digest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    low: np.ndarray = field(default_factory=lambda: np.zeros((0, PERMUTATIONS), dtype=np.uint8))
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, BANDS), dtype=np.uint32))

    @classmethod
    def of(cls, n: np.ndarray, digests: np.ndarray, signed: np.ndarray) -> Rows:
        """The rows of texts signed whole (``signatures``)."""
        return cls(
            np.asarray(n, dtype=np.int32),
            np.asarray(digests, dtype=np.int64),
            low_bits(signed),
            np.ascontiguousarray(band_keys(signed).T),
        )

    @classmethod
    def joined(cls, pieces: list[Rows]) -> Rows:
        pieces = [piece for piece in pieces if len(piece)]
        if len(pieces) <= 1:
            return pieces[0] if pieces else cls()
        return cls(*(np.concatenate([getattr(p, f.name) for p in pieces]) for f in fields_of(cls)))

    def to_bytes(self) -> bytes:
        """The rows as ``ROW`` records, one after another (what the reading processes hand
        back: the records of many reports are joined as bytes, at the speed of a copy)."""
        records = np.empty(len(self), dtype=ROW)
        for name in ROW.names:
            records[name] = getattr(self, name)
        return records.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Rows:
        """The rows of ``ROW`` records (``to_bytes``, or several of them joined): views of the
        records' fields, not copies."""
        records = np.frombuffer(data, dtype=ROW)
        return cls(*(records[name] for name in ROW.names))

    def __len__(self) -> int:
        return len(self.n)

    def take(self, which) -> Rows:
        """The rows at ``which`` (indexes, a mask or a slice)."""
        return Rows(*(getattr(self, f.name)[which] for f in fields_of(self)))


def counted(folded: str, kind: str) -> str | None:
    """The normalised text of a paragraph the table counts (None: too short, or of a kind
    that repeats without being a reprint)."""
    if kind in SKIPPED_KINDS:
        return None
    text = _NOT_TEXT.sub("", folded)
    return text if len(text) >= MIN_CHARS else None


def sign(paragraphs: Iterable[tuple[int, str, str]]) -> bytes:
    """The rows of a report's paragraphs given as (number, folded text, kind), as ``ROW``
    records (``Rows.to_bytes``): what the ingest's reading processes compute for each report
    as they read it."""
    return _signed(("", n, folded, kind) for n, folded, kind in paragraphs)[1].to_bytes()


def _signed(paragraphs: Iterable[tuple[str, int, str, str]]) -> tuple[list[str], Rows]:
    """(each row's report, the rows) of paragraphs given as (report, number, folded text,
    kind), signed in one go (batches of ``BATCH_SHINGLES``)."""
    docs, numbers, texts = [], [], []
    for doc_id, n, folded, kind in paragraphs:
        text = counted(folded, kind)
        if text is not None:
            docs.append(doc_id)
            numbers.append(n)
            texts.append(text)
    digests = np.fromiter(map(digest, texts), dtype=np.int64, count=len(texts))
    return docs, Rows.of(np.array(numbers, dtype=np.int32), digests, signatures(texts))


# The pairs -----------------------------------------------------------------------------------
#
# Two distinct texts (by digest) are a pair when they have the same key in at least one band
# and their signatures agree (``_agree``). Every such pair counts, not only pairs with a class's
# first member, so the pairs depend only on which texts there are, never on the order in which
# ingests brought them: an update pairs its new texts with every stored one (rows of reports no
# longer indexed included, in case they come back) and with each other.

PAIRS_AT_ONCE = 1 << 16  # candidate pairs whose signatures are compared at once


def near_pairs(rows: Rows, index: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Every pair of distinct texts among these rows (digests, ascending in each pair);
    ``index``: the rows' band index (``_band_index``), when already made. All bands are read
    at once, and only the places whose key is also a neighbour's beyond one comparison; the
    pairs of each run of equal keys are checked, one row of each text."""
    if index is None:
        index = _band_index(np.ascontiguousarray(rows.keys.T))
    ordered, order = index["band_prefix"].reshape(-1), index["band_order"].reshape(-1)
    count = len(rows)
    if not count:
        return np.zeros((0, 2), dtype=np.int64)
    same = ordered[1:] == ordered[:-1]
    same[count - 1 :: count] = False  # the last key of a band and the first of the next
    at = np.flatnonzero(same)  # places whose key is the next place's
    places = np.sort(np.concatenate((at, at + 1)))
    places = places[_heads(places)]  # each place in a run of equal keys, once
    row = order[places].astype(np.int64)
    copy = _later_copies(rows.digest, row[places < count], ordered[places[places < count]])
    chosen = ~copy[row]
    places, row = places[chosen], row[chosen]
    starts = _heads(ordered[places]) | _heads(places // count)  # a run: one key in one band
    found = [np.zeros(0, dtype=np.int64)]
    low = rows.low
    for one, other in _class_pairs(np.cumsum(starts)):
        one, other = row[one], row[other]
        agree = _agree(low[one], low[other])
        one, other = one[agree], other[agree]
        found.append(np.minimum(one, other) << 32 | np.maximum(one, other))
    pairs = np.sort(np.concatenate(found))  # a pair sharing several bands is found in each
    pairs = pairs[_heads(pairs)]
    return _distinct_pairs(rows.digest[np.stack((pairs >> 32, pairs & 0xFFFFFFFF), axis=1)])


def _heads(ordered: np.ndarray) -> np.ndarray:
    """Whether each value of an ordered array differs from the one before (the first does)."""
    head = np.ones(len(ordered), dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    return head


def _later_copies(digests: np.ndarray, rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each row repeats the text (digest) of a row before it, given the rows standing
    in runs of equal keys of the first band (``keys``, ascending, the rows ascending within
    a run): the copies of a text share every band key, so they stand in one such run."""
    copy = np.zeros(len(digests), dtype=bool)
    run = np.cumsum(_heads(keys))
    order = np.lexsort((rows, digests[rows], run))
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (run[order][1:] == run[order][:-1]) & (
        digests[rows[order]][1:] == digests[rows[order]][:-1]
    )
    copy[rows[order][same]] = True
    return copy


def _class_pairs(ordered: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(places, places) of every pair of equal values of an ascending array, about
    ``PAIRS_AT_ONCE`` pairs at a time."""
    head = np.ones(len(ordered), dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(head)
    sizes = np.diff(starts, append=len(ordered))
    # each place is paired with the later places of its run of equal values
    later = np.repeat(starts + sizes, sizes) - np.arange(len(ordered)) - 1
    places = np.flatnonzero(later)
    counts = later[places]
    ends = np.cumsum(counts)
    first = 0
    while first < len(places):
        most = ends[first] - counts[first] + PAIRS_AT_ONCE
        stop = max(first + 1, int(np.searchsorted(ends, most, side="right")))
        chosen, many = places[first:stop], counts[first:stop]
        yield np.repeat(chosen, many), run_positions(chosen + 1, many)
        first = stop


def pairs_with_stored(rows: Rows, parts: list[dict]) -> np.ndarray:
    """Every pair of a text among these rows with a distinct text of the stored parts."""
    if not parts:
        return np.zeros((0, 2), dtype=np.int64)
    distinct, first, _which = sort_distinct(rows.digest)
    prefixes = rows.keys[first].T
    signed = rows.low[first]
    found = [np.zeros((0, 2), dtype=np.int64)]
    for part in parts:
        for band in range(BANDS):
            sorted_keys, order = part["band_prefix"][band], part["band_order"][band]
            low = np.searchsorted(sorted_keys, prefixes[band], side="left")
            high = np.searchsorted(sorted_keys, prefixes[band], side="right")
            counts = high - low
            if not counts.any():
                continue
            mine = np.repeat(np.arange(len(distinct)), counts)
            heads = np.cumsum(counts) - counts
            rows = order[np.arange(counts.sum()) - np.repeat(heads - low, counts)]
            theirs = part["row_signature"][rows]  # only these rows are read from the file
            agree = _agree(signed[mine], theirs)
            pairs = np.stack((distinct[mine[agree]], part["row_digest"][rows[agree]]), axis=1)
            found.append(pairs[pairs[:, 0] != pairs[:, 1]])
    return _distinct_pairs(np.vstack(found))


def _distinct_pairs(pairs: np.ndarray) -> np.ndarray:
    """The pairs, each once, the smaller digest first, sorted."""
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(pairs.astype(np.int64), axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    fresh = np.ones(len(pairs), dtype=bool)
    fresh[1:] = (pairs[1:] != pairs[:-1]).any(axis=1)
    return pairs[fresh]


def groups(digests: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Group number of each row (-1 when no other row has its text or one paired with it):
    the connected components of rows with the same digest and of the pairs between digests."""
    from scipy.sparse import coo_matrix  # imported on first use: only grouping needs it
    from scipy.sparse.csgraph import connected_components

    if not len(digests):
        return np.zeros(0, dtype=np.int32)
    distinct, _first, which = sort_distinct(digests)
    both = member(pairs[:, 0], distinct) & member(pairs[:, 1], distinct)
    ends = np.searchsorted(distinct, pairs[both])
    count = len(distinct)
    graph = coo_matrix(
        (np.ones(len(ends), dtype=np.int8), (ends[:, 0], ends[:, 1])), (count, count)
    )
    _, labels = connected_components(graph, directed=False)
    rows_of = labels[which]
    sizes = np.bincount(rows_of)
    return np.where(sizes[rows_of] > 1, rows_of, -1).astype(np.int32)


# The stored table ----------------------------------------------------------------------------
#
# A part holds, per report (``report_*``): key, doc_id, rows; per row (``row_*``): its report
# (an index into the part's reports), paragraph number, digest and signature; per band the
# rows' keys' top 32 bits ascending (``band_prefix``) and the rows in that order
# (``band_order``), so an update finds a new text's candidates by binary search; and the pairs
# found when the part was written (``pairs``: digests).


def store_of(generation: Path) -> PartStore:
    return PartStore(Path(generation) / FOLDER, VERSION)


def _loaded(store: PartStore) -> tuple[dict | None, list[dict]]:
    """(the manifest in force, its parts) or (None, []) when there is none or it is damaged."""
    manifest = store.manifest()
    if manifest is None:
        return None, []
    try:
        return manifest, [store.load(part["name"]) for part in manifest["parts"]]
    except (OSError, ValueError, KeyError):
        return None, []


def _band_index(keys: np.ndarray) -> dict[str, np.ndarray]:
    """Each band's keys (``band_keys``: bands x rows) ascending, and the rows in that order
    (rows of equal keys by row): one sort of each key and its row packed in 64 bits, which
    numpy sorts several times faster than it argsorts the keys."""
    packed = keys.astype(np.uint64)
    packed <<= _SHIFT
    packed |= np.arange(keys.shape[1], dtype=np.uint64)
    packed.sort(axis=1)
    halves = packed.view(np.uint32).reshape(*keys.shape, 2)  # (low, high) or (high, low)
    high = 1 if sys.byteorder == "little" else 0
    return {
        "band_prefix": np.ascontiguousarray(halves[..., high]),
        "band_order": np.ascontiguousarray(halves[..., 1 - high]).view(np.int32),
    }


def _row_keys(part: dict[str, np.ndarray]) -> np.ndarray:
    """A part's band keys by row (rows x bands), from its band index."""
    keys = np.empty_like(part["band_prefix"])
    np.put_along_axis(keys, part["band_order"].astype(np.int64), part["band_prefix"], axis=1)
    return keys.T


def _part(reports: Reports, row_report: np.ndarray, rows: Rows, pairs: np.ndarray) -> dict:
    """A part's arrays for new reports and their signed rows (``row_report``: each row's
    report, as its place in ``reports``)."""
    row_report = np.asarray(row_report, dtype=np.int32)
    return {
        "report_key": reports.key,
        "report_doc": reports.doc,
        "report_rows": np.bincount(row_report, minlength=len(reports)).astype(np.int64),
        "row_report": row_report,
        "row_n": np.asarray(rows.n, dtype=np.int32),
        "row_digest": np.asarray(rows.digest, dtype=np.int64),
        "row_signature": rows.low,
        "pairs": pairs.reshape(-1, 2).astype(np.int64),
        **_band_index(np.ascontiguousarray(rows.keys.T)),
    }


def _merged(parts: list[dict], live: Reports | None = None) -> dict[str, np.ndarray]:
    """Parts as one (only the rows of ``live`` reports, and the pairs between their texts,
    when given), its band index made anew."""
    plain = [
        {**{k: v for k, v in p.items() if not k.startswith("band_")}, "row_band": _row_keys(p)}
        for p in parts
    ]
    merged = concatenated(plain, "row_report")
    if live is not None:
        alive = live_rows(merged["report_key"], live)
        renumbered = np.cumsum(alive) - 1
        keep = alive[merged["row_report"]]
        for name in merged:
            if name.startswith("report_"):
                merged[name] = merged[name][alive]
            elif name.startswith("row_"):
                merged[name] = merged[name][keep]
        merged["row_report"] = renumbered[merged["row_report"]].astype(np.int32)
        pairs, digests = merged["pairs"], merged["row_digest"]
        held = sort_distinct(digests)[0]
        merged["pairs"] = pairs[member(pairs[:, 0], held) & member(pairs[:, 1], held)]
    merged["pairs"] = _distinct_pairs(merged["pairs"])
    keys = np.ascontiguousarray(merged.pop("row_band").T)
    return {**merged, **_band_index(keys)}


@dataclass
class Table:
    """The current rows (of reports the index holds as they are): report, paragraph number,
    digest, group (-1: none); and the pairs between their texts."""

    doc: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    n: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    digest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


def load_table(generation: Path, live: Reports) -> Table | None:
    """The current rows of a generation's table and their groups, or None when it has none."""
    manifest, parts = _loaded(store_of(generation))
    if manifest is None:
        return None
    if not parts:
        return Table()
    names = ("report_key", "report_doc", "row_report", "row_n", "row_digest", "pairs")
    rows = concatenated([{k: p[k] for k in names} for p in parts], "row_report")
    report = rows["row_report"]
    alive = live_rows(rows["report_key"][report], live)
    digests = rows["row_digest"][alive]
    pairs = _distinct_pairs(rows["pairs"])
    held = sort_distinct(digests)[0]
    current = member(pairs[:, 0], held) & member(pairs[:, 1], held)
    return Table(
        rows["report_doc"].astype(object)[report[alive]],
        rows["row_n"][alive],
        digests,
        groups(digests, pairs[current]),
        pairs[current],
    )


# Bringing it up to date ----------------------------------------------------------------------


@dataclass
class UpdateResult:
    """What a reprint pass did."""

    signed: int = 0  # rows added (paragraphs signed, here or by the ingest's reading processes)
    reports: int = 0  # reports (re)read
    rows: int = 0  # rows stored (those of reports no longer indexed included)
    signed_here: int = 0  # of the rows added, those signed by the pass itself


def update(generation: Path, searcher: Searcher, inputs=None) -> UpdateResult:
    """Bring a generation's reprint table (and its folded texts, ``textstore``) in line with
    its index (see the module docstring): one read of the new and changed reports for both,
    from what the ingest analysed (``inputs``, ``ngrams.TableInputs``) where it has them."""
    generation = Path(generation)
    _remove_old_layout(generation)
    live = indexed_reports(searcher, generation, keep=True)
    texts = TextWriter(generation, live)
    store = store_of(generation)
    manifest, parts = _loaded(store)
    stored = [p["report_key"] for p in parts]
    known = np.sort(np.concatenate(stored)) if stored else np.zeros(0, dtype=np.int64)
    new = live[~member(live.key, known)]
    row_report, rows, signed_here = _sign(searcher, new, texts, inputs)
    texts.finish()
    held = sum(len(p["row_n"]) for p in parts)
    if manifest is not None and not len(new):
        store.remove_unnamed(manifest)  # what a pass cut short may have left
        return UpdateResult(0, 0, held)
    part = _part(new, row_report, rows, np.zeros((0, 2)))
    found = [near_pairs(rows, part), pairs_with_stored(rows, parts)]
    part["pairs"] = _distinct_pairs(np.vstack(found))
    listed = [*(manifest or {}).get("parts", []), {"name": "", "size": len(rows) + len(new)}]
    loaded = [*parts, part]
    if _mostly_dead(loaded, live):
        listed, loaded = [{"name": "", "size": 0}], [_merged(loaded, live)]
    else:
        merging = newest_to_merge(listed)
        if merging:
            size = sum(p["size"] for p in listed[-merging:])
            listed = [*listed[:-merging], {"name": "", "size": size}]
            loaded = [*loaded[:-merging], _merged(loaded[-merging:])]
    last = loaded[-1]
    listed[-1] = {"name": store.write(last), "size": len(last["row_n"]) + len(last["report_key"])}
    store.publish({"parts": listed})
    return UpdateResult(len(rows), len(new), sum(len(p["row_n"]) for p in loaded), signed_here)


def _mostly_dead(parts: list[dict], live: Reports) -> bool:
    """Whether most stored rows (or reports) are of reports the index no longer holds."""
    rows = sum(int(p["report_rows"].sum()) for p in parts)
    current = sum(int(p["report_rows"][live_rows(p["report_key"], live)].sum()) for p in parts)
    reports = sum(len(p["report_key"]) for p in parts)
    return current * 2 < rows or len(live) * 2 < reports


def _remove_old_layout(generation: Path) -> None:
    """The files of the tables' earlier layout (one file each, rewritten by every pass)."""
    for name in ("reprints.npz", "texts.npz", "reprints.npz.tmp", "texts.npz.tmp"):
        (generation / name).unlink(missing_ok=True)
    for path in generation.glob("texts-*.bin"):
        path.unlink(missing_ok=True)


def update_generation(generation: Path, index, inputs=None) -> UpdateResult:
    """``update`` with a searcher of the generation's (Whoosh) index."""
    with index.searcher() as searcher:
        return update(generation, searcher, inputs)


def _blocks(searcher: Searcher, doc_ids: set[str]) -> Iterator[dict]:
    """The stored fields of the blocks of some reports: read straight from each segment's
    stored-fields column, in one sweep when they are many, else through their doc_id."""
    if not doc_ids:
        return
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


def _read_reports(
    searcher: Searcher, doc_ids: set[str]
) -> Iterator[tuple[str, list[int], list[str], list[str]]]:
    """(doc_id, paragraph numbers, folded texts, kinds) of each report of ``doc_ids``, read
    from the index."""
    read: dict[str, tuple[list[int], list[str], list[str]]] = {}
    for fields in _blocks(searcher, doc_ids):
        numbers, texts, kinds = read.setdefault(fields["doc_id"], ([], [], []))
        numbers.append(fields["n"])
        texts.append(fold(fields.get("text", "")))
        kinds.append(fields.get("kind", ""))
    for doc_id, paragraphs in read.items():
        yield doc_id, *paragraphs


def _sign(
    searcher: Searcher, new: Reports, texts: TextWriter, inputs=None
) -> tuple[np.ndarray, Rows, int]:
    """The rows of the reports ``new``, each row's report (its place in ``new``), and how many
    rows were signed here: the rows as the ingest's reading processes signed them
    (``inputs.signed``), else signed here; the folded texts of the reports in ``texts.todo``
    go to ``texts`` on the way."""
    code = {doc_id: i for i, doc_id in enumerate(new.doc.tolist())}
    signed = inputs.signed if inputs is not None else {}
    ready = [(i, signed[doc_id]) for doc_id, i in code.items() if doc_id in signed]
    records = [found for _i, found in ready]
    per_report = np.fromiter(map(len, records), np.int64, len(records)) // ROW.itemsize
    unsigned = code.keys() - signed.keys()
    held = inputs.reports if inputs is not None else {}  # what the ingest analysed
    texts.take(held)
    pending = []
    if unsigned:
        for doc_id, (numbers, folded, kinds) in held.items():
            if doc_id in unsigned:
                pending.extend(zip(repeat(doc_id), numbers, folded, kinds))
    for doc_id, numbers, folded, kinds in _read_reports(
        searcher, (unsigned | texts.todo) - held.keys()
    ):
        if doc_id in texts.todo:
            texts.add(doc_id, numbers, folded)
        if doc_id in unsigned:
            pending.extend(zip(repeat(doc_id), numbers, folded, kinds))
    docs, rows = _signed(pending)
    row_report = np.concatenate(
        [
            np.repeat(np.fromiter((i for i, _found in ready), np.int64, len(ready)), per_report),
            np.fromiter(map(code.__getitem__, docs), np.int64, len(docs)),
        ]
    ).astype(np.int32)
    return row_report, Rows.joined([Rows.from_bytes(b"".join(records)), rows]), len(rows)


# Reading -------------------------------------------------------------------------------------


class Reprints:
    """The reprint groups of one index generation, for lookups by report or paragraph: numpy
    arrays of the grouped rows (a few bytes a row; thread-safe: read-only)."""

    def __init__(self, table: Table) -> None:
        grouped = table.group >= 0
        distinct, codes = np.unique(table.doc[grouped], return_inverse=True)  # str objects
        self.doc_ids = distinct.astype(str)  # sorted
        codes = codes.astype(np.int64)
        group = table.group[grouped].astype(np.int64)
        keys = codes << 32 | table.n[grouped].astype(np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys, self._group = keys[order], group[order]  # rows by (report, number)
        self._doc_starts = np.searchsorted(self._keys >> 32, np.arange(len(self.doc_ids) + 1))
        members = np.unique(group << 32 | codes)  # each (group, report) once, by group
        self._members = (members & 0xFFFFFFFF).astype(np.int32)
        count = int(group.max()) + 1 if len(group) else 0
        self._group_starts = np.searchsorted(members >> 32, np.arange(count + 1))
        self._translated: tuple[object, np.ndarray] | None = None

    def __bool__(self) -> bool:
        return bool(len(self._keys))

    def code(self, doc_id: str) -> int:
        """The report's number among the grouped reports (-1: none of its paragraphs)."""
        at = int(np.searchsorted(self.doc_ids, doc_id))
        return at if at < len(self.doc_ids) and self.doc_ids[at] == doc_id else -1

    def codes_of(self, doc_ids: list[str]) -> np.ndarray:
        """Each of a sorted list of doc_ids' report code (-1: none); the last list's answer is
        kept (a version's column of doc_ids is asked again and again)."""
        kept = self._translated
        if kept is not None and kept[0] is doc_ids:
            return kept[1]
        wanted = np.array(doc_ids, dtype=str)
        at = np.searchsorted(self.doc_ids, wanted).clip(max=max(len(self.doc_ids) - 1, 0))
        found = self.doc_ids[at] == wanted if len(self.doc_ids) else np.zeros(len(wanted), bool)
        codes = np.where(found, at, -1)
        self._translated = (doc_ids, codes)  # assigned whole: threads see one or the other
        return codes

    def groups(self, codes: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """The group of each (report code, paragraph number) pair, -1 for none."""
        if not len(self._keys):
            return np.full(len(codes), -1, dtype=np.int64)
        keys = codes.astype(np.int64) << 32 | numbers.astype(np.int64)
        at = np.searchsorted(self._keys, keys).clip(max=len(self._keys) - 1)
        return np.where((codes >= 0) & (self._keys[at] == keys), self._group[at], -1)

    def others(self, doc_id: str, n: int) -> list[str]:
        """The other reports carrying the same text as this paragraph."""
        code = self.code(doc_id)
        group = int(self.groups(np.array([code]), np.array([n]))[0])
        if group < 0:
            return []
        members = self._members[self._group_starts[group] : self._group_starts[group + 1]]
        return [str(self.doc_ids[c]) for c in members.tolist() if c != code]

    def for_document(self, doc_id: str) -> list[tuple[str, int]]:
        """(other report, how many of this report's paragraphs it carries), most first."""
        code = self.code(doc_id)
        if code < 0:
            return []
        rows = self._group[self._doc_starts[code] : self._doc_starts[code + 1]]
        groups, counts = np.unique(rows, return_counts=True)  # each group once
        firsts, lasts = self._group_starts[groups], self._group_starts[groups + 1]
        sizes = lasts - firsts
        at = run_positions(firsts, sizes)
        shared = np.bincount(
            self._members[at], weights=np.repeat(counts, sizes), minlength=len(self.doc_ids)
        ).astype(np.int64)
        shared[code] = 0
        others = np.flatnonzero(shared)
        others = others[np.lexsort((others, -shared[others]))]  # most first, then by doc_id
        return [(str(self.doc_ids[c]), int(shared[c])) for c in others.tolist()]


_cache: RecentCache[tuple[object, Reprints | None]] = RecentCache(4)


def reprints_for(searcher: Searcher) -> Reprints | None:
    """The reprints of the searcher's generation (loaded once per table and index version,
    shared by the server's threads), or None when it has no table."""
    folder = _folder(searcher)
    if folder is None:
        return None
    from .search import facet_columns  # search imports this module lazily

    columns = facet_columns(searcher)  # one per index version: which reports are current
    store = store_of(folder)
    for _attempt in range(3):  # a table replaced while it was read: read the new one
        stamp = store.stamp()
        if stamp is None:
            return None
        key = (str(folder), stamp, id(columns))

        def build() -> tuple[object, Reprints | None]:
            table = load_table(folder, indexed_reports(searcher, folder))
            return columns, (Reprints(table) if table is not None else None)

        found = _cache.get(key, build)[1]
        if found is not None or store.stamp() == stamp:
            return found
        _cache.forget(key)
    return None


def _folder(searcher: Searcher) -> Path | None:
    """The generation folder a searcher reads (None for an index not in a folder)."""
    index = getattr(searcher, "_ix", None)
    folder = getattr(getattr(index, "storage", None), "folder", None)
    return Path(folder) if folder else None


# Search hooks --------------------------------------------------------------------------------


def one_of_each(searcher: Searcher, passed: np.ndarray, columns) -> np.ndarray:
    """The passed paragraphs (ascending) with each reprint group cut to one: its earliest
    passed member (by date, then report, then position); paragraphs in no group all stay."""
    found = reprints_for(searcher)
    if not found or not len(passed):
        return passed
    doc_ids, codes = columns.doc_id, columns.codes
    report_codes = found.codes_of(doc_ids.values)[doc_ids.codes[passed]]
    group = found.groups(report_codes, columns.n[passed])
    grouped = group >= 0
    members = passed[grouped]
    # earliest first: date (its rank among the dates), report (doc_id order), position
    order = np.lexsort((members, doc_ids.codes[members], codes.date_last[members], group[grouped]))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[grouped][order][1:] != group[grouped][order][:-1]
    return np.sort(np.concatenate((passed[~grouped], members[order][first])))


def also_in(searcher: Searcher, doc_id: str, n: int) -> int:
    """How many other reports carry this paragraph's text (0 when unknown)."""
    found = reprints_for(searcher)
    return len(found.others(doc_id, n)) if found is not None else 0
