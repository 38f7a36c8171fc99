"""Folding: NFKC, lower case, Traditional to Simplified, for matching only."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from archivist import folding
from archivist.folding import (
    fold,
    fold_char,
    fold_with_offsets,
    original_span,
    original_spans,
)

PROJECT = Path(__file__).resolve().parent.parent


def load_reference_fold():
    """The oracle's folding, from bench/recall.py (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("recall_oracle", PROJECT / "bench" / "recall.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("recall_oracle", module)
    spec.loader.exec_module(module)
    return module.reference_fold


reference_fold = load_reference_fold()

# Any code point, lone surrogates and control characters included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


def test_traditional_folds_to_simplified_both_ways():
    assert fold("掃黑除惡") == "扫黑除恶" == fold("扫黑除恶")
    assert fold("國家安全") == fold("国家安全")


def test_full_width_and_case_fold_both_ways():
    assert fold("ＡＢＣ") == "abc" == fold("abc") == fold("ABC")
    assert fold("Ｈ１２５") == fold("h125") == "h125"
    assert fold("１１０") == "110"


def test_white_space_collapses_and_controls_vanish():
    assert fold("社会 \t\u3000\n 治理") == "社会 治理"
    assert fold("治\u200b安\x00") == "治安"
    assert fold("a \x00 b") == "a b"


def test_lone_surrogates_are_dropped_not_fatal():
    assert fold("治\ud800安") == "治安"
    assert fold_char("\udfff") == ""
    assert fold("治\ufffd安") == "治安"  # the replacement character too


def test_folding_reaches_a_fixed_point():
    # OpenCC maps 藴 to 蕴... a character that itself folds further: folding must be stable.
    assert fold(fold("藴")) == fold("藴")


def test_offsets_point_at_the_original_characters():
    text = "掃黑  ＡＢ㈱"
    folded, offsets = fold_with_offsets(text)
    assert folded == "扫黑 ab(株)"
    assert offsets == [0, 1, 2, 4, 5, 6, 6, 6, 7]


@settings(max_examples=300, deadline=None)  # no timing: speed is for benchmarks
@given(ANY_TEXT)
def test_fold_with_offsets_agrees_with_fold(text):
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text)
    assert len(offsets) == len(folded) + 1 and offsets[-1] == len(text)
    assert offsets == sorted(offsets)
    for i, char in enumerate(folded):
        assert char in fold_char(text[offsets[i]])


def drawn_span(folded: str, data) -> tuple[int, int]:
    """A span of at least one character of a (non-empty) folded text."""
    start = data.draw(st.integers(0, len(folded) - 1))
    return start, data.draw(st.integers(start + 1, len(folded)))


@settings(max_examples=300, deadline=None)  # no timing: speed is for benchmarks
@given(ANY_TEXT, st.data())
def test_original_span_is_where_a_folded_span_came_from(text, data):
    folded = fold(text)
    if not folded:
        return
    start, end = drawn_span(folded, data)
    offsets = fold_with_offsets(text)[1]
    assert original_span(text, start, end) == (offsets[start], offsets[end - 1] + 1)
    assert folded[start:end] in fold(text[offsets[start] : offsets[end - 1] + 1])


def test_original_span_past_characters_that_fold_to_several():
    folding._TABLE.clear()  # characters never folded before: the fold is learnt on the way
    folding._IRREGULAR.clear()
    folding._KIND[:] = 0
    text = "㈱ 扫黑"  # ㈱ folds to three characters, the space stays one
    assert original_span(text, 4, 6) == (2, 4)
    assert original_span("扫黑  除恶", 3, 5) == (4, 6)
    folding._TABLE.clear()
    folding._IRREGULAR.clear()
    folding._KIND[:] = 0
    texts = ["扫黑除恶", "㈱ 扫黑", "扫黑  除恶", "扫黑除恶"]
    spans = original_spans(texts, [0, 4, 3, 2], [2, 6, 5, 4])
    assert spans == [(0, 2), (2, 4), (4, 6), (2, 4)]


@settings(max_examples=200, deadline=None)  # no timing: speed is for benchmarks
@given(st.lists(st.tuples(ANY_TEXT, st.data()), max_size=6))
def test_original_spans_map_many_spans_as_one_would(pieces):
    texts, starts, ends, expected = [], [], [], []
    for text, data in pieces:
        folded = fold(text)
        if not folded:
            continue
        start, end = drawn_span(folded, data)
        offsets = fold_with_offsets(text)[1]
        texts.append(text)
        starts.append(start)
        ends.append(end)
        expected.append((offsets[start], offsets[end - 1] + 1))
    assert original_spans(texts, starts, ends) == expected


@settings(max_examples=300, deadline=None)  # no timing: speed is for benchmarks
@given(ANY_TEXT, st.data())
def test_the_fold_of_a_piece_is_a_piece_of_the_fold(text, data):
    """What makes substring search on folded text find every occurrence."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert fold(text[start:end]) in fold(text)


@settings(max_examples=300, deadline=None)  # no timing: speed is for benchmarks
@given(ANY_TEXT)
def test_folding_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_variation_selectors_and_combining_marks_fold_away():
    assert fold("葛\U000e0100洲坝") == fold("葛洲坝") == "葛洲坝"
    assert fold("葛\ufe00洲坝") == "葛洲坝"
    assert fold("cafe\u0301") == fold("café") == fold("CAFÉ") == "cafe"
    assert fold("Ångström") == "angstrom"
    assert fold("が") == "が" != fold("か")  # kana voicing marks make another letter


def test_offsets_of_dropped_marks_point_past_their_base():
    folded, offsets = fold_with_offsets("e\u0301葛\U000e0100洲")
    assert folded == "e葛洲"
    assert offsets == [0, 2, 4, 5]


@settings(max_examples=500, deadline=None)  # no timing: speed is for benchmarks
@given(ANY_TEXT)
def test_fold_agrees_with_the_reference_written_from_the_definition(text):
    """The oracle folds with OpenCC and unicodedata directly (bench/recall.py)."""
    assert fold(text) == reference_fold(text)
