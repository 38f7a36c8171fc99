"""Corrections for a search with no or few results, each checked against the index.

Three kinds, tried in this order: a character with the same pinyin (the usual slip of a pinyin
keyboard, e.g. 扫黑除饿 -> 扫黑除恶), a one-character edit whose character pairs occur in the
index (replace, drop, insert or swap one character), and dropping one condition of a query with
several. Only what finds more paragraphs than the search itself is suggested, with its count.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from functools import lru_cache

from pypinyin.constants import PINYIN_DICT
from whoosh.searching import Searcher

from .matching import MatchIndex
from .query import SearchQuery
from .querylang import FieldTerm, ParsedQuery, QueryTerm
from .search import Finder, count

FEW_RESULTS = 3  # suggest corrections when a search finds at most this many paragraphs
MAX_SUGGESTIONS = 6
MAX_VARIANTS = 400  # candidate strings looked up in the index per search, at most
MAX_CHECKED = 2000  # spellings of one term whose character pairs are checked, at most
MAX_COUNTED = 12  # corrected spellings run in full (with filters) per search, at most
MAX_TERM_CHARS = 12  # longer terms are not corrected character by character
KIND_LABELS = {"pinyin": "同音字", "edit": "一字之差", "drop": "去掉一个条件"}


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _syllables(char: str) -> list[str]:
    """The readings of a character in pypinyin's table, tones stripped (sǎo -> sao)."""
    readings = PINYIN_DICT.get(ord(char), "")
    plain = (
        "".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
        for r in readings.split(",")
        if r
    )
    return list(dict.fromkeys(plain))


