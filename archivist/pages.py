"""One plain data structure per page: built here, rendered as HTML or serialised as JSON.

Every URL a template needs (facet toggles, chips, pages, sorts, exports, hits' document pages
and permalinks) is made here, none in the search layer or the templates; templates loop, pick
labels and tags, and print.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from urllib.parse import urlencode

from whoosh.searching import Searcher

from .citations import (
    Resolution,
    citations,
    document_url,
    permalink_url,
    quote_doc_id,
    resolve,
)
from .metadata import FIELDS
from .query import DEFAULT_LIST_PER_PAGE, SORTS, SearchQuery
from .search import (
    BlockView,
    NotFound,
    SearchResults,
    block_numbers,
    document_blocks,
    document_lineage,
    document_meta,
    document_records,
    export_hits,
    get_document,
    matching_blocks,
    search,
)

DOC_PAGE_BLOCKS = 500  # a longer document is shown this many blocks at a time
SORT_LABELS = {"relevance": "相关度", "date_desc": "最新", "date_asc": "最早"}
HISTOGRAM_FILL_SPAN = 80  # missing years get an empty bar when the years span at most this
HISTOGRAM_LABELS = 8  # about this many year labels under the histogram
FACET_LABELS = {"city": "城市", "county": "区县", "year": "年份"}
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
PROVENANCE_LABELS = {"catalogue": "编目", "filename": "文件名", "text": "正文", "": "未知"}
FIELD_LABELS = {
    "title": "标题",
    "subtitle": "副标题",
    "authors": "作者",
    "source": "来源",
    "date": "日期",
    "year": "年份",
    "city": "城市",
    "county": "区县",
    "url": "原文链接",
}


def search_url(query: SearchQuery, **changes: object) -> str:
    """The search page URL for a query with some fields changed."""
    qs = query.query_string(**changes)
    return "/" + ("?" + qs if qs else "")


def _with_format(path: str, query: SearchQuery, **changes: object) -> str:
    qs = query.query_string(**changes)
    return path + ("?" + qs if qs else "")


def search_page(searcher: Searcher, query: SearchQuery) -> dict:
    """The search page: query echo, totals, hits, facets with toggle URLs, chips, paging."""
    results = search(searcher, query)
    facets = _facets(results)
    return {
        "query": query.echo(),
        "quoted": any(mark in query.q for mark in '"“「'),
        "url": search_url(query),
        "total": results.total,
        "documents": results.documents,
        "took_ms": round(results.took_ms, 1),
        "hits": [_hit(hit.to_dict(), query) for hit in results.hits],
        "facets": facets,
        "places": _places(facets),
        "years": _year_histogram(facets.get("year", []), query),
        "chips": _chips(query),
        "clear_url": search_url(SearchQuery(q=query.q, sort=query.sort, group=query.group)),
        "pagination": _pagination(results),
        "sorts": _sorts(query),
        "group": {
            "on": query.group,
            "toggle_url": search_url(query, group=not query.group, page=1),
        },
        "forms": {
            "search": _hidden_fields(query, "q", "page"),
            "years": _hidden_fields(query, "year_from", "year_to", "page"),
        },
        "exports": {
            "csv": _with_format("/export.csv", query, page=1),
            "json": _with_format("/export.json", query, page=1),
            "atom": _with_format("/feed.atom", query, page=1),
        },
    }


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
    """A hit with its links, its kind's label and, when grouped, the link to the rest of its
    document."""
    more = hit.get("group_more") or 0
    return _hit_links(hit, query) | {
        "kind_label": KIND_LABELS.get(hit["kind"], hit["kind"]),
        "story_differs": bool(hit["story"]) and hit["story"] != hit["title"],
        "more_url": document_url(hit["doc_id"], query.q) if more else "",
    }


def _hidden_fields(query: SearchQuery, *dropped: str) -> list[dict]:
    """The query's parameters a form must carry along, minus those the form itself sets."""
    return [{"name": k, "value": v} for k, v in query.params() if k not in dropped]


