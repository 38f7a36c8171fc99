"""Concordance: every occurrence, counted against an oracle, sorted, paged, linked, exported."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import oracle_fold, paragraphs
from pypinyin import Style, lazy_pinyin

from archivist import matchsets
from archivist.analysis import cut
from archivist.kwic import (
    SORT_CHARS,
    Found,
    Occurrences,
    Passages,
    _table_passages,
    char_key,
)
from archivist.query import SearchQuery
from archivist.search import Finder, facet_columns

# Quoted needles that cannot overlap themselves or each other: occurrences are str.count.
CASES = {
    '"公安"': ("公安",),
    '"派出所" OR "民警"': ("派出所", "民警"),
    '"派出所" OR "公安"': ("派出所", "公安"),
    '"社会治理"': ("社会治理",),
}


def kwic(client, **params) -> dict:
    response = client.get("/api/kwic?" + urlencode(params))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("q", list(CASES))
def test_total_counts_every_occurrence(client, searcher, q):
    needles = CASES[q]
    every = paragraphs(searcher)
    expected = sum(p.folded.count(n) for p in every for n in needles)
    holding = sum(1 for p in every if any(n in p.folded for n in needles))
    data = kwic(client, q=q, per_page=1)
    assert data["total"] == expected > 0
    assert data["paragraphs"] == holding
    assert (
        data["paragraphs"] == client.get("/api/search?" + urlencode({"q": q})).get_json()["total"]
    )


def test_filters_apply_as_in_search(client, searcher):
    every = paragraphs(searcher)
    city = every[0].city
    data = kwic(client, q='"公安"', city=city, per_page=1)
    assert data["total"] == sum(p.folded.count("公安") for p in every if p.city == city)


@pytest.mark.parametrize(
    "q, filters", [('"公安" title:平安', {}), ('"公安"', {"date_from": "2023-01-04"})]
)
def test_field_terms_and_date_ranges_apply_as_in_search(client, searcher, q, filters):
    data = kwic(client, q=q, per_page=1000, **filters)
    found = client.get("/api/search?" + urlencode({"q": q, "per_page": 100, **filters})).get_json()
    every = client.get("/api/search?" + urlencode({"q": '"公安"'})).get_json()["total"]
    assert data["paragraphs"] == found["total"] == len(found["hits"]) < every
    listed = {(hit["doc_id"], hit["n"]) for hit in found["hits"]}
    assert {(line["doc_id"], line["n"]) for line in data["lines"]} == listed
    texts = {(p.doc_id, p.n): p.folded for p in paragraphs(searcher)}
    assert data["total"] == sum(texts[key].count("公安") for key in listed)


def test_paging_lists_every_occurrence_once_with_its_permalink(client, searcher):
    first = kwic(client, q='"派出所" OR "民警"', per_page=7)
    seen = []
    for page in range(1, first["pagination"]["pages"] + 1):
        seen.extend(kwic(client, q='"派出所" OR "民警"', per_page=7, page=page)["lines"])
    assert len(seen) == first["total"]
    texts = {(p.doc_id, p.n): p.folded for p in paragraphs(searcher)}
    where = {}
    for line in seen:
        assert oracle_fold(line["match"]) in ("派出所", "民警")
        folded = texts[(line["doc_id"], line["n"])]
        context = oracle_fold(line["left"] + line["match"] + line["right"])
        assert context in folded
        where[(line["doc_id"], line["n"])] = where.get((line["doc_id"], line["n"]), 0) + 1
        assert line["permalink"].startswith(f"/p/{line['doc_id']}/{line['n']}?v=")
    for key, count in where.items():
        assert count == texts[key].count("派出所") + texts[key].count("民警")
    landing = client.get(seen[0]["permalink"])
    assert landing.status_code == 200


def test_sorted_by_right_context_in_pinyin(client):
    lines = kwic(client, q='"公安"', sort="right", per_page=1000)["lines"]
    firsts = [oracle_fold(line["right"])[:1] for line in lines]
    han = [c for c in firsts if "\u4e00" <= c <= "\u9fff"]
    keys = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0] for c in han]
    assert len(set(keys)) > 3
    assert keys == sorted(keys)
    assert firsts.index(han[0]) >= len([c for c in firsts if c and not "\u4e00" <= c <= "\u9fff"])


def test_sorted_by_left_context_by_character(client):
    lines = kwic(client, q='"公安"', sort="left", order="char", per_page=1000)["lines"]
    keys = [oracle_fold(line["left"])[::-1][:6] for line in lines]
    assert keys == sorted(keys)


def test_collocates_are_next_to_the_match(client, searcher):
    data = kwic(client, q='"公安"', per_page=1)
    every = paragraphs(searcher)
    right = data["collocates"]["right"]
    assert right and all(
        c["count"] <= sum(p.folded.count("公安" + c["word"]) for p in every) for c in right
    )
    left = data["collocates"]["left"]
    assert left and all(
        c["count"] <= sum(p.folded.count(c["word"] + "公安") for p in every) for c in left
    )
    assert sum(c["count"] for c in right) <= data["total"]


def oracle_collocates(every, needles: tuple[str, ...]) -> tuple[Counter, Counter]:
    """The jieba word just left and right of each occurrence, cut from the 8 characters next
    to it up to the nearest punctuation or space, counted."""
    left: Counter = Counter()
    right: Counter = Counter()
    for p in every:
        for needle in needles:
            start = p.folded.find(needle)
            while start != -1:
                before = re.split(r"[^\w]", p.folded[max(0, start - 8) : start])[-1]
                end = start + len(needle)
                after = re.split(r"[^\w]", p.folded[end : end + 8])[0]
                left.update(cut(before)[-1:] if before else [])
                right.update(cut(after)[:1] if after else [])
                start = p.folded.find(needle, start + 1)
    return left, right


def top(counts: Counter) -> list[dict]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    return [{"word": word, "count": count} for word, count in ranked]


def test_collocates_are_counted_exactly_whatever_was_asked_before(client, searcher):
    every = paragraphs(searcher)
    for q in ('"派出所"', '"公安"', '"派出所" OR "公安"'):  # the last reuses windows seen
        left, right = oracle_collocates(every, CASES.get(q) or (q.strip('"'),))
        data = kwic(client, q=q, per_page=1)
        assert data["collocates"] == {"left": top(left), "right": top(right)}


@pytest.mark.parametrize(
    "query, param",
    [
        ("q=公安&sort=up", "sort"),
        ("q=公安&order=stroke", "order"),
        ("q=公安&width=1000", "width"),
        ("q=公安&per_page=0", "per_page"),
        ("q=公安&year=99", "year"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, query, param):
    response = client.get("/api/kwic?" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


def test_csv_exports_every_line(client):
    data = kwic(client, q='"派出所"', sort="left", per_page=1)
    response = client.get("/kwic.csv?" + urlencode({"q": '"派出所"', "sort": "left"}))
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == data["total"]
    assert rows[0]["left"] == data["lines"][0]["left"]
    assert all(row["permalink"].startswith("http://") and row["match"] == "派出所" for row in rows)


def test_page_aligns_lines_and_escapes(client):
    html = client.get("/kwic?" + urlencode({"q": '派出所 OR "<b>"'})).get_data(as_text=True)
    assert '<table class="kwic">' in html and "<mark>派出所</mark>" in html
    assert "<b>" not in html.split("<main", 1)[1]
    empty = client.get("/kwic").get_data(as_text=True)
    assert 'action="/kwic"' in empty and '<table class="kwic">' not in empty


def test_the_search_page_links_to_its_concordance_and_trends(client):
    search = client.get("/api/search?" + urlencode({"q": '"公安"', "page": 2})).get_json()
    kwic_url, trends_url = search["research"]["kwic"], search["research"]["trends"]
    assert kwic_url.startswith("/kwic?") and trends_url.startswith("/trends?")
    concordance = client.get("/api" + kwic_url).get_json()
    assert concordance["paragraphs"] == search["total"]
    trend = client.get("/api" + trends_url).get_json()
    assert trend["series"][0]["total"] == search["total"]


# The sort orders against a plain Python sort ------------------------------------------------

_SORT_CHARS = [0x516C, 0x5B89, 0x6C11, 0x8B66, 0x4E00, 0x963F, ord("a"), ord("Z"), ord("1"), 0x3001]


@st.composite
def found_occurrences(draw):
    """Occurrences with contexts (0 after a context's end), matches and positions."""
    count = draw(st.integers(0, 30))
    width = draw(st.integers(1, 5))

    def rows(columns: int) -> np.ndarray:
        made = []
        for _ in range(count):
            chars = draw(st.lists(st.sampled_from(_SORT_CHARS), max_size=columns))
            made.append(chars + [0] * (columns - len(chars)))
        return np.array(made, dtype=np.uint32).reshape(count, columns)

    def column(top: int) -> np.ndarray:
        return np.array(draw(st.lists(st.integers(0, top), min_size=count, max_size=count)))

    start = np.arange(count, dtype=np.int64) * 7  # distinct: positions never tie
    return Found(
        occurrences=Occurrences(start, start, start + 2),
        paragraphs=count,
        left=Counter(),
        right=Counter(),
        before=rows(6),
        after=rows(6),
        match=rows(width),
        position=[start, column(3), column(3)],
    )


@given(found_occurrences(), st.sampled_from(["left", "right"]), st.sampled_from(["pinyin", "char"]))
@settings(max_examples=200, deadline=None)
def test_context_sorts_agree_with_sorting_tuples(found, sort, order):
    context = found.before if sort == "left" else found.after
    start, rank, date = found.position

    def key(i: int) -> tuple:
        chars = context[i].tolist()
        by = [char_key(chr(c)) if c else "" for c in chars] if order == "pinyin" else chars
        return (by, found.match[i].tolist(), int(date[i]), int(rank[i]), int(start[i]))

    expected = sorted(range(len(found.occurrences)), key=key)
    assert found.ordered(sort, order).doc.tolist() == [int(start[i]) for i in expected]


# The two ways of laying out the passages ---------------------------------------------------


def _occurrences_with_context(passages, parsed) -> dict:
    """Each occurrence, as (document, start, end), with the characters around it."""
    found = passages.occurrences(parsed)
    located = passages.located(found)
    before, match, after = (part.tolist() for part in passages.around(found, SORT_CHARS, 4))
    return {
        (o.docnum, o.start, o.end): (b, m, a)
        for o, b, m, a in zip(located, before, match, after, strict=True)
    }


def _context_in(texts: dict[int, str], doc: int, start: int, end: int, width: int) -> tuple:
    """The oracle: the characters around a span of a text, as ``Passages.around`` gives them."""
    text = texts[doc]

    def codes(piece: str, size: int) -> list[int]:
        return [ord(c) for c in piece] + [0] * (size - len(piece))

    return (
        codes(text[max(0, start - SORT_CHARS) : start][::-1], SORT_CHARS),
        codes(text[start:end][:4], width),
        codes(text[end : end + SORT_CHARS], SORT_CHARS),
    )


@pytest.mark.parametrize(
    "q", ['"公安"', '"派出所" OR "民警"', "社会治理工作", "基层 民警", '"公安局"']
)
def test_occurrences_found_through_the_tables_are_those_found_in_the_texts(searcher, q):
    query = SearchQuery(q=q)
    columns = facet_columns(searcher)
    docs = searcher_docs(searcher, query, columns)
    through_tables = _table_passages(searcher, columns, docs, query.parsed)
    assert through_tables is not None
    in_texts = Passages.of(*_laid_out(searcher, columns, docs))
    expected = _occurrences_with_context(in_texts, query.parsed)
    assert len(expected) > 3
    assert _occurrences_with_context(through_tables, query.parsed) == expected
    texts = {int(d): oracle_fold(searcher.stored_fields(int(d))["text"]) for d in docs}
    width = len(next(iter(expected.values()))[1])
    assert width == min(4, max(end - start for _doc, start, end in expected))
    for (doc, start, end), context in expected.items():
        assert texts[doc][start:end] in query.parsed.highlight_strings()
        assert context == _context_in(texts, doc, start, end, width)


def searcher_docs(searcher, query, columns) -> np.ndarray:
    matching, _exact = Finder(searcher).query(query.parsed)
    return matchsets.passing(searcher, columns, query, query.parsed, matching)


def _laid_out(searcher, columns, docs):
    """The documents' folded texts from their stored text (not the text table), end to end."""
    texts = [oracle_fold(searcher.stored_fields(int(d))["text"]) + "\0" for d in docs]
    return docs, np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)


