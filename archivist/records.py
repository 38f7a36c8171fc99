"""Which report records an index holds, and their content hashes, read once per segment; and
the file format of the tables beside the index that keep them (``reprints``, ``textstore``).

A Whoosh segment never changes once written (only its deletions do), so the report records of
a segment read by an earlier pass need not be read again: the tables keep them and read only
new segments'.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher

# segment id -> {document number in the segment: (doc_id, content hash)} of report records
Records = dict[str, dict[int, tuple[str, str]]]


def report_records(searcher: Searcher, known: Records) -> Records:
    """Every live report record's doc_id and content hash, by segment and number in it. A
    segment's records never change once written (only their deletion does), so those of a
    segment in ``known`` are not read again: an update reads the new segments only."""
    found: Records = {}
    for leaf, _base in searcher.reader().leaf_readers():
        segment = getattr(getattr(leaf, "_segment", None), "segment_id", lambda: "")()
        records = known.get(segment) if segment else None
        if records is None:
            records = _read_records(leaf)
        live = {number: record for number, record in records.items() if not leaf.is_deleted(number)}
        found.setdefault(segment, {}).update(live)
    return found


def _read_records(leaf) -> dict[int, tuple[str, str]]:
    if ("rec", "doc") not in leaf:
        return {}
    perdoc = getattr(leaf, "_perdoc", None)
    records = {}
    for number in leaf.postings("rec", "doc").all_ids():
        fields = perdoc.stored_fields(number) if perdoc else leaf.stored_fields(number)
        records[number] = (fields["doc_id"], fields.get("content_hash", ""))
    return records


def indexed_hashes(records: Records) -> dict[str, str]:
    """doc_id -> content hash of every report the records name."""
    return {doc_id: h for numbers in records.values() for doc_id, h in numbers.values()}


def packed_records(records: Records) -> dict[str, np.ndarray]:
    """The records as arrays for an npz file."""
    flat = [(s, n, d, h) for s, numbers in records.items() for n, (d, h) in numbers.items()]
    return {
        "record_segment": np.array([r[0] for r in flat], dtype=str),
        "record_number": np.array([r[1] for r in flat], dtype=np.int64),
        "record_doc": np.array([r[2] for r in flat], dtype=str),
        "record_hash": np.array([r[3] for r in flat], dtype=str),
    }


def unpack_records(data) -> Records:
    """The records ``packed_records`` wrote, from an npz file's arrays."""
    records: Records = {}
    columns = ("record_segment", "record_number", "record_doc", "record_hash")
    for segment, number, doc_id, h in zip(*(data[c].tolist() for c in columns), strict=True):
        records.setdefault(segment, {})[number] = (doc_id, h)
    return records


@dataclass
class Rows:
    """A table of rows by report as stored: each row's report, each report's content hash,
    the report records those came from, and the table's own columns."""

    doc: np.ndarray
    hashes: dict[str, str]
    records: Records
    columns: dict[str, np.ndarray]


def save_rows(path: Path, version: int, rows: Rows) -> None:
    """Write a table atomically (a reader sees the old file or the new one)."""
    doc_ids = sorted(rows.hashes)
    position = {d: i for i, d in enumerate(doc_ids)}
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        np.savez(
            handle,
            version=np.array(version),
            doc_ids=np.array(doc_ids, dtype=str),
            content_hashes=np.array([rows.hashes[d] for d in doc_ids], dtype=str),
            doc=np.fromiter((position[d] for d in rows.doc), dtype=np.int32, count=len(rows.doc)),
            **packed_records(rows.records),
            **rows.columns,
        )
    os.replace(temporary, path)


def load_rows(path: Path, version: int) -> Rows | None:
    """A table ``save_rows`` wrote, or None (none, unreadable or of another version)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["version"]) != version:
                return None
            doc_ids = [str(d) for d in data["doc_ids"]]
            hashes = dict(zip(doc_ids, (str(h) for h in data["content_hashes"]), strict=True))
            docs = np.array(doc_ids, dtype=object)
            own = set(data.files) - {"version", "doc_ids", "content_hashes", "doc"}
            return Rows(
                docs[data["doc"]] if len(doc_ids) else np.array([], dtype=object),
                hashes,
                unpack_records(data),
                {name: data[name] for name in own if not name.startswith("record_")},
            )
    except (OSError, KeyError, ValueError):
        return None
