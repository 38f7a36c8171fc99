"""The folded text of every paragraph, beside the index, for reading many texts fast.

Whoosh keeps a paragraph's text in its stored fields: reading one means decompressing and
unpickling every stored field of the paragraph, and folding the text again. The concordance
reads thousands at once, so the reprint pass (``reprints.update``, at every ingest) also keeps
the folded texts here, in the generation folder: ``texts-<k>.bin`` holds them as code points
(UTF-32, one after another: read straight into numpy arrays, no decoding) and ``texts.npz``
each one's report, paragraph number, offset and length, with each report's content hash.

An update keeps the rows of unchanged reports and appends the texts of new and changed ones to
the same file (a reader holding the old row list still reads what it read before); when more
than half the file is texts no row points to, it is written anew under the next name. A reader
(``texts_for``) uses only rows whose report's content hash is the index's, so a stale file
gives no wrong text: the caller reads those paragraphs from the index. No URLs or markup here.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher

from .caching import RecentCache
from .records import Records, Rows, indexed_hashes, load_rows, report_records, save_rows

FILE_NAME = "texts.npz"
VERSION = 2  # 2: texts as UTF-32 (1: UTF-8)
ENCODING = "utf-32-le"
NUL = "\0".encode(ENCODING)


@dataclass
class TextTable:
    """Every stored paragraph's report, number and place in the blob file."""

    doc: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    n: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    blob: str = ""  # the file name of the texts, in the same folder
    size: int = 0  # bytes of the blob file the rows may point into
    hashes: dict[str, str] = field(default_factory=dict)  # report -> content hash
    records: Records = field(default_factory=dict)  # the report records the hashes came from


def load_texts(folder: Path) -> TextTable | None:
    """The stored table of a generation, or None (none, unreadable or of another version)."""
    rows = load_rows(Path(folder) / FILE_NAME, VERSION)
    if rows is None or not {"n", "start", "length", "blob", "size"} <= set(rows.columns):
        return None
    found = rows.columns
    return TextTable(
        rows.doc,
        found["n"],
        found["start"],
        found["length"],
        str(found["blob"]),
        int(found["size"]),
        rows.hashes,
        rows.records,
    )


def _save(folder: Path, table: TextTable) -> None:
    """Write the row list atomically (a reader sees the old one or the new one)."""
    columns = {
        "n": table.n.astype(np.int32),
        "start": table.start.astype(np.int64),
        "length": table.length.astype(np.int64),
        "blob": np.array(table.blob),
        "size": np.array(table.size),
    }
    save_rows(
        Path(folder) / FILE_NAME, VERSION, Rows(table.doc, table.hashes, table.records, columns)
    )


class TextWriter:
    """Brings a generation's text table up to date: ``todo`` names the reports whose texts
    must be (re)written, ``add`` takes their paragraphs, ``finish`` writes."""

    def __init__(self, folder: Path, indexed: dict[str, str], records: Records) -> None:
        self.folder, self.indexed, self.records = Path(folder), indexed, records
        self.old = load_texts(folder)
        old_hashes = self.old.hashes if self.old else {}
        fresh = {d for d, h in old_hashes.items() if indexed.get(d) == h}
        self.todo = {d for d in indexed if d not in fresh}
        docs = self.old.doc if self.old else np.array([], dtype=object)
        self.keep = np.fromiter((d in fresh for d in docs), dtype=bool, count=len(docs))
        self.stale = (
            self.old is None or not self.keep.all() or bool(self.todo) or set(old_hashes) != fresh
        )
        self.rows: list[tuple[str, int]] = []
        self.texts: list[bytes] = []

    def add(self, doc_id: str, n: int, folded: str) -> None:
        """One paragraph of a report in ``todo``."""
        self.rows.append((doc_id, n))
        self.texts.append(folded.encode(ENCODING))

    def finish(self) -> None:
        """Append the new texts to the blob (or a compacted copy), then save the row list."""
        old, folder = self.old, self.folder
        if not self.stale:
            _remove_other_blobs(folder, old.blob if old else "")  # left by a pass cut short
            return
        table = _kept(old, self.keep) if old is not None and old.blob else TextTable()
        if not table.blob or int(table.length.sum()) * 2 < table.size:
            table = _rewritten(folder, table)
        lengths = np.array([len(t) for t in self.texts], dtype=np.int64)
        with open(folder / table.blob, "r+b") as out:
            out.seek(table.size)
            out.truncate()  # what a pass that did not finish may have left
            out.write(b"".join(self.texts))
            out.flush()
            os.fsync(out.fileno())
        table.doc = np.concatenate([table.doc, np.array([r[0] for r in self.rows], dtype=object)])
        table.n = np.concatenate([table.n, np.array([r[1] for r in self.rows], dtype=np.int32)])
        table.start = np.concatenate([table.start, table.size + np.cumsum(lengths) - lengths])
        table.length = np.concatenate([table.length, lengths])
        table.size += int(lengths.sum())
        table.hashes, table.records = dict(self.indexed), self.records
        _save(folder, table)
        _remove_other_blobs(folder, table.blob)


