"""Searching the paragraph index, and reading documents and paragraphs back from it.

Matching (the contract, see ``docs/architecture.md``):

- a plain term matches a paragraph whose folded text contains it, or contains each of its jieba
  words somewhere (ranked lower);
- a quoted term matches exactly the paragraphs containing the string;
- exact matches rank above scattered ones (a constant bonus far above any BM25 score), then BM25
  over jieba words and bigrams, multiplied by the block kind's weight at query time; equal scores
  are ordered by doc_id and paragraph number;
- a query of exclusions alone lists every paragraph but the excluded ones.

Each distinct string is looked up once per search in the index version's n-gram tables
(:class:`Finder`, ``matching``, ``ngrams``); sets of paragraphs are ascending numpy arrays of
document numbers, combined, counted per facet value, scored and sorted in C, so the cost of a
query grows little with its matches. Only the page of hits shown is read from Whoosh's stored
fields. Highlights mark what made each term match a paragraph: its whole string where the
paragraph contains it, else its words.

This layer builds no URLs: links are made by ``pages.py``. Its only markup is the highlighted
snippets and blocks, made by ``highlight.py`` from escaped text.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .analysis import query_grams
from .caching import RecentCache
from .columnvalues import column_values, leaves, stored_numbers
from .folding import fold, fold_with_offsets, folded_fingerprint
from .highlight import Span, folded_spans, mark, snippet
from .matching import (
    EMPTY,
    MatchIndex,
    as_set,
    difference,
    intersect,
    match_index,
    run_positions,
    union,
)
from .query import SearchQuery
from .querylang import ParsedQuery, QuerySyntaxError, QueryTerm, parse
from .reportblocks import ReportBlocks, report_blocks
from .textstore import texts_for

EXACT_BONUS = 1_000_000.0
GROUP_LIMIT = 3
MAX_RANKING_TERMS = 24  # at most this many ``words`` terms and ``grams`` terms add to scores
BLOCKS = Term("rec", "block")
# BM25 with weak length normalisation: paragraphs differ in length far more than documents do,
# and with Whoosh's default B=0.75 a five-character caption outscores body text 4 to 1.
BM25_K1 = 1.2
BM25_B = 0.1
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
    """No such document or paragraph; ``back`` is a way on (address, label), if there is one."""

    def __init__(self, message: str, back: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.back = back


# Matching ------------------------------------------------------------------------------------


class Finder:
    """The paragraphs containing strings, as ascending arrays of document numbers, each string
    looked up once per search in the index version's n-gram tables (``matching``): exact, and
    independent of how many paragraphs a string is in."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.index: MatchIndex = match_index(searcher)
        self.cache: dict[str, np.ndarray] = {}
        self.texts: dict[int, str] = {}

    @property
    def size(self) -> int:
        return self.index.size

    def containing(self, folded: str) -> np.ndarray:
        """Paragraphs whose folded text contains the (folded) string."""
        found = self.cache.get(folded)
        if found is None:
            found = self.cache[folded] = self.index.containing(folded)
        return found

    def containing_all(self, strings: Iterable[str]) -> np.ndarray:
        """Paragraphs whose folded text contains every one of the strings."""
        found: np.ndarray | None = None
        for folded in sorted(dict.fromkeys(strings), key=len, reverse=True):  # longest: rarest
            docs = self.containing(folded)
            found = docs if found is None else intersect(found, docs, self.size)
            if not len(found):
                break
        return EMPTY if found is None else found

    def text(self, docnum: int) -> str:
        """The folded text of a paragraph (as indexed)."""
        folded = self.texts.get(docnum)
        if folded is None:
            stored = self.searcher.stored_fields(int(docnum)).get("text", "")
            folded = self.texts[docnum] = fold(stored)
        return folded

    def term(self, term: QueryTerm) -> tuple[np.ndarray, np.ndarray]:
        """(paragraphs containing the term's string, those or ones containing all its words)."""
        exact = self.containing(term.folded)
        if not term.words:
            return exact, exact
        return exact, union(exact, self.containing_all(term.words), self.size)

    def query(self, parsed: ParsedQuery) -> tuple[np.ndarray, np.ndarray]:
        """(matching paragraphs, those matching every group exactly), exclusions applied."""
        size = self.size
        if parsed.groups:
            matching: np.ndarray | None = None
            exact = EMPTY
            for group in parsed.groups:
                strict_any, loose_any = EMPTY, EMPTY
                for term in group:
                    strict_docs, loose_docs = self.term(term)
                    strict_any = union(strict_any, strict_docs, size)
                    loose_any = union(loose_any, loose_docs, size)
                if matching is None:
                    matching, exact = loose_any, strict_any
                else:
                    matching = intersect(matching, loose_any, size)
                    exact = intersect(exact, strict_any, size)
        else:
            matching = exact = self.index.live
        for term in parsed.excluded:
            excluded = self.containing(term.folded)
            matching = difference(matching, excluded, size)
            exact = difference(exact, excluded, size)
        return matching, exact


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
    searcher: Searcher, parsed: ParsedQuery, passed: np.ndarray, exact: np.ndarray, columns
) -> np.ndarray:
    """Scores of the passed paragraphs (in their order): a constant bonus for exact matches,
    plus BM25 over the ranking terms multiplied by the kind's weight."""
    index = match_index(searcher)
    at = np.full(index.size, -1, dtype=np.int64)
    at[passed] = np.arange(len(passed))
    scores = np.zeros(len(passed))
    for name, text in ranking_terms(parsed):
        docs, weights = index.frequencies(name, text)
        if len(docs):
            lengths = columns.lengths(searcher, name)
            _add_bm25(searcher, name, docs, weights, at, lengths, scores)
    scores *= columns.codes.kind_weight[passed]
    scores[at[intersect(exact, passed, index.size)]] += EXACT_BONUS
    return scores


