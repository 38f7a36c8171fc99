"""The research pages' data (trends, concordance): one plain dict per page, with every URL.

Rendered as HTML by a template and served as JSON by the same view, like ``pages``.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from urllib.parse import urlencode

from whoosh.searching import Searcher

from .chart import Series, legend_marker, line_chart
from .citations import document_url, permalink_url
from .kwic import TOP_COLLOCATES, Line, concordance, lines
from .pages import _pager as page_links
from .pages import filter_chips, search_url, search_urls
from .query import ParamError, SearchQuery
from .research_query import MAX_TREND_TERMS, KwicQuery, TrendsQuery
from .trends import Trends, trends

MEASURE_LABELS = {"per_10k": "每万段", "count": "段数"}
UNKNOWN_PLACE = "地点不详"


def _url(path: str, pairs: list[tuple[str, str]]) -> str:
    return path + ("?" + urlencode(pairs) if pairs else "")


def trends_url(query: TrendsQuery, path: str = "/trends", **changes: object) -> str:
    """A trends page (or its CSV/JSON) for the query with some fields changed."""
    return _url(path, query.params(**changes))


def trends_page(searcher: Searcher, query: TrendsQuery) -> dict:
    """Each term's paragraphs per year and per city, raw and per 10,000, each with its search."""
    result = trends(searcher, list(query.terms), query.filters)
    series = [_series(query, result, k) for k in range(len(result.terms))]
    return {
        "query": query.echo(),
        "measure": query.measure,
        "measures": _options(MEASURE_LABELS, query.measure, lambda m: trends_url(query, measure=m)),
        "years": [int(y) for y in result.years],  # numbers, as each point's "year"
        "series": series,
        "places": _places(query, result),
        "base": {
            "total": result.base.total,
            "undated": result.base.by_year.get("", 0),
            "by_year": [
                {"year": int(y), "paragraphs": result.base.by_year.get(y, 0)} for y in result.years
            ],
        },
        "chart": _chart(query, result, series) if series and result.years else "",
        "filtered": query.is_filtered,
        "chips": filter_chips(query.filters, lambda f: trends_url(replace(query, filters=f))),
        "clear_url": trends_url(
            replace(query, filters=SearchQuery(facet_size=query.filters.facet_size))
        ),
        "took_ms": round(result.took_ms, 1),
        "form": {
            "terms": [*query.terms, *[""] * (MAX_TREND_TERMS - len(query.terms))],
            "filters": _hidden(query),
        },
        "exports": {
            "csv": trends_url(query, "/trends.csv"),
            "json": trends_url(query, "/api/trends"),
        },
    }


def trends_refused(query: TrendsQuery, typed: list[str], problems: list[ParamError]) -> dict:
    """The trends form of a refused request: the terms as typed, the filters that were good
    (``query``), and each problem naming its parameter; no numbers."""
    shown = replace(query, terms=tuple(typed))  # the chips' links keep what was typed
    return {
        "query": query.echo() | {"q": typed},
        "errors": _problems(problems),
        "series": [],
        "chips": filter_chips(query.filters, lambda f: trends_url(replace(shown, filters=f))),
        "clear_url": trends_url(
            replace(shown, filters=SearchQuery(facet_size=query.filters.facet_size))
        ),
        "form": {
            "terms": [*typed, *[""] * (MAX_TREND_TERMS - len(typed))],
            "filters": _hidden(query),
        },
    }


def _problems(problems: list[ParamError]) -> list[dict]:
    return [{"param": p.param, "message": p.message} for p in problems]


def _hidden(query: TrendsQuery) -> list[dict]:
    """The filters a new comparison keeps (hidden fields of the form)."""
    return [{"name": k, "value": v} for k, v in query.params() if k != "q"]


def _series(query: TrendsQuery, result: Trends, k: int) -> dict:
    found = result.terms[k]
    every_year = query.term_query(found.term, year=(), year_from=None, year_to=None)
    urls = search_urls(every_year, "year", result.years)
    points = []
    for year in result.years:
        count = found.by_year.get(year, 0)
        points.append(
            {
                "year": int(year),
                "count": count,
                "per_10k": result.rate(count, result.base.by_year.get(year, 0)),
                "url": urls[year],
            }
        )
    return {
        "term": found.term,
        "total": found.total,
        "undated": found.by_year.get("", 0),
        "url": search_url(query.term_query(found.term)),
        "kwic_url": _url("/kwic", query.term_query(found.term).params()),
        "swatch": legend_marker(k),
        "points": points,
    }


