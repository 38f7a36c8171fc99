"""One plain data structure per page: built here, rendered as HTML or serialised as JSON.

Every URL a template needs (facet toggles, chips, pages, sorts, exports, hits' document pages
and permalinks) is made here, none in the search layer or the templates; templates loop, pick
labels and tags, and print.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

import numpy as np
from whoosh.searching import Searcher

from . import bibfiles, cslstyles
from .browse import home_page, report_list
from .citations import Resolution, document_url, permalink_url, quote_doc_id, resolve
from .explain import explain
from .formats import DOCX_MEDIA_TYPE
from .metadata import FIELDS
from .query import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, CiteQuery, DocsQuery, SearchQuery
from .references import citations, csl_item, zotero_tags
from .reprints import reprints_for
from .search import (
    BlockView,
    NotFound,
    SearchResults,
    block_numbers,
    count,
    document_fingerprints,
    document_lineage,
    document_meta,
    export_hits,
    get_document,
    matching_block_numbers,
    search,
)
from .suggest import suggestions

DOC_PAGE_BLOCKS = 500  # a longer document is shown in parts of this many blocks
REPRINTS_LISTED = 100  # reports sharing a document's paragraphs listed, most shared first
ALSO_IN_LISTED = 3  # reports named beside one paragraph carried by others
SORT_LABELS = {"relevance": "相关度", "date_desc": "最新", "date_asc": "最早"}
HISTOGRAM_FILL_SPAN = 80  # missing years get an empty bar when the years span at most this
HISTOGRAM_LABELS = 8  # about this many year labels under the histogram
FACET_LABELS = {
    "city": "城市",
    "county": "区县",
    "place": "提及地点",
    "year": "年份",
    "source": "报纸",
}
KIND_LABELS = {
    "title": "标题",
    "subtitle": "副标题",
    "kicker": "引题",
    "byline": "署名",
    "heading": "小标题",
    "body": "正文",
    "caption": "图片说明",
    "credit": "图片来源",
    "dateline": "日期行",
    "boilerplate": "版面信息",
}
# Said as a source ("据…"), so that the chip does not read like a block kind (正文 = body text).
PROVENANCE_LABELS = {
    "catalogue": "据编目",
    "html": "据网页元数据",
    "docx": "据 Word 文档属性",
    "pdf": "据 PDF 文档信息",
    "filename": "据文件名",
    "header": "据报头日期",
    "dateline": "据电头/导语",
    "text": "据文中",
    "page": "据所在版面",
    "": "未知",
}
INFERRED_MARK = "（推断）"
CITE_FORMAT_OPTIONS = [
    {"value": name, "label": label} for name, label in cslstyles.STYLE_LABELS.items()
] + [
    {"value": "ris", "label": "RIS 文件（EndNote、Zotero、NoteExpress）"},
    {"value": "bib", "label": "BibTeX 文件"},
    {"value": "json", "label": "CSL-JSON 文件"},
]
FIELD_LABELS = {
    "title": "标题",
    "subtitle": "副标题",
    "authors": "作者",
    "source": "来源",
    "date": "日期",
    "year": "年份",
    "page": "版次",
    "city": "城市",
    "county": "区县",
    "url": "原文链接",
}


def search_url(query: SearchQuery, **changes: object) -> str:
    """The search page URL for a query with some fields changed."""
    qs = query.query_string(**changes)
    return "/" + ("?" + qs if qs else "")


def search_urls(query: SearchQuery, facet: str, values: Iterable[str]) -> dict[str, str]:
    """The search page URL of the query with each of a facet's values toggled (page 1), the
    other parameters encoded once: what ``search_url`` gives for each."""
    return {
        value: "/" + ("?" + qs if qs else "")
        for value, qs in query.toggled_strings(facet, values).items()
    }


def _with_format(path: str, query: SearchQuery, **changes: object) -> str:
    qs = query.query_string(**changes)
    return path + ("?" + qs if qs else "")


def doc_link(doc_id: str, state: SearchQuery, n: int | None = None) -> str:
    """The document page (at paragraph ``n``) carrying the search it was reached from."""
    qs = "&".join(
        part for part in (state.query_string(), f"hit={n}" if n is not None else "") if part
    )
    url = f"/doc/{quote_doc_id(doc_id)}" + ("?" + qs if qs else "")
    return url + (f"#p{n}" if n is not None else "")


def cite_link(doc_id: str, n: int, fp: str, state: SearchQuery) -> str:
    """A paragraph's permalink page carrying the search it was reached from (the permalink
    the page cites stays bare)."""
    url = permalink_url(doc_id, n, fp)
    qs = state.query_string()
    return url + (("&" if "?" in url else "?") + qs if qs else "")


def search_page(searcher: Searcher, query: SearchQuery, export_limit: int | None = None) -> dict:
    """The search page: query echo and reading, totals, hits, facets with toggle URLs, chips,
    paging, and corrections when little is found; ``export_limit``: how many paragraphs the
    exports hold at most (the page says when they hold fewer than the search finds)."""
    results = search(searcher, query)
    facets = _facets(results)
    corrections = [
        s | {"url": search_url(query, q=s["q"], page=1)}
        for s in suggestions(searcher, query, results.total)
    ]
    return {
        "query": query.echo(),
        "quoted": any(mark in query.q for mark in '"“「'),
        "reading": explain(query.parsed) if query.q else None,
        "suggestions": corrections,
        "tips": _tips(searcher, query, results.total),
        "url": search_url(query),
        "total": results.total,
        "documents": results.documents if query.group else None,  # counted when grouped
        "took_ms": round(results.took_ms, 1),
        "hits": [_hit(hit.to_dict(), query) for hit in results.hits],
        "facets": facets,
        "facets_more": results.facets_more,
        "facets_all_url": search_url(query, facet_size=None) if results.facets_more else "",
        "places": _places(facets),
        "mentioned": _places({"city": [], "county": facets.get("place", [])}, nested=True),
        "years": _year_histogram(facets.get("year", []), query),
        "chips": filter_chips(query),
        "clear_url": search_url(SearchQuery(q=query.q, sort=query.sort, group=query.group)),
        "pagination": _pagination(results),
        "sorts": _sorts(query),
        "group": {
            "on": query.group,
            "toggle_url": search_url(query, group=not query.group, page=1),
        },
        "reprints": {
            "on": query.reprints == "one",
            "toggle_url": search_url(query, reprints="" if query.reprints else "one", page=1),
        },
        "forms": {
            "search": _hidden_fields(query, "q", "page"),
            "years": _hidden_fields(query, "year_from", "year_to", "page"),
            "within": _hidden_fields(query, "page"),
            "advanced": _hidden_fields(query, "q", "date_from", "date_to", "page"),
        },
        "cite": {"action": "/cite", "formats": CITE_FORMAT_OPTIONS},
        "exports": {
            "csv": _with_format("/export.csv", query, page=1),
            "json": _with_format("/export.json", query, page=1),
            "atom": _with_format("/feed.atom", query, page=1),
            "limit": export_limit,
            "cut": export_limit is not None and results.total > export_limit,
        },
        "research": {
            "kwic": _with_format("/kwic", research_query(query)) if query.q else "",
            "trends": _with_format("/trends", research_query(query)) if query.q else "",
        },
    }


def research_query(query: SearchQuery) -> SearchQuery:
    """The part of a search the research pages take over: the query, every filter and
    ``facet_size``; not its sort, grouping, reprint option or paging, which mean other things
    there (the concordance's own sort and lines per page) or nothing."""
    return replace(
        query, sort="relevance", page=1, per_page=DEFAULT_PER_PAGE, group=False, reprints=""
    )


FEED_EPOCH = "1970-01-01"  # the time of a feed with no dated entry: stable, not "now"


def feed_page(searcher: Searcher, query: SearchQuery) -> dict:
    """The Atom feed of a search: its dated paragraphs, newest report first, each entry timed
    by its report's date (undated paragraphs have no time to give and are left out), the feed
    timed by its newest entry; the links are the search's own."""
    newest_first = replace(query, sort="date_desc", page=1, per_page=MAX_PER_PAGE)
    page = search_page(searcher, newest_first)
    dated = [hit for hit in page["hits"] if hit["date"]][: query.per_page]
    return page | {
        "hits": dated,
        "updated": dated[0]["date"] if dated else FEED_EPOCH,
        "url": search_url(query),
        "exports": {"atom": _with_format("/feed.atom", query, page=1)},
    }


def _tips(searcher: Searcher, query: SearchQuery, total: int) -> list[dict]:
    """What to try when nothing is found: each a whole sentence, with a link when there is
    one to follow (and how many paragraphs it finds)."""
    if total:
        return []
    tips = [{"text": "检查有没有错别字，或换一种说法。", "url": "", "count": None}]
    if any(mark in query.q for mark in '"“「'):
        unquoted = query.q.translate(str.maketrans("", "", '"“”「」'))
        found = count(searcher, replace(query, q=unquoted, page=1))
        tips.append(
            {
                "text": "去掉引号，让词语可以分开出现",
                "url": search_url(query, q=unquoted, page=1),
                "count": found,
            }
        )
    if query.city or query.county or query.has_year_filter or query.has_date_range:
        unfiltered = SearchQuery(q=query.q, sort=query.sort, group=query.group)
        tips.append(
            {
                "text": "清除筛选条件后再试",
                "url": search_url(unfiltered),
                "count": count(searcher, unfiltered),
            }
        )
    return tips


def _sorts(query: SearchQuery) -> list[dict]:
    """The sort options; without a query there is no relevance, and the newest come first."""
    current = "date_desc" if not query.q and query.sort == "relevance" else query.sort
    return [
        {
            "value": s,
            "label": SORT_LABELS[s],
            "selected": s == current,
            "url": search_url(query, sort=s, page=1),
        }
        for s in SORTS
        if query.q or s != "relevance"
    ]


def _hit(hit: dict, query: SearchQuery) -> dict:
    """A hit with its kind's label and, when grouped, the link to the rest of its document."""
    more = hit.get("group_more") or 0
    url = doc_link(hit["doc_id"], query, hit["n"])
    return hit | {
        "when": when(hit),
        "kind_label": KIND_LABELS.get(hit["kind"], hit["kind"]),
        "story_differs": bool(hit["story"]) and hit["story"] != hit["title"],
        "url": url,
        "permalink": permalink_url(hit["doc_id"], hit["n"], hit["fp"]),
        "cite_url": cite_link(hit["doc_id"], hit["n"], hit["fp"], query),
        "more_url": doc_link(hit["doc_id"], query) if more else "",
        "also_in_url": url if hit.get("also_in") else "",  # the paragraph names the others
    }


def _hidden_fields(query: SearchQuery, *dropped: str) -> list[dict]:
    """The query's parameters a form must carry along, minus those the form itself sets."""
    return [{"name": k, "value": v} for k, v in query.params() if k not in dropped]


def when(values: dict) -> str:
    """A date or year for display, marked when it was inferred rather than stated."""
    if values.get("date") and not values.get("date_inferred"):
        return values["date"]
    shown = values.get("date") or str(values.get("year") or "")
    return shown + INFERRED_MARK if shown and values.get("year_inferred") else shown


def story_line(facts: dict) -> str:
    """A story's own facts in one line: authors, date (marked when inferred), place."""
    place = " · ".join(x for x in (facts.get("city", ""), facts.get("county", "")) if x)
    parts = ["、".join(facts.get("authors") or []), when(facts), place]
    return " | ".join(part for part in parts if part)


def _places(facets: dict[str, list[dict]], nested: bool = False) -> list[dict]:
    """Cities with their counties nested; counties of no listed city under a blank city.
    With ``nested`` the cities are the values of ``county`` without a parent."""
    counties = facets.get("county", [])
    if nested:
        facets = {"city": [c for c in counties if not c["parent"]]}
        counties = [c for c in counties if c["parent"]]
    by_parent: dict[str, list[dict]] = {}
    for county in counties:
        by_parent.setdefault(county["parent"], []).append(county)
    tree = [
        city | {"counties": by_parent.get(city["value"], [])} for city in facets.get("city", [])
    ]
    listed = {city["value"] for city in tree}
    orphans = [c for c in counties if c["parent"] not in listed]
    if orphans:
        tree.append(
            {
                "value": "",
                "count": sum(c["count"] for c in orphans),
                "selected": False,
                "parent": "",
                "toggle_url": "",
                "counties": orphans,
            }
        )
    return tree


def _year_histogram(values: list[dict], query: SearchQuery) -> dict:
    """The year facet as histogram bars (gaps filled), with the range form's bounds."""
    by_year = {int(v["value"]): v for v in values if v["value"].isdigit()}
    bars: list[dict] = []
    if by_year:
        low, high = min(by_year), max(by_year)
        years = range(low, high + 1) if high - low <= HISTOGRAM_FILL_SPAN else sorted(by_year)
        peak = max(v["count"] for v in by_year.values()) or 1
        step = -(-len(years) // HISTOGRAM_LABELS)
        ranged = query.year_from is not None or query.year_to is not None
        for i, year in enumerate(years):
            value = by_year.get(year) or {"count": 0, "selected": False, "toggle_url": ""}
            count = value["count"]
            bars.append(
                {
                    "value": str(year),
                    "count": count,
                    "inferred": value.get("inferred", 0),
                    "selected": value["selected"],
                    "toggle_url": value["toggle_url"] if count or value["selected"] else "",
                    "focus": f"year:{year}",
                    "height": max(4, round(100 * count / peak)) if count else 0,
                    "in_range": not ranged or query.allows_year(str(year)),
                    "labelled": i % step == 0 or i == len(years) - 1,
                }
            )
    return {
        "bars": bars,
        "min": bars[0]["value"] if bars else "",
        "max": bars[-1]["value"] if bars else "",
        "year_from": query.year_from,
        "year_to": query.year_to,
    }


def _facets(results: SearchResults) -> dict[str, list[dict]]:
    query = results.query
    out: dict[str, list[dict]] = {}
    for name, values in results.facets.items():
        toggled = query.toggled_strings(name, [v.value for v in values])
        out[name] = [
            {
                "value": v.value,
                "count": v.count,
                "selected": v.selected,
                "parent": v.parent,
                "inferred": v.inferred,
                "toggle_url": "/" + ("?" + toggled[v.value] if toggled[v.value] else ""),
                "focus": f"{name}:{v.value}",  # app.js puts the focus back here after a reload
            }
            for v in values
        ]
    return out


def filter_chips(
    query: SearchQuery, url_of: Callable[[SearchQuery], str] = search_url
) -> list[dict]:
    """The query's filters, each with the URL (``url_of`` the query without it) removing it:
    the search page's, or a research page's when it passes its own ``url_of``."""
    chips = []
    for name in ("city", "county", "place", "year"):
        for value in getattr(query, name):
            chips.append(
                {
                    "facet": name,
                    "label": f"{FACET_LABELS[name]}：{value}",
                    "remove_url": url_of(query.toggled(name, value)),
                    "focus": f"{name}:{value}",
                }
            )
    if query.year_from is not None or query.year_to is not None:
        low = query.year_from or "…"
        high = query.year_to or "…"
        chips.append(
            {
                "facet": "year_range",
                "label": f"年份：{low}–{high}",
                "remove_url": url_of(replace(query, year_from=None, year_to=None, page=1)),
            }
        )
    if query.has_date_range:
        chips.append(
            {
                "facet": "date_range",
                "label": f"日期：{query.date_from or '…'} 至 {query.date_to or '…'}",
                "remove_url": url_of(replace(query, date_from="", date_to="", page=1)),
            }
        )
    return chips


def _pagination(results: SearchResults) -> dict:
    query = results.query
    return _pager(query.page, results.pages, lambda p: search_url(query, page=p))


def _pager(page: int, pages: int, url_of) -> dict:
    """Links to the pages around ``page``, the first and the last; ``url_of(p)`` makes each."""
    window = range(max(1, page - 3), min(pages, page + 3) + 1)
    return {
        "page": page,
        "pages": pages,
        "prev_url": url_of(page - 1) if page > 1 else "",
        "next_url": url_of(page + 1) if page < pages else "",
        "links": [{"page": p, "url": url_of(p), "current": p == page} for p in window],
        "first_url": url_of(1) if window.start > 1 else "",
        "last_url": url_of(pages) if window.stop <= pages else "",
        "final_url": url_of(pages),  # the last page, whatever the window
    }


def _provenance(meta: dict) -> list[dict]:
    provenance = meta.get("provenance") or {}
    rows = []
    for name in FIELDS:
        value = meta.get(name)
        if name == "authors":
            value = "、".join(value or [])
        if name in ("date", "year") and value and meta.get(f"{name}_inferred"):
            value = f"{value}{INFERRED_MARK}"
        rows.append(
            {
                "field": name,
                "label": FIELD_LABELS[name],
                "value": "" if value is None else str(value),
                "provenance": provenance.get(name, ""),
                "provenance_label": PROVENANCE_LABELS.get(provenance.get(name, ""), ""),
            }
        )
    return rows


RAW_LABELS = {
    "text/html": "查看原网页",
    "application/pdf": "查看原件（PDF）",
    DOCX_MEDIA_TYPE: "下载原件（Word）",
}


def raw_link(doc_id: str, meta: dict) -> dict:
    """The link to the original file: its address and what it is."""
    media_type = meta.get("media_type") or "text/plain"
    return {
        "url": f"/raw/{quote_doc_id(doc_id)}",
        "label": RAW_LABELS.get(media_type, "查看原始文本"),
        "media_type": media_type,
    }


def page_link(raw: dict, page: int | None) -> str:
    """The original opened at a page (PDF viewers read ``#page=N``), or "" when unknown."""
    if not page:
        return ""
    return f"{raw['url']}#page={page}" if raw["media_type"] == "application/pdf" else raw["url"]


def document_page(
    searcher: Searcher,
    doc_id: str,
    state: SearchQuery | None = None,
    hit: int | None = None,
    part: int | None = None,
    base_url: str = "",
    today: date | None = None,
    back: str = "",
) -> dict:
    """The document page: metadata with provenance, numbered blocks, matches of the query of
    ``state`` (the search it was reached from, which its links carry along), and the tags
    reference managers read (``base_url`` makes its canonical address); ``back`` is the report
    list it was opened from, if any (only /docs addresses are taken).

    A document of more than DOC_PAGE_BLOCKS blocks is shown in parts of that many blocks (the
    part holding paragraph ``hit`` unless ``part`` says otherwise): only that part is read.
    ``hit_blocks`` are the paragraphs matching the query in the whole document (from the
    index's match sets, no text read), ``hit_count`` the matches marked in the blocks shown.
    """
    state = state or SearchQuery()
    canonical = base_url.rstrip("/") + document_url(doc_id)
    q = state.q
    numbers = block_numbers(searcher, doc_id)
    parts = max(1, -(-len(numbers) // DOC_PAGE_BLOCKS))
    at = int(np.searchsorted(numbers, min(hit, 2**62))) if hit is not None else 0
    target_missing = hit is not None and not (at < len(numbers) and numbers[at] == hit)
    part_missing = part if part is not None and part > parts else None  # past the last part
    if part is None:
        part = at // DOC_PAGE_BLOCKS + 1
    part = min(part, parts)
    if parts == 1:
        view = get_document(searcher, doc_id, q)
        hit_blocks = [b.n for b in view.blocks if b.hits]
    else:
        window = numbers[(part - 1) * DOC_PAGE_BLOCKS : part * DOC_PAGE_BLOCKS]
        view = get_document(searcher, doc_id, q, (int(window[0]), int(window[-1])))
        hit_blocks = matching_block_numbers(searcher, doc_id, q).tolist()
    found = reprints_for(searcher)
    shared = found.for_document(doc_id) if found else []
    reprints = _reprints(searcher, shared[:REPRINTS_LISTED])
    also_in = _AlsoIn(searcher, {r["doc_id"]: r["title"] for r in reprints})
    raw = raw_link(doc_id, view.meta)
    blocks = [
        b.to_dict()
        | {
            "kind_label": KIND_LABELS.get(b.kind, b.kind),
            "anchor": f"p{b.n}",
            "permalink": cite_link(doc_id, b.n, b.fp, state),
            "story_starts": b.story != (view.blocks[i - 1].story if i else view.meta["title"]),
            "story_line": story_line(b.facts),
            **also_in(found.others(doc_id, b.n) if found else []),
            "page_url": page_link(raw, b.page),
            "page_starts": bool(b.page) and b.page != (view.blocks[i - 1].page if i else None),
        }
        for i, b in enumerate(view.blocks)
    ]
    return {
        "doc_id": doc_id,
        "meta": view.meta,
        "metadata": _provenance(view.meta),
        "q": q,
        "target": hit,
        "target_missing": target_missing,  # ``hit`` names no paragraph of the report
        "part_missing": part_missing,
        "hit_count": view.hit_count,
        "hit_blocks": hit_blocks,
        "pages": _document_parts(doc_id, state, part, parts, len(numbers), hit_blocks),
        "hit_nav": _hit_nav(doc_id, state, hit_blocks, hit),
        "blocks": blocks,
        "head": _head_blocks(blocks, view.meta),
        "reprints": reprints,
        "reprints_more": max(0, len(shared) - REPRINTS_LISTED),
        "raw_url": raw["url"],
        "raw_label": raw["label"],
        "search_url": search_url(state),
        "from_search": not state.is_blank,
        "list_url": back if _is_list_url(back) else "",
        "api_url": f"/api/documents/{quote_doc_id(doc_id)}",
        "canonical": canonical,
        "citation_meta": zotero_tags(csl_item(view.meta, canonical, today or date.today())),
    }


class _AlsoIn:
    """A paragraph's reprints: how many other reports carry it and the first few of them,
    each with its title and document page (titles looked up once per page)."""

    def __init__(self, searcher: Searcher, titles: dict[str, str]) -> None:
        self.searcher = searcher
        self.titles = titles

    def __call__(self, others: list[str]) -> dict:
        listed = [
            {"doc_id": other, "title": self._title(other), "url": document_url(other)}
            for other in others[:ALSO_IN_LISTED]
        ]
        return {"also_in": len(others), "also_in_docs": listed}

    def _title(self, doc_id: str) -> str:
        if doc_id not in self.titles:
            meta = _meta(self.searcher, doc_id)
            self.titles[doc_id] = (meta or {}).get("title", "")
        return self.titles[doc_id]


def _reprints(searcher: Searcher, shared: list[tuple[str, int]]) -> list[dict]:
    """The other reports carrying some of a document's paragraphs, with their titles."""
    rows = []
    for other, carried in shared:
        meta = _meta(searcher, other)
        if meta is None:
            continue
        title = meta.get("title", "")
        rows.append(
            {"doc_id": other, "shared": carried, "title": title, "url": document_url(other)}
        )
    return rows


def _meta(searcher: Searcher, doc_id: str) -> dict | None:
    try:
        return document_meta(searcher, doc_id)
    except NotFound:
        return None


def document_at(doc_id: str, n: int) -> str:
    """The document page opened at paragraph ``n`` (in its part, for a long document)."""
    part = (n - 1) // DOC_PAGE_BLOCKS + 1
    if part == 1:
        return document_url(doc_id, n=n)
    return f"/doc/{quote_doc_id(doc_id)}?part={part}#p{n}"


def _document_parts(
    doc_id: str, state: SearchQuery, part: int, parts: int, blocks: int, hit_blocks: list[int]
) -> dict:
    """The parts of a long document: which blocks this one shows, links to the parts around
    it and to the nearest matches outside it (the search state carried along)."""

    def url(number: int) -> str:
        params = state.params() + ([("part", str(number))] if number > 1 else [])
        return f"/doc/{quote_doc_id(doc_id)}" + ("?" + urlencode(params) if params else "")

    first = (part - 1) * DOC_PAGE_BLOCKS + 1 if blocks else 0
    last = min(blocks, part * DOC_PAGE_BLOCKS)
    before = hit_blocks[: bisect_left(hit_blocks, first)]  # hit_blocks ascend
    after = hit_blocks[bisect_right(hit_blocks, last) :]
    return {
        "page": part,
        "pages": parts,
        "blocks": blocks,
        "first": first,
        "last": last,
        "prev_url": url(part - 1) if part > 1 else "",
        "next_url": url(part + 1) if part < parts else "",
        "prev_hit_url": doc_link(doc_id, state, before[-1]) if before else "",
        "next_hit_url": doc_link(doc_id, state, after[0]) if after else "",
    }


def _is_list_url(url: str) -> bool:
    """Whether a way back is an address of our own report list (not another site's)."""
    return len(url) < 2000 and (url == "/docs" or url.startswith("/docs?"))


def _head_blocks(blocks: list[dict], meta: dict) -> dict:
    """The leading title and subtitle blocks that say what the metadata says: the page shows
    them once, as its heading, instead of a heading followed by the same text again."""
    head: dict[str, dict | None] = {"title": None, "subtitle": None}
    for block in blocks[:4]:
        kind = block["kind"]
        text = block["text"].strip().lstrip("—–-－ ")
        if kind in head and head[kind] is None and text and text == (meta.get(kind) or ""):
            head[kind] = block
            block["in_head"] = True
    return head


def _hit_nav(doc_id: str, state: SearchQuery, hit_blocks: list[int], target: int | None) -> dict:
    """Links to the previous and next paragraph with a match, around the target paragraph."""
    at = bisect_left(hit_blocks, target) if target is not None else 0  # hit_blocks ascend
    before = hit_blocks[:at]
    found = at < len(hit_blocks) and hit_blocks[at] == target
    after = hit_blocks[at + found :]
    return {
        "blocks": len(hit_blocks),
        "position": at + 1 if found else 0,
        "prev_url": doc_link(doc_id, state, before[-1]) if before else "",
        "next_url": doc_link(doc_id, state, after[0]) if after else "",
    }


class Moved(Exception):
    """A permalink whose text now lives at another paragraph number."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _cited_block(
    searcher: Searcher, doc_id: str, n: int, v: str
) -> tuple[dict, dict[int, BlockView], BlockView, str]:
    """The document's metadata, the blocks around the one a permalink lands on, that block and
    the resolution's status; three blocks are read, not the whole document, unless the cited
    text moved or changed.

    Raises Moved when the cited text is now at another number, NotFound when there is no such
    document or paragraph.
    """
    meta, by_n = _blocks_around(searcher, doc_id, n)
    if not v or (n in by_n and by_n[n].fp == v):
        if n not in by_n:
            raise _no_paragraph(searcher, doc_id, n)
        resolution: Resolution | None = Resolution(n, "ok")
    else:  # the cited text moved or changed: every fingerprint is needed
        fingerprints = document_fingerprints(searcher, doc_id)
        resolution = resolve(fingerprints, n, v, document_lineage(searcher, doc_id))
    if resolution is None:
        raise _no_paragraph(searcher, doc_id, n)
    if resolution.status == "moved":
        raise Moved(permalink_url(doc_id, resolution.n, v))
    if resolution.n not in by_n:
        meta, by_n = _blocks_around(searcher, doc_id, resolution.n)
    return meta, by_n, by_n[resolution.n], resolution.status


def _no_paragraph(searcher: Searcher, doc_id: str, n: int) -> NotFound:
    """A permalink to a paragraph the report does not have: how many it has, and the way to
    the report itself."""
    blocks = len(block_numbers(searcher, doc_id))
    message = f"报道 {doc_id} 没有第 {n} 段：全文共 {blocks} 段"
    return NotFound(message, back=(document_url(doc_id), "打开这篇报道"))


def _blocks_around(searcher: Searcher, doc_id: str, n: int) -> tuple[dict, dict[int, BlockView]]:
    """A document's metadata and its blocks n - 1, n and n + 1 (those that exist)."""
    view = get_document(searcher, doc_id, numbers=(n - 1, n + 1))
    return view.meta, {b.n: b for b in view.blocks}


def paragraph_page(
    searcher: Searcher,
    doc_id: str,
    n: int,
    v: str,
    base_url: str,
    today: date | None = None,
    state: SearchQuery | None = None,
    local: bool = False,
) -> dict:
    """The permalink page: the paragraph, one paragraph of context each side, citations.
    ``local`` says the address is this machine's own (no public address is configured).

    Raises Moved when the cited text is now at another number, NotFound when there is no such
    document or paragraph.
    """
    meta, by_n, block, status = _cited_block(searcher, doc_id, n, v)
    state = state or SearchQuery()
    permalink = base_url.rstrip("/") + permalink_url(doc_id, block.n, block.fp)
    raw = raw_link(doc_id, meta)
    cited = citations(_cited_meta(meta, block.facts), block.n, permalink, today)
    context = [by_n[k].to_dict() for k in (block.n - 1, block.n, block.n + 1) if k in by_n]
    for item in context:
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["current"] = item["n"] == block.n
        item["permalink"] = cite_link(doc_id, item["n"], item["fp"], state)
    return {
        "id": f"{doc_id}/{block.n}",
        "doc_id": doc_id,
        "n": block.n,
        "requested_n": n,
        "status": status,
        "paragraph": block.to_dict()
        | {
            "kind_label": KIND_LABELS.get(block.kind, block.kind),
            "page_url": page_link(raw, block.page),
        },
        "story": block.story if block.story != meta.get("title") else "",
        "context": context,
        "meta": meta,
        "metadata": _provenance(meta),
        "permalink": permalink,
        "document_url": (
            document_at(doc_id, block.n) if state.is_blank else doc_link(doc_id, state, block.n)
        ),
        "search_url": search_url(state),
        "from_search": not state.is_blank,
        "raw_url": raw["url"],
        "raw_label": raw["label"],
        "local_address": local,
        "citations": cited,
        "styles": [
            {"name": name, "label": label, "text": cited[name]}
            for name, label in cslstyles.STYLE_LABELS.items()
        ],
        "downloads": _downloads([f"{doc_id}/{block.n}"]),
        "citation_meta": zotero_tags(cited["csl"]),
    }


def _downloads(ids: list[str]) -> list[dict]:
    """Links to the citation files (RIS, BibTeX, CSL-JSON) of some paragraphs."""
    labels = {"ris": "RIS", "bib": "BibTeX", "json": "CSL-JSON"}
    return [
        {
            "format": fmt,
            "label": label,
            "url": _cite_url(ids, fmt),
            "type": bibfiles.MEDIA_TYPES[fmt],
        }
        for fmt, label in labels.items()
    ]


def _cite_url(ids: list[str], fmt: str) -> str:
    return "/cite?" + urlencode([("p", i) for i in ids] + [("format", fmt)], safe="/")


def cite_page(
    searcher: Searcher, query: CiteQuery, base_url: str, today: date | None = None
) -> dict:
    """Several paragraphs cited at once: their CSL items, and the bibliography in the chosen
    style (numbered for GB/T) or the file of the chosen format."""
    items = []
    for doc_id, n in query.paragraphs:
        meta, _, block, _status = _cited_block(searcher, doc_id, n, "")
        permalink = base_url.rstrip("/") + permalink_url(doc_id, block.n, block.fp)
        items.append(csl_item(_cited_meta(meta, block.facts), permalink, today or date.today()))
    items = bibfiles.unique_keys(items)
    ids = [f"{doc_id}/{n}" for doc_id, n in query.paragraphs]
    style = query.format if query.format in cslstyles.STYLES else ""
    entries = cslstyles.bibliography(items, style) if style else []
    return {
        "format": query.format,
        "style": style,
        "total": len(items),
        "items": items,
        "bibliography": [{"label": e.label, "text": e.text} for e in entries],
        "styles": [
            {"name": name, "label": label, "url": _cite_url(ids, name), "selected": name == style}
            for name, label in cslstyles.STYLE_LABELS.items()
        ],
        "downloads": _downloads(ids),
    }


def _cited_meta(meta: dict, facts: dict) -> dict:
    """The metadata to cite a paragraph by: on a multi-story page its own story's title,
    authors, source and date (the report's belong to other stories too; a story naming no
    paper is in the page's); what the catalogue says still wins."""
    if not facts or len(meta.get("stories") or []) <= 1:
        return meta
    provenance = meta.get("provenance") or {}
    cited = dict(meta)
    if facts.get("title") != meta.get("title"):
        cited["subtitle"] = ""
    for name, flags in (("title", ()), ("authors", ()), *_DATED):
        if provenance.get(name) != "catalogue":
            cited[name] = facts.get(name, cited.get(name))
            for flag in flags:
                cited[flag] = facts.get(flag, False)
    if provenance.get("source") != "catalogue":
        cited["source"] = facts.get("source") or meta.get("source", "")  # the page's paper
    return cited


_DATED = (("date", ("date_inferred",)), ("year", ("year_inferred",)))


def documents_page(searcher: Searcher, query: DocsQuery | None = None) -> dict:
    """The report list (``/docs`` and ``/api/documents``): a page of reports, filtered by
    newspaper, place and date, sorted, with facets and paging."""
    return report_list(searcher, query or DocsQuery(), _pager)


def document_api(
    searcher: Searcher,
    doc_id: str,
    part: int | None = None,
    base_url: str = "",
    hit: int | None = None,
) -> dict:
    """A document's metadata with its blocks (a part of them for a long document: the one
    holding paragraph ``hit`` unless ``part`` says) and the other reports that carry some of
    its paragraphs; ``target_missing`` and ``part_missing`` say a ``hit`` or ``part`` asked for
    is not in the report, as the page does."""
    data = document_page(searcher, doc_id, hit=hit, part=part, base_url=base_url)
    reprints = [{"doc_id": r["doc_id"], "shared": r["shared"]} for r in data["reprints"]]
    return {
        "doc_id": doc_id,
        "meta": data["meta"],
        "pages": data["pages"],
        "target": hit,
        "target_missing": data["target_missing"],
        "part_missing": data["part_missing"],
        "blocks": data["blocks"],
        "reprints": reprints,
        "reprints_more": data["reprints_more"],
    }


def export_rows(searcher: Searcher, query: SearchQuery, limit: int) -> list[dict]:
    """The current result list for export (every page, up to ``limit`` rows), with full text
    and each paragraph's document link and permalink."""
    return [
        hit.to_dict(include_text=True)
        | {
            "url": document_url(hit.doc_id, query.q, hit.n),
            "permalink": permalink_url(hit.doc_id, hit.n, hit.fp),
        }
        for hit in export_hits(searcher, query, limit)
    ]


__all__ = ["Moved", "NotFound", "document_meta", "home_page"]
