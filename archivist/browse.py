"""Page data for browsing the archive: the landing page and the report list (``/docs``).

Both are plain data structures rendered as HTML or JSON by the same view; every URL they need
is made here. Reports are counted from their catalogue metadata (one per report), not from
paragraphs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from pypinyin import lazy_pinyin
from whoosh.searching import Searcher

from .citations import document_url
from .query import DocsQuery, date_in_range
from .search import list_documents

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


def _passes(meta: dict, query: DocsQuery, skip: str = "") -> bool:
    """Whether a report passes every filter of the list (but ``skip``'s own selection)."""
    for facet in DOC_FACETS:
        selected = getattr(query, facet)
        if facet != skip and selected and _value(meta, facet) not in selected:
            return False
    return date_in_range(meta.get("date") or "", _year(meta), query.date_from, query.date_to)


def _facet_values(metas: list[dict], query: DocsQuery, facet: str) -> list[dict]:
    """One facet's values with report counts (ignoring its own selection) and toggle URLs."""
    counts = Counter(_value(m, facet) for m in metas if _passes(m, query, skip=facet))
    counts.pop("", None)
    for value in getattr(query, facet):
        counts.setdefault(value, 0)
    if facet == "year":
        ordered = sorted(counts.items())
    else:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parents = {m.get("county"): m.get("city") or "" for m in metas} if facet == "county" else {}
    return [
        {
            "value": value,
            "count": count,
            "selected": value in getattr(query, facet),
            "parent": parents.get(value, ""),
            "toggle_url": docs_url(query.toggled(facet, value)),
            "focus": f"{facet}:{value}",  # app.js puts the focus back here after a reload
        }
        for value, count in ordered
    ]


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
    metas = list_documents(searcher)
    passing = sorted((m for m in metas if _passes(m, query)), key=SORT_KEYS[query.sort])
    pages = max(1, -(-len(passing) // query.per_page))
    start = (query.page - 1) * query.per_page
    return {
        "query": query.echo(),
        "url": docs_url(query),
        "api_url": "/api/documents" + docs_url(query).removeprefix("/docs"),
        "total": len(passing),
        "reports": len(metas),
        "documents": [summary(m, docs_url(query)) for m in passing[start : start + query.per_page]],
        "facets": {facet: _facet_values(metas, query, facet) for facet in DOC_FACETS},
        "chips": _chips(query),
        "clear_url": docs_url(DocsQuery(sort=query.sort, per_page=query.per_page)),
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


def home_page(searcher: Searcher) -> dict:
    """The archive at a glance: counts, years, places, newspapers and the latest reports."""
    metas = list_documents(searcher)
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
