"""The folded text of every paragraph, beside the index, for reading many texts fast.

Whoosh keeps a paragraph's text in its stored fields: reading one means decompressing and
unpickling every stored field of the paragraph, and folding the text again. The concordance
reads thousands at once, so the reprint pass (``reprints.update``, at every ingest) also keeps
the folded texts here, in the generation folder's ``texts/``: ``texts-<k>.bin`` holds them as
code points (UTF-32, one after another: read straight into numpy arrays, no decoding), and the
parts of the table (``records.PartStore``) each paragraph's report, number, offset and length.

An update writes a part for the new and changed reports only and appends their texts to the
same file (a reader holding the old manifest still reads what it read before); when more than
half the file is texts of reports the index no longer holds, the live texts are written anew
under the next name, in one part. A reader (``texts_for``) uses only rows whose report the
index holds with the same content (``records.Reports``), so a stale table gives no wrong text:
the caller reads those paragraphs from the index. No URLs or markup here.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher

from .caching import RecentCache
from .records import (
    PartStore,
    Reports,
    concatenated,
    indexed_reports,
    live_rows,
    member,
    newest_to_merge,
)

FOLDER = "texts"
VERSION = 3  # 3: parts and a manifest (2: one row list, UTF-32 texts; 1: UTF-8)
ENCODING = "utf-32-le"
NUL = "\0".encode(ENCODING)


@dataclass
class TextTable:
    """Every stored paragraph's report, number and place in the blob file."""

    doc: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    n: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # report's
    blob: str = ""  # the file name of the texts, in the same folder
    size: int = 0  # bytes of the blob file the rows may point into


def store_of(generation: Path) -> PartStore:
    return PartStore(Path(generation) / FOLDER, VERSION)


def load_texts(generation: Path) -> TextTable | None:
    """The table of a generation, or None (none, unreadable or of another version)."""
    store = store_of(generation)
    manifest = store.manifest()
    if manifest is None:
        return None
    try:
        parts = [store.load(part["name"]) for part in manifest["parts"]]
    except (OSError, ValueError, KeyError):
        return None
    if not parts:
        return TextTable(blob=manifest["blob"], size=manifest["size"])
    rows = concatenated(parts, "row_report")
    report = rows["row_report"]
    return TextTable(
        rows["report_doc"].astype(object)[report],
        rows["row_n"],
        rows["row_start"],
        rows["row_length"],
        rows["report_key"][report],
        manifest["blob"],
        manifest["size"],
    )


