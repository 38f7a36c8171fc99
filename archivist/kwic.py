"""Concordance (keyword in context): every occurrence of a query in the paragraphs it matches.

The paragraphs are those ``search.search`` lists (``Finder.query`` and ``matchsets.passing``,
the same filters and field terms); in each, the occurrences are what the search marks: every
occurrence of the strings that made each term match it (``ParsedQuery.needles``), overlapping
ones joined into one. Occurrences are found and sorted in the folded text (Traditional and
Simplified sort together); only the page's lines are mapped back to the original text for
display. No URLs or markup here: ``research_pages`` makes them.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pypinyin import Style, lazy_pinyin
from whoosh.searching import Searcher

from . import matchsets
from .analysis import cut
from .columns import column
from .folding import fold, fold_with_offsets
from .query import SearchQuery
from .search import Finder, facet_columns
from .textstore import texts_for

SORT_CHARS = 12  # left/right sorts compare this many characters next to the match
COLLOCATE_CHARS = 8  # collocates are the jieba word next to the match within this window
TOP_COLLOCATES = 20
_BREAK = re.compile(r"[^\w]")  # collocates do not reach across punctuation or spaces
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: the paragraph's document number and the span in its folded text."""

    docnum: int
    start: int
    end: int


@dataclass
class Line:
    """One concordance line for display: context in the original text, and its paragraph."""

    doc_id: str
    n: int
    fp: str
    title: str
    date: str
    year: str
    city: str
    county: str
    left: str
    match: str
    right: str


@dataclass
class Concordance:
    """Every occurrence (in the order asked), the paragraphs they are in, the collocates."""

    occurrences: list[Occurrence]
    paragraphs: int
    left: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    texts: dict[int, str] = field(default_factory=dict)  # folded, as indexed
    took_ms: float = 0.0


def occurrence_spans(folded: str, needles: list[str]) -> list[tuple[int, int]]:
    """Spans of every occurrence of the needles in a folded text; overlapping ones joined,
    adjacent ones kept apart (``扫黑除恶扫黑除恶`` is two occurrences)."""
    spans = []
    for needle in needles:
        start = folded.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def concordance(searcher: Searcher, query: SearchQuery, sort: str, order: str) -> Concordance:
    """Every occurrence of the query in the paragraphs its search lists, sorted, with the
    jieba words most often just left and right of it."""
    started = time.perf_counter()
    parsed = query.parsed
    if not parsed.groups:
        return Concordance([], 0)
    matching, _exact = Finder(searcher).query(parsed)
    columns = facet_columns(searcher)
    passed = matchsets.passing(searcher, columns, query, parsed, matching)
    texts = folded_texts(searcher, columns, passed)
    found: list[Occurrence] = []
    for doc, folded in texts.items():
        found.extend(
            Occurrence(doc, s, e) for s, e in occurrence_spans(folded, parsed.needles(folded))
        )
    result = Concordance(_sorted(found, texts, searcher, columns, sort, order), len(passed))
    result.texts = texts
    result.left, result.right = collocates(found, texts)
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def folded_texts(searcher: Searcher, columns, docs: np.ndarray) -> dict[int, str]:
    """The folded text of each paragraph (as indexed), in document order: from the text table
    beside the index (``textstore``), or, for paragraphs it lacks, straight from each
    segment's stored-fields column (not through the reader's per-call schema check)."""
    stored = texts_for(searcher, columns)
    found = stored.read(docs.tolist()) if stored is not None else {}
    if len(found) == len(docs):
        return found
    reader = searcher.reader()
    leaves = sorted(reader.leaf_readers(), key=lambda pair: pair[1])
    bases = [base for _leaf, base in leaves]
    texts: dict[int, str] = {}
    for doc in docs.tolist():
        if doc in found:
            texts[doc] = found[doc]
            continue
        leaf, base = leaves[bisect_right(bases, doc) - 1]
        perdoc = getattr(leaf, "_perdoc", None)
        fields = perdoc.stored_fields(doc - base) if perdoc else leaf.stored_fields(doc - base)
        texts[doc] = fold(fields.get("text", ""))
    return texts


# Sorting -------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


