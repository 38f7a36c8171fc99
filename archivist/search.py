"""Searching the paragraph index, and reading documents and paragraphs back from it.

Matching (the contract, see ``docs/architecture.md``):

- a plain term matches a paragraph whose folded text contains it (a phrase of character bigrams
  in the ``grams`` field), or contains each of its jieba words somewhere (ranked lower);
- a quoted term matches exactly the paragraphs containing the string;
- exact matches rank above scattered ones (a constant bonus far above any BM25 score), then BM25
  over jieba words and grams, weighted by block kind at index time;
- a query of exclusions alone lists every paragraph but the excluded ones.

Each distinct string is looked up once per search (:class:`Finder`); the sets of paragraphs are
combined in Python, and only the paragraphs that pass are scored (:class:`DocSet`), so the cost
of a query grows with its matches, not with its length. Highlights mark what made each term
match a paragraph: its whole string where the paragraph contains it, else its words.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from markupsafe import Markup
from whoosh import sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching import ListMatcher
from whoosh.query import Query, Term
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .analysis import query_grams
from .citations import document_url, permalink_url
from .folding import fold, fold_with_offsets
from .highlight import Span, folded_spans, mark, snippet
from .query import SearchQuery
from .querylang import ParsedQuery, QuerySyntaxError, QueryTerm, parse

EXACT_BONUS = 1_000_000.0
GROUP_LIMIT = 3
PHRASE_CHARS = 10  # longer strings: phrases of their stretches, then a check of the text
CHECK_LIMIT = 256  # paragraphs few enough to check by reading their text
MAX_RANKING_TERMS = 24  # at most this many ``words`` terms and ``grams`` terms add to scores
BLOCKS = Term("rec", "block")
# BM25 with weak length normalisation: paragraphs differ in length far more than documents do,
# and with Whoosh's default B=0.75 a five-character caption outscores body text 4 to 1.
BM25_K1 = 1.2
BM25_B = 0.1
SKIP_RATIO = 20  # walk the passed paragraphs (skipping) when postings are this much longer
# Ranking weight of each block kind: multiplies a paragraph's BM25 score at query time, so
# titles and headings weigh more than body text, and body more than captions and credits.
KIND_WEIGHT = {
    "title": 3.0,
    "subtitle": 2.0,
    "heading": 2.0,
    "kicker": 1.5,
    "byline": 1.0,
    "body": 1.0,
    "dateline": 0.6,
    "caption": 0.5,
    "credit": 0.3,
    "boilerplate": 0.2,
}


class NotFound(LookupError):
    """No such document or paragraph."""


# Matching ------------------------------------------------------------------------------------


def _offset(searcher: Searcher) -> int:
    """The first top-level document number of a (sub-)searcher."""
    parent = searcher.get_parent()
    return 0 if parent is searcher else parent._offset_for_subsearcher(searcher)


class DocSet(Query):
    """A Whoosh query matching a fixed set of (top-level) document numbers, all scored 1."""

    def __init__(self, docnums: Iterable[int]) -> None:
        self.docnums = sorted(set(docnums))

    def __repr__(self) -> str:
        return f"DocSet({len(self.docnums)} documents)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocSet) and self.docnums == other.docnums

    def __hash__(self) -> int:
        return hash(tuple(self.docnums))

    def estimate_size(self, ixreader) -> int:
        return len(self.docnums)

    def estimate_min_size(self, ixreader) -> int:
        return len(self.docnums)

    def matcher(self, searcher: Searcher, context=None) -> ListMatcher:
        offset = _offset(searcher)
        end = offset + searcher.reader().doc_count_all()
        low, high = bisect_left(self.docnums, offset), bisect_left(self.docnums, end)
        return ListMatcher([d - offset for d in self.docnums[low:high]], all_weights=1.0)


def phrase_docs(searcher: Searcher, grams: list[str]) -> list[int]:
    """Paragraphs where the grams stand at consecutive positions (the string they spell).

    The same answer as a Whoosh ``Phrase`` of the grams, several times faster: the rarest
    gram's postings drive, the others skip to each candidate, and positions are compared as
    sets instead of through Whoosh's general span machinery.
    """
    reader = searcher.reader()
    if any(("grams", g) not in reader for g in grams):
        return []
    if len(grams) == 1:
        return list(searcher.docs_for_query(Term("grams", grams[0])))
    by_rarity = sorted(range(len(grams)), key=lambda i: searcher.doc_frequency("grams", grams[i]))
    matchers = [(i, searcher.postings("grams", grams[i])) for i in by_rarity]
    (first_offset, driver), others = matchers[0], matchers[1:]
    found: list[int] = []
    while driver.is_active():
        doc = driver.id()
        if _all_at(others, doc) and _consecutive(first_offset, driver, others):
            found.append(doc)
        driver.next()
        if any(not m.is_active() for _, m in others):
            break
    return found


def _all_at(matchers, doc: int) -> bool:
    """Move every matcher to ``doc``; whether they all have it."""
    for _, matcher in matchers:
        if matcher.id() < doc:
            matcher.skip_to(doc)
        if not matcher.is_active() or matcher.id() != doc:
            return False
    return True


def _consecutive(offset: int, driver, others) -> bool:
    """Whether some start position has every gram at start + its offset in the phrase."""
    starts = {p - offset for p in driver.value_as("positions")}
    for gram_offset, matcher in others:
        starts &= {p - gram_offset for p in matcher.value_as("positions")}
        if not starts:
            return False
    return True


def stretches(folded: str) -> list[str]:
    """PHRASE_CHARS-long pieces of a long string that cover it (the last one may overlap)."""
    starts = range(0, len(folded) - PHRASE_CHARS + 1, PHRASE_CHARS)
    return list(
        dict.fromkeys([*(folded[i : i + PHRASE_CHARS] for i in starts), folded[-PHRASE_CHARS:]])
    )


class Finder:
    """Document numbers of the paragraphs containing strings, each string looked up once.

    Short strings are phrases of their bigrams in the ``grams`` field. Strings that must all be
    present (a term's words, the stretches of a long string) are looked up rarest first until
    few paragraphs are left, which are then checked by reading their text; a long string is
    finally checked whole. Checks read the stored text, folded as it was indexed, so every
    answer stays exact.
    """

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.cache: dict[str, frozenset[int]] = {}
        self.texts: dict[int, str] = {}

    def containing(self, folded: str) -> frozenset[int]:
        """Paragraphs whose folded text contains the (folded) string."""
        found = self.cache.get(folded)
        if found is None:
            found = self.cache[folded] = frozenset(self._lookup(folded))
        return found

    def containing_all(self, strings: Iterable[str]) -> frozenset[int]:
        """Paragraphs whose folded text contains every one of the strings."""
        remaining = sorted(dict.fromkeys(strings), key=self._estimate)
        found: frozenset[int] | None = None
        while remaining:
            if found is not None and len(found) <= CHECK_LIMIT:
                return frozenset(d for d in found if all(s in self.text(d) for s in remaining))
            docs = self.containing(remaining.pop(0))
            found = docs if found is None else found & docs
            if not found:
                break
        return found or frozenset()

    def text(self, docnum: int) -> str:
        """The folded text of a paragraph (as indexed)."""
        folded = self.texts.get(docnum)
        if folded is None:
            stored = self.searcher.stored_fields(docnum).get("text", "")
            folded = self.texts[docnum] = fold(stored)
        return folded

    def _lookup(self, folded: str) -> Iterable[int]:
        if len(folded) <= PHRASE_CHARS:
            return phrase_docs(self.searcher, query_grams(folded))
        candidates = self.containing_all(stretches(folded))
        return (d for d in candidates if folded in self.text(d))

    def _estimate(self, folded: str) -> int:
        """An upper bound on the paragraphs containing the string: those with its rarest gram."""
        frequency = self.searcher.doc_frequency
        return min(frequency("grams", gram) for gram in query_grams(folded))

    def term(self, term: QueryTerm) -> tuple[frozenset[int], frozenset[int]]:
        """(paragraphs containing the term's string, those or ones containing all its words)."""
        exact = self.containing(term.folded)
        if not term.words:
            return exact, exact
        return exact, exact | self.containing_all(term.words)

    def query(self, parsed: ParsedQuery) -> tuple[set[int], set[int]]:
        """(matching paragraphs, those matching every group exactly), exclusions applied."""
        if parsed.groups:
            matching: set[int] | None = None
            exact: set[int] = set()
            for group in parsed.groups:
                strict_any: set[int] = set()
                loose_any: set[int] = set()
                for term in group:
                    strict_docs, loose_docs = self.term(term)
                    strict_any |= strict_docs
                    loose_any |= loose_docs
                exact = strict_any if matching is None else exact & strict_any
                matching = loose_any if matching is None else matching & loose_any
        else:
            matching = set(self.searcher.docs_for_query(BLOCKS))
            exact = set(matching)
        for term in parsed.excluded:
            matching -= self.containing(term.folded)
            exact -= self.containing(term.folded)
        return matching or set(), exact


def ranking_terms(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """(field, term) pairs whose BM25 ranks a query's matches: its jieba words and bigrams."""
    words: dict[str, None] = {}
    grams: dict[str, None] = {}
    for term in parsed.positive_terms():
        words.update(dict.fromkeys(term.words or (term.folded,)))
        grams.update(dict.fromkeys(query_grams(term.folded)))
    return [("words", w) for w in list(words)[:MAX_RANKING_TERMS]] + [
        ("grams", g) for g in list(grams)[:MAX_RANKING_TERMS]
    ]


def rank(
    searcher: Searcher, parsed: ParsedQuery, passed: set[int], exact: set[int], columns
) -> dict[int, float]:
    """Scores of the passed paragraphs: a constant bonus for exact matches, plus BM25 over the
    ranking terms multiplied by the kind's weight.

    Computed straight from the posting lists with field lengths cached per index version: three
    to five times faster than Whoosh's scoring of the same query, which also skipped optional
    clauses for some paragraphs.
    """
    bm25 = dict.fromkeys(passed, 0.0)
    for name, text in ranking_terms(parsed):
        if (name, text) in searcher.reader():
            _add_bm25(searcher, name, text, bm25, columns.lengths(searcher, name))
    weights = columns.kind_weight
    return {
        doc: score * weights[doc] + (EXACT_BONUS if doc in exact else 0.0)
        for doc, score in bm25.items()
    }


def _add_bm25(searcher, name: str, text: str, scores: dict[int, float], lengths) -> None:
    """Add one term's BM25 to the scores of the paragraphs it occurs in."""
    idf = searcher.idf(name, text)
    norm = BM25_K1 * (1 - BM25_B)
    slope = BM25_K1 * BM25_B / (searcher.avg_field_length(name) or 1.0)
    postings = searcher.postings(name, text)

    def add(doc: int) -> None:
        tf = postings.weight()
        scores[doc] += idf * tf * (BM25_K1 + 1) / (tf + norm + slope * lengths[doc])

    if len(scores) * SKIP_RATIO < searcher.doc_frequency(name, text):
        for doc in sorted(scores):
            if not postings.is_active():
                break
            postings.skip_to(doc)
            if postings.is_active() and postings.id() == doc:
                add(doc)
        return
    while postings.is_active():
        doc = postings.id()
        if doc in scores:
            add(doc)
        postings.next()


# Facets --------------------------------------------------------------------------------------


@dataclass
class FacetColumns:
    """The facet values of every document number, read once per index version."""

    city: list[str]
    county: list[str]
    year: list[str]
    doc_id: list[str]
    kind_weight: list[float]
    field_lengths: dict[str, list[int]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    metas: list[dict] | None = None
    doc_fields: dict[str, dict[str, str]] | None = None
    places: list[frozenset[tuple[str, str]]] = field(default_factory=list)
    year_inferred: list[str] = field(default_factory=list)

    def lengths(self, searcher: Searcher, name: str) -> list[int]:
        """Every paragraph's length in a text field, read once per index version."""
        if name not in self.field_lengths:
            self.field_lengths[name] = _field_lengths(searcher.reader(), name)
        return self.field_lengths[name]

    def column(self, searcher: Searcher, name: str) -> list[str]:
        """Another sortable column (``date``, say), read once per index version."""
        if name not in self.columns:
            self.columns[name] = list(searcher.reader().column_reader(name))
        return self.columns[name]

    def catalogue(self, searcher: Searcher) -> list[dict]:
        """Every report's metadata, by doc_id, read once per index version (do not modify)."""
        if self.metas is None:
            metas = [fields["meta"] for fields in searcher.documents(rec="doc")]
            self.metas = sorted(metas, key=lambda m: m["doc_id"])
        return self.metas

    def searchable_fields(self, searcher: Searcher) -> dict[str, dict[str, str]]:
        """doc_id -> the folded title (with subtitle), authors and newspaper, for field terms."""
        if self.doc_fields is None:
            self.doc_fields = {
                meta["doc_id"]: {
                    "title": fold(f"{meta.get('title', '')}\n{meta.get('subtitle', '')}"),
                    "author": fold("\n".join(meta.get("authors") or [])),
                    "source": fold(meta.get("source") or ""),
                }
                for meta in self.catalogue(searcher)
            }
        return self.doc_fields


_BYTE_TO_LENGTH = [byte_to_length(b) for b in range(256)]


def _field_lengths(reader, name: str) -> list[int]:
    """Field lengths from Whoosh's per-document length column (one byte per document)."""
    lengths: list[int] = []
    for leaf, _base in reader.leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        column = perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN) if perdoc else None
        if column is None:
            count = leaf.doc_count_all()
            lengths.extend(leaf.doc_field_length(d, name, 0) or 0 for d in range(count))
        else:
            lengths.extend(_BYTE_TO_LENGTH[b] for b in column)
    return lengths


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

        weights = [KIND_WEIGHT.get(kind, 1.0) for kind in reader.column_reader("kind")]
        cached = FacetColumns(
            column("city"), column("county"), column("year"), column("doc_id"), weights
        )
        cached.places = _place_column(reader)
        cached.year_inferred = column("year_inferred")
        while len(_COLUMN_CACHE) >= 2:
            _COLUMN_CACHE.pop(next(iter(_COLUMN_CACHE)))
        _COLUMN_CACHE[key] = cached
    return cached


def place_pairs(tokens: str) -> frozenset[tuple[str, str]]:
    """The (city, county) pairs of a ``places`` column value (county "" for a city)."""
    pairs = set()
    for token in tokens.split():
        city, _, county = token.partition("/")
        pairs.add((city, county))
    return frozenset(pairs)


def _place_column(reader) -> list[frozenset[tuple[str, str]]]:
    """Every paragraph's mentioned places, each distinct column value parsed once."""
    parsed: dict[str, frozenset[tuple[str, str]]] = {}
    column: list[frozenset[tuple[str, str]]] = []
    for value in reader.column_reader("places"):
        pairs = parsed.get(value)
        if pairs is None:
            pairs = parsed[value] = place_pairs(value)
        column.append(pairs)
    return column


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
    inferred: int = 0  # of the count, values only inferred (years)


@dataclass
class FacetCounts:
    """Counts per facet; each facet's counts ignore that facet's own selection."""

    city: Counter = field(default_factory=Counter)
    county: Counter = field(default_factory=Counter)
    place: Counter = field(default_factory=Counter)
    year: Counter = field(default_factory=Counter)
    year_inferred: Counter = field(default_factory=Counter)


def _mentions_any(pairs: frozenset[tuple[str, str]], places: set[str]) -> bool:
    """Whether a paragraph mentions one of the places (city or county full names)."""
    return any(city in places or county in places for city, county in pairs)


def count_and_filter(
    docnums: Iterable[int], columns: FacetColumns, query: SearchQuery
) -> tuple[set[int], FacetCounts]:
    """The documents passing every facet filter, and the facet counts (each facet's counts
    ignore that facet's own selection)."""
    counts = FacetCounts()
    passed: set[int] = set()
    cities, counties, places = set(query.city), set(query.county), set(query.place)
    plain_years = not query.has_year_filter
    allows_year = query.allows_year
    city_col, county_col, year_col = columns.city, columns.county, columns.year
    place_col, inferred_col = columns.places, columns.year_inferred
    for doc in docnums:
        city, county, year = city_col[doc], county_col[doc], year_col[doc]
        mentioned = place_col[doc] if place_col else frozenset()
        ok_city = not cities or city in cities
        ok_county = not counties or county in counties
        ok_place = not places or _mentions_any(mentioned, places)
        ok_year = plain_years or allows_year(year)
        if ok_county and ok_year and ok_place:
            counts.city[city] += 1
        if ok_city and ok_year and ok_place:
            counts.county[(city, county)] += 1
        if ok_city and ok_county and ok_year:
            counts.place.update(mentioned)
        if ok_city and ok_county and ok_place:
            counts.year[year] += 1
            if inferred_col and inferred_col[doc]:
                counts.year_inferred[year] += 1
            if ok_year:
                passed.add(doc)
    return passed, counts


def facet_lists(counts: FacetCounts, query: SearchQuery) -> dict[str, list[FacetValue]]:
    """Facet values for display: cities, counties and mentioned places by count, years in
    order (each with how many of its paragraphs have an inferred year)."""
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
    places = [
        FacetValue(
            county or city, n, (county or city) in query.place, parent=city if county else ""
        )
        for (city, county), n in sorted(counts.place.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    years = [
        FacetValue(y, n, y in query.year, inferred=counts.year_inferred[y])
        for y, n in sorted(counts.year.items())
        if y
    ]
    _keep_selected(cities, query.city, "")
    _keep_selected(counties, query.county, "")
    _keep_selected(places, query.place, "")
    _keep_selected(years, query.year, "")
    return {"city": cities, "county": counties, "place": places, "year": years}


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
    also_in: int = 0  # other reports carrying the same text (reprints)
    text: str = ""
    year_inferred: bool = False  # the year (and date) deduced, not stated: show it as such
    date_inferred: bool = False
    authors: list[str] = field(default_factory=list)  # the authors of the paragraph's story
    dateline: str = ""  # the story's news lead or wire dateline
    places: list[str] = field(default_factory=list)  # places the paragraph mentions

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
    return [sorting.FieldFacet("date_first", reverse=True), *order]


def _matches(searcher: Searcher, query: SearchQuery, parsed: ParsedQuery):
    """(paragraphs passing the query and every filter, exact ones, facet counts, columns)."""
    matching, exact = Finder(searcher).query(parsed)
    columns = facet_columns(searcher)
    matching = _in_reports(searcher, matching, columns, query, parsed)
    passed, counts = count_and_filter(matching, columns, query)
    if query.reprints == "one":  # facet counts still count every paragraph
        from .reprints import one_of_each

        passed = one_of_each(searcher, passed, columns)
    return passed, exact, counts, columns


def _in_reports(
    searcher: Searcher, docnums: set[int], columns: FacetColumns, query, parsed: ParsedQuery
) -> set[int]:
    """The paragraphs whose report passes the field terms and the exact date range."""
    if parsed.fields:
        allowed = _reports_with_fields(searcher, columns, parsed)
        doc_ids = columns.doc_id
        docnums = {d for d in docnums if doc_ids[d] in allowed}
    if query.has_date_range:
        dates, years = columns.column(searcher, "date"), columns.year
        docnums = {d for d in docnums if query.allows_date(dates[d], years[d])}
    return docnums


def _reports_with_fields(searcher: Searcher, columns: FacetColumns, parsed: ParsedQuery) -> set:
    """The doc_ids of the reports whose metadata passes every field term."""
    return {
        doc_id
        for doc_id, values in columns.searchable_fields(searcher).items()
        if all((term.folded in values[term.field]) != term.negated for term in parsed.fields)
    }


def _in_order(
    searcher: Searcher,
    query: SearchQuery,
    parsed: ParsedQuery,
    matches: tuple,
    needed: int | None = None,
) -> list[tuple[int, float | None]]:
    """The passed paragraphs in result order, with their scores: the first ``needed``, or all."""
    passed, exact, _counts, columns = matches
    if not passed:
        return []
    if parsed.groups and query.sort == "relevance":
        scores = rank(searcher, parsed, passed, exact, columns)

        def key(doc: int) -> tuple[float, int]:
            return (-scores[doc], doc)

        docs = sorted(scores, key=key) if needed is None else heapq.nsmallest(needed, scores, key)
        return [(doc, scores[doc]) for doc in docs]
    found = searcher.search(DocSet(passed), limit=needed, sortedby=_sort_facets(query.sort))
    return [(docnum, None) for _key, docnum in found.top_n]


def search(searcher: Searcher, query: SearchQuery) -> SearchResults:
    """Run a search: facet counts over all matches, one page of highlighted hits."""
    started = time.perf_counter()
    parsed = query.parsed
    matches = _matches(searcher, query, parsed)
    passed, _exact, counts, columns = matches
    results = SearchResults(query, len(passed), [], facet_lists(counts, query), 0.0, query.group)
    if query.group:
        ordered = _in_order(searcher, query, parsed, matches)
        page, results.documents = _grouped_page(ordered, columns, query)
    else:
        start = (query.page - 1) * query.per_page
        ordered = _in_order(searcher, query, parsed, matches, start + query.per_page)
        page = [(doc, score, 0) for doc, score in ordered[start:]]
    results.hits = [
        _hit(searcher.stored_fields(docnum), parsed, query, score, more)
        for docnum, score, more in page
    ]
    _count_reprints(searcher, results.hits)
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def _count_reprints(searcher: Searcher, hits: list[Hit]) -> None:
    """Note on each hit how many other reports carry its text."""
    from .reprints import also_in  # reprints reads this module's columns

    for hit in hits:
        hit.also_in = also_in(searcher, hit.doc_id, hit.n)


def count(searcher: Searcher, query: SearchQuery) -> int:
    """How many paragraphs a search finds (no hits read, nothing ranked)."""
    return len(_matches(searcher, query, query.parsed)[0])


def export_hits(searcher: Searcher, query: SearchQuery, limit: int) -> list[Hit]:
    """The whole result list, in order, up to ``limit`` hits (page and grouping ignored)."""
    parsed = query.parsed
    ordered = _in_order(searcher, query, parsed, _matches(searcher, query, parsed), limit)
    return [_hit(searcher.stored_fields(doc), parsed, query, score) for doc, score in ordered]


def _grouped_page(ordered: list[tuple[int, float | None]], columns, query) -> tuple:
    """A page of documents, each with its best GROUP_LIMIT paragraphs in rank order."""
    groups: dict[str, list[tuple[int, float | None]]] = {}
    totals: Counter = Counter()
    for docnum, score in ordered:
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


def is_exact(text: str, groups: Iterable[Iterable[QueryTerm]]) -> bool:
    """Whether the text contains, for every group of the query, one term's whole string."""
    folded = fold(text)
    return all(any(term.folded in folded for term in group) for group in groups)


def query_spans(text: str, parsed: ParsedQuery) -> tuple[list[Span], bool]:
    """The spans to mark in a text for a query, and whether it matches every group exactly."""
    if not parsed.groups:
        return [], True
    folded, offsets = fold_with_offsets(text)
    return folded_spans(offsets, folded, parsed.needles(folded)), parsed.is_exact(folded)


def mentioned_names(tokens: str) -> list[str]:
    """The places a paragraph mentions, for display: counties, and cities named without one
    of their counties."""
    pairs = place_pairs(tokens)
    with_county = {city for city, county in pairs if county}
    names = [county for _, county in sorted(pairs) if county]
    return names + sorted(city for city, county in pairs if not county and city not in with_county)


def _hit(fields: dict, parsed: ParsedQuery, query: SearchQuery, score, more: int = 0) -> Hit:
    text = fields.get("text", "")
    spans, exact = query_spans(text, parsed)
    doc_id, n = fields["doc_id"], fields["n"]
    facts = fields.get("facts") or {}
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
        exact=exact,
        group_more=more,
        text=text,
        year_inferred=bool(fields.get("year_inferred")),
        date_inferred=bool(facts.get("date_inferred")) and bool(fields.get("date")),
        authors=list(facts.get("authors") or []),
        dateline=facts.get("dateline", ""),
        places=mentioned_names(fields.get("places", "")),
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
    facts: dict = field(default_factory=dict)  # the facts of its story (metadata.StoryMeta)
    places: list[str] = field(default_factory=list)  # places it mentions

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
        raise NotFound(f"没有这篇报道：{doc_id}")
    return fields["meta"]


def document_lineage(searcher: Searcher, doc_id: str) -> dict[str, str]:
    """Fingerprints of a document's corrected text -> the blocks that replaced it."""
    fields = searcher.document(rec="doc", doc_id=doc_id) or {}
    return fields.get("lineage") or {}


def get_document(searcher: Searcher, doc_id: str, q: str = "") -> DocumentView:
    """A document with all its blocks in order; with ``q``, every match marked and counted."""
    meta = document_meta(searcher, doc_id)
    parsed = _parse_quietly(q)
    blocks = []
    total = 0
    stored = sorted(searcher.documents(rec="block", doc_id=doc_id), key=lambda f: f["n"])
    for fields in stored:
        spans, _ = query_spans(fields["text"], parsed)
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
                facts=fields.get("facts") or {},
                places=mentioned_names(fields.get("places", "")),
            )
        )
    return DocumentView(doc_id, meta, blocks, total)


def _parse_quietly(q: str) -> ParsedQuery:
    """The parsed query, or an empty one when it is over the limits (nothing is marked)."""
    try:
        return parse(q)
    except QuerySyntaxError:
        return ParsedQuery()


def list_documents(searcher: Searcher) -> list[dict]:
    """The metadata of every document, by doc_id (copies: safe to change)."""
    return [dict(meta) for meta in facet_columns(searcher).catalogue(searcher)]
