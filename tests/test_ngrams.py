"""The n-gram tables: exact substring lookups against Python's own ``in``, on made-up texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from archivist.ngrams import GramTable, TableInputs, table_from_texts

# Characters that fold to themselves (lower-case Latin, digits, Simplified Chinese, one space),
# so Python's ``in`` on the raw strings is the oracle.
ALPHABET = "ab1治安公警 "
texts_strategy = st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=1, max_size=12)


def without_double_spaces(text: str) -> str:
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def table_of(texts: list[str]) -> GramTable:
    return table_from_texts(texts)


def brute(texts: list[str], needle: str) -> list[int]:
    return [i for i, text in enumerate(texts) if needle in text]


@settings(max_examples=300)
@given(texts_strategy, st.text(alphabet=ALPHABET, min_size=1, max_size=5))
def test_containing_is_exactly_the_paragraphs_holding_the_string(texts, needle):
    texts = [without_double_spaces(t) for t in texts]
    needle = without_double_spaces(needle)
    assert table_of(texts).containing(needle).tolist() == brute(texts, needle)


def test_a_string_across_two_paragraphs_is_not_found():
    table = table_of(["公安", "警察"])
    assert table.containing("安警").tolist() == []
    assert table.containing("公安").tolist() == [0]
    assert table.containing("警察").tolist() == [1]


def test_repeated_characters_need_every_position():
    table = table_of(["哈哈", "哈哈哈", "哈 哈哈"])
    assert table.containing("哈哈哈").tolist() == [1]
    assert table.containing("哈哈").tolist() == [0, 1, 2]


def test_bigram_frequencies_count_occurrences_per_paragraph():
    docs, counts = table_of(["公安公安", "", "公安局", "安公"]).bigram_frequencies("公安")
    assert docs.tolist() == [0, 2]
    assert counts.tolist() == [2, 1]


def test_words_keep_their_paragraphs_and_weights():
    inputs = TableInputs()
    rows = [["公安", "公安"], ["警察"], [], ["公安", "交警"]]
    for n, words in enumerate(rows):
        inputs.add("a", n, "x", words)
    table = inputs.table(["x"] * 4, [inputs.rows[("a", n)][1] for n in range(4)])
    docs, weights = table.word_frequencies("公安")
    assert docs.tolist() == [0, 3] and weights.tolist() == [2.0, 1.0]
    assert table.word_frequencies("警察")[0].tolist() == [1]
    assert table.word_frequencies("交警")[0].tolist() == [3]
    assert table.word_frequencies("交通")[0].tolist() == []


@settings(max_examples=100)
@given(st.lists(st.lists(st.sampled_from(["公安", "警察", "交警", "a", "派出所"]), max_size=6)))
def test_word_postings_are_each_words_paragraphs_with_counts(rows):
    inputs = TableInputs()
    ids = [inputs.ids(words) for words in rows]
    table = inputs.table(["x"] * len(rows), ids)
    for word in ["公安", "警察", "交警", "a", "派出所"]:
        expected = [(n, words.count(word)) for n, words in enumerate(rows) if word in words]
        docs, weights = table.word_frequencies(word)
        assert list(zip(docs.tolist(), weights.tolist(), strict=True)) == expected


def test_a_saved_table_loads_the_same(tmp_path):
    table = table_of(["公安机关", "派出所", ""])
    table.save(tmp_path / "seg")
    loaded = GramTable.load(tmp_path / "seg")
    assert loaded.containing("机关").tolist() == [0]
    assert loaded.doc_count == 3
    assert loaded.bigrams_starting("派") == ["派出"]


def test_folding_applies_to_the_texts():
    table = table_of(["掃黑除惡", "ＡＢＣ"])
    assert table.containing("扫黑").tolist() == [0]
    assert table.containing("abc").tolist() == [1]
