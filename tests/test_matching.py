"""The matching contract of issue 4, each rule against a brute-force scan of folded texts.

Most tests run on the sample archive (the session's real index); the rest on small made-up
archives. Nothing here depends on the cities the gazetteer infers.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archivist.search as search_module
from archivist import analysis
from archivist.caching import RecentCache
from archivist.indexing import IndexStore, ingest
from archivist.pages import search_page
from archivist.query import SearchQuery
from archivist.querylang import QuerySyntaxError, parse
from archivist.search import PHRASE_CHARS, search

PROJECT = Path(__file__).resolve().parent.parent
ISSUE_FAILURES = ["道路交通", "永州市", "治安"]  # stock ChineseAnalyzer missed some of each


def texts(searcher) -> dict[str, str]:
    return {f"{f['doc_id']}/{f['n']}": f["text"] for f in searcher.documents(rec="block")}


def brute(searcher, string: str) -> set[str]:
    """Paragraphs whose folded text contains the folded string (folded by the oracle, written
    with OpenCC and unicodedata, not by the package)."""
    fold = load_bench().reference_fold
    needle = fold(string)
    return {pid for pid, text in texts(searcher).items() if needle in fold(text)}


def hits(searcher, q: str, **options):
    """Every hit of a query, in rank order."""
    every = max(1, len(texts(searcher)))
    return search(searcher, SearchQuery(q=q, per_page=every, **options)).hits


def ids(searcher, q: str) -> set[str]:
    return {hit.id for hit in hits(searcher, q)}


def index_of(make_archive, tmp_path, files: dict[str, str]):
    """A searcher on a fresh index of a made-up archive."""
    archive = make_archive(files)
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    return IndexStore(tmp_path / "index").open().searcher()


def load_bench():
    """bench/recall.py as a module (bench/ is no package)."""
    name = "bench_recall"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROJECT / "bench" / "recall.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


# The failures quoted at the top of the issue -------------------------------------------------


@pytest.mark.parametrize("q", ISSUE_FAILURES)
def test_plain_query_finds_every_paragraph_containing_it(sample, q):
    expected = brute(sample, q)
    found = hits(sample, q)
    assert expected and expected <= {h.id for h in found}
    assert {h.id for h in found if h.exact} == expected
    assert ids(sample, f'"{q}"') == expected


def test_quoted_phrase_finds_exactly_the_paragraphs_containing_it(sample):
    expected = brute(sample, "社会治理")
    assert expected
    assert ids(sample, '"社会治理"') == expected


def test_stock_chinese_analyzer_misses_what_we_find(sample):
    """The control: the brute-force comparison above does catch what the issue reports."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import QueryParser

    stock = RamStorage().create_index(Schema(id=ID(stored=True), text=TEXT(ChineseAnalyzer())))
    with stock.writer() as writer:
        for pid, text in texts(sample).items():
            writer.add_document(id=pid, text=text)
    missed = {}
    with stock.searcher() as searcher:
        for q in [*ISSUE_FAILURES, '"社会治理"']:
            parsed = QueryParser("text", stock.schema).parse(q)
            found = {hit["id"] for hit in searcher.search(parsed, limit=None)}
            missed[q] = len(brute(sample, q.strip('"')) - found)
            assert brute(sample, q.strip('"')) <= ids(sample, q)
    assert missed['"社会治理"'] == len(brute(sample, "社会治理"))
    assert sum(missed.values()) > missed['"社会治理"']


# Strings of every kind -----------------------------------------------------------------------


@pytest.mark.parametrize("q", ["治", "公", "H125", "h125", "110", "2347", "２３４７", "。"])
def test_single_characters_latin_words_numbers_and_quoted_marks(sample, q):
    expected = brute(sample, q)
    assert expected
    assert ids(sample, f'"{q}"') == expected
    if analysis.is_wordlike(q):
        assert {h.id for h in hits(sample, q) if h.exact} == expected


def test_folding_finds_every_script_and_width(make_archive, tmp_path):
    with index_of(
        make_archive,
        tmp_path,
        {
            "simplified.txt": "扫黑除恶\n\n全县开展扫黑除恶专项斗争，ABC公司参与。\n",
            "traditional.txt": "掃黑除惡\n\n全縣開展掃黑除惡專項鬥爭，ＡＢＣ公司參與。\n",
        },
    ) as searcher:
        everything = set(texts(searcher))
        for q in ["扫黑除恶", "掃黑除惡", '"掃黑除惡"']:
            assert ids(searcher, q) == everything
        for q in ["ABC", "abc", "ＡＢＣ", "ａｂｃ公司"]:
            assert ids(searcher, q) == brute(searcher, "abc") and len(ids(searcher, q)) == 2


