"""Highlighting on the original text: matches found in the folded text, marked in the original.

Only this module builds the markup that templates show unescaped: every piece of text goes
through ``escape``, and the only tags added are ``<mark>``.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right

from markupsafe import Markup, escape

from .folding import fold_with_offsets

SNIPPET_CHARS = 110
ELLIPSIS = "…"

Span = tuple[int, int]


def find_spans(text: str, needles: list[str]) -> list[Span]:
    """Original-text spans of every occurrence of the folded needles, merged where they touch."""
    if not needles:
        return []
    folded, offsets = fold_with_offsets(text)
    return folded_spans(text, offsets, folded, needles)


def folded_spans(text: str, offsets: list[int], folded: str, needles: list[str]) -> list[Span]:
    """Original spans of the needles' occurrences in a folded text (``fold_with_offsets``);
    a span takes in the marks and variation selectors of its last character."""
    spans: list[Span] = []
    for needle in needles:
        if not needle:
            continue
        start = folded.find(needle)
        while start != -1:
            end = start + len(needle)
            spans.append((offsets[start], past_marks(text, offsets[end - 1] + 1)))
            start = folded.find(needle, start + 1)
    return merge(spans)


def past_marks(text: str, end: int) -> int:
    """``end`` moved past the combining marks and variation selectors that follow it."""
    while end < len(text) and unicodedata.category(text[end]) in ("Mn", "Me"):
        end += 1
    return end


def merge(spans: list[Span]) -> list[Span]:
    """Sorted spans with overlapping and adjacent ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> Markup:
    """Escaped ``text[start:end]`` with ``<mark>`` around the spans inside it."""
    end = len(text) if end is None else end
    parts: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        parts.append(str(escape(text[cursor:span_start])))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(str(escape(text[cursor:end])))
    return Markup("".join(parts))


def densest_window(spans: list[Span], length: int, width: int) -> tuple[int, int]:
    """The window of ``width`` characters holding the most marked characters (the first such
    window, each candidate starting a little before a span); ``spans`` sorted and disjoint."""
    if length <= width or not spans:
        return 0, min(length, width)
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    covered = [0]
    for s, e in spans:
        covered.append(covered[-1] + e - s)
    best_start, best_score = 0, -1
    for anchor in starts:
        start = max(0, min(anchor - width // 4, length - width))
        end = start + width
        first, last = bisect_right(ends, start), bisect_left(starts, end)
        score = 0
        if first < last:
            score = covered[last] - covered[first]
            score -= max(0, start - starts[first]) + max(0, ends[last - 1] - end)
        if score > best_score:
            best_start, best_score = start, score
    return best_start, best_start + width


def snippet(text: str, spans: list[Span], width: int = SNIPPET_CHARS) -> Markup:
    """A window of the text around its densest matches, marked, with ellipses where cut."""
    start, end = densest_window(spans, len(text), width)
    body = mark(text, spans, start, end)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return Markup(prefix) + body + Markup(suffix)