class TextWriter:
    """Brings a generation's text table up to date: ``todo`` names the reports whose texts
    must be written, ``add`` takes their paragraphs, ``finish`` writes."""

    def __init__(self, generation: Path, live: Reports) -> None:
        self.store, self.live = store_of(generation), live
        self.manifest = self.store.manifest()
        self.parts = []
        if self.manifest is not None:
            try:
                self.parts = [self.store.load(p["name"]) for p in self.manifest["parts"]]
            except (OSError, ValueError, KeyError):
                self.manifest = None
        stored = [p["report_key"] for p in self.parts]
        known = np.concatenate(stored) if stored else np.zeros(0, dtype=np.int64)
        self.new = live[~member(live.key, np.sort(known))]
        self.todo = set(self.new.doc.tolist())
        self.reports: list[tuple[str, list[int], list[str]]] = []

    def add(self, doc_id: str, numbers: list[int], folded: list[str]) -> None:
        """The paragraphs of a report in ``todo``: their numbers and folded texts."""
        self.reports.append((doc_id, numbers, folded))

    def take(self, reports: dict[str, tuple[list[int], list[str], list[str]]]) -> None:
        """The paragraphs of those ``reports`` (numbers, folded texts and kinds by doc_id, as
        ``ngrams.TableInputs`` keeps them) that are in ``todo``, in their order."""
        todo = self.todo
        self.reports.extend(
            (d, n, folded) for d, (n, folded, _kinds) in reports.items() if d in todo
        )

    def finish(self) -> None:
        """Append the new texts to the blob (or a compacted copy), write their part, then the
        manifest."""
        manifest, store = self.manifest, self.store
        if manifest is not None and not len(self.new):
            store.remove_unnamed(manifest)  # what a pass cut short may have left
            _remove_other_blobs(store.folder, manifest["blob"])
            return
        if manifest is None or self._mostly_dead():
            manifest = self._compacted()
        blob = store.folder / manifest["blob"]
        size = manifest["size"]
        reports = self.reports
        texts = list(chain.from_iterable(folded for _doc, _numbers, folded in reports))
        with open(blob, "r+b") as out:
            out.seek(size)
            out.truncate()  # what a pass that did not finish may have left
            lengths = _write_encoded(out, texts)
            out.flush()
            os.fsync(out.fileno())
        code = {d: i for i, d in enumerate(self.new.doc.tolist())}
        codes = np.fromiter((code[doc] for doc, _n, _f in reports), np.int64, len(reports))
        counts = np.fromiter((len(n) for _doc, n, _f in reports), np.int64, len(reports))
        ends = np.cumsum(lengths)
        bounds = np.concatenate(([0], ends))[np.concatenate(([0], np.cumsum(counts)))]
        report_chars = np.zeros(len(self.new), dtype=np.int64)  # a report's rows lie together
        np.add.at(report_chars, codes, np.diff(bounds))
        part = {
            "report_key": self.new.key,
            "report_doc": self.new.doc,
            "report_chars": report_chars,
            "row_report": np.repeat(codes.astype(np.int32), counts),
            "row_n": np.fromiter(
                chain.from_iterable(numbers for _doc, numbers, _folded in reports),
                np.int32,
                len(texts),
            ),
            "row_start": size + ends - lengths,
            "row_length": lengths,
        }
        parts = [*manifest["parts"], {"name": "", "size": len(texts) + len(self.new)}]
        loaded = [*self.parts, part]
        merging = newest_to_merge(parts)
        if merging:
            part = concatenated(loaded[-merging:], "row_report")
            parts = [
                *parts[:-merging],
                {"name": "", "size": sum(p["size"] for p in parts[-merging:])},
            ]
        parts[-1]["name"] = store.write(part)
        store.publish({**manifest, "parts": parts, "size": size + int(lengths.sum())})
        _remove_other_blobs(store.folder, manifest["blob"])

    def _mostly_dead(self) -> bool:
        """Whether more than half of the blob is texts of reports the index no longer holds."""
        live = sum(
            int(p["report_chars"][live_rows(p["report_key"], self.live)].sum()) for p in self.parts
        )
        return live * 2 < self.manifest["size"]

    def _compacted(self) -> dict:
        """A manifest of one part holding the live rows, their texts copied into a new blob
        file (the next name)."""
        store, old = self.store, self.manifest
        store.folder.mkdir(parents=True, exist_ok=True)
        taken = [
            int(p.name[6:-4]) for p in store.folder.glob("texts-*.bin") if p.name[6:-4].isdigit()
        ]
        name = f"texts-{max(taken, default=0) + 1}.bin"
        kept = None
        with open(store.folder / name, "wb") as out:
            if old is not None and self.parts:
                rows = concatenated(self.parts, "row_report")
                alive = live_rows(rows["report_key"], self.live)
                kept = _kept_rows(rows, alive)
                position = 0
                starts = np.zeros(len(kept["row_n"]), dtype=np.int64)
                with open(store.folder / old["blob"], "rb") as source:
                    for i, (start, length) in enumerate(
                        zip(kept["row_start"].tolist(), kept["row_length"].tolist(), strict=True)
                    ):
                        starts[i] = position
                        position += out.write(os.pread(source.fileno(), length, start))
                kept["row_start"] = starts
        self.parts = []
        if kept is None or not len(kept["report_key"]):
            return {"blob": name, "size": 0, "parts": []}
        self.parts = [kept]
        part = {"name": store.write(kept), "size": len(kept["row_n"]) + len(kept["report_key"])}
        return {"blob": name, "size": int(kept["row_length"].sum()), "parts": [part]}