def test_quotes_keep_spaces_and_punctuation(make_archive, tmp_path):
    with index_of(
        make_archive,
        tmp_path,
        {
            "a.txt": "标题一\n\n加强社会 治理。\n",
            "b.txt": "标题二\n\n加强社会治理。\n",
            "c.txt": "标题三\n\n加强社会，治理。\n",
            "d.txt": "标题四\n\n治理好社会。\n",
        },
    ) as searcher:
        assert ids(searcher, '"社会 治理"') == {"a/2"}
        assert ids(searcher, '"社会治理"') == {"b/2"}
        assert ids(searcher, '"社会，治理"') == ids(searcher, '"社会,治理"') == {"c/2"}
        assert ids(searcher, '" 治理"') == {"a/2"}
        assert ids(searcher, '" "') == {"a/2"}
        ranked = hits(searcher, "社会治理")
        assert ranked[0].id == "b/2" and ranked[0].exact
        assert {h.id for h in ranked[1:]} == {"a/2", "c/2", "d/2"}
        assert not any(h.exact for h in ranked[1:])


def test_long_strings_and_repeated_characters(make_archive, tmp_path):
    shared = "全省公安机关深入推进扫黑除恶专项斗争常态化"
    assert len(shared) > PHRASE_CHARS
    with index_of(
        make_archive,
        tmp_path,
        {
            "a.txt": f"标题一\n\n{shared}，取得明显成效。\n",
            "b.txt": f"标题二\n\n{shared}，群众纷纷点赞。\n",
            "c.txt": "标题三\n\n哈哈哈，大家都笑了。\n",
            "d.txt": "标题四\n\n哈哈，大家都笑了。\n",
        },
    ) as searcher:
        assert ids(searcher, f'"{shared}，取得明显"') == {"a/2"}
        assert ids(searcher, f'"{shared}"') == {"a/2", "b/2"}
        assert ids(searcher, f'"{shared}，取得明显成就"') == set()
        assert ids(searcher, '"哈哈哈"') == {"c/2"}
        assert ids(searcher, '"哈哈"') == {"c/2", "d/2"}
        assert ids(searcher, '"哈哈哈哈"') == set()


def test_long_substrings_of_the_sample_are_exact(sample):
    for text in sorted(texts(sample).values(), key=len)[-5:]:
        piece = text[37 : 37 + 40]
        assert ids(sample, '"' + piece.replace('"', "＂") + '"') == brute(sample, piece)


# Operators -----------------------------------------------------------------------------------


def test_and_or_not_match_set_algebra(sample):
    a, b = brute(sample, "治安"), brute(sample, "交通")
    assert a & b and a - b and b - a
    everything = set(texts(sample))
    assert ids(sample, '"治安" "交通"') == a & b
    assert ids(sample, '"治安" OR "交通"') == a | b
    assert ids(sample, '"治安" -"交通"') == a - b
    assert ids(sample, '-"交通"') == ids(sample, "-交通") == everything - b
    assert ids(sample, '"治安" OR "交通" -"公安"') == (a | b) - brute(sample, "公安")


def test_punctuation_alone_is_ignored(sample):
    everything = set(texts(sample))
    for q in ["，", "。！？", "…… —— 、", "-", "OR", '""']:
        assert ids(sample, q) == everything


def test_words_apart_match_below_exact_ones(sample):
    term = "社会治理"
    words = parse(term).groups[0][0].words
    assert len(words) > 1
    apart = set.intersection(*(brute(sample, w) for w in words))
    found = hits(sample, term)
    assert {h.id for h in found} == brute(sample, term) | apart
    assert apart - brute(sample, term)  # the sample has scattered matches too
    flags = [h.exact for h in found]
    assert flags == sorted(flags, reverse=True)
    assert {h.id for h in found if h.exact} == brute(sample, term)


# Ranking -------------------------------------------------------------------------------------

