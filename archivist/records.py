"""Which reports an index holds, by content, read once per segment; and the file layout of the
tables kept beside the index (``reprints``, ``textstore``): numbered parts and a manifest.

A report is known by its key: a 63-bit digest of its doc_id and content hash, so a table's
rows of a report are current exactly when the index holds a report record with that key. A
Whoosh segment never changes once written (only its deletions do), so the ingest keeps each
segment's report records in ``records/<segment id>`` and an update reads only new
segments' records from Whoosh; a reader (the server) reads the kept ones, and a segment's
from Whoosh when it has none.

A table is a ``manifest.json`` naming its parts (``part-<k>``: one file of numpy arrays each,
memory-mapped when read). An update writes a new part beside the old ones and then the
manifest (replaced atomically), so a reader sees the old table or the new one, and a reader
holding the old one keeps reading it (a part is removed only once no manifest names it, and a
mapped file outlives its name). An update cut short leaves the old manifest in force.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher

RECORDS_DIR = "records"
MANIFEST = "manifest.json"
_ALIGN = 64  # bytes: where each array of a part starts


def report_key(doc_id: str, content_hash: str) -> int:
    """A report's key: a 63-bit digest of its doc_id and content hash."""
    data = f"{doc_id}\0{content_hash}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest()) >> 1


@dataclass(frozen=True, eq=False)
class Reports:
    """Reports by content: each one's doc_id, content hash and key (``report_key``)."""

    doc: np.ndarray  # str
    hash: np.ndarray  # str
    key: np.ndarray  # int64

    @classmethod
    def empty(cls) -> Reports:
        return cls(np.zeros(0, dtype=str), np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> Reports:
        """The reports of (doc_id, content hash) pairs."""
        keys = np.fromiter((report_key(d, h) for d, h in pairs), np.int64, len(pairs))
        return cls(
            np.array([d for d, _h in pairs], dtype=str),
            np.array([h for _d, h in pairs], dtype=str),
            keys,
        )

    def __len__(self) -> int:
        return len(self.key)

    @cached_property
    def ascending(self) -> np.ndarray:
        """The keys, ascending (for ``member``)."""
        return np.sort(self.key)

    def __getitem__(self, chosen) -> Reports:
        return Reports(self.doc[chosen], self.hash[chosen], self.key[chosen])

    def concatenated(self, other: Reports) -> Reports:
        return Reports(
            np.concatenate([self.doc, other.doc]),
            np.concatenate([self.hash, other.hash]),
            np.concatenate([self.key, other.key]),
        )

    def hashes(self) -> dict[str, str]:
        """doc_id -> content hash."""
        return dict(zip(self.doc.tolist(), self.hash.tolist(), strict=True))


def indexed_reports(searcher: Searcher, generation: Path | None, keep: bool = False) -> Reports:
    """Every live report record of the index, by content. ``keep``: write the records of
    segments that have no file yet, and remove those of segments merged away (the ingest)."""
    found = []
    folder = Path(generation) / RECORDS_DIR if generation is not None else None
    wanted = set()
    for leaf, _base in searcher.reader().leaf_readers():
        segment = getattr(getattr(leaf, "_segment", None), "segment_id", lambda: "")()
        wanted.add(segment)
        numbers, reports = _segment_records(leaf, folder, segment, keep)
        if leaf.has_deletions() and len(numbers):
            deleted = np.fromiter(_deleted(leaf), dtype=np.int64)
            reports = reports[~member(numbers, np.sort(deleted))]
        found.append(reports)
    if keep and folder is not None and folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in wanted:
                stale.unlink(missing_ok=True)
    reports = Reports.empty()
    for more in found:
        reports = reports.concatenated(more) if len(reports) else more
    return reports


def _deleted(leaf):
    """A segment's deleted document numbers (as its reader was opened)."""
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "deleted_docs"):
        return perdoc.deleted_docs()
    return (n for n in range(leaf.doc_count_all()) if leaf.is_deleted(n))


def _segment_records(leaf, folder: Path | None, segment: str, keep: bool):
    """(document numbers, reports) of a segment's report records: from its file, else read
    from Whoosh (and written when ``keep``)."""
    path = folder / segment if folder is not None and segment else None
    if path is not None:
        try:
            data = read_arrays(path)
            return data["number"], Reports(data["doc"], data["hash"], data["key"])
        except (OSError, KeyError, ValueError):
            pass
    numbers, pairs = _read_records(leaf)
    reports = Reports.of(pairs)
    if keep and path is not None:
        path.parent.mkdir(exist_ok=True)
        arrays = {"number": numbers, "doc": reports.doc, "hash": reports.hash, "key": reports.key}
        write_arrays(path, arrays)
    return numbers, reports


def _read_records(leaf) -> tuple[np.ndarray, list[tuple[str, str]]]:
    if ("rec", "doc") not in leaf:
        return np.zeros(0, dtype=np.int64), []
    perdoc = getattr(leaf, "_perdoc", None)
    numbers, pairs = [], []
    for number in leaf.postings("rec", "doc").all_ids():
        fields = perdoc.stored_fields(number) if perdoc else leaf.stored_fields(number)
        numbers.append(number)
        pairs.append((fields["doc_id"], fields.get("content_hash", "")))
    return np.array(numbers, dtype=np.int64), pairs


