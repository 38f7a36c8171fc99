"""Request parameters of the research pages (trends, concordance) parsed into query objects.

The filters (city, county, year, year range) and the query language are those of search, parsed
by ``query.parse_search_args``; this module adds what only these pages take. Every bad value
raises ``ParamError`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from .query import ParamError, SearchQuery, _int, _many, _one, parse_search_args
from .querylang import MAX_QUERY_CHARS, QuerySyntaxError, parse

MAX_TREND_TERMS = 6
TREND_MEASURES = ("per_10k", "count")
KWIC_SORTS = ("doc", "left", "right")
KWIC_ORDERS = ("pinyin", "char")
KWIC_DEFAULT_PER_PAGE = 100
KWIC_MAX_PER_PAGE = 1000
KWIC_DEFAULT_WIDTH = 24
KWIC_MAX_PAGE = 10_000
MAX_TYPED_TERMS = 20  # terms a refused request's form gives back
Q = TypeVar("Q")


def _without(args: Mapping, *names: str) -> MultiDict:
    """The arguments as a MultiDict, minus some names (parsed here, not by search)."""
    if hasattr(args, "lists"):
        pairs = [(k, v) for k, values in args.lists() for v in values if k not in names]
    else:
        pairs = [(k, v) for k, v in args.items() if k not in names]
    return MultiDict(pairs)


def _choice(args: Mapping, name: str, choices: tuple[str, ...]) -> str:
    value = _one(args, name, choices[0]).strip() or choices[0]
    if value not in choices:
        raise ParamError(name, f"应为 {'、'.join(choices)} 之一，收到 {value[:40]!r}")
    return value


@dataclass(frozen=True)
class TrendsQuery:
    """Up to six queries compared over time and place, under the same filters."""

    terms: tuple[str, ...] = ()
    filters: SearchQuery = field(default_factory=SearchQuery)  # q empty: only the filters
    measure: str = "per_10k"

    def term_query(self, term: str, **changes: object) -> SearchQuery:
        """The search behind one term's numbers, with some filters changed."""
        return replace(self.filters, q=term, page=1, **changes)

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """The query as URL parameters (terms first, then the filters)."""
        query = replace(self, **changes) if changes else self
        pairs = [("q", term) for term in query.terms] + query.filters.params()
        if query.measure != "per_10k":
            pairs.append(("measure", query.measure))
        return pairs

    @property
    def is_filtered(self) -> bool:
        """Whether a filter leaves part of the archive out (place, year, date range)."""
        f = self.filters
        return bool(f.city or f.county or f.place or f.has_year_filter or f.has_date_range)

    def echo(self) -> dict:
        filters = self.filters.echo()
        for name in ("q", "sort", "page", "per_page", "group"):
            filters.pop(name, None)
        return {"q": list(self.terms), "measure": self.measure, **filters}


def parse_trends_args(args: Mapping) -> TrendsQuery:
    """Build a TrendsQuery: every ``q`` is a term (at most six), the filters as in search."""
    terms: list[str] = []
    for raw in _many(args, "q"):
        try:
            parsed = parse(raw)
        except QuerySyntaxError as exc:
            raise ParamError("q", str(exc)) from exc
        if parsed.is_empty:  # as a search it lists everything: not a term to compare
            raise ParamError("q", f"{raw[:40]!r} 里没有可检索的文字（只有引号、OR、括号或标点）")
        if raw not in terms:
            terms.append(raw)
    if len(terms) > MAX_TREND_TERMS:
        raise ParamError("q", f"最多比较 {MAX_TREND_TERMS} 个检索词，收到 {len(terms)} 个")
    measure = _choice(args, "measure", TREND_MEASURES)
    filters = parse_search_args(_without(args, "q", "measure", "sort", "group", "page", "reprints"))
    filters = replace(filters, per_page=SearchQuery.per_page)
    return TrendsQuery(tuple(terms), filters, measure)


@dataclass(frozen=True)
class KwicQuery:
    """A concordance: the search's query and filters, how lines are sorted, which page."""

    search: SearchQuery = field(default_factory=SearchQuery)
    sort: str = "doc"
    order: str = "pinyin"
    width: int = KWIC_DEFAULT_WIDTH
    page: int = 1
    per_page: int = KWIC_DEFAULT_PER_PAGE

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """The query as URL parameters, defaults left out."""
        query = replace(self, **changes) if changes else self
        pairs = query.search.params()
        if query.sort != "doc":
            pairs.append(("sort", query.sort))
        if query.order != "pinyin":
            pairs.append(("order", query.order))
        if query.width != KWIC_DEFAULT_WIDTH:
            pairs.append(("width", str(query.width)))
        if query.page != 1:
            pairs.append(("page", str(query.page)))
        if query.per_page != KWIC_DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(query.per_page)))
        return pairs

    def echo(self) -> dict:
        search = self.search.echo()
        for name in ("sort", "page", "per_page", "group"):
            search.pop(name, None)
        return search | {
            "sort": self.sort,
            "order": self.order,
            "width": self.width,
            "page": self.page,
            "per_page": self.per_page,
        }


def parse_kwic_args(args: Mapping) -> KwicQuery:
    """Build a KwicQuery: ``q`` and the filters as in search, plus sort, order, width, paging."""
    own = ("sort", "order", "width", "page", "per_page", "group", "reprints")
    search = parse_search_args(_without(args, *own))
    return KwicQuery(
        search=search,
        sort=_choice(args, "sort", KWIC_SORTS),
        order=_choice(args, "order", KWIC_ORDERS),
        width=_int(args, "width", KWIC_DEFAULT_WIDTH, 4, 80),
        page=_int(args, "page", 1, 1, KWIC_MAX_PAGE),
        per_page=_int(args, "per_page", KWIC_DEFAULT_PER_PAGE, 1, KWIC_MAX_PER_PAGE),
    )


# A refused request: what its form gives back ----------------------------------------------


def typed_terms(args: Mapping) -> list[str]:
    """The non-blank ``q`` values as typed (at most 20, each cut to the box's length), for the
    form of a request that was refused."""
    return [term[:MAX_QUERY_CHARS] for term in _many(args, "q")[:MAX_TYPED_TERMS]]


def parse_without_bad(
    args: Mapping, parse_args: Callable[[Mapping], Q], refused: ParamError
) -> tuple[Q, list[ParamError]]:
    """The request parsed without ``q``, the refused parameter and any other bad one (the
    filters a corrected request keeps), and every problem found, the refused one first."""
    problems = [refused]
    rest = _without(args, "q", refused.param)
    while True:
        try:
            return parse_args(rest), problems
        except ParamError as exc:
            if exc.param not in rest:  # not one of the request's own parameters
                return parse_args(MultiDict()), problems
            problems.append(exc)
            rest = _without(rest, exc.param)