KINDS_REPORTS = {
    "a.txt": "雪亮工程建设推进会\n\n——某县公安局工作纪实\n\n记者 张三\n\n"
    "今年以来，某县公安局扎实推进各项工作，成效明显，群众满意度持续提升。\n\n"
    "下一步，该局将继续加大投入，推动平安建设再上新台阶。\n",
    "b.txt": "平安乡村建设综述\n\n——某县公安局工作纪实\n\n记者 李四\n\n"
    "今年以来，某县公安局扎实推进各项工作，成效明显，群众满意度持续提升。\n\n"
    "雪亮工程建设推进会\n\n"
    "某县公安局会同有关部门全面推进各项建设，新建高清探头一千余个，覆盖城乡主要道路。\n\n"
    "雪亮工程建设推进会。\n\n"
    "某县公安局会同有关部门全面推进各项建设，新建高清探头一千余个，覆盖城乡主要道路。\n\n\n\n"
    "雪亮工程建设推进会。\n\n"
    "下一步，该局将继续加大投入，推动平安建设再上新台阶。\n",
}


def kind_scores(make_archive, tmp_path) -> dict[str, float]:
    with index_of(make_archive, tmp_path, KINDS_REPORTS) as searcher:
        found = hits(searcher, "雪亮工程")
    assert sorted(h.kind for h in found) == ["body", "caption", "heading", "title"]
    return {h.kind: h.score for h in found}


def test_kind_boosts_weigh_in_bm25(make_archive, tmp_path, monkeypatch):
    """Same text, different kind: the title outranks the heading, the body the caption, and
    without the kind weights (the control) they tie."""
    boosted = kind_scores(make_archive, tmp_path / "boosted")
    assert boosted["title"] > boosted["heading"] and boosted["body"] > boosted["caption"]
    monkeypatch.setattr(search_module, "KIND_WEIGHT", {})
    monkeypatch.setattr(search_module, "_COLUMN_CACHE", RecentCache(2))
    plain = kind_scores(make_archive, tmp_path / "plain")
    assert plain["title"] == pytest.approx(plain["heading"])
    assert plain["body"] == pytest.approx(plain["caption"])
    assert boosted["title"] > plain["title"] and boosted["caption"] < plain["caption"]


LENGTH_REPORT = {
    "c.txt": "平安乡村建设综述\n\n——某县公安局工作纪实\n\n记者 王五\n\n"
    "今年以来，某县公安局扎实推进各项工作，成效明显，群众满意度持续提升。\n\n"
    "某县公安局会同有关部门全面推进雪亮工程建设，新建高清探头一千余个，覆盖城乡主要道路，"
    "并在重点部位增设人脸识别设备，群众安全感明显增强。\n\n\n\n"
    "雪亮工程。\n\n"
    "下一步，该局将继续加大投入，推动平安建设再上新台阶。\n",
}


def test_a_short_caption_does_not_outrank_a_long_body_paragraph(make_archive, tmp_path):
    """Kind weights multiply the score, so BM25's preference for short fields cannot lift a
    caption above body text that contains the same string."""
    with index_of(make_archive, tmp_path, LENGTH_REPORT) as searcher:
        found = hits(searcher, "雪亮工程")
    assert [h.kind for h in found] == ["body", "caption"]


def test_grouping_by_document_keeps_rank_order(sample):
    ranked = hits(sample, "公安")
    first_seen = list(dict.fromkeys(h.doc_id for h in ranked))
    results = search(sample, SearchQuery(q="公安", per_page=100, group=True))
    grouped = [h.doc_id for h in results.hits]
    assert list(dict.fromkeys(grouped)) == first_seen
    assert results.documents == len(first_seen) and results.total == len(ranked)
    for doc_id in first_seen:
        members = [h for h in results.hits if h.doc_id == doc_id]
        all_of_doc = [h.id for h in ranked if h.doc_id == doc_id]
        assert [h.id for h in members] == all_of_doc[:3]  # README: at most 3 paragraphs each
        assert members[0].group_more == len(all_of_doc) - len(members)