def _add_bm25(searcher, name, docs, weights, at, lengths, scores) -> None:
    """Add one term's BM25 to the scores of the passed paragraphs it occurs in."""
    idf = math.log(searcher.doc_count_all() / (len(docs) + 1)) + 1
    norm = BM25_K1 * (1 - BM25_B)
    slope = BM25_K1 * BM25_B / (_average_length(searcher, name, lengths) or 1.0)
    where = at[docs]
    inside = where >= 0
    docs, weights, where = docs[inside], weights[inside], where[inside]
    scores[where] += idf * weights * (BM25_K1 + 1) / (weights + norm + slope * lengths[docs])


def _average_length(searcher: Searcher, name: str, lengths: np.ndarray) -> float:
    if name == "words":
        return searcher.avg_field_length(name)
    return match_index(searcher).average_length()


# Facets --------------------------------------------------------------------------------------


class CodedColumn(Sequence):
    """A column of strings held as numpy codes into its sorted distinct values: a few bytes
    per document instead of a Python list's pointer (read-only)."""

    def __init__(self, values: list[str]) -> None:
        self.codes, self.values = _coded(values)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, docnum):
        return self.values[self.codes[docnum]]

    def __iter__(self) -> Iterator[str]:
        values = self.values
        return (values[code] for code in self.codes.tolist())


@dataclass
class FacetColumns:
    """The facet values of every document number, read once per index version."""

    city: CodedColumn
    county: CodedColumn
    year: CodedColumn
    doc_id: CodedColumn
    n: np.ndarray  # int64: each document's paragraph number
    _codes: FacetCodes
    field_lengths: dict[str, np.ndarray] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    metas: list[dict] | None = None
    doc_fields: dict[str, dict[str, str]] | None = None

    def lengths(self, searcher: Searcher, name: str) -> np.ndarray:
        """Every paragraph's length in ``words`` (jieba words) or ``grams`` (folded characters),
        read once per index version."""
        found = self.field_lengths.get(name)
        if found is None:  # two threads may both read it: the same array, assigned whole
            if name == "words":
                found = _field_lengths(searcher.reader(), name)
            else:
                found = match_index(searcher).lengths().astype(np.float64)
            self.field_lengths[name] = found
        return found

    @property
    def codes(self) -> FacetCodes:
        """The columns as numpy codes, for counting and sorting in C."""
        return self._codes

    def column(self, searcher: Searcher, name: str) -> list[str]:
        """Another sortable column (``date``, say), read once per index version."""
        if name not in self.columns:
            self.columns[name] = column_values(searcher.reader(), name)
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


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _field_lengths(reader, name: str) -> np.ndarray:
    """Field lengths from Whoosh's per-document length column (one byte per document)."""
    parts = []
    for leaf, _base in leaves(reader):
        perdoc = getattr(leaf, "_perdoc", None)
        column = perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN) if perdoc else None
        count = leaf.doc_count_all()
        if column is None:
            found = [leaf.doc_field_length(d, name, 0) or 0 for d in range(count)]
            parts.append(np.array(found, dtype=np.float64))
            continue
        stored = stored_numbers(column, count)
        if stored is None:
            stored = np.fromiter(column, dtype=np.int64, count=count)
        parts.append(_BYTE_TO_LENGTH[stored])
    return np.concatenate(parts) if parts else np.zeros(0)