def _places(query: TrendsQuery, result: Trends) -> list[dict]:
    """Cities (counties rolled up into them) by the terms' total, each term's count and rate."""
    cities = sorted(
        {c for t in result.terms for c in t.by_city},
        key=lambda c: (-sum(t.by_city.get(c, 0) for t in result.terms), c == "", c),
    )
    urls = [
        search_urls(query.term_query(found.term, city=()), "city", [c for c in cities if c])
        for found in result.terms
    ]
    rows = []
    for city in cities:
        paragraphs = result.base.by_city.get(city, 0)
        cells = []
        for found, term_urls in zip(result.terms, urls, strict=True):
            count = found.by_city.get(city, 0)
            cells.append(
                {
                    "term": found.term,
                    "count": count,
                    "per_10k": result.rate(count, paragraphs),
                    "url": term_urls[city] if city and count else "",
                }
            )
        rows.append(
            {"city": city, "label": city or UNKNOWN_PLACE, "paragraphs": paragraphs, "cells": cells}
        )
    return rows


def _chart(query: TrendsQuery, result: Trends, series: list[dict]):
    lines = []
    for item in series:
        values, tips = [], []
        for point in item["points"]:
            value = point[query.measure]
            values.append(None if value is None else float(value))
            rate = "—" if point["per_10k"] is None else f"{point['per_10k']:g}"
            tips.append(f"{item['term']} · {point['year']}：{point['count']} 段，每万段 {rate}")
        lines.append(Series(item["term"], values, tips, [p["url"] for p in item["points"]]))
    label = "每万段中的段落数" if query.measure == "per_10k" else "段落数"
    title = "、".join(query.terms) + f"：各年{label}"
    return line_chart(result.years, lines, label, title)


CSV_COLUMNS = ("term", "dimension", "value", "count", "paragraphs", "per_10k", "url")


def trends_rows(page: dict) -> list[dict]:
    """The page's numbers as flat rows (per year, the unknown year as "", then per city) for
    the CSV export: each term's rows of either dimension add up to its total."""
    rows = []
    by_year = {b["year"]: b["paragraphs"] for b in page["base"]["by_year"]}
    undated = page["base"]["undated"]
    for item in page["series"]:
        for point in item["points"]:
            rows.append(
                {
                    "term": item["term"],
                    "dimension": "year",
                    "value": point["year"],
                    "count": point["count"],
                    "paragraphs": by_year.get(point["year"], 0),
                    "per_10k": point["per_10k"],
                    "url": point["url"],
                }
            )
        if item["undated"]:  # no search lists the unknown year alone: no URL
            rate = Trends.rate(item["undated"], undated)
            rows.append(
                {"term": item["term"], "dimension": "year", "value": "", "url": ""}
                | {"count": item["undated"], "paragraphs": undated, "per_10k": rate}
            )
    for place in page["places"]:
        for cell in place["cells"]:
            rows.append(
                {
                    "term": cell["term"],
                    "dimension": "city",
                    "value": place["city"],
                    "count": cell["count"],
                    "paragraphs": place["paragraphs"],
                    "per_10k": cell["per_10k"],
                    "url": cell["url"],
                }
            )
    return rows


MARKUP_KEYS = ("chart", "swatch", "form")


def for_json(page: dict) -> dict:
    """The page without what only the HTML needs (drawn chart, swatches, the form)."""
    data = {k: v for k, v in page.items() if k not in MARKUP_KEYS}
    if "series" in data:
        data["series"] = [
            {k: v for k, v in s.items() if k not in MARKUP_KEYS} for s in data["series"]
        ]
    return data


# Concordance ---------------------------------------------------------------------------------

SORT_LABELS = {"doc": "按时间", "left": "按左侧", "right": "按右侧"}
ORDER_LABELS = {"pinyin": "拼音", "char": "字符"}
KWIC_CSV_COLUMNS = (
    "doc_id",
    "n",
    "title",
    "date",
    "year",
    "city",
    "county",
    "left",
    "match",
    "right",
    "permalink",
)


