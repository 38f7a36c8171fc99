"""Page data for browsing the archive: the landing page and the report list (``/docs``).

Both are plain data structures rendered as HTML or JSON by the same view; every URL they need
is made here. Reports are counted from their catalogue metadata (one per report), not from
paragraphs. The metadata is turned once per index version into numpy codes per facet and one
order per sort (``ReportTable``), so a request filters, counts and pages 100,000 reports in C
and reads only the page it shows; the landing page is made once per index version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
from pypinyin import lazy_pinyin
from whoosh.searching import Searcher

from .caching import RecentCache
from .citations import document_url
from .query import DocsQuery, date_in_range
from .search import facet_columns

DOC_SORT_LABELS = {"date_desc": "最新", "date_asc": "最早", "title": "标题（按拼音）"}
DOC_FACETS = ("source", "city", "county", "year")
DOC_FACET_LABELS = {"source": "报纸", "city": "城市", "county": "区县", "year": "年份"}
LATEST_REPORTS = 8  # reports listed on the landing page
TOP_VALUES = 12  # cities and newspapers listed on the landing page
HISTOGRAM_FILL_SPAN = 80  # missing years get an empty bar when the years span at most this
UNDATED = "9999-99-99"  # sorts undated reports after dated ones, newest first or oldest first


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return path + ("?" + urlencode(params) if params else "")


def docs_url(query: DocsQuery, **changes: object) -> str:
    """The report list URL for a list query with some fields changed."""
    qs = query.query_string(**changes)
    return "/docs" + ("?" + qs if qs else "")


def _year(meta: dict) -> str:
    return str(meta.get("year") or "")


def _value(meta: dict, facet: str) -> str:
    return _year(meta) if facet == "year" else str(meta.get(facet) or "")


def summary(meta: dict, back: str = "") -> dict:
    """A report's metadata as the lists show it, with its page ("url" is the source's) and,
    from the report list, its page with the way back to the same list (``read_url``)."""
    page = document_url(meta["doc_id"])
    read_url = page + "?" + urlencode({"back": back}) if back else page
    return dict(meta) | {"document_url": page, "read_url": read_url}


def _newest_first(meta: dict) -> tuple:
    """Sort key: dated reports newest first, then reports known by their year, then the rest."""
    when = meta.get("date") or (f"{_year(meta)}-00-00" if _year(meta) else "")
    return (not when, _negate(when), meta["doc_id"])


def _negate(text: str) -> str:
    """A string that sorts in the reverse order of ``text`` (digits and dashes only)."""
    return text.translate(str.maketrans("0123456789-", "9876543210~"))


def _oldest_first(meta: dict) -> tuple:
    when = meta.get("date") or (f"{_year(meta)}-99-99" if _year(meta) else UNDATED)
    return (when, meta["doc_id"])


def _by_title(meta: dict) -> tuple:
    title = meta.get("title") or ""
    return (not title, lazy_pinyin(title), title, meta["doc_id"])


SORT_KEYS: dict[str, Callable[[dict], tuple]] = {
    "date_desc": _newest_first,
    "date_asc": _oldest_first,
    "title": _by_title,
}


# The report list ------------------------------------------------------------------------------


@dataclass
class ReportTable:
    """Every report's metadata of one index version, with its facet values and dates as numpy
    codes and one order per sort (built when first asked for)."""

    metas: list[dict]  # by doc_id (shared: do not modify)
    codes: dict[str, np.ndarray]  # facet -> each report's code into values[facet]
    values: dict[str, list[str]]  # facet -> its distinct values ("" among them)
    parents: dict[str, str]  # county -> its city
    when: np.ndarray  # each report's code into dates
    dates: list[tuple[str, str]]  # distinct (date, year)
    orders: dict[str, np.ndarray] = field(default_factory=dict)

    def order(self, sort: str) -> np.ndarray:
        """The reports' positions in the order of a sort (two threads may both build it:
        equal arrays, assigned whole)."""
        found = self.orders.get(sort)
        if found is None:
            key = SORT_KEYS[sort]
            ranked = sorted(range(len(self.metas)), key=lambda i: key(self.metas[i]))
            found = self.orders[sort] = np.array(ranked, dtype=np.int64)
        return found


def _codes(values: list) -> tuple[np.ndarray, list]:
    """(each value's code, the distinct values in first-seen order)."""
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int64, len(values))
    return codes, list(index)


