"""Highlights: found in folded text, marked on the original glyphs, escaped, in snippets."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from oracle import oracle_fold as fold  # OpenCC and unicodedata, not our folding

from archivist.highlight import ELLIPSIS, densest_window, find_spans, mark, merge, snippet
from archivist.indexing import IndexStore, ingest
from archivist.query import SearchQuery
from archivist.querylang import parse
from archivist.search import get_document, query_spans, search


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", str(html))


def test_traditional_and_full_width_originals_are_marked_on_their_own_glyphs():
    text = "全省開展掃黑除惡專項鬥爭，ＡＢＣ公司"
    assert marked(mark(text, find_spans(text, ["扫黑除恶", "abc"]))) == ["掃黑除惡", "ＡＢＣ"]


def test_a_glyph_that_folds_to_several_characters_is_marked_whole():
    assert find_spans("㈱公司", ["株"]) == [(0, 1)]


def test_invisible_characters_inside_a_match_are_kept_in_the_mark():
    text = "社会治\u200b安"
    assert marked(mark(text, find_spans(text, ["治安"]))) == ["治\u200b安"]


def test_adjacent_and_overlapping_marks_merge():
    assert merge([(4, 6), (0, 2), (2, 4), (5, 8), (10, 11)]) == [(0, 8), (10, 11)]
    text = "加强社会治理工作"
    assert marked(mark(text, find_spans(text, ["社会", "治理"]))) == ["社会治理"]
    assert marked(mark("哈哈哈哈", find_spans("哈哈哈哈", ["哈哈哈"]))) == ["哈哈哈哈"]


def test_everything_else_is_escaped():
    text = "<script>alert('治安')</script> & \"治安\" <b>"
    html = mark(text, find_spans(text, ["治安"]))
    assert isinstance(html, Markup)
    assert "<script>" not in html and "<b>" not in html
    assert str(html) == (
        "&lt;script&gt;alert(&#39;<mark>治安</mark>&#39;)&lt;/script&gt; &amp; "
        "&#34;<mark>治安</mark>&#34; &lt;b&gt;"
    )
    assert str(snippet("<治安>", find_spans("<治安>", ["治安"]))) == "&lt;<mark>治安</mark>&gt;"


def test_snippet_window_is_around_the_densest_hits_with_ellipses():
    text = "治安" + "甲" * 300 + "治安乙治安丙治安" + "丁" * 300
    html = str(snippet(text, find_spans(text, ["治安"]), width=60))
    assert html.startswith(ELLIPSIS) and html.endswith(ELLIPSIS)
    assert marked(html) == ["治安", "治安", "治安"]
    assert len(re.sub(r"</?mark>", "", html)) == 60 + 2 * len(ELLIPSIS)


def test_snippet_of_a_short_text_is_whole_and_a_start_has_no_leading_ellipsis():
    assert str(snippet("加强治安", find_spans("加强治安", ["治安"]))) == "加强<mark>治安</mark>"
    text = "治安" + "甲" * 300
    html = str(snippet(text, find_spans(text, ["治安"]), width=60))
    assert html.startswith("<mark>治安</mark>") and html.endswith(ELLIPSIS)


def test_marks_show_what_made_each_term_match():
    exact = "社会治理，治理社会"  # contains the whole string: only it is marked
    spans, is_exact = query_spans(exact, parse("社会治理"))
    assert is_exact and marked(mark(exact, spans)) == ["社会治理"]
    apart = "治理好社会"  # its words apart: the words are marked
    spans, is_exact = query_spans(apart, parse("社会治理"))
    assert not is_exact and marked(mark(apart, spans)) == ["治理", "社会"]
    quoted = "治理好社会"
    assert query_spans(quoted, parse('"社会治理"')) == ([], False)


def test_search_hits_mark_the_original_text(make_archive, tmp_path):
    archive = make_archive({"a.txt": "掃黑除惡\n\n全縣深入開展掃黑除惡專項鬥爭，成效明顯。\n"})
    ingest(archive, tmp_path / "index", jobs=1)
    with IndexStore(tmp_path / "index").open().searcher() as searcher:
        results = search(searcher, SearchQuery(q="扫黑除恶"))
    assert results.total == 2
    for hit in results.hits:
        assert "掃黑除惡" in hit.text  # display is never folded
        assert marked(hit.snippet_html) == ["掃黑除惡"]


def test_document_page_marks_and_counts_every_hit(sample):
    doc_id = sorted(f["doc_id"] for f in sample.documents(rec="doc"))[0]
    texts = [f["text"] for f in sample.documents(rec="block", doc_id=doc_id)]
    needle = "公安"
    expected = sum(fold(text).count(needle) for text in texts)
    assert expected > 1
    view = get_document(sample, doc_id, needle)
    assert view.hit_count == expected == sum(b.hits for b in view.blocks)
    for block in view.blocks:
        assert len(marked(block.html)) == block.hits
        assert all(fold(m) == needle for m in marked(block.html))
    assert view.hit_blocks == [b.n for b in view.blocks if needle in fold(b.text)]
    assert get_document(sample, doc_id, "").hit_count == 0
    assert get_document(sample, doc_id, "治" * 10_000).hit_count == 0  # over the limit: no marks


def covered_in(spans, start: int, end: int) -> int:
    return sum(max(0, min(e, end) - max(s, start)) for s, e in spans)


@settings(max_examples=300)
@given(st.data())
def test_densest_window_holds_the_most_marked_characters(data):
    length = data.draw(st.integers(1, 400))
    width = data.draw(st.integers(1, 120))
    raw = data.draw(st.lists(st.tuples(st.integers(0, length - 1), st.integers(1, 8))))
    spans = merge([(s, min(length, s + n)) for s, n in raw])
    start, end = densest_window(spans, length, width)
    assert end - start == min(width, length) and start >= 0 and end <= length
    candidates = [max(0, min(s - width // 4, length - width)) for s, _ in spans] or [0]
    best = max(covered_in(spans, c, c + width) for c in candidates)
    assert covered_in(spans, start, end) == best