def kwic_url(query: KwicQuery, path: str = "/kwic", **changes: object) -> str:
    """A concordance page (or its CSV/JSON) for the query with some fields changed."""
    return _url(path, query.params(**changes))


KWIC_EXPORT_LIMIT = 20_000  # lines of /kwic.csv (config KWIC_EXPORT_LIMIT)


def kwic_page(searcher: Searcher, query: KwicQuery, export_limit: int = KWIC_EXPORT_LIMIT) -> dict:
    """One page of concordance lines, every occurrence counted, collocates at the top;
    ``export_limit``: the lines the CSV export holds at most."""
    found = concordance(searcher, query.search, query.sort, query.order)
    total = len(found.occurrences)
    pages = max(1, -(-total // query.per_page))
    start = (query.page - 1) * query.per_page
    chosen = found.occurrences[start : start + query.per_page]
    return {
        "query": query.echo(),
        "no_text_term": not query.search.parsed.groups,
        "total": total,
        "paragraphs": found.paragraphs,
        "took_ms": round(found.took_ms, 1),
        "lines": [_line(line, query) for line in lines(searcher, chosen, query.width)],
        "collocates": {
            "left": _collocates(found.left),
            "right": _collocates(found.right),
        },
        "sorts": _options(SORT_LABELS, query.sort, lambda s: kwic_url(query, sort=s, page=1)),
        "orders": _options(ORDER_LABELS, query.order, lambda o: kwic_url(query, order=o, page=1)),
        "pagination": page_links(query.page, pages, lambda p: kwic_url(query, page=p)),
        "chips": filter_chips(query.search, lambda s: kwic_url(replace(query, search=s, page=1))),
        "clear_url": kwic_url(
            query, search=SearchQuery(q=query.search.q, facet_size=query.search.facet_size), page=1
        ),
        "search_url": search_url(query.search),
        "trends_url": trends_url(TrendsQuery((query.search.q,), replace(query.search, q="")))
        if query.search.q
        else "",
        "form": {"filters": _kwic_hidden(query)},
        "exports": {
            "csv": kwic_url(query, "/kwic.csv", page=1),
            "json": kwic_url(query, "/api/kwic"),
            "limit": export_limit,
            "cut": total > export_limit,
        },
    }


def kwic_refused(query: KwicQuery, typed: str, problems: list[ParamError]) -> dict:
    """The concordance form of a refused request: the query as typed, the filters that were
    good (``query``), and each problem naming its parameter; no lines."""
    shown = replace(query, search=replace(query.search, q=typed), page=1)
    return {
        "query": query.echo() | {"q": typed},
        "errors": _problems(problems),
        "chips": filter_chips(shown.search, lambda s: kwic_url(replace(shown, search=s))),
        "clear_url": kwic_url(
            shown, search=SearchQuery(q=typed, facet_size=query.search.facet_size)
        ),
        "form": {"filters": _kwic_hidden(query)},
    }


def _kwic_hidden(query: KwicQuery) -> list[dict]:
    """The filters and options a new concordance keeps (hidden fields of the form)."""
    return [{"name": k, "value": v} for k, v in query.params(page=1) if k != "q"]


def _options(labels: dict[str, str], current: str, url) -> list[dict]:
    """The choices of one option, each with its label, whether chosen, and its URL."""
    return [
        {"value": value, "label": label, "selected": value == current, "url": url(value)}
        for value, label in labels.items()
    ]


def _line(line: Line, query: KwicQuery) -> dict:
    return {
        "left": line.left,
        "match": line.match,
        "right": line.right,
        "permalink": permalink_url(line.doc_id, line.n, line.fp),
        "document_url": document_url(line.doc_id, query.search.q, line.n),
        "doc_id": line.doc_id,
        "n": line.n,
        "title": line.title,
        "date": line.date,
        "year": line.year,
        "city": line.city,
        "county": line.county,
    }


def _collocates(counts) -> list[dict]:
    """The most frequent words on one side of the match, most frequent first."""
    top = heapq.nsmallest(TOP_COLLOCATES, counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"word": word, "count": count} for word, count in top]


def kwic_rows(searcher: Searcher, query: KwicQuery, limit: int) -> list[dict]:
    """Every line (up to ``limit``) in the page's order, for the CSV export."""
    found = concordance(searcher, query.search, query.sort, query.order)
    return [_line(line, query) for line in lines(searcher, found.occurrences[:limit], query.width)]