def _kept(old: TextTable, keep: np.ndarray) -> TextTable:
    return TextTable(
        old.doc[keep],
        old.n[keep],
        old.start[keep],
        old.length[keep],
        old.blob,
        old.size,
        dict(old.hashes),
        old.records,
    )


def _rewritten(folder: Path, table: TextTable) -> TextTable:
    """The kept rows' texts copied into a new blob file (the next name), rows pointing there."""
    number = int(table.blob[len("texts-") : -len(".bin")]) + 1 if table.blob else 1
    name = f"texts-{number}.bin"
    starts = np.zeros(len(table.doc), dtype=np.int64)
    with open(folder / name, "wb") as out:
        if table.blob and len(table.doc):
            with open(folder / table.blob, "rb") as old:
                position = 0
                for i, (start, length) in enumerate(
                    zip(table.start.tolist(), table.length.tolist(), strict=True)
                ):
                    starts[i] = position
                    position += out.write(os.pread(old.fileno(), length, start))
    size = int(table.length.sum()) if len(table.doc) else 0
    return TextTable(
        table.doc, table.n, starts, table.length, name, size, table.hashes, table.records
    )


def _remove_other_blobs(folder: Path, keep: str) -> None:
    """Blob files no row list points to any more (a reader holding one open still reads it)."""
    for path in Path(folder).glob("texts-*.bin"):
        if path.name != keep:
            path.unlink(missing_ok=True)


# Reading -------------------------------------------------------------------------------------


class Texts:
    """The stored folded texts of one index version, by document number (thread-safe: the
    blob file is mapped once, read-only, and kept mapped while this version is in use)."""

    def __init__(self, path: Path, start: np.ndarray, length: np.ndarray) -> None:
        self.path, self.start, self.length = path, start, length
        self._mapped: mmap.mmap | None = None
        self._lock = threading.Lock()

    def _blob(self) -> mmap.mmap | None:
        with self._lock:
            if self._mapped is None:
                try:
                    with open(self.path, "rb") as handle:
                        self._mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError):  # gone, or empty (nothing to map)
                    return None
            return self._mapped

    def read(self, docs: Iterable[int]) -> dict[int, str]:
        """The folded texts of the documents the table has (the others are left out)."""
        found, codes = self.codes(np.fromiter(docs, dtype=np.int64))
        texts = codes.tobytes().decode(ENCODING).split("\0")[:-1]
        return dict(zip(found.tolist(), texts, strict=True))

    def codes(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the documents the table has, in the order given; their folded texts as code
        points, each followed by a 0, which folding leaves in no text)."""
        docs = docs[self.length[docs] >= 0]
        blob = self._blob() if len(docs) and self.length[docs].any() else None
        if blob is None:
            return docs, np.zeros(len(docs), dtype=np.uint32)
        starts, ends = self.start[docs], self.start[docs] + self.length[docs]
        pieces = [blob[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        return docs, np.frombuffer(NUL.join(pieces) + NUL, dtype=np.uint32)


_cache: RecentCache[tuple[object, Texts | None]] = RecentCache(4)


def texts_for(searcher: Searcher, columns) -> Texts | None:
    """The stored texts of the searcher's generation, by document number of its index version
    (``columns``: the facet columns, whose doc_id and n say which paragraph each number is),
    only of reports whose content hash is the index's; None when there is no table."""
    folder = _folder(searcher)
    if folder is None:
        return None
    try:
        stamp = (folder / FILE_NAME).stat().st_mtime_ns
    except OSError:
        return None

    def build() -> tuple[object, Texts | None]:
        table = load_texts(folder)
        if table is None:
            return columns, None
        indexed = indexed_hashes(report_records(searcher, table.records))
        fresh = {d for d, h in table.hashes.items() if indexed.get(d) == h}
        row_of = {
            (d, n): i
            for i, (d, n) in enumerate(zip(table.doc.tolist(), table.n.tolist(), strict=True))
            if d in fresh
        }
        rows = np.fromiter(
            (row_of.get(key, -1) for key in zip(columns.doc_id, columns.n.tolist(), strict=True)),
            dtype=np.int64,
            count=len(columns.doc_id),
        )
        start = np.where(rows >= 0, table.start[rows.clip(min=0)], 0) if len(table.doc) else rows
        length = np.where(rows >= 0, table.length[rows.clip(min=0)], -1) if len(table.doc) else rows
        return columns, Texts(folder / table.blob, start, length)

    return _cache.get((str(folder), stamp, id(columns)), build)[1]


def _folder(searcher: Searcher) -> Path | None:
    index = getattr(searcher, "_ix", None)
    folder = getattr(getattr(index, "storage", None), "folder", None)
    return Path(folder) if folder else None