def _places(facets: dict[str, list[dict]]) -> list[dict]:
    """Cities with their counties nested; counties of no listed city under a blank city."""
    counties = facets.get("county", [])
    tree = [
        city | {"counties": [c for c in counties if c["parent"] == city["value"]]}
        for city in facets.get("city", [])
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
                    "selected": value["selected"],
                    "toggle_url": value["toggle_url"] if count or value["selected"] else "",
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
        out[name] = [
            {
                "value": v.value,
                "count": v.count,
                "selected": v.selected,
                "parent": v.parent,
                "toggle_url": search_url(query.toggled(name, v.value)),
            }
            for v in values
        ]
    return out


def _chips(query: SearchQuery) -> list[dict]:
    chips = []
    for name in ("city", "county", "year"):
        for value in getattr(query, name):
            chips.append(
                {
                    "facet": name,
                    "label": f"{FACET_LABELS[name]}：{value}",
                    "remove_url": search_url(query.toggled(name, value)),
                }
            )
    if query.year_from is not None or query.year_to is not None:
        low = query.year_from or "…"
        high = query.year_to or "…"
        chips.append(
            {
                "facet": "year_range",
                "label": f"年份：{low}–{high}",
                "remove_url": search_url(query, year_from=None, year_to=None, page=1),
            }
        )
    return chips


def _pagination(results: SearchResults) -> dict:
    query = results.query
    pages = results.pages
    window = range(max(1, query.page - 3), min(pages, query.page + 3) + 1)
    return {
        "page": query.page,
        "pages": pages,
        "prev_url": search_url(query, page=query.page - 1) if query.page > 1 else "",
        "next_url": search_url(query, page=query.page + 1) if query.page < pages else "",
        "links": [
            {"page": p, "url": search_url(query, page=p), "current": p == query.page}
            for p in window
        ],
        "first_url": search_url(query, page=1) if window.start > 1 else "",
        "last_url": search_url(query, page=pages) if window.stop <= pages else "",
        "final_url": search_url(query, page=pages),  # the last page, whatever the window
    }


def _provenance(meta: dict) -> list[dict]:
    provenance = meta.get("provenance") or {}
    rows = []
    for name in FIELDS:
        value = meta.get(name)
        if name == "authors":
            value = "、".join(value or [])
        if name == "year" and value and meta.get("year_inferred"):
            value = f"{value}（据正文推断）"
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


def document_page(
    searcher: Searcher, doc_id: str, q: str = "", hit: int | None = None, page: int | None = None
) -> dict:
    """The document page: metadata with provenance, numbered blocks, matches of ``q``.

    A document of more than DOC_PAGE_BLOCKS blocks is shown a page of blocks at a time (the
    page holding paragraph ``hit`` unless ``page`` says otherwise); its matches are counted
    over the whole document from the matching blocks alone.
    """
    numbers = block_numbers(searcher, doc_id)
    pages = max(1, -(-len(numbers) // DOC_PAGE_BLOCKS))
    if page is None:
        page = bisect_left(numbers, hit) // DOC_PAGE_BLOCKS + 1 if hit is not None else 1
    page = min(page, pages)
    if pages == 1:
        view = get_document(searcher, doc_id, q)
        hits = {b.n: b.hits for b in view.blocks if b.hits}
    else:
        window = numbers[(page - 1) * DOC_PAGE_BLOCKS : page * DOC_PAGE_BLOCKS]
        view = get_document(searcher, doc_id, q, (window[0], window[-1]))
        hits = matching_blocks(searcher, doc_id, q)
    hit_blocks = list(hits)
    return {
        "doc_id": doc_id,
        "meta": view.meta,
        "metadata": _provenance(view.meta),
        "q": q,
        "target": hit,
        "hit_count": sum(hits.values()),
        "hit_blocks": hit_blocks,
        "pages": _document_pages(doc_id, q, page, pages, len(numbers), hit_blocks),
        "hit_nav": _hit_nav(doc_id, q, hit_blocks, hit),
        "blocks": [
            b.to_dict()
            | {
                "kind_label": KIND_LABELS.get(b.kind, b.kind),
                "anchor": f"p{b.n}",
                "permalink": permalink_url(doc_id, b.n, b.fp),
                "story_starts": b.story != (view.blocks[i - 1].story if i else view.meta["title"]),
            }
            for i, b in enumerate(view.blocks)
        ],
        "raw_url": f"/raw/{quote_doc_id(doc_id)}",
        "search_url": "/?" + urlencode({"q": q}) if q else "/",
        "api_url": f"/api/documents/{quote_doc_id(doc_id)}",
    }


def document_at(doc_id: str, n: int) -> str:
    """The document page opened at paragraph ``n`` (on its page, for a long document)."""
    page = (n - 1) // DOC_PAGE_BLOCKS + 1
    if page == 1:
        return document_url(doc_id, n=n)
    return f"/doc/{quote_doc_id(doc_id)}?page={page}#p{n}"


def _document_pages(
    doc_id: str, q: str, page: int, pages: int, blocks: int, hit_blocks: list[int]
) -> dict:
    """Paging of a long document: which blocks this page shows, links to the pages around it
    and to the nearest matches off this page."""

    def url(number: int) -> str:
        params = ([("q", q)] if q else []) + ([("page", str(number))] if number > 1 else [])
        return f"/doc/{quote_doc_id(doc_id)}" + ("?" + urlencode(params) if params else "")

    first = (page - 1) * DOC_PAGE_BLOCKS + 1 if blocks else 0
    last = min(blocks, page * DOC_PAGE_BLOCKS)
    before = [n for n in hit_blocks if n < first]
    after = [n for n in hit_blocks if n > last]
    return {
        "page": page,
        "pages": pages,
        "blocks": blocks,
        "first": first,
        "last": last,
        "prev_url": url(page - 1) if page > 1 else "",
        "next_url": url(page + 1) if page < pages else "",
        "prev_hit_url": document_url(doc_id, q, before[-1]) if before else "",
        "next_hit_url": document_url(doc_id, q, after[0]) if after else "",
    }


def _hit_nav(doc_id: str, q: str, hit_blocks: list[int], target: int | None) -> dict:
    """Links to the previous and next paragraph with a match, around the target paragraph."""
    before = [n for n in hit_blocks if target is not None and n < target]
    after = [n for n in hit_blocks if target is None or n > target]
    return {
        "blocks": len(hit_blocks),
        "position": hit_blocks.index(target) + 1 if target in hit_blocks else 0,
        "prev_url": document_url(doc_id, q, before[-1]) if before else "",
        "next_url": document_url(doc_id, q, after[0]) if after else "",
    }


class Moved(Exception):
    """A permalink whose text now lives at another paragraph number."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def paragraph_page(
    searcher: Searcher, doc_id: str, n: int, v: str, base_url: str, today: date | None = None
) -> dict:
    """The permalink page: the paragraph, one paragraph of context each side, citations.

    Raises Moved when the cited text is now at another number, NotFound when there is no such
    document or paragraph.
    """
    meta, by_n = _blocks_around(searcher, doc_id, n)  # three blocks read, not the document
    if not v or (n in by_n and by_n[n].fp == v):
        if n not in by_n:
            raise NotFound(f"no paragraph {n} in {doc_id!r}")
        resolution: Resolution | None = Resolution(n, "ok")
    else:  # the cited text moved or changed: every fingerprint is needed
        fingerprints = {f["n"]: f.get("fp", "") for f in document_blocks(searcher, doc_id)}
        resolution = resolve(fingerprints, n, v, document_lineage(searcher, doc_id))
    if resolution is None:
        raise NotFound(f"no paragraph {n} in {doc_id!r}")
    if resolution.status == "moved":
        raise Moved(permalink_url(doc_id, resolution.n, v))
    if resolution.n not in by_n:
        meta, by_n = _blocks_around(searcher, doc_id, resolution.n)
    block = by_n[resolution.n]
    permalink = base_url.rstrip("/") + permalink_url(doc_id, block.n, block.fp)
    context = [by_n[k].to_dict() for k in (block.n - 1, block.n, block.n + 1) if k in by_n]
    for item in context:
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["current"] = item["n"] == block.n
        item["permalink"] = permalink_url(doc_id, item["n"], item["fp"])
    return {
        "id": f"{doc_id}/{block.n}",
        "doc_id": doc_id,
        "n": block.n,
        "requested_n": n,
        "status": resolution.status,
        "paragraph": block.to_dict() | {"kind_label": KIND_LABELS.get(block.kind, block.kind)},
        "story": block.story if block.story != meta.get("title") else "",
        "context": context,
        "meta": meta,
        "metadata": _provenance(meta),
        "permalink": permalink,
        "document_url": document_at(doc_id, block.n),
        "raw_url": f"/raw/{quote_doc_id(doc_id)}",
        "citations": citations(_cited_meta(meta, block.story), block.n, permalink, today),
    }


def _blocks_around(searcher: Searcher, doc_id: str, n: int) -> tuple[dict, dict[int, BlockView]]:
    """A document's metadata and its blocks n - 1, n and n + 1 (those that exist)."""
    view = get_document(searcher, doc_id, numbers=(n - 1, n + 1))
    return view.meta, {b.n: b for b in view.blocks}


def _cited_meta(meta: dict, story: str) -> dict:
    """The metadata to cite a paragraph by: on a multi-story page, its own story's title (the
    report's authors and subtitle belong to another story, so they are left out)."""
    if not story or story == meta.get("title"):
        return meta
    return meta | {"title": story, "subtitle": "", "authors": []}


def documents_page(
    searcher: Searcher, page: int = 1, per_page: int = DEFAULT_LIST_PER_PAGE
) -> dict:
    """A page of the documents' metadata, by doc_id, with the total and links to the pages
    around it."""
    total, documents = document_records(searcher, (page - 1) * per_page, per_page)
    for meta in documents:
        meta["document_url"] = document_url(meta["doc_id"])  # "url" is the source's
    pages = max(1, -(-total // per_page))

    def url(number: int) -> str:
        return "/api/documents?" + urlencode({"page": number, "per_page": per_page})

    return {
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "prev_url": url(page - 1) if 1 < page <= pages + 1 else "",
        "next_url": url(page + 1) if page < pages else "",
        "documents": documents,
    }


def document_api(searcher: Searcher, doc_id: str, page: int | None = None) -> dict:
    """A document's metadata with its blocks (a page of them for a long document)."""
    data = document_page(searcher, doc_id, page=page)
    return {
        "doc_id": doc_id,
        "meta": data["meta"],
        "pages": data["pages"],
        "blocks": data["blocks"],
    }


def _hit_links(hit: dict, query: SearchQuery) -> dict:
    """A hit with its document page (opened at it, its matches marked) and its permalink."""
    return hit | {
        "url": document_url(hit["doc_id"], query.q, hit["n"]),
        "permalink": permalink_url(hit["doc_id"], hit["n"], hit["fp"]),
    }


def export_rows(searcher: Searcher, query: SearchQuery, limit: int) -> list[dict]:
    """The current result list for export (every page, up to ``limit`` rows), with full text."""
    hits = export_hits(searcher, query, limit)
    return [_hit_links(hit.to_dict(include_text=True), query) for hit in hits]


__all__ = ["Moved", "NotFound", "document_meta"]
