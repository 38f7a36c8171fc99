"""Every report's paragraphs in reading order, as numpy arrays held per index version.

A long report (a law of 60,000 paragraphs) is shown a part at a time: its page needs the
report's block numbers, the document numbers of one part and which of its paragraphs match a
query. Asking the index for them reads every block of the report on every request; here they
come from the index version's columns (``doc_id``, ``n``) and its live paragraphs
(``matching``), sorted once per version, so a request costs a slice and a few numpy operations.
No URLs or markup here.
"""

from __future__ import annotations

from bisect import bisect_left
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

    def of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, block numbers) of a report's paragraphs in order (empty when
        it has none)."""
        i = bisect_left(self.doc_ids, doc_id)
        if i == len(self.doc_ids) or self.doc_ids[i] != doc_id:
            return EMPTY, EMPTY
        run = slice(int(self.starts[i]), int(self.starts[i + 1]))
        return self.docs[run], self.numbers[run]


def build(doc_ids: list[str], numbers: list[int], live: np.ndarray) -> ReportBlocks:
    """The grouping of the ``live`` document numbers by their ``doc_ids`` and ``numbers``
    (columns over every document number)."""
    distinct = sorted(set(doc_ids))
    code_of = {doc_id: i for i, doc_id in enumerate(distinct)}
    codes = np.fromiter((code_of[d] for d in doc_ids), dtype=np.int64, count=len(doc_ids))
    block = np.fromiter((n or 0 for n in numbers), dtype=np.int64, count=len(numbers))
    codes, block = codes[live], block[live]
    order = np.lexsort((block, codes))
    starts = np.searchsorted(codes[order], np.arange(len(distinct) + 1))
    return ReportBlocks(live[order], block[order], distinct, starts)


_CACHE: RecentCache[tuple[object, MatchIndex, ReportBlocks]] = RecentCache(VERSIONS_KEPT)


def report_blocks(columns, index: MatchIndex) -> ReportBlocks:
    """The grouping of an index version (its facet columns and match index), built once per
    version; both are kept alive with it, so their ids name the version."""

    def make() -> tuple[object, MatchIndex, ReportBlocks]:
        return columns, index, build(columns.doc_id, columns.n, index.live)

    return _CACHE.get((id(columns), id(index)), make)[2]
