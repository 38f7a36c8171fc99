"""Analysers, the word segmenter's dictionaries, and the settings that force a re-index."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle import oracle_fold as fold  # OpenCC and unicodedata, not our folding

from archivist import analysis
from archivist.analysis import (
    cut,
    place_words,
    query_grams,
    segmenter,
    settings_fingerprint,
    use_user_dictionary,
    user_dictionary_entries,
    word_analyzer,
)
from archivist.indexing import IndexStore, ingest, make_schema
from archivist.web import create_app, get_searcher

PROJECT_USERDICT = Path(__file__).resolve().parent.parent / "archive" / "userdict.txt"
REPORT = "雪亮工程建设推进会\n\n今年以来，全县扎实推进顽瘴痼疾整治，成效明显。\n"


@pytest.fixture
def dictionary():
    """Set a user dictionary for one test; the previous one is restored afterwards."""
    previous = analysis.user_dictionary()
    yield use_user_dictionary
    use_user_dictionary(previous)


def tokens(analyzer, text: str, **options) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, **options)
    ]


def test_a_query_string_is_the_phrase_of_its_bigrams():
    assert query_grams("") == []
    assert query_grams("治") == ["治"]
    assert query_grams("社会治理") == ["社会", "会治", "治理"]


def test_words_have_consecutive_positions_and_original_offsets():
    text = "掃黑除惡，ＡＢＣ公司 H125"
    found = tokens(word_analyzer(), text, start_pos=10, start_char=100)
    assert [pos for _, pos, _, _ in found] == list(range(10, 10 + len(found)))
    for word, _, start, end in found:
        assert word in fold(text[start - 100 : end - 100])
    assert "h125" in [word for word, *_ in found]


def test_user_dictionary_entries_follow_jieba_format_folded():
    text = "\ufeff雪亮工程\n顽瘴痼疾 5\n派出所主防 7 n\n\n# a note\n掃黑除惡 nz\n"
    assert user_dictionary_entries(text) == [
        ("雪亮工程", None, None),
        ("顽瘴痼疾", 5, None),
        ("派出所主防", 7, "n"),
        ("扫黑除恶", None, "nz"),
    ]


def test_project_user_dictionary_terms_are_single_words(dictionary):
    text = PROJECT_USERDICT.read_text(encoding="utf-8")
    entries = user_dictionary_entries(text)
    assert {"派出所主防", "雪亮工程", "顽瘴痼疾", "扫黑除恶"} <= {w for w, _, _ in entries}
    dictionary("")
    assert any(cut(word) != [word] for word, _, _ in entries)  # jieba alone splits some
    dictionary(text)
    for word, _, _ in entries:
        assert cut(word) == [word]


def test_place_names_are_in_the_segmenter():
    names = place_words()
    assert len(names) > 100
    frequencies = segmenter().FREQ
    assert all(frequencies.get(name) for name in names[:: max(1, len(names) // 200)])


def test_fingerprint_changes_with_the_user_dictionary():
    assert settings_fingerprint("雪亮工程\n") == settings_fingerprint("雪亮工程\n")
    assert settings_fingerprint("雪亮工程\n") != settings_fingerprint("雪亮工程\n顽瘴痼疾\n")
    assert settings_fingerprint("") != settings_fingerprint("雪亮工程\n")


def test_schema_pickles_the_analysers():
    import pickle

    schema = pickle.loads(pickle.dumps(make_schema()))
    ready_cut = analysis.word_list(["社会", "治安"])
    found = [(t.text, t.pos) for t in schema["words"].analyzer(ready_cut, positions=True)]
    assert found == [("社会", 0), ("治安", 1)]
    assert "grams" not in schema  # characters and bigrams live in the n-gram tables


def test_ingest_analyses_a_paragraph_once_into_its_folded_text_and_words():
    folded, words = analysis.analyse("掃黑除惡，　社會治理")
    assert folded == "扫黑除恶, 社会治理"
    assert "".join(words) == "扫黑除恶社会治理" and "," not in words


def test_ingest_rebuilds_when_the_dictionary_changes(make_archive, tmp_path, dictionary):
    archive = make_archive({"a.txt": REPORT, "userdict.txt": "雪亮工程\n"})
    index = tmp_path / "index"
    first = ingest(archive, index, jobs=1)
    assert first.rebuilt and first.documents == 1  # userdict.txt is no report
    assert IndexStore(index).user_dictionary() == "雪亮工程\n"
    again = ingest(archive, index, jobs=1)
    assert not again.rebuilt and again.unchanged == 1
    (archive / "userdict.txt").write_text("雪亮工程\n顽瘴痼疾\n", encoding="utf-8")
    changed = ingest(archive, index, jobs=1)
    assert changed.rebuilt and changed.documents == 1
    assert IndexStore(index).user_dictionary() == "雪亮工程\n顽瘴痼疾\n"
    (archive / "userdict.txt").unlink()
    assert ingest(archive, index, jobs=1).rebuilt


def test_server_and_cli_use_the_dictionary_stored_with_the_index(
    make_archive, tmp_path, dictionary, runner
):
    archive = make_archive({"a.txt": REPORT, "userdict.txt": "顽瘴痼疾\n"})
    index = tmp_path / "index"
    ingest(archive, index, jobs=1)
    (archive / "userdict.txt").write_text("something else\n", encoding="utf-8")  # not used
    dictionary("")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    data = app.test_client().get("/api/search?q=顽瘴痼疾").get_json()
    assert data["total"] == 1
    with app.test_request_context("/api/search?q=顽瘴痼疾"):
        get_searcher()  # a request's dictionary is its index's, in its own thread
        assert analysis.user_dictionary() == "顽瘴痼疾\n"
        assert cut("顽瘴痼疾") == ["顽瘴痼疾"]
    assert analysis.user_dictionary() == ""  # the process's, once the request is over
    dictionary("")
    result = runner.invoke("search", "顽瘴痼疾", "--index", str(index))
    assert result.exit_code == 0
    assert analysis.user_dictionary() == "顽瘴痼疾\n"


def test_wordlike_means_a_letter_or_a_number_for_every_code_point():
    """The oracle is ``unicodedata``'s categories, over every code point."""
    import sys
    import unicodedata

    differ = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if analysis.is_wordlike(chr(code)) != (unicodedata.category(chr(code))[0] in "LN")
    ]
    assert differ == []
    assert not analysis.is_wordlike("_，。 ") and analysis.is_wordlike("_a")


def test_a_dictionary_without_words_shares_the_base_one_and_words_never_leak_into_it():
    from archivist.analysis import _base_segmenter, _build_segmenter

    base = _base_segmenter()
    assert _build_segmenter("") is base and _build_segmenter("# 只有注释\n\n") is base
    own = _build_segmenter("顽瘴痼疾专项整治 99999\n")
    assert own is not base and own.FREQ.get("顽瘴痼疾专项整治") == 99999
    assert "顽瘴痼疾专项整治" not in base.FREQ
