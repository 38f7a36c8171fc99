"""Request parameters parsed into a search query; every bad value raises ParamError."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, lru_cache
from urllib.parse import quote_plus, urlencode

from .gazetteer import default_gazetteer
from .querylang import MAX_QUERY_CHARS, ParsedQuery, QuerySyntaxError, parse

SORTS = ("relevance", "date_desc", "date_asc")
MAX_PAGE = 1000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_FACET_VALUES = 20
FACET_SIZE = 100  # place values listed per facet unless facet_size says otherwise
MAX_FACET_SIZE = 10_000
FACETS = ("city", "county", "place", "year")
REPORT_FACETS = ("city", "county", "year")  # the report list has no mentioned-place facet
_YEAR = re.compile(r"[0-9]{4}")  # ASCII digits only: ``\d`` would take ٢٠١٩ (and ``$`` a newline)
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")
MAX_HIT = 10**9
DOC_SORTS = ("date_desc", "date_asc", "title")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidi embeddings, overrides and isolates: echoed on a page, one turns the rest of its line
# around (the search box showed 公安 as 安公); search folds them away, so nothing is lost.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def facet_size_params(size: int | None) -> list[tuple[str, str]]:
    """The ``facet_size`` URL parameter of a size (None: ``max``), left out at the default."""
    if size == FACET_SIZE:
        return []
    return [("facet_size", "max" if size is None else str(size))]


def valid_text(value: str) -> str:
    """The string with lone surrogates (undecodable bytes of a command line, say) replaced by
    U+FFFD, as a web request's would be, so every string encodes to UTF-8; and without bidi
    controls, so echoing it cannot reorder the page's text."""
    return _BIDI_CONTROLS.sub("", _LONE_SURROGATE.sub("\ufffd", value))


class ParamError(ValueError):
    """A request parameter with a bad value: becomes a 400 naming the parameter."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@lru_cache(maxsize=1 << 14)
def _quoted(value: str) -> str:
    """A parameter value as ``urlencode`` writes it (facet values recur: kept)."""
    return quote_plus(value)


@dataclass(frozen=True)
class SearchQuery:
    """Everything that decides a result list; it lives entirely in the URL."""

    q: str = ""
    city: tuple[str, ...] = ()
    county: tuple[str, ...] = ()
    place: tuple[str, ...] = ()  # places the paragraph mentions (cities or counties)
    year: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    date_from: str = ""  # YYYY-MM-DD, inclusive
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    group: bool = False
    reprints: str = ""  # "one": one paragraph of each group of reprints
    facet_size: int | None = FACET_SIZE  # place values listed per facet (None: all)

    def __post_init__(self) -> None:
        object.__setattr__(self, "q", valid_text(self.q))

    @property
    def parsed(self) -> ParsedQuery:
        return parse(self.q)

    def params(self) -> list[tuple[str, str]]:
        """The query as URL parameters, defaults left out."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in FACETS:
            pairs.extend((name, value) for value in getattr(self, name))
        if self.year_from is not None:
            pairs.append(("year_from", str(self.year_from)))
        if self.year_to is not None:
            pairs.append(("year_to", str(self.year_to)))
        pairs.extend((name, getattr(self, name)) for name in DATE_BOUNDS if getattr(self, name))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.group:
            pairs.append(("group", "doc"))
        if self.reprints:
            pairs.append(("reprints", self.reprints))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(self.per_page)))
        pairs += facet_size_params(self.facet_size)
        return pairs

    def query_string(self, **changes: object) -> str:
        """The URL query string of this query with some fields changed."""
        if changes:
            return replace(self, **changes).query_string()
        return self._query_string

    @cached_property
    def _query_string(self) -> str:
        return urlencode(self.params())

    def toggled_strings(self, facet: str, values: Iterable[str]) -> dict[str, str]:
        """The query string of this query with each of the values toggled (back on page 1),
        as ``query_string`` would write it: the other parameters are encoded once."""
        marker = "\0"  # stands where the facet's values go in params()
        pairs = replace(self, page=1, **{facet: (marker,)}).params()
        at = pairs.index((facet, marker))
        head = [urlencode(pairs[:at])] if at else []
        tail = [urlencode(pairs[at + 1 :])] if at + 1 < len(pairs) else []
        current = getattr(self, facet)
        strings = {}
        for value in values:
            new = tuple(v for v in current if v != value) if value in current else (*current, value)
            middle = [f"{facet}={_quoted(v)}" for v in new]
            strings[value] = "&".join(head + middle + tail)
        return strings

    def toggled(self, facet: str, value: str) -> SearchQuery:
        """This query with one facet value selected or unselected, back on page 1."""
        values = getattr(self, facet)
        new = tuple(v for v in values if v != value) if value in values else (*values, value)
        return replace(self, **{facet: new, "page": 1})

    def echo(self) -> dict:
        """The query as the JSON API echoes it."""
        return {
            "q": self.q,
            "city": list(self.city),
            "county": list(self.county),
            "place": list(self.place),
            "year": list(self.year),
            "year_from": self.year_from,
            "year_to": self.year_to,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "group": "doc" if self.group else "",
            "reprints": self.reprints,
            "facet_size": "max" if self.facet_size is None else self.facet_size,
        }

    def allows_year(self, year: str) -> bool:
        """Whether a year passes the year selection (list and range)."""
        if self.year and year not in self.year:
            return False
        if self.year_from is None and self.year_to is None:
            return True
        if not year:
            return False
        value = int(year)
        low = self.year_from if self.year_from is not None else value
        high = self.year_to if self.year_to is not None else value
        return low <= value <= high

    @property
    def has_year_filter(self) -> bool:
        return bool(self.year) or self.year_from is not None or self.year_to is not None

    @property
    def has_date_range(self) -> bool:
        return bool(self.date_from or self.date_to)

    def allows_date(self, when: str, year: str) -> bool:
        """Whether a report dated ``when`` (or, undated, of ``year``) lies wholly in the date
        range: a report known only by its year passes when the whole year does."""
        return date_in_range(when, year, self.date_from, self.date_to)

    @property
    def is_blank(self) -> bool:
        """Nothing asked for: no query, no filter, default sort and page (the landing page);
        per_page and facet_size only say how a search would be shown."""
        return self == SearchQuery(per_page=self.per_page, facet_size=self.facet_size)


