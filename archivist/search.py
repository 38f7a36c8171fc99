"""Searching the paragraph index, and reading documents and paragraphs back from it.

Matching (the contract, see ``docs/architecture.md``):

- a plain term matches a paragraph whose folded text contains it (a phrase of character bigrams
  in the ``grams`` field), or contains each of its jieba words somewhere (ranked lower);
- a quoted term matches exactly the paragraphs containing the string;
- exact matches rank above scattered ones (a constant bonus far above any BM25 score), then BM25
  over jieba words and grams, weighted by block kind at index time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from markupsafe import Markup
from whoosh import sorting
from whoosh.query import And, AndMaybe, AndNot, ConstantScoreQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from .analysis import query_grams
from .citations import document_url, permalink_url
from .folding import fold
from .highlight import find_spans, mark, snippet
from .query import SearchQuery
from .querylang import ParsedQuery, QueryTerm

EXACT_BONUS = 1_000_000.0
GROUP_LIMIT = 3
BLOCKS = Term("rec", "block")


class NotFound(LookupError):
    """No such document or paragraph."""


# Query compilation ---------------------------------------------------------------------------


def contains(folded: str) -> Query:
    """Paragraphs whose folded text contains the string."""
    grams = query_grams(folded)
    if len(grams) == 1:
        return Term("grams", grams[0])
    return Phrase("grams", grams)


def strict(term: QueryTerm) -> Query:
    """Paragraphs containing the term's whole string."""
    return contains(term.folded)


def loose(term: QueryTerm) -> Query:
    """Paragraphs containing the whole string, or every one of its words."""
    words = term.words
    if not words:
        return strict(term)
    return Or([strict(term), And([contains(word) for word in words])])


def ranking(parsed: ParsedQuery) -> Query | None:
    """Optional clauses that only add score: the terms' jieba words in the ``words`` field."""
    words = {w for term in parsed.positive_terms() for w in (term.words or (term.folded,))}
    clauses = [Term("words", w) for w in sorted(words)]
    return Or(clauses) if clauses else None


def _combine(parsed: ParsedQuery, build) -> Query:
    groups = [Or([build(t) for t in group]) if len(group) > 1 else build(group[0])
              for group in parsed.groups]
    query: Query = And([BLOCKS, *groups])
    if parsed.excluded:
        query = AndNot(query, Or([strict(t) for t in parsed.excluded]))
    return query


def text_queries(parsed: ParsedQuery) -> tuple[Query, Query]:
    """(matching query, scoring query) for a non-empty parsed query."""
    matching = _combine(parsed, loose)
    exact = ConstantScoreQuery(_combine(parsed, strict), EXACT_BONUS)
    extra = ranking(parsed)
    scoring = AndMaybe(matching, Or([exact, extra]) if extra else exact)
    return matching, scoring


# Facets --------------------------------------------------------------------------------------


@dataclass
class FacetColumns:
    """The facet values of every document number, read once per index version."""

    city: list[str]
    county: list[str]
    year: list[str]
    doc_id: list[str]


_COLUMN_CACHE: dict[tuple, FacetColumns] = {}


def facet_columns(searcher: Searcher) -> FacetColumns:
    """The facet columns of the searcher's index version (cached; two versions kept)."""
    reader = searcher.reader()
    key = (id(searcher._ix) if getattr(searcher, "_ix", None) else 0, _reader_key(reader))
    cached = _COLUMN_CACHE.get(key)
    if cached is None:
        interned: dict[str, str] = {}

        def column(name: str) -> list[str]:
            return [interned.setdefault(v, v) for v in reader.column_reader(name)]

        cached = FacetColumns(column("city"), column("county"), column("year"), column("doc_id"))
        while len(_COLUMN_CACHE) >= 2:
            _COLUMN_CACHE.pop(next(iter(_COLUMN_CACHE)))
        _COLUMN_CACHE[key] = cached
    return cached


def _reader_key(reader) -> tuple:
    segments = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    return tuple(
        (getattr(r, "_segment", None) and r._segment.segment_id(), offset, r.doc_count())
        for r, offset in segments
    )


@dataclass
class FacetValue:
    """One value of a facet with its count, whether it is selected, and (for counties) its
    city."""

    value: str
    count: int
    selected: bool
    parent: str = ""


@dataclass
class FacetCounts:
    """Counts per facet; each facet's counts ignore that facet's own selection."""

    city: Counter = field(default_factory=Counter)
    county: Counter = field(default_factory=Counter)
    year: Counter = field(default_factory=Counter)