@lru_cache(maxsize=1)
def _homophones() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin -> the Chinese characters read that way (pypinyin's table)."""
    table: dict[str, list[str]] = {}
    for code in PINYIN_DICT:
        char = chr(code)
        if _is_han(char):
            for syllable in _syllables(char):
                table.setdefault(syllable, []).append(char)
    return {syllable: tuple(chars) for syllable, chars in table.items()}


def same_pinyin(char: str) -> list[str]:
    """Other characters read like ``char`` (any of its readings, tones ignored)."""
    if not _is_han(char):
        return []
    found: dict[str, None] = {}
    for syllable in _syllables(char):
        found.update(dict.fromkeys(_homophones().get(syllable, ())))
    found.pop(char, None)
    return list(found)


def _followers(index: MatchIndex, char: str) -> list[str]:
    """Characters that follow ``char`` somewhere in the index."""
    return [gram[1] for gram in index.bigrams_starting(char) if gram[1].strip()]


def pinyin_variants(text: str) -> list[str]:
    """The text with one character replaced by another read the same way."""
    return [
        text[:i] + other + text[i + 1 :] for i, c in enumerate(text) for other in same_pinyin(c)
    ]


def edit_variants(index: MatchIndex, text: str) -> list[str]:
    """The text with one character replaced, dropped, inserted or two swapped, where the new
    character pairs occur in the index."""
    variants: list[str] = []
    for i in range(1, len(text)):
        followers = _followers(index, text[i - 1])
        variants += [text[:i] + c + text[i + 1 :] for c in followers if c != text[i]]
        variants += [text[:i] + c + text[i:] for c in followers]
    if len(text) > 2:
        variants += [text[:i] + text[i + 1 :] for i in range(len(text))]
    variants += [text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(len(text) - 1)]
    return list(dict.fromkeys(v for v in variants if v != text))


def query_text(parsed: ParsedQuery) -> str:
    """A query string that parses to the same query (terms, OR groups, exclusions, fields)."""
    parts = [" OR ".join(_term_text(term) for term in group) for group in parsed.groups]
    parts += ["-" + _term_text(term) for term in parsed.excluded]
    parts += [_field_text(term) for term in parsed.fields]
    return " ".join(parts)


def _term_text(term: QueryTerm) -> str:
    quoted = term.quoted or any(c.isspace() or c in '"“”「」' for c in term.folded)
    return f'"{term.folded}"' if quoted or term.folded == "OR" else term.folded


def _field_text(term: FieldTerm) -> str:
    value = f'"{term.folded}"' if any(c.isspace() for c in term.folded) else term.folded
    return f"{'-' if term.negated else ''}{term.field}:{value}"


def _with_term(parsed: ParsedQuery, old: QueryTerm, new_text: str) -> ParsedQuery:
    new = QueryTerm(new_text, new_text, old.quoted)
    groups = tuple(tuple(new if t is old else t for t in g) for g in parsed.groups)
    return replace(parsed, groups=groups)


def _without(parsed: ParsedQuery, index: int) -> ParsedQuery:
    """The query without its ``index``-th condition (groups, then exclusions, then fields)."""
    groups, excluded, fields = list(parsed.groups), list(parsed.excluded), list(parsed.fields)
    for part in (groups, excluded, fields):
        if index < len(part):
            del part[index]
            break
        index -= len(part)
    return ParsedQuery(tuple(groups), tuple(excluded), tuple(fields))


def _conditions(parsed: ParsedQuery) -> list[str]:
    """A short label of each condition, in the order of :func:`_without`."""
    labels = [" 或 ".join(f"“{t.folded}”" for t in g) for g in parsed.groups]
    labels += [f"排除“{t.folded}”" for t in parsed.excluded]
    labels += [f"{t.field}:{t.folded}" for t in parsed.fields]
    return labels


def _term_candidates(searcher: Searcher, parsed: ParsedQuery) -> list[tuple[str, ParsedQuery, str]]:
    """(kind, corrected query, what changed) for each term variant found in the index,
    the variants found in most paragraphs first within each kind."""
    finder = Finder(searcher)
    budget = MAX_VARIANTS
    found: list[tuple[str, ParsedQuery, str]] = []
    for kind in ("pinyin", "edit"):
        scored: list[tuple[int, str, QueryTerm]] = []
        for term in parsed.positive_terms():
            if not 1 < len(term.folded) <= MAX_TERM_CHARS or len(finder.containing(term.folded)):
                continue  # a term found as it is needs no correction
            if kind == "pinyin":
                variants = pinyin_variants(term.folded)
            else:
                variants = edit_variants(finder.index, term.folded)
            for variant in variants[:MAX_CHECKED]:
                if budget <= 0 or not finder.index.has(variant):
                    continue
                budget -= 1
                paragraphs = len(finder.containing(variant))
                if paragraphs:
                    scored.append((paragraphs, variant, term))
        scored.sort(key=lambda item: -item[0])
        for _n, variant, term in scored:
            change = f"“{term.folded}”改为“{variant}”"
            found.append((kind, _with_term(parsed, term, variant), change))
    return found


def suggestions(searcher: Searcher, query: SearchQuery, total: int) -> list[dict]:
    """Corrections of a search that found at most FEW_RESULTS paragraphs: each with its
    query, URL-ready parameters and the number of paragraphs it finds (more than ``total``)."""
    parsed = query.parsed
    if total > FEW_RESULTS or not query.q or parsed.is_empty:
        return []
    candidates = _term_candidates(searcher, parsed)[:MAX_COUNTED]
    conditions = _conditions(parsed)
    if len(conditions) > 1:
        candidates += [
            ("drop", _without(parsed, i), f"去掉{label}") for i, label in enumerate(conditions)
        ]
    out: list[dict] = []
    seen: set[str] = set()
    for kind, corrected, change in candidates:
        q = query_text(corrected)
        if q in seen or len(out) >= MAX_SUGGESTIONS:
            continue
        seen.add(q)
        found = count(searcher, replace(query, q=q, page=1))
        # a shorter spelling finding as many as a kept correction is that correction again
        if found > total and (kind == "drop" or found not in {s["count"] for s in out}):
            out.append(
                {
                    "kind": kind,
                    "label": KIND_LABELS[kind],
                    "change": change,
                    "q": q,
                    "count": found,
                }
            )
    return out