@lru_cache(maxsize=1 << 16)
def char_key(char: str) -> str:
    """A character's sort key by pinyin: other characters first, then syllables with tone
    numbers, homophones by the character (the common reading of a character on its own)."""
    if not _CJK.match(char):
        return "0" + char
    return "1" + lazy_pinyin(char, style=Style.TONE3, neutral_tone_with_five=True)[0] + char


def _pinyin_table(contexts: list[str]) -> dict[int, str]:
    """A translation of every character of the contexts to one character whose code is its
    rank by ``char_key``: translated contexts compare as strings (in C) in pinyin order."""
    ranked = sorted(set("".join(contexts)), key=char_key)
    return {ord(c): chr(i + 1 if i + 1 < 0xD800 else i + 0x801) for i, c in enumerate(ranked)}


def _contexts(found, texts, sort: str) -> list[str]:
    """Each occurrence's context on the side sorted by (the left one nearest character first)."""
    if sort == "left":
        return [texts[o.docnum][max(0, o.start - SORT_CHARS) : o.start][::-1] for o in found]
    return [texts[o.docnum][o.end : o.end + SORT_CHARS] for o in found]


def _sorted(found, texts, searcher, columns, sort: str, order: str) -> list[Occurrence]:
    """Occurrences by date, report and position; or by the context left (nearest character
    first) or right of the match (by pinyin or by character), then by the match and by date."""
    dates = column(searcher, columns, "date_last")
    doc_ids = columns.doc_id

    def position(o: Occurrence) -> tuple:
        return (dates[o.docnum], doc_ids[o.docnum], o.docnum, o.start)

    if sort not in ("left", "right"):
        return sorted(found, key=position)
    contexts = _contexts(found, texts, sort)
    if order == "pinyin":
        table = _pinyin_table(contexts)
        contexts = [context.translate(table) for context in contexts]
    keys = [
        (context, texts[o.docnum][o.start : o.end], position(o))
        for context, o in zip(contexts, found, strict=True)
    ]
    return [found[i] for i in sorted(range(len(found)), key=keys.__getitem__)]


# Collocates ----------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _last_word(window: str) -> str:
    piece = _BREAK.split(window)[-1]
    words = cut(piece) if piece else []
    return words[-1] if words else ""


@lru_cache(maxsize=1 << 16)
def _first_word(window: str) -> str:
    piece = _BREAK.split(window)[0]
    words = cut(piece) if piece else []
    return words[0] if words else ""


def collocates(found: list[Occurrence], texts: dict[int, str]) -> tuple[Counter, Counter]:
    """How often each jieba word stands just left and just right of the occurrences (not
    across punctuation; the word cut from a few characters next to the match)."""
    left: Counter = Counter()
    right: Counter = Counter()
    for o in found:
        text = texts[o.docnum]
        before = _last_word(text[max(0, o.start - COLLOCATE_CHARS) : o.start])
        after = _first_word(text[o.end : o.end + COLLOCATE_CHARS])
        if before:
            left[before] += 1
        if after:
            right[after] += 1
    return left, right


# Lines ---------------------------------------------------------------------------------------


def lines(searcher: Searcher, chosen: list[Occurrence], width: int) -> list[Line]:
    """The chosen occurrences as lines: ``width`` characters of original text each side."""
    stored: dict[int, tuple[dict, str, list[int]]] = {}
    result = []
    for o in chosen:
        if o.docnum not in stored:
            fields = searcher.stored_fields(o.docnum)
            folded, offsets = fold_with_offsets(fields.get("text", ""))
            stored[o.docnum] = (fields, folded, offsets)
        fields, _folded, offsets = stored[o.docnum]
        text = fields.get("text", "")
        start, end = offsets[o.start], offsets[o.end - 1] + 1
        result.append(
            Line(
                doc_id=fields["doc_id"],
                n=fields["n"],
                fp=fields.get("fp", ""),
                title=fields.get("title", ""),
                date=fields.get("date", ""),
                year=fields.get("year", ""),
                city=fields.get("city", ""),
                county=fields.get("county", ""),
                left=_SPACE.sub(" ", text[max(0, start - width) : start]),
                match=_SPACE.sub(" ", text[start:end]),
                right=_SPACE.sub(" ", text[end : end + width]),
            )
        )
    return result
