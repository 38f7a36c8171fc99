"""Per-document-number columns beyond the facet ones, read once per index version."""

from __future__ import annotations

import threading

from whoosh.searching import Searcher

from .columnvalues import column_values
from .search import FacetColumns

_cache: dict[tuple[int, str], tuple[FacetColumns, list]] = {}
_lock = threading.Lock()
MAX_CACHED = 8


def column(searcher: Searcher, columns: FacetColumns, name: str) -> list:
    """Every document number's value of a sortable field (``date_last``, ``n``), cached with
    the facet columns of the same index version."""
    key = (id(columns), name)
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            values = column_values(searcher.reader(), name)
            while len(_cache) >= MAX_CACHED:
                _cache.pop(next(iter(_cache)))
            cached = _cache[key] = (columns, values)  # columns kept alive: ids stay unique
    return cached[1]