def test_a_single_character_is_counted_in_the_texts(client, searcher):
    expected = sum(p.folded.count("警") for p in paragraphs(searcher))
    assert kwic(client, q="警", per_page=1)["total"] == expected > 0


def test_links_between_search_concordance_and_trends_keep_every_filter(client):
    filters = [
        ("city", "株洲市"),
        ("place", "株洲市"),
        ("year_from", "2020"),
        ("date_to", "2023-12-31"),
        ("facet_size", "3"),
    ]
    own = [("sort", "date_asc"), ("group", "doc"), ("reprints", "one"), ("per_page", "5")]
    wanted = sorted([("q", '"公安"'), *filters])
    page = client.get("/api/search?" + urlencode([("q", '"公安"'), *filters, *own])).get_json()
    research = page["research"]
    for url in (research["kwic"], research["trends"]):
        assert sorted(parse_qsl(urlsplit(url).query)) == wanted, url
    concordance = client.get("/api" + research["kwic"]).get_json()
    trend = client.get("/api" + research["trends"]).get_json()
    series = trend["series"][0]
    onward = [concordance["search_url"], concordance["trends_url"], series["url"]]
    for url in [*onward, series["kwic_url"]]:
        assert sorted(parse_qsl(urlsplit(url).query)) == wanted, url
    assert concordance["paragraphs"] == series["total"] == page["total"] > 0


