"""Trends: how many paragraphs match each of a few queries, per year and per city.

Built on the search layer's exact matching: each term's paragraphs are ``Finder.query`` under
the same filters and field terms as search (``matchsets.passing``), so the count of a year is
exactly the total a search for the term, restricted to that year, lists. Counting is one
``numpy.bincount`` over the year (and city) codes of the matches (the facet codes search
counts with). The denominators are the
paragraphs of the archive under the same filters (place, mentioned place, year, date range),
per year and per city (cached per index version).
No URLs or markup here: ``research_pages`` and ``chart`` make them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
from whoosh.searching import Searcher

from . import matchsets
from .caching import RecentCache
from .query import SearchQuery
from .querylang import ParsedQuery
from .search import FacetColumns, Finder, facet_columns, value_counts

PER = 10_000  # rates are per this many paragraphs
BASE_CACHE_SIZE = 64


@dataclass(frozen=True)
class Base:
    """The paragraphs of the archive under a set of filters: per year, per city, in all."""

    by_year: Counter
    by_city: Counter
    total: int


@dataclass
class TermTrend:
    """One query's matching paragraphs per year and per city ("" = unknown)."""

    term: str
    by_year: Counter
    by_city: Counter
    total: int


@dataclass
class Trends:
    """Every term's counts, the years to show (ascending) and the denominators."""

    terms: list[TermTrend]
    years: list[str]
    base: Base
    took_ms: float

    @staticmethod
    def rate(count: int, of: int) -> float | None:
        """Paragraphs per PER paragraphs, two decimals; None when there are none to divide."""
        return round(count * PER / of, 2) if of else None


_base_cache: RecentCache[tuple[FacetColumns, Base]] = RecentCache(BASE_CACHE_SIZE)


def _filters_only(query: SearchQuery) -> SearchQuery:
    """The part of a query that decides the denominators: all its filters (place, mentioned
    place, year, year and date range), so a rate divides by the paragraphs the same filters
    leave; not its terms, nor how a search would show them."""
    return SearchQuery(
        city=query.city,
        county=query.county,
        place=query.place,
        year=query.year,
        year_from=query.year_from,
        year_to=query.year_to,
        date_from=query.date_from,
        date_to=query.date_to,
    )


def base_counts(searcher: Searcher, columns: FacetColumns, filters: SearchQuery) -> Base:
    """The archive's paragraphs passing the filters, per year and per city (cached)."""
    filters = _filters_only(filters)

    def build() -> tuple[FacetColumns, Base]:  # the columns kept alive: ids stay unique
        every = matchsets.every_paragraph(searcher, columns)
        passed = matchsets.passing(searcher, columns, filters, ParsedQuery(), every)
        return columns, _tally(passed, columns)

    return _base_cache.get((id(columns), filters), build)[1]


def _tally(docs: np.ndarray, columns: FacetColumns) -> Base:
    """Counts per year and per city of some paragraphs (a sorted array of numbers)."""
    codes = columns.codes
    return Base(
        value_counts(codes.year[docs], codes.years),
        value_counts(codes.city[docs], codes.cities),
        len(docs),
    )


def trends(searcher: Searcher, terms: list[str], filters: SearchQuery) -> Trends:
    """Counts per year and per city of the paragraphs each term's search would list."""
    started = time.perf_counter()
    columns = facet_columns(searcher)
    base = base_counts(searcher, columns, filters)
    finder = Finder(searcher)  # strings shared by several terms are looked up once
    found = []
    for term in terms:
        query = replace(filters, q=term)
        parsed = query.parsed
        matching, _exact = finder.query(parsed)
        tally = _tally(matchsets.passing(searcher, columns, query, parsed, matching), columns)
        found.append(TermTrend(term, tally.by_year, tally.by_city, tally.total))
    years = _years_shown(base, filters)
    return Trends(found, years, base, (time.perf_counter() - started) * 1000)


def _years_shown(base: Base, filters: SearchQuery) -> list[str]:
    """Every year from the first to the last the filtered archive has paragraphs of."""
    known = sorted(int(y) for y in base.by_year if y.isdigit())
    if not known:
        return []
    every = (str(y) for y in range(known[0], known[-1] + 1))
    return [y for y in every if filters.allows_year(y)]
