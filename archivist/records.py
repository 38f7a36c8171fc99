"""Which reports an index holds, by content, read once per segment; and the file layout of the
tables kept beside the index (``reprints``, ``textstore``): numbered parts and a manifest.

A report is known by its key: a 63-bit digest of its doc_id and content hash, so a table's
rows of a report are current exactly when the index holds a report record with that key. A
Whoosh segment never changes once written (only its deletions do), so the ingest keeps each
segment's report records in ``records/<segment id>.npz`` and an update reads only new
segments' records from Whoosh; a reader (the server) reads the kept ones, and a segment's
from Whoosh when it has none.

A table is a ``manifest.json`` naming its parts (``part-<k>`` folders of ``.npy`` files,
memory-mapped when read). An update writes a new part beside the old ones and then the
manifest (replaced atomically), so a reader sees the old table or the new one, and a reader
holding the old one keeps reading it (a part is removed only once no manifest names it, and a
mapped file outlives its name). An update cut short leaves the old manifest in force.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher

RECORDS_DIR = "records"
MANIFEST = "manifest.json"


def report_key(doc_id: str, content_hash: str) -> int:
    """A report's key: a 63-bit digest of its doc_id and content hash."""
    data = f"{doc_id}\0{content_hash}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest()) >> 1


@dataclass(frozen=True)
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
        wanted.add(f"{segment}.npz")
        numbers, reports = _segment_records(leaf, folder, segment, keep)
        if leaf.has_deletions() and len(numbers):
            deleted = np.fromiter(_deleted(leaf), dtype=np.int64)
            reports = reports[~np.isin(numbers, deleted)]
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
    path = folder / f"{segment}.npz" if folder is not None and segment else None
    if path is not None:
        try:
            with np.load(path, allow_pickle=False) as data:
                return data["number"], Reports(data["doc"], data["hash"], data["key"])
        except (OSError, KeyError, ValueError):
            pass
    numbers, pairs = _read_records(leaf)
    reports = Reports.of(pairs)
    if keep and path is not None:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb") as out:
            np.savez(out, number=numbers, doc=reports.doc, hash=reports.hash, key=reports.key)
        os.replace(temporary, path)
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


def live_rows(row_keys: np.ndarray, live: Reports) -> np.ndarray:
    """Whether each row (by its report's key) is of a report the index holds as it is."""
    return np.isin(row_keys, live.key)


# Tables as parts and a manifest ------------------------------------------------------------


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
        part = self.folder / name
        return {
            path.stem: np.load(path, mmap_mode="r").view(np.ndarray) for path in part.glob("*.npy")
        }

    def write(self, arrays: dict[str, np.ndarray]) -> str:
        """A new part of these arrays (made whole in a temporary folder, then renamed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = [int(p.name[5:]) for p in self.folder.glob("part-*") if p.name[5:].isdigit()]
        name = f"part-{max(taken, default=0) + 1}"
        temporary = self.folder / (name + ".tmp")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        for key, array in arrays.items():
            with open(temporary / f"{key}.npy", "wb") as out:
                np.save(out, np.ascontiguousarray(array))
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, self.folder / name)
        return name

    def publish(self, manifest: dict) -> None:
        """Put a manifest in force (atomically), then remove the parts it does not name."""
        manifest = {**manifest, "version": self.version}
        temporary = self.folder / (MANIFEST + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(manifest, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.folder / MANIFEST)
        self.remove_unnamed(manifest)

    def remove_unnamed(self, manifest: dict) -> None:
        """Parts (and temporary folders) the manifest does not name: a pass cut short left
        them, or a merge replaced them (a reader holding their files mapped still reads)."""
        named = {part["name"] for part in manifest.get("parts", [])}
        for path in self.folder.glob("part-*"):
            if path.name not in named:
                shutil.rmtree(path, ignore_errors=True)

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