def report_table_of(metas: list[dict]) -> ReportTable:
    codes, values = {}, {}
    for facet in DOC_FACETS:
        codes[facet], values[facet] = _codes([_value(m, facet) for m in metas])
    when, dates = _codes([(m.get("date") or "", _year(m)) for m in metas])
    parents = {m.get("county"): m.get("city") or "" for m in metas}
    return ReportTable(metas, codes, values, parents, when, dates)


_TABLES: RecentCache[tuple[object, ReportTable]] = RecentCache(2)


def report_table(searcher: Searcher) -> ReportTable:
    """The report table of the searcher's index version, built once per version."""
    columns = facet_columns(searcher)  # kept alive with the table: its id names the version

    def build() -> tuple[object, ReportTable]:
        return columns, report_table_of(columns.catalogue(searcher))

    return _TABLES.get(id(columns), build)[1]


def _selected(table: ReportTable, facet: str, chosen: Iterable[str]) -> np.ndarray:
    """Per report, whether its value of the facet is one of those chosen."""
    wanted = set(chosen)
    allowed = np.array([v in wanted for v in table.values[facet]], dtype=bool)
    return allowed[table.codes[facet]]


def _filters(table: ReportTable, query: DocsQuery) -> dict[str, np.ndarray | None]:
    """Per facet with a selection (and "date" for a date range), the reports it lets pass."""
    masks: dict[str, np.ndarray | None] = {}
    for facet in DOC_FACETS:
        chosen = getattr(query, facet)
        masks[facet] = _selected(table, facet, chosen) if chosen else None
    if query.date_from or query.date_to:
        low, high = query.date_from, query.date_to
        inside = np.array([date_in_range(d, y, low, high) for d, y in table.dates], dtype=bool)
        masks["date"] = inside[table.when]
    return masks


def _passing(table: ReportTable, masks: dict[str, np.ndarray | None], skip: str = ""):
    """Per report, whether it passes every filter but ``skip``'s."""
    passing = np.ones(len(table.metas), dtype=bool)
    for name, mask in masks.items():
        if name != skip and mask is not None:
            passing &= mask
    return passing


def _facet_values(
    table: ReportTable, masks: dict[str, np.ndarray | None], query: DocsQuery, facet: str
) -> tuple[list[dict], int]:
    """One facet's values with report counts (ignoring its own selection) and toggle URLs:
    years in order, every one; the others by count, at most ``query.facet_size`` of them and
    the selected ones always; and how many values with a count are left out."""
    values = table.values[facet]
    tally = np.bincount(table.codes[facet][_passing(table, masks, facet)], minlength=len(values))
    counts = Counter({values[i]: int(tally[i]) for i in np.flatnonzero(tally)})
    counts.pop("", None)
    selected = getattr(query, facet)
    for value in selected:
        counts.setdefault(value, 0)
    if facet == "year":
        ordered, left_out = sorted(counts.items()), 0
    else:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ordered, left_out = _cut(ordered, query.facet_size, selected)
    parents = table.parents if facet == "county" else {}
    listed = [
        {
            "value": value,
            "count": count,
            "selected": value in selected,
            "parent": parents.get(value, ""),
            "toggle_url": docs_url(query.toggled(facet, value)),
            "focus": f"{facet}:{value}",  # app.js puts the focus back here after a reload
        }
        for value, count in ordered
    ]
    return listed, left_out


def _cut(ordered: list[tuple[str, int]], size: int | None, selected: tuple[str, ...]) -> tuple:
    """The first ``size`` values (all for None) and the selected ones past them; how many
    values with a count this leaves out."""
    if size is None or len(ordered) <= size:
        return ordered, 0
    kept = [(v, n) for v, n in ordered[size:] if v in selected]
    return ordered[:size] + kept, len(ordered) - size - len(kept)


def _chips(query: DocsQuery) -> list[dict]:
    chips = [
        {
            "facet": facet,
            "label": f"{DOC_FACET_LABELS[facet]}：{value}",
            "remove_url": docs_url(query.toggled(facet, value)),
            "focus": f"{facet}:{value}",
        }
        for facet in DOC_FACETS
        for value in getattr(query, facet)
    ]
    if query.date_from or query.date_to:
        chips.append(
            {
                "facet": "date",
                "label": f"日期：{query.date_from or '…'} 至 {query.date_to or '…'}",
                "remove_url": docs_url(query, date_from="", date_to="", page=1),
            }
        )
    return chips