DATE_BOUNDS = ("date_from", "date_to")


def date_in_range(when: str, year: str, low: str, high: str) -> bool:
    """Whether a date (or, without one, the whole of a year) lies within [low, high]."""
    if not low and not high:
        return True
    if when:
        first = last = when
    elif year:
        first, last = f"{year}-01-01", f"{year}-12-31"
    else:
        return False
    return (not low or first >= low) and (not high or last <= high)


def _one(args: Mapping, name: str, default: str = "") -> str:
    getter = getattr(args, "get", None)
    value = getter(name, default) if getter else default
    return valid_text(value) if isinstance(value, str) else default


def _many(args: Mapping, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    return [valid_text(v.strip()) for v in values if isinstance(v, str) and v.strip()]


def _int(args: Mapping, name: str, default: int, low: int, high: int) -> int:
    raw = _one(args, name).strip()
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ParamError(name, f"不是整数：{raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(name, f"应在 {low} 到 {high} 之间，收到 {value}")
    return value


def _year_bound(args: Mapping, name: str) -> int | None:
    raw = _one(args, name).strip()
    if not raw:
        return None
    if not _YEAR.fullmatch(raw):
        raise ParamError(name, f"不是年份（应为四位数字）：{raw[:40]!r}")
    return int(raw)


def _date_bound(args: Mapping, name: str) -> str:
    raw = _one(args, name).strip()
    if not raw:
        return ""
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ParamError(
            name, f"不是日期（应为 YYYY-MM-DD，如 2021-05-12）：{raw[:40]!r}"
        ) from None


def date_range(args: Mapping) -> tuple[str, str]:
    """The date_from/date_to bounds, the right way round."""
    low, high = _date_bound(args, "date_from"), _date_bound(args, "date_to")
    return (high, low) if low and high and low > high else (low, high)


def _places(args: Mapping, name: str, canonical) -> tuple[str, ...]:
    values = []
    for raw in _many(args, name)[:MAX_FACET_VALUES]:
        value = canonical(raw) if len(raw) <= 30 else None
        if value is None:
            raise ParamError(name, f"没有这个地名：{raw[:40]!r}")
        if value not in values:
            values.append(value)
    return tuple(values)


def _canonical_place(gazetteer, name: str) -> str | None:
    """A city's or a county's full name given a full or short name."""
    return gazetteer.canonical_city(name) or gazetteer.canonical_county(name)


def _years(args: Mapping) -> tuple[str, ...]:
    values = []
    for raw in _many(args, "year")[:MAX_FACET_VALUES]:
        if not _YEAR.fullmatch(raw):
            raise ParamError("year", f"不是年份（应为四位数字）：{raw[:40]!r}")
        if raw not in values:
            values.append(raw)
    return tuple(values)


def _facet_size(args: Mapping) -> int | None:
    """How many values each place facet lists: a number, or ``max`` for all."""
    raw = _one(args, "facet_size").strip()
    if raw == "max":
        return None
    if raw and not _INTEGER.fullmatch(raw):
        wanted = f"应为 1 到 {MAX_FACET_SIZE} 的整数或 max"
        raise ParamError("facet_size", f"{wanted}，收到 {raw[:40]!r}")
    return _int(args, "facet_size", FACET_SIZE, 1, MAX_FACET_SIZE)


def _reprints_option(args: Mapping) -> str:
    value = _one(args, "reprints").strip()
    if value not in ("", "one"):
        raise ParamError("reprints", f"应为 one 或留空，收到 {value[:40]!r}")
    return value


FORM_FIELDS = {"title": "标题", "author": "作者", "source": "来源"}
FOLDED_PARAMS = ("within", *FORM_FIELDS)  # parameters that only add to q


def _form_terms(args: Mapping) -> list[str]:
    """The advanced form's title/author/source boxes as field terms of the query language."""
    terms = []
    for name, label in FORM_FIELDS.items():
        value = re.sub(r'["“”「」]', " ", _one(args, name)).strip()
        if value:
            terms.append(f'{label}:"{value}"' if re.search(r"\s", value) else f"{label}:{value}")
    return terms


def parse_search_args(args: Mapping) -> SearchQuery:
    """Build a SearchQuery from request arguments (a MultiDict or a plain mapping).

    ``within`` (search within these results) and the advanced form's ``title``, ``author``
    and ``source`` boxes add their terms to ``q``.
    """
    parts = [_one(args, "q").strip(), _one(args, "within").strip(), *_form_terms(args)]
    q = " ".join(part for part in parts if part)
    try:
        parse(q)
    except QuerySyntaxError as exc:
        raise ParamError("q", str(exc)) from exc
    sort = _one(args, "sort", "relevance").strip() or "relevance"
    if sort not in SORTS:
        raise ParamError("sort", f"应为 {'、'.join(SORTS)} 之一，收到 {sort[:40]!r}")
    group = _one(args, "group").strip()
    if group not in ("", "doc"):
        raise ParamError("group", f"应为 doc 或留空，收到 {group[:40]!r}")
    gazetteer = default_gazetteer()
    query = SearchQuery(
        q=q,
        city=_places(args, "city", gazetteer.canonical_city),
        county=_places(args, "county", gazetteer.canonical_county),
        place=_places(args, "place", lambda name: _canonical_place(gazetteer, name)),
        year=_years(args),
        year_from=_year_bound(args, "year_from"),
        year_to=_year_bound(args, "year_to"),
        **dict(zip(DATE_BOUNDS, date_range(args), strict=True)),
        sort=sort,
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        group=group == "doc",
        reprints=_reprints_option(args),
        facet_size=_facet_size(args),
    )
    if query.year_from and query.year_to and query.year_from > query.year_to:
        query = replace(query, year_from=query.year_to, year_to=query.year_from)  # typed reversed
    return query


# Citing several paragraphs at once -----------------------------------------------------------

CITE_FORMATS = ("gbt7714", "gbt7714_2025", "apa", "mla", "ris", "bib", "json")
MAX_CITED = 100
_PARAGRAPH_ID = re.compile(r"^(?P<doc_id>[^\x00-\x1f]{1,500})/(?P<n>[1-9]\d{0,6})$")


@dataclass(frozen=True)
class CiteQuery:
    """Paragraphs to cite (``doc_id``, number), in the order given, and the output format."""

    paragraphs: tuple[tuple[str, int], ...]
    format: str = "gbt7714"


def parse_cite_args(args: Mapping) -> CiteQuery:
    """``p=<doc_id>/<n>`` (repeated, at most MAX_CITED) and ``format`` (a style or a file)."""
    fmt = _one(args, "format", "gbt7714") or "gbt7714"
    if fmt not in CITE_FORMATS:
        raise ParamError("format", f"未知格式 '{fmt}'（可用：{'、'.join(CITE_FORMATS)}）")
    wanted = [p.strip() for p in _many(args, "p") if p.strip()]
    if not wanted:
        raise ParamError("p", "请至少选择一段（p=<doc_id>/<段号>）")
    paragraphs: list[tuple[str, int]] = []
    for value in wanted:
        match = _PARAGRAPH_ID.match(value)
        if not match:
            raise ParamError("p", f"'{value[:80]}' 不是段落编号（<doc_id>/<段号>）")
        paragraph = (match.group("doc_id"), int(match.group("n")))
        if paragraph not in paragraphs:
            paragraphs.append(paragraph)
    if len(paragraphs) > MAX_CITED:
        raise ParamError("p", f"一次最多引用 {MAX_CITED} 段（{len(paragraphs)}）")
    return CiteQuery(tuple(paragraphs), fmt)


@dataclass(frozen=True)
class DocumentQuery:
    """The parameters of a document page of its own (the search it was reached from is a
    SearchQuery): the query whose matches are marked, the paragraph to open at, and the part
    of a long document to show."""

    q: str = ""
    hit: int | None = None
    part: int | None = None  # None: the part holding ``hit``
    back: str = ""  # the report list it was opened from (pages checks it is one of ours)


def _optional_int(args: Mapping, name: str, high: int) -> int | None:
    return _int(args, name, 1, 1, high) if _one(args, name).strip() else None


def parse_document_args(args: Mapping) -> DocumentQuery:
    """Build a DocumentQuery; the query is only marked, so syntax errors are not refused."""
    q = _one(args, "q")
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError("q", f"检索式超过 {MAX_QUERY_CHARS} 个字符（{len(q)}）")
    hit = _optional_int(args, "hit", MAX_HIT)
    part = _optional_int(args, "part", MAX_HIT)
    return DocumentQuery(q=q, hit=hit, part=part, back=valid_text(_one(args, "back")))


def permalink_version(args: Mapping) -> str:
    """The fingerprint ``v`` a permalink carries (at most 40 characters; any other text just
    matches no paragraph)."""
    return _one(args, "v").strip()[:40]


@dataclass(frozen=True)
class DocsQuery:
    """What the report list shows: filters by newspaper, place and date, a sort, a page."""

    source: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    county: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    sort: str = "date_desc"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    facet_size: int | None = FACET_SIZE  # newspapers, cities, counties listed (None: all)

    def params(self) -> list[tuple[str, str]]:
        """The list's URL parameters, defaults left out."""
        names = ("source", *REPORT_FACETS)
        pairs = [(name, value) for name in names for value in getattr(self, name)]
        pairs += [(name, getattr(self, name)) for name in DATE_BOUNDS if getattr(self, name)]
        defaults = {"sort": "date_desc", "page": 1, "per_page": DEFAULT_PER_PAGE}
        pairs += [(k, str(getattr(self, k))) for k, v in defaults.items() if getattr(self, k) != v]
        pairs += facet_size_params(self.facet_size)
        return pairs

    # The same as a search's: this list with some fields changed, as a URL query string; with
    # one facet value selected or unselected, back on page 1.
    query_string = SearchQuery.query_string
    _query_string = SearchQuery._query_string
    toggled = SearchQuery.toggled

    def echo(self) -> dict:
        return {
            "source": list(self.source),
            "city": list(self.city),
            "county": list(self.county),
            "year": list(self.year),
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "facet_size": "max" if self.facet_size is None else self.facet_size,
        }


def _sources(args: Mapping) -> tuple[str, ...]:
    values = []
    for raw in _many(args, "source")[:MAX_FACET_VALUES]:
        if len(raw) > 60:
            raise ParamError("source", f"报纸名称过长（{len(raw)} 个字符）")
        if raw not in values:
            values.append(raw)
    return tuple(values)


def parse_docs_args(args: Mapping) -> DocsQuery:
    """Build a DocsQuery (the report list) from request arguments."""
    sort = _one(args, "sort", "date_desc").strip() or "date_desc"
    if sort not in DOC_SORTS:
        raise ParamError("sort", f"应为 {'、'.join(DOC_SORTS)} 之一，收到 {sort[:40]!r}")
    gazetteer = default_gazetteer()
    low, high = date_range(args)
    return DocsQuery(
        source=_sources(args),
        city=_places(args, "city", gazetteer.canonical_city),
        county=_places(args, "county", gazetteer.canonical_county),
        year=_years(args),
        date_from=low,
        date_to=high,
        sort=sort,
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        facet_size=_facet_size(args),
    )
