"""Match sets as numpy arrays of document numbers, filtered and counted at C speed.

The research tools (trends, concordance) need the paragraphs a search lists and their counts
per year and per city, not a page of hits. ``passing`` takes the matches of ``Finder.query``
and keeps those a search keeps (its filters and field terms, applied by the search layer's own
``count_and_filter`` once per index version and filter set, then held as a boolean mask,
cached per index version: keyed by the facet columns, kept alive with the value, as
``columns`` does). Sets are the match index's (``matching.as_set``); counting them per year
or city is the facet codes' (``FacetColumns.codes``).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from whoosh.searching import Searcher

from .caching import RecentCache
from .matching import as_set, match_index
from .query import SearchQuery
from .querylang import ParsedQuery
from .search import FacetColumns, _in_reports, count_and_filter

MASKS_KEPT = 32  # filter sets per index version (and a few versions)


def every_paragraph(searcher: Searcher, columns: FacetColumns) -> np.ndarray:
    """The document numbers of every paragraph (not report records), held per index version
    by the match index."""
    return match_index(searcher).live


def filter_key(query: SearchQuery, parsed: ParsedQuery) -> tuple:
    """What decides which of a query's matches a search lists (filters, field terms)."""
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
    return not any(filter_key(query, parsed))


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
        mask[passed] = True
        return columns, mask

    return _masks.get((id(columns), filter_key(query, parsed)), build)[1]


def passing(
    searcher: Searcher,
    columns: FacetColumns,
    query: SearchQuery,
    parsed: ParsedQuery,
    matching: Collection[int] | np.ndarray,
) -> np.ndarray:
    """The matches a search with this query's filters and field terms lists (sorted)."""
    docs = as_set(matching)
    if is_unfiltered(query, parsed) or not len(docs):
        return docs
    return docs[allowed(searcher, columns, query, parsed)[docs]]
