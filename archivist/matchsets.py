"""Match sets as numpy arrays of document numbers, filtered and counted at C speed.

The research tools (trends, concordance) need the paragraphs a search lists and their counts
per year and per city, not a page of hits. ``passing`` takes the matches of ``Finder.query``
and keeps those a search keeps (its filters and field terms, applied by the search layer's own
``count_and_filter`` once per index version and filter set, then held as a boolean mask);
``Codes.counts`` counts them per value of a column with one ``numpy.bincount``. Everything is
cached per index version (keyed by the facet columns, kept alive with the value, as
``columns`` does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from .caching import RecentCache
from .matching import match_index
from .query import SearchQuery
from .querylang import ParsedQuery
from .search import FacetColumns, _in_reports, count_and_filter

MASKS_KEPT = 32  # filter sets per index version (and a few versions)
CODE_COLUMNS_KEPT = 8


def doc_array(docs: Collection[int] | np.ndarray) -> np.ndarray:
    """Document numbers as a sorted int64 array."""
    if isinstance(docs, np.ndarray):
        found = docs.astype(np.int64, copy=True)
    else:
        found = np.fromiter(docs, dtype=np.int64, count=len(docs))
    found.sort()
    return found


@dataclass(frozen=True)
class Codes:
    """A column as small integers: ``values[codes[doc]]`` is the document's value."""

    values: tuple[str, ...]
    codes: np.ndarray

    def counts(self, docs: np.ndarray) -> Counter:
        """How many of the documents have each value (values with none left out)."""
        tally = np.bincount(self.codes[docs], minlength=len(self.values))
        return Counter({self.values[i]: int(tally[i]) for i in np.flatnonzero(tally)})


_codes: RecentCache[tuple[FacetColumns, Codes]] = RecentCache(CODE_COLUMNS_KEPT)


def codes(columns: FacetColumns, name: str) -> Codes:
    """A facet column (``year``, ``city``…) as codes, once per index version."""

    def build() -> tuple[FacetColumns, Codes]:
        index: dict[str, int] = {}
        column = getattr(columns, name)
        numbers = np.fromiter(
            (index.setdefault(v, len(index)) for v in column), dtype=np.int32, count=len(column)
        )
        return columns, Codes(tuple(index), numbers)

    return _codes.get((id(columns), name), build)[1]


def every_paragraph(searcher: Searcher, columns: FacetColumns) -> np.ndarray:
    """The document numbers of every paragraph (not report records), held per index version
    by the match index."""
    return match_index(searcher).live


def _filter_key(query: SearchQuery, parsed: ParsedQuery) -> tuple:
    return (
        query.city,
        query.county,
        query.place,
        query.year,
        query.year_from,
        query.year_to,
        query.date_from,
        query.date_to,
        parsed.fields,
    )


def is_unfiltered(query: SearchQuery, parsed: ParsedQuery) -> bool:
    """Whether a search keeps every match (no filter, no field term)."""
    return not any(_filter_key(query, parsed))


_masks: RecentCache[tuple[FacetColumns, np.ndarray]] = RecentCache(MASKS_KEPT)


def allowed(
    searcher: Searcher, columns: FacetColumns, query: SearchQuery, parsed: ParsedQuery
) -> np.ndarray:
    """Per document number, whether a search with these filters and field terms keeps the
    paragraph: the search layer's own tests run once over every paragraph."""

    def build() -> tuple[FacetColumns, np.ndarray]:
        every = every_paragraph(searcher, columns)
        kept = _in_reports(searcher, every, columns, query, parsed)
        passed, _counts = count_and_filter(kept, columns, query)
        mask = np.zeros(len(columns.year), dtype=bool)
        mask[doc_array(passed)] = True
        return columns, mask

    return _masks.get((id(columns), _filter_key(query, parsed)), build)[1]


def passing(
    searcher: Searcher,
    columns: FacetColumns,
    query: SearchQuery,
    parsed: ParsedQuery,
    matching: Collection[int] | np.ndarray,
) -> np.ndarray:
    """The matches a search with this query's filters and field terms lists (sorted)."""
    docs = doc_array(matching)
    if is_unfiltered(query, parsed) or not len(docs):
        return docs
    return docs[allowed(searcher, columns, query, parsed)[docs]]