# Hostile input -------------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"""',
    '"治安',
    'OR OR -"" - --',
    "-",
    "*",
    "治?安*",
    ".*+?^$()[]{}|\\",
    "\x00\x01\x1f\x7f",
    "治安\u200b\u2028\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%ff",
    "治" * 120,
    " ".join(["公安局"] * 24),
    " OR ".join(["全省公安机关深入推进扫黑除恶"] * 24),
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_give_results(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert "total" in response.get_json()


@pytest.mark.parametrize("q", ["治" * 10_000, "治" * 121, " ".join(["治安"] * 25)])
def test_queries_over_the_limits_are_400s_naming_q(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == "q"
    assert "字符" in error["message"] or "检索词" in error["message"]
    assert client.get("/", query_string={"q": q}).status_code == 400


def test_invalid_utf8_in_the_url_is_harmless(client):
    response = client.get("/api/search?q=%ED%A0%80%FF%C0")
    assert response.status_code == 200


def test_lone_surrogates_from_a_command_line_are_harmless(sample, sample_index, runner):
    """Undecodable bytes in argv reach Python as lone surrogates; a URL cannot carry them."""
    page = search_page(sample, SearchQuery(q="\udcff治安"))
    assert page["total"] == len(brute(sample, "治安"))
    assert all(hit["url"].encode("utf-8") for hit in page["hits"])
    result = runner.invoke("search", "\udcff治安", "--index", str(sample_index), "--json")
    assert result.exit_code == 0


ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(ANY_TEXT, st.lists(st.sampled_from(['"', "-", "OR", " ", "治安", "，"])).map("".join))
)
def test_any_string_gives_results_or_a_limit_error(sample, q):
    try:
        results = search(sample, SearchQuery(q=q))
    except QuerySyntaxError:
        return
    assert results.total >= len(results.hits)


# Proof ---------------------------------------------------------------------------------------


def test_recall_bench_on_the_sample(sample):
    report = load_bench().check_recall(sample, samples=150, seed=7)
    assert report.failures == []
    assert report.recall == 100.0 and report.exactness == 100.0


def test_recall_bench_on_a_traditional_copy(make_archive, tmp_path):
    s2t = opencc.OpenCC("s2t")
    reports = sorted((PROJECT / "archive").glob("0*.txt"))[:2]
    files = {p.name: s2t.convert(p.read_text(encoding="utf-8")) for p in reports}
    with index_of(make_archive, tmp_path, files) as searcher:
        assert brute(searcher, "掃黑除惡") or brute(searcher, "國")
        report = load_bench().check_recall(searcher, samples=100, seed=3)
    assert report.failures == []
    assert report.recall == 100.0 and report.exactness == 100.0


@pytest.mark.parametrize("query", ["“道路交通”", "道路交通。", "「道路交通」"])
def test_a_word_typed_with_chinese_quotes_or_a_full_stop_is_found(sample, query):
    found = hits(sample, query)
    assert len(found) == len(hits(sample, "道路交通")) == 7
    assert all(h.exact for h in found)


def test_variation_selectors_and_combining_marks_are_found_and_marked(make_archive, tmp_path):
    with index_of(
        make_archive,
        tmp_path,
        {
            "a.txt": "标题一\n\n葛\U000e0100洲坝水利枢纽今年发电。\n",
            "b.txt": "标题二\n\n街角的cafe\u0301开业了。\n",
        },
    ) as searcher:
        found = hits(searcher, "葛洲坝")
        assert [h.id for h in found] == ["a/2"] and found[0].exact
        assert "<mark>葛\U000e0100洲坝</mark>" in found[0].snippet_html
        found = hits(searcher, '"café"')
        assert [h.id for h in found] == ["b/2"]
        assert "<mark>cafe\u0301</mark>" in found[0].snippet_html


def test_equal_scores_keep_their_order_across_rebuilds(make_archive, tmp_path):
    """Paragraphs of equal score are ordered by doc_id and number, not by where a build put
    them: an incremental update moves a changed report to the end of the index, a rebuild
    moves it back, and page 1 stays the same."""
    reports = {f"r{i:02d}.txt": f"报告{i:02d}\n\n同样的句子：平安建设。\n" for i in range(12)}
    archive = make_archive(reports)
    index = tmp_path / "index"

    def first_page() -> list[str]:
        with IndexStore(index).open().searcher() as searcher:
            return [h.id for h in search(searcher, SearchQuery(q="平安建设", per_page=5)).hits]

    ingest(archive, index, rebuild=True, jobs=1)
    built = first_page()
    (archive / "r00.txt").write_text(reports["r00.txt"] + "\n补充一段。\n", encoding="utf-8")
    ingest(archive, index, jobs=1)  # r00 re-indexed: its paragraphs get the last numbers
    updated = first_page()
    ingest(archive, index, rebuild=True, jobs=1)
    assert built == updated == first_page() == [f"r{i:02d}/2" for i in range(5)]