TEXTS_AT_ONCE = 4096  # texts joined and encoded at once: a few MB, reused, cache-warm


def _write_encoded(out, texts: list[str], at_once: int = TEXTS_AT_ONCE) -> np.ndarray:
    """Write texts one after another in ``ENCODING`` (``len(NUL)`` bytes a character),
    ``at_once`` at a time; their lengths in bytes (taken while the batch is at hand)."""
    lengths = [np.zeros(0, dtype=np.int64)]
    for first in range(0, len(texts), at_once):
        batch = texts[first : first + at_once]
        lengths.append(np.fromiter(map(len, batch), np.int64, len(batch)) * len(NUL))
        out.write("".join(batch).encode(ENCODING))
    return np.concatenate(lengths)


def _kept_rows(rows: dict[str, np.ndarray], alive: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of the live reports (``alive``: per report), reports renumbered."""
    renumbered = np.cumsum(alive) - 1
    keep = alive[rows["row_report"]]
    kept = {name: array[alive] for name, array in rows.items() if name.startswith("report_")}
    kept.update({name: array[keep] for name, array in rows.items() if name.startswith("row_")})
    kept["row_report"] = renumbered[kept["row_report"]].astype(np.int32)
    return kept


def _remove_other_blobs(folder: Path, keep: str) -> None:
    """Blob files no manifest names any more (a reader holding one mapped still reads it)."""
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

    def code_points(self) -> np.ndarray | None:
        """The whole file as code points (mapped, not read; None when it is gone or empty):
        a paragraph's text is ``[start // 4, (start + length) // 4)`` of it."""
        blob = self._blob()
        return None if blob is None else np.frombuffer(blob, dtype=np.uint32)

    def read(self, docs: Iterable[int]) -> dict[int, str]:
        """The folded texts of the documents the table has (the others are left out)."""
        found, codes = self.codes(np.fromiter(docs, dtype=np.int64))
        texts = codes.tobytes().decode(ENCODING).split("\0")[:-1]
        return dict(zip(found.tolist(), texts, strict=True))

    def codes(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the documents the table has, in the order given; their folded texts as code
        points, each followed by a 0, which folding leaves in no text)."""
        docs = docs[self.length[docs] >= 0]
        if not len(docs) or not self.length[docs].any():  # empty texts only (or none)
            return docs, np.zeros(len(docs), dtype=np.uint32)
        blob = self._blob()
        if blob is None:  # gone (a newer table replaced it): the caller reads the index
            return docs[:0], np.zeros(0, dtype=np.uint32)
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
    stamp = store_of(folder).stamp()
    if stamp is None:
        return None

    def build() -> tuple[object, Texts | None]:
        table = load_texts(folder)
        if table is None:
            return columns, None
        fresh = np.flatnonzero(live_rows(table.key, indexed_reports(searcher, folder)))
        row_of = dict(
            zip(
                zip(table.doc[fresh].tolist(), table.n[fresh].tolist(), strict=True),
                fresh.tolist(),
                strict=True,
            )
        )
        rows = np.fromiter(
            (row_of.get(key, -1) for key in zip(columns.doc_id, columns.n.tolist(), strict=True)),
            dtype=np.int64,
            count=len(columns.doc_id),
        )
        start = np.where(rows >= 0, table.start[rows.clip(min=0)], 0) if len(table.doc) else rows
        length = np.where(rows >= 0, table.length[rows.clip(min=0)], -1) if len(table.doc) else rows
        return columns, Texts(folder / FOLDER / table.blob, start, length)

    return _cache.get((str(folder), stamp, id(columns)), build)[1]


def _folder(searcher: Searcher) -> Path | None:
    index = getattr(searcher, "_ix", None)
    folder = getattr(getattr(index, "storage", None), "folder", None)
    return Path(folder) if folder else None
