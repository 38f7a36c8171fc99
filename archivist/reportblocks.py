"""Every report's paragraphs in reading order, as numpy arrays held per index version.

A long report (a law of 60,000 paragraphs) is shown a part at a time: its page needs the
report's block numbers, the document numbers of one part and which of its paragraphs match a
query. Asking the index for them reads every block of the report on every request; here they
come from the index version's columns (``doc_id``, ``n``) and its live paragraphs
(``matching``), sorted once per version, so a request costs a slice and a few numpy operations.
Each report's record (its metadata, its lineage) is found the same way, without a query.
No URLs or markup here.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .caching import RecentCache
from .matching import EMPTY, MatchIndex

VERSIONS_KEPT = 2


@dataclass(frozen=True)
class ReportBlocks:
    """The live paragraphs of one index version grouped by report, each report's in order."""

    docs: np.ndarray  # document numbers, ordered by (doc_id, block number)
    numbers: np.ndarray  # the block number of each
    doc_ids: list[str]  # the reports, sorted
    starts: np.ndarray  # report i's paragraphs are docs[starts[i]:starts[i + 1]]
    records: np.ndarray  # the document number of report i's record (-1: none)

    def _position(self, doc_id: str) -> int | None:
        i = bisect_left(self.doc_ids, doc_id)
        return i if i < len(self.doc_ids) and self.doc_ids[i] == doc_id else None

    def of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, block numbers) of a report's paragraphs in order (empty when
        it has none)."""
        i = self._position(doc_id)
        if i is None:
            return EMPTY, EMPTY
        run = slice(int(self.starts[i]), int(self.starts[i + 1]))
        return self.docs[run], self.numbers[run]

    def record(self, doc_id: str) -> int | None:
        """The document number of a report's record (its metadata), or None."""
        i = self._position(doc_id)
        found = int(self.records[i]) if i is not None else -1
        return found if found >= 0 else None


def build(
    doc_ids: list[str], numbers: list[int], live: np.ndarray, records: np.ndarray
) -> ReportBlocks:
    """The grouping of the ``live`` paragraphs (document numbers) and the live report
    ``records`` by their ``doc_ids`` and ``numbers`` (columns over every document number)."""
    distinct = sorted(set(doc_ids))
    code_of = {doc_id: i for i, doc_id in enumerate(distinct)}
    codes = np.fromiter((code_of[d] for d in doc_ids), dtype=np.int64, count=len(doc_ids))
    block = np.fromiter((n or 0 for n in numbers), dtype=np.int64, count=len(numbers))
    record_of = np.full(len(distinct), -1, dtype=np.int64)
    record_of[codes[records]] = records
    codes, block = codes[live], block[live]
    order = np.lexsort((block, codes))
    starts = np.searchsorted(codes[order], np.arange(len(distinct) + 1))
    return ReportBlocks(live[order], block[order], distinct, starts, record_of)


_CACHE: RecentCache[tuple[MatchIndex, ReportBlocks]] = RecentCache(VERSIONS_KEPT)

Columns = tuple[list[str], list[int], np.ndarray]


def report_blocks(index: MatchIndex, columns: Callable[[], Columns]) -> ReportBlocks:
    """The grouping of an index version, built once per version from its match index (the
    live paragraphs) and ``columns()``: every document number's doc_id and block number, and
    the document numbers of the live report records. The match index is kept alive with it,
    so its id names the version."""

    def make() -> tuple[MatchIndex, ReportBlocks]:
        doc_ids, numbers, records = columns()
        return index, build(doc_ids, numbers, index.live, records)

    return _CACHE.get(id(index), make)[1]
