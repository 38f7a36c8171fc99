"""Whoosh columns read whole, for what is read once per index version.

Whoosh 2.7.4's column readers seek and read the index file once per document; the facet columns
of 250,000 paragraphs took about 10 s that way, paid by the first search after every ingest.
Here a segment's column is read in one piece and cut in memory; each distinct stored value is
translated (decoded) once. Values are exactly what ``column_reader(name)`` yields: the fast
paths know the two column types our schema uses (variable-length bytes, numbers), anything else
goes through Whoosh value by value.
"""

from __future__ import annotations

import os
import pickle
import zlib
from bisect import bisect_right

import numpy as np
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import CompressedBytesColumn, NumericColumn, PickleColumn, VarBytesColumn
from whoosh.filedb.compound import SubFile


def leaves(reader) -> list:
    """(segment reader, first document number) of each segment of a reader."""
    return reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]


def stored_fields(reader, docnum: int) -> dict:
    """A document's stored fields straight from its segment's per-document reader (a new
    dict): Whoosh's segment reader also checks every field name against the schema on each
    call, a third of the time, and every field we store is in the schema."""
    if hasattr(reader, "doc_offsets"):  # a MultiReader
        segment = max(0, bisect_right(reader.doc_offsets, docnum) - 1)
        reader, docnum = reader.readers[segment], docnum - reader.doc_offsets[segment]
    perdoc = getattr(reader, "_perdoc", None)
    return perdoc.stored_fields(docnum) if perdoc else reader.stored_fields(docnum)


class DirectStoredFields:
    """A reader's stored fields read straight from its segment files: one positioned read
    (``os.pread``), a decompression and an unpickling per document, where Whoosh's reader
    (plain file reads, ``open_for_reading``) seeks and reads its compound file several times
    through three layers of Python. Thread-safe (a positioned read moves no shared file
    position). A segment stored otherwise than Whoosh 2.7.4's default (pickled,
    zlib-compressed values in a compound file) is read through ``reader``."""

    def __init__(self, reader) -> None:
        self.reader = reader
        parts = leaves(reader)
        self._firsts = [first for _leaf, first in parts]
        self._segments = [_SegmentStored.of(leaf) for leaf, _first in parts]

    def get(self, docnum: int) -> dict | None:
        """The document's stored fields (a new dict), or None when its segment is not read
        here."""
        i = bisect_right(self._firsts, docnum) - 1
        segment = self._segments[i]
        return None if segment is None else segment.get(docnum - self._firsts[i])

    def close(self) -> None:
        for segment in getattr(self, "_segments", ()):
            if segment is not None:
                segment.close()

    def __del__(self) -> None:
        self.close()


class _SegmentStored:
    """One segment's stored-fields column in its compound file, opened for positioned reads."""

    def __init__(self, fd: int, base: int, offsets, lengths) -> None:
        self.fd, self.base, self.offsets, self.lengths = fd, base, offsets, lengths

    @classmethod
    def of(cls, leaf) -> _SegmentStored | None:
        """The segment's column opened, or None when it is not laid out as expected."""
        perdoc = getattr(leaf, "_perdoc", None)
        try:
            column = perdoc._cached_reader("_stored", STORED_COLUMN)
            values = column._child
            part = values._dbfile.file
            expected = (
                type(column) is PickleColumn.Reader
                and type(values) is CompressedBytesColumn.Reader
                and values._decompress is zlib.decompress
                and type(part) is SubFile
            )
            if not expected:
                return None
            fd = os.open(part._file.name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except (AttributeError, TypeError, OSError, ValueError):
            return None
        return cls(fd, part._offset + values._basepos, values._offsets, values._lengths)

    def get(self, docnum: int) -> dict:
        """What Whoosh's ``stored_fields`` gives: the unpickled value, {} for none."""
        length = self.lengths[docnum]
        if not length:
            return {}
        value = zlib.decompress(os.pread(self.fd, length, self.base + self.offsets[docnum]))
        return (pickle.loads(value) if value else None) or {}

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)


def column_values(reader, name: str) -> list:
    """Every document number's value of a column field, in document-number order."""
    values: list = []
    for leaf, _base in leaves(reader):
        values.extend(_leaf_values(leaf, name))
    return values


def stored_numbers(raw, doccount: int) -> np.ndarray | None:
    """A numeric column reader's stored values as an array, or None for another kind of
    reader (Whoosh's own length columns are numeric)."""
    if type(raw) is not NumericColumn.Reader:
        return None
    return np.array(_numbers(raw, doccount), dtype=np.int64)


def live_documents(reader, size: int) -> np.ndarray:
    """A mask of the document numbers not deleted, from each segment's deletions."""
    live = np.zeros(size, dtype=bool)
    for leaf, base in leaves(reader):
        if leaf.has_deletions():
            live[base + np.fromiter(leaf.all_doc_ids(), dtype=np.int64)] = True
        else:
            live[base : base + leaf.doc_count_all()] = True
    return live


def _leaf_values(leaf, name: str) -> list:
    raw = leaf.column_reader(name, translate=False)
    translate = leaf.schema[name].from_column_value
    if type(raw) is VarBytesColumn.Reader:
        return _translated(_var_bytes(raw), translate)
    if type(raw) is NumericColumn.Reader:
        return _translated(_numbers(raw, leaf.doc_count_all()), translate)
    return list(leaf.column_reader(name))


def _var_bytes(raw) -> list[bytes]:
    """A variable-length bytes column's values: the data read once, cut by its lengths."""
    lengths, offsets = raw._lengths, raw._offsets
    data = raw._dbfile.get(raw._basepos, sum(lengths))
    return [data[offset : offset + length] for offset, length in zip(offsets, lengths, strict=True)]


def _numbers(raw, doccount: int) -> list:
    """A numeric column's stored (sortable) values; documents past its end get its default."""
    stored = raw._dbfile.get(raw._basepos, raw._count * raw._fixedlen)
    numbers = np.frombuffer(stored, dtype=">" + raw._typecode).tolist()
    return numbers + [raw._default] * (doccount - len(numbers))


def _translated(stored: list, translate) -> list:
    """Each stored value translated, each distinct one once (the same object for equal ones)."""
    seen: dict = {}
    out = []
    for value in stored:
        found = seen.get(value)
        if found is None:
            found = seen[value] = translate(value)
        out.append(found)
    return out