def member(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Whether each value is one of an ascending array's (a binary search each)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ascending, values).clip(max=len(ascending) - 1)
    return ascending[at] == values


def sort_distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the distinct values ascending, where each first occurs, which one each value is):
    ``np.unique``'s answers by one sort (numpy 2.4's hashing ``unique`` and ``isin`` take
    a hundred times longer on 64-bit digests)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    head = np.ones(len(values), dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    which = np.empty(len(values), dtype=np.int64)
    which[order] = np.cumsum(head) - 1
    return ordered[head], order[head], which


def live_rows(row_keys: np.ndarray, live: Reports) -> np.ndarray:
    """Whether each row (by its report's key) is of a report the index holds as it is."""
    return member(row_keys, live.ascending)


# Tables as parts and a manifest ------------------------------------------------------------


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Numpy arrays as one file (each aligned, described by a header at the start), made
    whole under a temporary name, then renamed."""
    arrays = {key: np.ascontiguousarray(array) for key, array in arrays.items()}
    header, blocks = {}, 0  # each array's place after the header, in blocks of _ALIGN
    for key, array in arrays.items():
        header[key] = (array.dtype.str, list(array.shape), blocks)
        blocks += -(-array.nbytes // _ALIGN)
    head = json.dumps(header).encode()
    base = -(-(8 + len(head)) // _ALIGN)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as out:
        out.write(len(head).to_bytes(8, "little") + head)
        for key, array in arrays.items():
            out.seek(_ALIGN * (base + header[key][2]))
            out.write(array.reshape(-1).view(np.uint8))  # the array's bytes, not a copy
        out.truncate(_ALIGN * (base + blocks))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays ``write_arrays`` wrote, memory-mapped and read-only (OSError/ValueError when
    the file is missing or damaged)."""
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    size = int.from_bytes(mapped[:8], "little")
    base = -(-(8 + size) // _ALIGN)
    found = {}
    for key, (dtype, shape, offset) in json.loads(mapped[8 : 8 + size]).items():
        count = int(np.prod(shape))
        array = np.frombuffer(mapped, np.dtype(dtype), count, _ALIGN * (base + offset))
        found[key] = array.reshape(shape)
    return found


class PartStore:
    """A table kept as numbered parts (folders of .npy files) and a manifest naming them."""

    def __init__(self, folder: Path, version: int) -> None:
        self.folder, self.version = Path(folder), version

    def manifest(self) -> dict | None:
        """The manifest in force, or None (none, unreadable or of another version)."""
        try:
            found = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(found, dict) or found.get("version") != self.version:
            return None
        return found

    def load(self, name: str) -> dict[str, np.ndarray]:
        """A part's arrays, memory-mapped (OSError/ValueError when missing or damaged)."""
        return read_arrays(self.folder / name)

    def write(self, arrays: dict[str, np.ndarray]) -> str:
        """A new part of these arrays (``write_arrays``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = [int(p.name[5:]) for p in self.folder.glob("part-*") if p.name[5:].isdigit()]
        name = f"part-{max(taken, default=0) + 1}"
        write_arrays(self.folder / name, arrays)
        return name

    def publish(self, manifest: dict) -> None:
        """Put a manifest in force (atomically), then remove the parts it does not name. Its
        parts are on the disk before it (``write_arrays``); the manifest itself is not
        synced: one lost in a crash, or naming removed parts, reads as no table (nothing is
        claimed until the next pass writes the table whole)."""
        manifest = {**manifest, "version": self.version}
        temporary = self.folder / (MANIFEST + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(manifest, out)
        os.replace(temporary, self.folder / MANIFEST)
        self.remove_unnamed(manifest)

    def remove_unnamed(self, manifest: dict) -> None:
        """Parts (and temporary folders) the manifest does not name: a pass cut short left
        them, or a merge replaced them (a reader holding their files mapped still reads)."""
        named = {part["name"] for part in manifest.get("parts", [])}
        for path in self.folder.glob("part-*"):
            if path.name not in named:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    def stamp(self) -> tuple[int, int] | None:
        """Which manifest is in force (each one is a new file): None when there is none."""
        try:
            found = (self.folder / MANIFEST).stat()
        except OSError:
            return None
        return found.st_ino, found.st_mtime_ns


def newest_to_merge(parts: list[dict]) -> int:
    """How many of the newest parts to merge into one (0: none), so that every part is larger
    than all those after it together: about log2(rows) parts, each row merged about as many
    times (the first, large part is rewritten only when a table is compacted)."""
    count, size = 1, parts[-1]["size"] if parts else 0
    while count < len(parts) and parts[-count - 1]["size"] <= size:
        size += parts[-count - 1]["size"]
        count += 1
    return count if count > 1 else 0


def concatenated(parts: list[dict[str, np.ndarray]], per_report: str) -> dict[str, np.ndarray]:
    """Parts' arrays laid end to end: those named ``report_*`` per report, the others per row
    (``per_report``, a row column of indexes into the reports, shifted to match), and
    ``edges`` (pairs, if any) stacked."""
    merged: dict[str, np.ndarray] = {}
    shift = np.cumsum([0] + [len(p["report_key"]) for p in parts[:-1]])
    for name in parts[0]:
        pieces = [p[name] for p in parts]
        if name == per_report:
            pieces = [piece + at for piece, at in zip(pieces, shift.tolist(), strict=True)]
        merged[name] = np.concatenate(pieces) if pieces[0].ndim == 1 else np.vstack(pieces)
    return merged