@pytest.mark.parametrize("q", ['-"公安"', "标题:平安", '""'])
def test_a_query_without_a_word_in_the_text_says_so_rather_than_not_found(client, q):
    data = kwic(client, q=q)
    assert data["no_text_term"] and data["total"] == 0
    html = client.get("/kwic?" + urlencode({"q": q})).get_data(as_text=True)
    assert "里没有要在正文中找的词" in html and "没有找到" not in html
    response = client.get("/kwic.csv?" + urlencode({"q": q}))
    assert response.status_code == 400 and "排除词和字段条件只筛选段落" in response.get_data(
        as_text=True
    )
    assert not kwic(client, q='"公安" 标题:平安')["no_text_term"]


@pytest.mark.parametrize("path", ["/kwic", "/trends"])
def test_the_filters_in_force_are_shown_and_each_can_be_removed(client, path):
    asked = [("q", '"公安"'), ("city", "株洲市"), ("year_from", "2020"), ("sort", "left")]
    asked = asked if path == "/kwic" else asked[:-1]
    data = client.get("/api" + path + "?" + urlencode(asked)).get_json()
    assert [chip["label"] for chip in data["chips"]] == ["城市：株洲市", "年份：2020–…"]
    for chip, gone in zip(data["chips"], ["city", "year_from"], strict=True):
        url = urlsplit(chip["remove_url"])
        assert url.path == path
        assert sorted(parse_qsl(url.query)) == sorted(p for p in asked if p[0] != gone)
    cleared = urlsplit(data["clear_url"])
    assert sorted(parse_qsl(cleared.query)) == sorted(p for p in asked if p[0] in ("q", "sort"))
    html = client.get(path + "?" + urlencode(asked)).get_data(as_text=True)
    assert "城市：株洲市" in html and "清除全部条件" in html