COLUMN_VERSIONS_KEPT = 2
_COLUMN_CACHE: RecentCache[FacetColumns] = RecentCache(COLUMN_VERSIONS_KEPT)


def facet_columns(searcher: Searcher) -> FacetColumns:
    """The facet columns of the searcher's index version, read once per version; the last
    COLUMN_VERSIONS_KEPT versions are kept (and noted on the searcher)."""
    found = getattr(searcher, "_archivist_columns", None)
    if found is None:
        reader = searcher.reader()
        key = (id(searcher._ix) if getattr(searcher, "_ix", None) else 0, _reader_key(reader))
        found = _COLUMN_CACHE.get(key, lambda: _read_columns(reader))
        searcher._archivist_columns = found
    return found


def _read_columns(reader) -> FacetColumns:
    """The columns of a reader's documents, each coded as soon as it is read."""
    city, county, year, doc_id = (
        CodedColumn(column_values(reader, name)) for name in ("city", "county", "year", "doc_id")
    )
    numbers = np.array(column_values(reader, "n"), dtype=np.int64)
    kinds, kind_values = _coded(column_values(reader, "kind"))
    weights = np.array([KIND_WEIGHT.get(kind, 1.0) for kind in kind_values], dtype=np.float64)
    inferred, inferred_values = _coded(column_values(reader, "year_inferred"))
    place_doc, place_pair, place_pairs = _place_codes(column_values(reader, "places"))
    pair, pairs = _pairs(city, county)
    codes = FacetCodes(
        city.codes, city.values, county.codes, county.values,
        pair, pairs,
        year.codes, year.values,
        np.array([bool(v) for v in inferred_values], dtype=bool)[inferred],
        place_doc, place_pair, place_pairs,
        weights[kinds],
        _ranks(np.lexsort((numbers, doc_id.codes))),
        _coded(column_values(reader, "date_first"))[0],
        _coded(column_values(reader, "date_last"))[0],
        np.searchsorted(place_doc, np.arange(len(numbers) + 1)),
    )  # fmt: skip
    return FacetColumns(city, county, year, doc_id, numbers, codes)