def count_and_filter(
    docnums: Iterable[int], columns: FacetColumns, query: SearchQuery
) -> tuple[set[int], FacetCounts]:
    """The documents passing every facet filter, and the facet counts."""
    counts = FacetCounts()
    passed: set[int] = set()
    cities, counties = set(query.city), set(query.county)
    plain_years = not query.has_year_filter
    allows_year = query.allows_year
    city_col, county_col, year_col = columns.city, columns.county, columns.year
    for doc in docnums:
        city, county, year = city_col[doc], county_col[doc], year_col[doc]
        ok_city = not cities or city in cities
        ok_county = not counties or county in counties
        ok_year = plain_years or allows_year(year)
        if ok_county and ok_year:
            counts.city[city] += 1
        if ok_city and ok_year:
            counts.county[(city, county)] += 1
        if ok_city and ok_county:
            counts.year[year] += 1
            if ok_year:
                passed.add(doc)
    return passed, counts


def facet_lists(counts: FacetCounts, query: SearchQuery) -> dict[str, list[FacetValue]]:
    """Facet values for display: cities and counties by count, years in order."""
    cities = [
        FacetValue(city, n, city in query.city)
        for city, n in sorted(counts.city.items(), key=lambda kv: (-kv[1], kv[0]))
        if city
    ]
    counties = [
        FacetValue(county, n, county in query.county, parent=city)
        for (city, county), n in sorted(counts.county.items(), key=lambda kv: (-kv[1], kv[0]))
        if county
    ]
    years = [FacetValue(y, n, y in query.year) for y, n in sorted(counts.year.items()) if y]
    _keep_selected(cities, query.city, "")
    _keep_selected(counties, query.county, "")
    _keep_selected(years, query.year, "")
    return {"city": cities, "county": counties, "year": years}


def _keep_selected(values: list[FacetValue], selected: tuple[str, ...], parent: str) -> None:
    """Selected values stay listed (count 0) so they can be unselected."""
    present = {v.value for v in values}
    values.extend(FacetValue(s, 0, True, parent) for s in selected if s not in present)


# Searching -----------------------------------------------------------------------------------


@dataclass
class Hit:
    """One matching paragraph as the result list shows it."""

    id: str
    doc_id: str
    n: int
    kind: str
    title: str
    story: str
    city: str
    county: str
    year: str
    date: str
    snippet_html: Markup
    url: str
    permalink: str
    fp: str
    score: float | None = None
    exact: bool = True  # False when only the query's words matched, apart
    group_more: int = 0  # with grouping: further matches in this document not listed
    text: str = ""

    def to_dict(self, include_text: bool = False) -> dict:
        data = asdict(self)  # snippet_html stays Markup: safe in templates, a string in JSON
        if not include_text:
            del data["text"]
        return data