def report_list(searcher: Searcher, query: DocsQuery, pager: Callable) -> dict:
    """The report list: one page of reports, facets with counts, chips, sorts and paging.

    ``pager(page, pages, url_of)`` makes the paging links (shared with the search page).
    """
    table = report_table(searcher)
    masks = _filters(table, query)
    facets = {facet: _facet_values(table, masks, query, facet) for facet in DOC_FACETS}
    facets_more = {facet: n for facet, (_values, n) in facets.items() if n}
    order = table.order(query.sort)
    passing = order[_passing(table, masks)[order]]
    pages = max(1, -(-len(passing) // query.per_page))
    start = (query.page - 1) * query.per_page
    shown = [table.metas[i] for i in passing[start : start + query.per_page].tolist()]
    return {
        "query": query.echo(),
        "url": docs_url(query),
        "api_url": "/api/documents" + docs_url(query).removeprefix("/docs"),
        "total": len(passing),
        "reports": len(table.metas),
        "documents": [summary(m, docs_url(query)) for m in shown],
        "facets": {facet: values for facet, (values, _n) in facets.items()},
        "facets_more": facets_more,
        "facets_all_url": docs_url(query, facet_size=None) if facets_more else "",
        "chips": _chips(query),
        "clear_url": docs_url(
            DocsQuery(sort=query.sort, per_page=query.per_page, facet_size=query.facet_size)
        ),
        "sorts": [
            {
                "value": sort,
                "label": label,
                "selected": sort == query.sort,
                "url": docs_url(query, sort=sort, page=1),
            }
            for sort, label in DOC_SORT_LABELS.items()
        ],
        "pagination": pager(query.page, pages, lambda p: docs_url(query, page=p)),
        "forms": {
            "dates": [
                {"name": k, "value": v}
                for k, v in query.params()
                if k not in ("date_from", "date_to", "page")
            ]
        },
    }


# The landing page -----------------------------------------------------------------------------


def _counted(values: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(v for v in values if v)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _year_bars(metas: list[dict]) -> list[dict]:
    """Reports per year, gaps filled, each bar linking to that year's reports."""
    by_year = Counter(int(_year(m)) for m in metas if _year(m).isdigit())
    if not by_year:
        return []
    low, high = min(by_year), max(by_year)
    years = range(low, high + 1) if high - low <= HISTOGRAM_FILL_SPAN else sorted(by_year)
    peak = max(by_year.values())
    return [
        {
            "value": str(year),
            "count": by_year[year],
            "height": max(4, round(100 * by_year[year] / peak)) if by_year[year] else 0,
            "url": _url("/docs", [("year", str(year))]) if by_year[year] else "",
        }
        for year in years
    ]


_HOME: RecentCache[tuple[object, dict]] = RecentCache(2)


def home_page(searcher: Searcher) -> dict:
    """The archive at a glance: counts, years, places, newspapers and the latest reports; made
    once per index version (shared: do not modify)."""
    table = report_table(searcher)
    return _HOME.get(id(table), lambda: (table, _home_page(table.metas)))[1]


def _home_page(metas: list[dict]) -> dict:
    cities = _counted(m.get("city") or "" for m in metas)
    counties = _counted(f"{m.get('city') or ''}\t{m.get('county') or ''}" for m in metas)
    places = [
        {
            "value": city,
            "count": count,
            "url": _url("/docs", [("city", city)]),
            "counties": [
                {"value": c, "count": n, "url": _url("/docs", [("county", c)])}
                for key, n in counties
                for parent, c in [key.split("\t")]
                if parent == city and c
            ],
        }
        for city, count in cities[:TOP_VALUES]
    ]
    latest = sorted(metas, key=_newest_first)[:LATEST_REPORTS]
    return {
        "reports": len(metas),
        "paragraphs": sum(m.get("blocks") or 0 for m in metas),
        "years": _year_bars(metas),
        "undated": sum(1 for m in metas if not _year(m)),
        "places": places,
        "unplaced": sum(1 for m in metas if not m.get("city")),
        "sources": [
            {"value": s, "count": n, "url": _url("/docs", [("source", s)])}
            for s, n in _counted(m.get("source") or "" for m in metas)[:TOP_VALUES]
        ],
        "latest": [summary(m) for m in latest],
        "docs_url": "/docs",
        "all_paragraphs_url": "/?sort=date_desc",
    }
