"""The query language: words, "quoted strings", OR, -exclusion, field:value.

- ``A B`` means both, ``A OR B`` either, ``-A`` not A, ``"A B"`` the exact string ``A B``.
- OR binds tighter than the implicit AND, so ``A B OR C`` is A and (B or C); an ``OR`` with
  nothing on one side is ignored.
- A plain term matches paragraphs containing its whole (folded) string, or else each of its
  jieba words somewhere (ranked lower); a quoted term matches exactly the paragraphs containing
  its string, spaces and punctuation included (a missing closing quote ends at the query's end).
- Chinese quotes ``“A B”`` and ``「A B」`` quote like ``"A B"``: a Chinese keyboard types them.
- Punctuation around a plain term is dropped (``扫黑除恶。`` is ``扫黑除恶``; inside a term it
  stays); a plain term made only of punctuation is ignored; a query with nothing left lists
  everything, and a query of exclusions alone lists everything but them. To search punctuation
  or an operator character itself, quote it: ``"“"``, ``"-"``; ``ＯＲ`` (full width) is the word.

- ``title:A`` (``标题:A``), ``author:A`` (``作者:A``), ``source:A`` (``来源:A``, ``报纸:A``) keep
  the paragraphs of reports whose title or subtitle, authors, or newspaper contain ``A`` (folded;
  ``title:"A B"`` quotes a value with spaces; ``-title:A`` leaves those reports out). A full-width
  colon works too.

Anything else is text: there are no syntax errors, only limits on size, each reported with a
message that says which (:class:`QuerySyntaxError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .analysis import cut, dictionary_generation, is_wordlike
from .folding import fold

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_TERM_CHARS = 120
MAX_WORDS = 64  # jieba words expanded from plain terms, over the whole query

FIELD_NAMES = {
    "title": "title",
    "标题": "title",
    "author": "author",
    "作者": "author",
    "source": "source",
    "来源": "source",
    "报纸": "source",
}
_FIELD = "(?:(" + "|".join(FIELD_NAMES) + ")[:：])"
# An optional field name, then a quoted string ("…", or the “…” and 「…」 a Chinese keyboard
# types), or a bare word.
_TOKEN = re.compile(rf'(-?){_FIELD}?(?:"([^"]*)"?|“([^”]*)”?|「([^」]*)」?)|(\S+)')
_BARE_FIELD = re.compile(rf"^(-?){_FIELD}(.+)$", re.S)


class QuerySyntaxError(ValueError):
    """A query over the limits; the message says which."""


@dataclass(frozen=True)
class QueryTerm:
    """One thing to look for: the folded string, how it may match, and its jieba words.

    ``words`` is empty for a quoted term, for a single word, and for plain terms beyond the
    query's word budget: those match their whole string only.
    """

    text: str
    folded: str
    quoted: bool = False
    words: tuple[str, ...] = ()

    def needles(self, folded_text: str) -> list[str]:
        """The strings that make this term match a folded text (what to highlight), or []."""
        if self.folded in folded_text:
            return [self.folded]
        if self.words and all(word in folded_text for word in self.words):
            return list(self.words)
        return []


@dataclass(frozen=True)
class FieldTerm:
    """A condition on the report's metadata: ``field`` (title, author, source) contains
    ``folded``; with ``negated``, does not."""

    field: str
    text: str
    folded: str
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A conjunction of disjunctions of terms, minus excluded terms, within the reports the
    field terms allow."""

    groups: tuple[tuple[QueryTerm, ...], ...] = ()
    excluded: tuple[QueryTerm, ...] = ()
    fields: tuple[FieldTerm, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing restricts the results (no terms, exclusions or fields)."""
        return not self.groups and not self.excluded and not self.fields

    def positive_terms(self) -> list[QueryTerm]:
        return [term for group in self.groups for term in group]

    def highlight_strings(self) -> list[str]:
        """Every folded string that may be marked: each term and the words of plain ones."""
        strings: dict[str, None] = {}
        for term in self.positive_terms():
            strings[term.folded] = None
            for word in term.words:
                strings[word] = None
        return list(strings)

    def needles(self, folded_text: str) -> list[str]:
        """The strings to mark in one folded text: what made each term match it."""
        found: dict[str, None] = {}
        for term in self.positive_terms():
            found.update(dict.fromkeys(term.needles(folded_text)))
        return list(found)

    def is_exact(self, folded_text: str) -> bool:
        """Whether every group has a term whose whole string is in the folded text."""
        return all(any(t.folded in folded_text for t in group) for group in self.groups)


def _words(folded: str) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(cut(folded)))
    return words if len(words) > 1 else ()


def _strip_punctuation(folded: str) -> str:
    """A plain term without the punctuation and spaces around it (扫黑除恶。 -> 扫黑除恶)."""
    start, end = 0, len(folded)
    while start < end and not is_wordlike(folded[start]):
        start += 1
    while end > start and not is_wordlike(folded[end - 1]):
        end -= 1
    return folded[start:end]


def _term(raw: str, quoted: bool) -> QueryTerm | None:
    folded = fold(raw)
    if not quoted:
        folded = _strip_punctuation(folded)
        if not folded:
            return None
    if not folded:
        return None
    if len(folded) > MAX_TERM_CHARS:
        raise QuerySyntaxError(f"检索词超过 {MAX_TERM_CHARS} 个字符（{len(folded)}）")
    return QueryTerm(raw, folded, quoted)


def _with_words(placed: list[tuple[str, QueryTerm]]) -> list[QueryTerm]:
    """The terms, plain positive ones with their jieba words while the word budget lasts."""
    budget = MAX_WORDS
    result = []
    for how, term in placed:
        words = () if term.quoted or how == "not" else _words(term.folded)
        if len(words) > budget:
            words = ()
        budget -= len(words)
        result.append(QueryTerm(term.text, term.folded, term.quoted, words))
    return result


def parse(text: str) -> ParsedQuery:
    """Parse a user's query string; raises QuerySyntaxError only for queries over the limits."""
    return _parse(text, dictionary_generation())


@lru_cache(maxsize=256)
def _parse(text: str, _generation: int) -> ParsedQuery:
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"检索式超过 {MAX_QUERY_CHARS} 个字符（{len(text)}）")
    placed: list[tuple[str, QueryTerm]] = []  # ("and" | "or" | "not", term)
    fields: list[FieldTerm] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, field_name, bare = match.group(1), match.group(2), match.group(6)
        quoted_text = next((g for g in match.group(3, 4, 5) if g is not None), None)
        if bare is not None and (field_match := _BARE_FIELD.match(bare)):
            negated, field_name, quoted_text = field_match.groups()
        if field_name:
            field = _field_term(field_name, quoted_text or "", bool(negated))
            if field is not None:
                if len(placed) + len(fields) >= MAX_TERMS:
                    raise QuerySyntaxError(f"检索词多于 {MAX_TERMS} 个")
                fields.append(field)
            pending_or = False
            continue
        if bare is not None:
            if bare == "OR":
                pending_or = bool(placed)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            term = _term(bare[1:] if negated else bare, quoted=False)
        else:
            term = _term(quoted_text, quoted=True)
        if term is None:
            continue
        if len(placed) + len(fields) >= MAX_TERMS:
            raise QuerySyntaxError(f"检索词多于 {MAX_TERMS} 个")
        how = "not" if negated else ("or" if pending_or and _has_positive(placed) else "and")
        placed.append((how, term))
        pending_or = False
    return _assemble(placed, tuple(fields))


def _field_term(name: str, raw: str, negated: bool) -> FieldTerm | None:
    """A field condition, or None when its value is empty."""
    folded = _strip_punctuation(fold(raw))
    if not folded:
        return None
    if len(folded) > MAX_TERM_CHARS:
        raise QuerySyntaxError(f"检索词超过 {MAX_TERM_CHARS} 个字符（{len(folded)}）")
    return FieldTerm(FIELD_NAMES[name], raw, folded, negated)


def _has_positive(placed: list[tuple[str, QueryTerm]]) -> bool:
    return any(how != "not" for how, _ in placed)


def _assemble(
    placed: list[tuple[str, QueryTerm]], fields: tuple[FieldTerm, ...] = ()
) -> ParsedQuery:
    terms = _with_words(placed)
    groups: list[list[QueryTerm]] = []
    excluded: list[QueryTerm] = []
    for (how, _), term in zip(placed, terms, strict=True):
        if how == "not":
            excluded.append(term)
        elif how == "or" and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded), fields)