def _pairs(city: CodedColumn, county: CodedColumn) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each document's (city, county) pair as a code into the sorted distinct pairs."""
    width = max(1, len(county.values))
    keys, codes = np.unique(city.codes.astype(np.int64) * width + county.codes, return_inverse=True)
    pairs = [(city.values[key // width], county.values[key % width]) for key in keys.tolist()]
    return codes.astype(np.int32), pairs


def _coded(values: list) -> tuple[np.ndarray, list]:
    """(each value's index among the distinct values, the distinct values in sorted order)."""
    distinct = sorted(set(values))
    index = {value: i for i, value in enumerate(distinct)}
    return np.fromiter((index[v] for v in values), dtype=np.int32, count=len(values)), distinct


def _ranks(codes: np.ndarray) -> np.ndarray:
    """The inverse of a permutation: each position's rank."""
    ranks = np.empty(len(codes), dtype=np.int64)
    ranks[codes] = np.arange(len(codes))
    return ranks


@dataclass
class FacetCodes:
    """The facet and sort columns as numpy arrays of codes into their distinct values."""

    city: np.ndarray
    cities: list[str]
    county: np.ndarray
    counties: list[str]
    pair: np.ndarray  # (city, county) of each document
    pairs: list[tuple[str, str]]
    year: np.ndarray
    years: list[str]
    inferred: np.ndarray  # bool: the year was deduced
    place_doc: np.ndarray  # every (document, mentioned place) pair, by document
    place_pair: np.ndarray  # ... its place, a code into place_pairs
    place_pairs: list[tuple[str, str]]
    kind_weight: np.ndarray
    order: np.ndarray  # each document's rank by (doc_id, paragraph number): ties broken by it
    date_first: np.ndarray  # ranks of the date sort keys (string order)
    date_last: np.ndarray
    place_starts: np.ndarray  # int64[documents + 1]: each document's run in place_doc
    _names: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def names(self, facet: str) -> np.ndarray:
        """Each distinct value's listed name (numpy strings): a city's, a county pair's
        county, a mentioned place's county or city, a year."""
        found = self._names.get(facet)
        if found is None:  # two threads may both compute it: the same array
            values = {
                "city": self.cities,
                "county": [county for _, county in self.pairs],
                "place": [county or city for city, county in self.place_pairs],
                "year": self.years,
            }[facet]
            found = self._names[facet] = np.array(values, dtype=str)
        return found

    def parents(self, facet: str) -> np.ndarray:
        """Each ``county`` or ``place`` value's city, as a code into ``city`` or ``place`` (-1:
        a city, or a county of no named city)."""
        key = f"parents of {facet}"
        found = self._names.get(key)
        if found is None:  # two threads may both compute it: the same array
            if facet == "county":
                index = {city: i for i, city in enumerate(self.cities) if city}
                values = [index.get(city, -1) if county else -1 for city, county in self.pairs]
            else:
                index = {pair: i for i, pair in enumerate(self.place_pairs) if pair[0]}
                pairs = self.place_pairs
                values = [index.get((city, ""), -1) if county else -1 for city, county in pairs]
            found = self._names[key] = np.array(values, dtype=np.int64)
        return found


def _place_codes(tokens: list[str]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """(documents, place codes, distinct places) of every place each document's ``places``
    value names, by document; each distinct value is parsed once."""
    value_codes, values = _coded(tokens)
    parsed = [sorted(place_pairs(value)) for value in values]
    distinct = sorted({pair for pairs in parsed for pair in pairs})
    index = {pair: i for i, pair in enumerate(distinct)}
    sizes = np.array([len(pairs) for pairs in parsed], dtype=np.int64)
    flat = np.array([index[pair] for pairs in parsed for pair in pairs], dtype=np.int32)
    firsts = np.cumsum(sizes) - sizes  # where each distinct value's places start in flat
    per_doc = sizes[value_codes]
    docs = np.repeat(np.arange(len(value_codes), dtype=np.int32), per_doc)
    positions = run_positions(firsts[value_codes], per_doc)
    return docs, flat[positions], distinct


def place_pairs(tokens: str) -> frozenset[tuple[str, str]]:
    """The (city, county) pairs of a ``places`` column value (county "" for a city)."""
    pairs = set()
    for token in tokens.split():
        city, _, county = token.partition("/")
        pairs.add((city, county))
    return frozenset(pairs)


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
    """Counts per facet, one per distinct value of its column (``codes``); each facet's counts
    ignore that facet's own selection."""

    codes: FacetCodes
    city: np.ndarray
    county: np.ndarray  # per (city, county) pair
    place: np.ndarray  # per mentioned (city, county) pair
    year: np.ndarray
    year_inferred: np.ndarray


def _allowed(values: list, test) -> np.ndarray:
    """A bool per distinct value: whether it passes the test."""
    return np.fromiter((bool(test(v)) for v in values), dtype=bool, count=len(values))


def _tally(codes: np.ndarray, values: list, keep: np.ndarray | None = None) -> np.ndarray:
    """How many documents have each value (optionally only those ``keep`` says)."""
    if keep is not None:
        codes = codes[keep]
    return np.bincount(codes, minlength=len(values))


def value_counts(codes: np.ndarray, values: list) -> Counter:
    """How many documents have each value (only values with a count)."""
    counts = _tally(codes, values)
    return Counter({values[i]: int(counts[i]) for i in np.flatnonzero(counts)})


def count_and_filter(
    docnums, columns: FacetColumns, query: SearchQuery
) -> tuple[np.ndarray, FacetCounts]:
    """The documents passing every facet filter (ascending), and the facet counts (each
    facet's counts ignore that facet's own selection)."""
    docs = as_set(docnums)
    codes = columns.codes
    every = np.ones(len(docs), dtype=bool)
    ok_city, ok_county, ok_year = every, every, every
    if query.city:
        ok_city = _allowed(codes.cities, set(query.city).__contains__)[codes.city[docs]]
    if query.county:
        ok_county = _allowed(codes.counties, set(query.county).__contains__)[codes.county[docs]]
    if query.has_year_filter:
        ok_year = _allowed(codes.years, query.allows_year)[codes.year[docs]]
    ok_place = _mentioning(docs, codes, set(query.place)) if query.place else every
    placed = ok_city & ok_county & ok_place
    counts = FacetCounts(
        codes,
        city=_tally(codes.city[docs], codes.cities, ok_county & ok_year & ok_place),
        county=_tally(codes.pair[docs], codes.pairs, ok_city & ok_year & ok_place),
        place=_place_tally(docs[ok_city & ok_county & ok_year], codes),
        year=_tally(codes.year[docs], codes.years, placed),
        year_inferred=_tally(codes.year[docs], codes.years, placed & codes.inferred[docs]),
    )
    return docs[placed & ok_year], counts


def _mentioning(docs: np.ndarray, codes: FacetCodes, places: set[str]) -> np.ndarray:
    """Per document: whether it mentions one of the places (city or county full names)."""
    wanted = _allowed(codes.place_pairs, lambda pair: pair[0] in places or pair[1] in places)
    mentioning = np.zeros(len(codes.city), dtype=bool)
    mentioning[codes.place_doc[wanted[codes.place_pair]]] = True
    return mentioning[docs]


def _place_tally(docs: np.ndarray, codes: FacetCodes) -> np.ndarray:
    """How many of the documents (ascending, distinct) mention each place: their runs of
    ``place_pair`` gathered, so the cost follows the documents, not the archive."""
    firsts = codes.place_starts[docs]
    positions = run_positions(firsts, codes.place_starts[docs + 1] - firsts)
    return np.bincount(codes.place_pair[positions], minlength=len(codes.place_pairs))


def facet_lists(
    counts: FacetCounts, query: SearchQuery
) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
    """Facet values for display: cities, counties and mentioned places by count (at most
    ``query.facet_size`` of each, selected ones always), years in order (each with how many
    of its paragraphs have an inferred year); and how many values each facet leaves out."""
    codes, size = counts.codes, query.facet_size
    more: dict[str, int] = {}
    chosen_counties, more["county"] = _top(counts.county, codes, "county", size, query.county)
    counties = [
        FacetValue(codes.pairs[i][1], int(counts.county[i]), False, parent=codes.pairs[i][0])
        for i in chosen_counties
    ]
    chosen, more["city"] = _top(counts.city, codes, "city", size, query.city)
    chosen, added = _with_cities(chosen, codes.parents("county")[chosen_counties], counts.city)
    more["city"] -= added
    cities = [FacetValue(codes.cities[i], int(counts.city[i]), False) for i in chosen]
    chosen, more["place"] = _top(counts.place, codes, "place", size, query.place)
    chosen, added = _with_cities(chosen, codes.parents("place")[chosen], counts.place)
    more["place"] -= added
    places = []
    for i in chosen:
        city, county = codes.place_pairs[i]
        count = int(counts.place[i])
        places.append(FacetValue(county or city, count, False, parent=city if county else ""))
    years = [
        FacetValue(
            codes.years[i], int(counts.year[i]), False, inferred=int(counts.year_inferred[i])
        )
        for i in np.flatnonzero((counts.year > 0) & (codes.names("year") != ""))
    ]
    lists = {"city": cities, "county": counties, "place": places, "year": years}
    for name, values in lists.items():
        _mark_selected(values, getattr(query, name))
    return lists, {name: n for name, n in more.items() if n}


def _top(counts: np.ndarray, codes: FacetCodes, facet: str, size: int | None, selected) -> tuple:
    """(codes of the facet's named values with a count, most first, ties in value order: at
    most ``size``, then the selected ones this leaves out; how many with a count are left out).
    Values without a name ("") are counted but not listed."""
    names = codes.names(facet)
    present = np.flatnonzero((counts > 0) & (names != ""))
    ordered = present[np.lexsort((present, -counts[present]))]
    if size is None or len(ordered) <= size:
        return ordered.tolist(), 0
    rest = ordered[size:]
    kept = rest[np.isin(names[rest], list(selected))].tolist() if selected else []
    return ordered[:size].tolist() + kept, len(rest) - len(kept)


def _with_cities(chosen: list[int], cities: np.ndarray, counts: np.ndarray) -> tuple:
    """The chosen values with the cities of the listed counties added where the cut left them
    out (a county is shown under its city), all by count; and how many were added."""
    added = {int(c) for c in cities.tolist() if c >= 0 and counts[c] > 0} - set(chosen)
    if not added:
        return chosen, 0
    merged = np.array([*chosen, *sorted(added)], dtype=np.int64)
    return merged[np.lexsort((merged, -counts[merged]))].tolist(), len(added)


def _mark_selected(values: list[FacetValue], selected: tuple[str, ...]) -> None:
    """Marks the selected values; selected values without a count stay listed (count 0), so
    they can be unselected."""
    if not selected:
        return
    wanted = set(selected)
    present = set()
    for value in values:
        if value.value in wanted:
            value.selected = True
            present.add(value.value)
    values.extend(FacetValue(s, 0, True) for s in selected if s not in present)


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
        data = dict(vars(self))  # snippet_html stays Markup: safe in templates, a string in JSON
        data["authors"], data["places"] = list(self.authors), list(self.places)
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
    facets_more: dict[str, int] = field(default_factory=dict)  # values a facet leaves out

    @property
    def pages(self) -> int:
        count = self.documents if self.grouped else self.total
        return max(1, -(-count // self.query.per_page))


def _matches(searcher: Searcher, query: SearchQuery, parsed: ParsedQuery):
    """(paragraphs passing the query and every filter, exact ones, facet counts, columns)."""
    matching, exact = Finder(searcher).query(parsed)
    columns = facet_columns(searcher)
    matching = _in_reports(searcher, matching, columns, query, parsed)
    passed, counts = count_and_filter(matching, columns, query)
    if query.reprints == "one":  # facet counts still count every paragraph
        from .reprints import one_of_each

        passed = as_set(one_of_each(searcher, passed, columns))
    return passed, exact, counts, columns


def _in_reports(
    searcher: Searcher, docnums, columns: FacetColumns, query, parsed: ParsedQuery
) -> np.ndarray:
    """The paragraphs whose report passes the field terms and the exact date range."""
    docnums = as_set(docnums)
    if parsed.fields:
        allowed = _reports_with_fields(searcher, columns, parsed)
        doc_ids = columns.doc_id
        docnums = docnums[_allowed(doc_ids.values, allowed.__contains__)[doc_ids.codes[docnums]]]
    if query.has_date_range:
        dates, years = columns.column(searcher, "date"), columns.year
        docnums = as_set(d for d in docnums.tolist() if query.allows_date(dates[d], years[d]))
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
    """The passed paragraphs in result order, with their scores: the first ``needed``, or all.
    Ties are broken by (doc_id, paragraph number), a key no build changes."""
    passed, exact, _counts, columns = matches
    if not len(passed):
        return []
    codes = columns.codes
    ties = codes.order[passed]
    if parsed.groups and query.sort == "relevance":
        scores = rank(searcher, parsed, passed, exact, columns)
        chosen = _best(-scores, ties, needed)
        return [(int(d), float(v)) for d, v in zip(passed[chosen], scores[chosen], strict=True)]
    if query.sort == "date_asc":
        chosen = _best(codes.date_last[passed], ties, needed)
    else:
        chosen = _best(-codes.date_first[passed].astype(np.int64), ties, needed)
    return [(int(d), None) for d in passed[chosen]]


def _best(keys: np.ndarray, ties: np.ndarray, needed: int | None) -> np.ndarray:
    """Positions of the ``needed`` smallest (key, tie) pairs in order (all when None)."""
    candidates = np.arange(len(keys))
    if needed is not None and needed < len(keys):
        if needed <= 0:
            return candidates[:0]
        bound = np.partition(keys, needed - 1)[needed - 1]
        candidates = np.flatnonzero(keys <= bound)  # every tie at the bound, too
    ordered = candidates[np.lexsort((ties[candidates], keys[candidates]))]
    return ordered if needed is None else ordered[:needed]


def search(searcher: Searcher, query: SearchQuery) -> SearchResults:
    """Run a search: facet counts over all matches, one page of highlighted hits."""
    started = time.perf_counter()
    parsed = query.parsed
    matches = _matches(searcher, query, parsed)
    passed, _exact, counts, columns = matches
    facets, facets_more = facet_lists(counts, query)
    results = SearchResults(query, len(passed), [], facets, 0.0, query.group)
    results.facets_more = facets_more
    if query.group:
        ordered = _in_order(searcher, query, parsed, matches)
        page, results.documents = _grouped_page(ordered, columns, query)
    else:
        start = (query.page - 1) * query.per_page
        ordered = _in_order(searcher, query, parsed, matches, start + query.per_page)
        page = [(doc, score, 0) for doc, score in ordered[start:]]
    index = match_index(searcher)
    results.hits = [
        _hit(index.stored_fields(docnum, searcher), parsed, score, more)
        for docnum, score, more in page
    ]
    _count_reprints(searcher, results.hits)
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def _count_reprints(searcher: Searcher, hits: list[Hit]) -> None:
    """Note on each hit how many other reports carry its text."""
    from .reprints import reprints_for  # reprints reads this module's columns

    found = reprints_for(searcher) if hits else None
    for hit in hits:
        hit.also_in = len(found.others(hit.doc_id, hit.n)) if found is not None else 0


def count(searcher: Searcher, query: SearchQuery) -> int:
    """How many paragraphs a search finds (no hits read, nothing ranked)."""
    return len(_matches(searcher, query, query.parsed)[0])


def export_hits(searcher: Searcher, query: SearchQuery, limit: int) -> list[Hit]:
    """The whole result list, in order, up to ``limit`` hits (page and grouping ignored)."""
    parsed = query.parsed
    ordered = _in_order(searcher, query, parsed, _matches(searcher, query, parsed), limit)
    index = match_index(searcher)
    return [_hit(index.stored_fields(doc, searcher), parsed, score) for doc, score in ordered]


def _grouped_page(ordered: list[tuple[int, float | None]], columns, query) -> tuple:
    """A page of documents, each with its best GROUP_LIMIT paragraphs in rank order."""
    groups: dict[int, list[tuple[int, float | None]]] = {}  # by the report's code
    totals: Counter = Counter()
    reports = columns.doc_id.codes[[docnum for docnum, _ in ordered]].tolist()
    for (docnum, score), doc_id in zip(ordered, reports, strict=True):
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


def query_spans(text: str, parsed: ParsedQuery) -> tuple[list[Span], bool]:
    """The spans to mark in a text for a query, and whether it matches every group exactly."""
    if not parsed.groups:
        return [], True
    folded, offsets = fold_with_offsets(text)
    return folded_spans(text, offsets, folded, parsed.needles(folded)), parsed.is_exact(folded)


def mentioned_names(tokens: str) -> list[str]:
    """The places a paragraph mentions, for display: counties, and cities named without one
    of their counties."""
    pairs = place_pairs(tokens)
    with_county = {city for city, county in pairs if county}
    names = [county for _, county in sorted(pairs) if county]
    return names + sorted(city for city, county in pairs if not county and city not in with_county)


DESCRIBING_FIELDS = ("title", "city", "county", "year", "date", "fp")


def described(fields: dict) -> dict[str, str]:
    """What a listed paragraph shows of its stored fields besides its text: its report's
    title, its place and date (its story's), its fingerprint for the permalink."""
    return {name: fields.get(name, "") for name in DESCRIBING_FIELDS}


def _hit(fields: dict, parsed: ParsedQuery, score, more: int = 0) -> Hit:
    text = fields.get("text", "")
    spans, exact = query_spans(text, parsed)
    doc_id, n = fields["doc_id"], fields["n"]
    facts = fields.get("facts") or {}
    return Hit(
        id=f"{doc_id}/{n}",
        doc_id=doc_id,
        n=n,
        kind=fields.get("kind", ""),
        story=fields.get("story", ""),
        **described(fields),
        snippet_html=snippet(text, spans),
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
    page: int | None = None  # the page of the original it starts on, when known

    def to_dict(self) -> dict:
        """Its fields as a new dict (the values shared, not copied: do not modify them)."""
        return dict(vars(self))


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


def document_record(searcher: Searcher, doc_id: str) -> dict | None:
    """The stored fields of a report's record (read anew: safe to change), or None."""
    docnum = _report_blocks(searcher).record(doc_id)
    return None if docnum is None else match_index(searcher).stored_fields(docnum, searcher)


def document_meta(searcher: Searcher, doc_id: str) -> dict:
    """The stored metadata of one document (read anew: safe to change); raises NotFound."""
    fields = document_record(searcher, doc_id)
    if fields is None:
        raise NotFound(f"没有这篇报道：{doc_id}")
    return fields["meta"]


def document_lineage(searcher: Searcher, doc_id: str) -> dict[str, str]:
    """Fingerprints of a document's corrected text -> the blocks that replaced it."""
    return (document_record(searcher, doc_id) or {}).get("lineage") or {}


def get_document(
    searcher: Searcher, doc_id: str, q: str = "", numbers: tuple[int, int] | None = None
) -> DocumentView:
    """A document with its blocks in order (only those numbered ``numbers[0]..numbers[1]``
    when given); with ``q``, every match in them marked and counted."""
    meta = document_meta(searcher, doc_id)
    parsed = _parse_quietly(q)
    blocks = [_block_view(fields, parsed) for fields in document_blocks(searcher, doc_id, numbers)]
    return DocumentView(doc_id, meta, blocks, sum(b.hits for b in blocks))


def _block_view(fields: dict, parsed: ParsedQuery) -> BlockView:
    spans, _ = query_spans(fields["text"], parsed)
    return BlockView(
        n=fields["n"],
        kind=fields["kind"],
        text=fields["text"],
        story=fields.get("story", ""),
        fp=fields.get("fp", ""),
        html=mark(fields["text"], spans),
        hits=len(spans),
        facts=fields.get("facts") or {},
        places=mentioned_names(fields.get("places", "")),
        page=fields.get("page"),
    )


def _report_blocks(searcher: Searcher) -> ReportBlocks:
    """The index version's paragraphs and records grouped by report, once per version."""

    def columns() -> tuple[list[str], list[int], np.ndarray]:
        # two columns, not all the facet columns a search reads (unless they are read already):
        # the first permalink of a version does not wait for those
        found = getattr(searcher, "_archivist_columns", None)
        reader = searcher.reader()
        doc_ids = found.doc_id if found else column_values(reader, "doc_id")
        numbers = found.n if found else column_values(reader, "n")
        return doc_ids, numbers, as_set(searcher.docs_for_query(Term("rec", "doc")))

    return report_blocks(match_index(searcher), columns)


def _report_paragraphs(searcher: Searcher, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, block numbers) of a report's paragraphs in order."""
    return _report_blocks(searcher).of(doc_id)


def document_blocks(
    searcher: Searcher, doc_id: str, numbers: tuple[int, int] | None = None
) -> list[dict]:
    """The stored fields of a document's blocks in order: all, or those numbered
    ``numbers[0]..numbers[1]`` (read without touching the others)."""
    docs, found = _report_paragraphs(searcher, doc_id)
    if numbers is not None:  # any Python int: clipped to the int64 range of the array
        low, high = (min(max(n, -1), 2**62) for n in numbers)
        docs = docs[np.searchsorted(found, low) : np.searchsorted(found, high, "right")]
    index = match_index(searcher)
    return [index.stored_fields(int(docnum), searcher) for docnum in docs]


def document_fingerprints(searcher: Searcher, doc_id: str) -> dict[int, str]:
    """Block number -> fingerprint of every block of a document: the digest of its folded text
    where the texts kept beside the index have it (``textstore``: far cheaper than reading the
    stored fields of a long report), else read from the index."""
    docs, numbers = _report_paragraphs(searcher, doc_id)
    texts = texts_for(searcher, facet_columns(searcher))
    folded = texts.read(docs.tolist()) if texts is not None else {}
    index = match_index(searcher)
    return {
        n: folded_fingerprint(folded[docnum])
        if docnum in folded
        else index.stored_fields(docnum, searcher).get("fp", "")
        for docnum, n in zip(docs.tolist(), numbers.tolist(), strict=True)
    }


def block_numbers(searcher: Searcher, doc_id: str) -> np.ndarray:
    """The numbers of a document's blocks, in order (nothing read from the index)."""
    return _report_paragraphs(searcher, doc_id)[1]


def matching_block_numbers(searcher: Searcher, doc_id: str, q: str) -> np.ndarray:
    """The numbers of a document's blocks matching ``q``, in order: the query's matches over
    the index intersected with the document's paragraphs (no text read)."""
    parsed = _parse_quietly(q)
    if not parsed.groups:
        return EMPTY
    matching, _exact = Finder(searcher).query(parsed)
    docs, numbers = _report_paragraphs(searcher, doc_id)
    if not len(matching) or not len(docs):
        return EMPTY
    return numbers[np.isin(docs, matching, assume_unique=True)]


def _parse_quietly(q: str) -> ParsedQuery:
    """The parsed query, or an empty one when it is over the limits (nothing is marked)."""
    try:
        return parse(q)
    except QuerySyntaxError:
        return ParsedQuery()


def list_documents(searcher: Searcher) -> list[dict]:
    """The metadata of every document, by doc_id (copies: safe to change)."""
    return [dict(meta) for meta in facet_columns(searcher).catalogue(searcher)]