@dataclass
class SearchResults:
    """A page of results with its facets."""

    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    took_ms: float
    grouped: bool = False
    documents: int = 0

    @property
    def pages(self) -> int:
        count = self.documents if self.grouped else self.total
        return max(1, -(-count // self.query.per_page))


def _sort_facets(sort: str):
    order = [sorting.FieldFacet("doc_id"), sorting.FieldFacet("n")]
    if sort == "date_asc":
        return [sorting.FieldFacet("date_last"), *order]
    return [sorting.FieldFacet("date", reverse=True), *order]


def search(searcher: Searcher, query: SearchQuery) -> SearchResults:
    """Run a search: facet counts over all matches, one page of highlighted hits."""
    started = time.perf_counter()
    parsed = query.parsed
    if parsed.is_empty:
        matching: Query = BLOCKS
        scoring: Query | None = None
    else:
        matching, scoring = text_queries(parsed)
    columns = facet_columns(searcher)
    passed, counts = count_and_filter(searcher.docs_for_query(matching), columns, query)
    results = SearchResults(query, len(passed), [], facet_lists(counts, query), 0.0, query.group)
    if passed:
        ranked = scoring if scoring is not None else matching
        options: dict = {"filter": passed}
        if scoring is None or query.sort != "relevance":
            options["sortedby"] = _sort_facets(query.sort)
        highlight = parsed.highlight_strings()
        if query.group:
            page, results.documents = _grouped_page(searcher, ranked, options, columns, query)
        else:
            found = searcher.search_page(ranked, query.page, query.per_page, **options)
            page = [(hit.docnum, hit.score, 0) for hit in found] if found.pagenum == query.page else []
        results.hits = [
            _hit(searcher.stored_fields(docnum), highlight, query, score, more)
            for docnum, score, more in page
        ]
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def _grouped_page(searcher, ranked, options, columns, query) -> tuple[list, int]:
    """A page of documents, each with its best GROUP_LIMIT paragraphs in rank order."""
    found = searcher.search(ranked, limit=None, **options)
    groups: dict[str, list[tuple[int, float | None]]] = {}
    totals: Counter = Counter()
    for docnum, score in zip(found.docs(), _scores(found)):
        doc_id = columns.doc_id[docnum]
        totals[doc_id] += 1
        members = groups.setdefault(doc_id, [])
        if len(members) < GROUP_LIMIT:
            members.append((docnum, score))
    chosen = list(groups.items())[(query.page - 1) * query.per_page : query.page * query.per_page]
    page = []
    for doc_id, members in chosen:
        more = totals[doc_id] - len(members)
        page.extend((docnum, score, more) for docnum, score in members)
    return page, len(groups)


def _scores(found) -> Iterable[float | None]:
    if found.has_exact_length() and found.top_n and isinstance(found.top_n[0][0], float):
        return (score for score, _ in found.top_n)
    return (None for _ in found.top_n)


def is_exact(text: str, groups: list[list[QueryTerm]]) -> bool:
    """Whether the text contains, for every group of the query, one term's whole string."""
    folded = fold(text)
    return all(any(term.folded in folded for term in group) for group in groups)


def _hit(fields: dict, highlight: list[str], query: SearchQuery, score, more: int = 0) -> Hit:
    text = fields.get("text", "")
    spans = find_spans(text, highlight)
    groups = query.parsed.groups
    doc_id, n = fields["doc_id"], fields["n"]
    return Hit(
        id=f"{doc_id}/{n}",
        doc_id=doc_id,
        n=n,
        kind=fields.get("kind", ""),
        title=fields.get("title", ""),
        story=fields.get("story", ""),
        city=fields.get("city", ""),
        county=fields.get("county", ""),
        year=fields.get("year", ""),
        date=fields.get("date", ""),
        snippet_html=snippet(text, spans),
        url=document_url(doc_id, query.q, n),
        permalink=permalink_url(doc_id, n, fields.get("fp", "")),
        fp=fields.get("fp", ""),
        score=round(score % EXACT_BONUS, 4) if isinstance(score, float) else None,
        exact=is_exact(text, groups),
        group_more=more,
        text=text,
    )


# Reading documents ---------------------------------------------------------------------------


@dataclass
class BlockView:
    """A block of a document as the document and permalink pages show it."""

    n: int
    kind: str
    text: str
    story: str
    fp: str
    html: Markup
    hits: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DocumentView:
    """A document: its metadata and its blocks, optionally with a query's matches marked."""

    doc_id: str
    meta: dict
    blocks: list[BlockView]
    hit_count: int = 0

    @property
    def hit_blocks(self) -> list[int]:
        return [b.n for b in self.blocks if b.hits]


def document_meta(searcher: Searcher, doc_id: str) -> dict:
    """The stored metadata of one document; raises NotFound."""
    fields = searcher.document(rec="doc", doc_id=doc_id)
    if fields is None:
        raise NotFound(f"no document {doc_id!r}")
    return fields["meta"]


def get_document(searcher: Searcher, doc_id: str, q: str = "") -> DocumentView:
    """A document with all its blocks in order; with ``q``, every match marked and counted."""
    meta = document_meta(searcher, doc_id)
    highlight = [] if not q else _highlight_strings(q)
    blocks = []
    total = 0
    stored = sorted(searcher.documents(rec="block", doc_id=doc_id), key=lambda f: f["n"])
    for fields in stored:
        spans = find_spans(fields["text"], highlight)
        total += len(spans)
        blocks.append(
            BlockView(
                n=fields["n"],
                kind=fields["kind"],
                text=fields["text"],
                story=fields.get("story", ""),
                fp=fields.get("fp", ""),
                html=mark(fields["text"], spans),
                hits=len(spans),
            )
        )
    return DocumentView(doc_id, meta, blocks, total)


def _highlight_strings(q: str) -> list[str]:
    from .querylang import QuerySyntaxError, parse

    try:
        return parse(q).highlight_strings()
    except QuerySyntaxError:
        return []


def list_documents(searcher: Searcher) -> list[dict]:
    """The metadata of every document, by doc_id."""
    metas = [fields["meta"] for fields in searcher.documents(rec="doc")]
    return sorted(metas, key=lambda m: m["doc_id"])
