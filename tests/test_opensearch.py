"""`export --format opensearch`: the bulk file and index template for a move to OpenSearch.

No OpenSearch server is reachable here, so these tests check the files' shape, and check the
template's central claim (a phrase over character 1-2-grams is an exact substring match) on a
model of the n-gram tokenizer the template configures.
"""

from __future__ import annotations

import json
import unicodedata

import opencc
from hypothesis import given
from hypothesis import strategies as st

from archivist.opensearch import index_template

TRADITIONAL = "\u81fa\u7063\u8b66\u52d9\u8655"  # 臺灣警務處
SIMPLIFIED = "台湾警务处"


def export_to(runner, index_dir, out_dir) -> tuple[list[dict], list[dict], dict]:
    """Runs the export; returns the bulk file's actions and sources, and the template."""
    result = runner.invoke("export", "--index", str(index_dir), "--format", "opensearch",
                           "--out", str(out_dir))  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = (out_dir / "bulk.ndjson").read_text(encoding="utf-8").splitlines()
    assert len(lines) % 2 == 0
    pairs = [json.loads(line) for line in lines]
    template = json.loads((out_dir / "index-template.json").read_text(encoding="utf-8"))
    return pairs[0::2], pairs[1::2], template


def test_one_action_and_source_per_block(runner, sample_index, searcher, tmp_path):
    actions, sources, _ = export_to(runner, sample_index, tmp_path / "os")
    stored = {f"{f['doc_id']}/{f['n']}": f["text"] for f in searcher.documents(rec="block")}
    assert len(actions) == len(stored)
    assert [a["index"]["_id"] for a in actions] == [s["id"] for s in sources]
    assert {s["id"]: s["text"] for s in sources} == stored
    assert {a["index"]["_index"] for a in actions} == {"archivist-blocks"}


def test_folded_text_and_words_are_what_opensearch_cannot_compute(runner, make_archive, tmp_path):
    from archivist.indexing import ingest

    archive = make_archive({"a.txt": f"标题\n\n{TRADITIONAL}ＡＢＣ工作会议召开。\n"})
    ingest(archive, tmp_path / "ix", rebuild=True, jobs=1)
    _, sources, _ = export_to(runner, tmp_path / "ix", tmp_path / "os")
    body = next(s for s in sources if TRADITIONAL in s["text"])
    converter = opencc.OpenCC("t2s")
    expected = converter.convert(unicodedata.normalize("NFKC", body["text"]).lower())
    assert body["folded"] == expected
    assert SIMPLIFIED in body["folded"] and "abc" in body["folded"]
    words = body["words"].split()
    assert len(words) > 1 and "".join(words) == expected.rstrip("。")


def test_template_maps_every_field_the_archive_filters_and_matches(runner, sample_index, tmp_path):
    _, sources, template = export_to(runner, sample_index, tmp_path / "os")
    settings = template["template"]["settings"]
    properties = template["template"]["mappings"]["properties"]
    for name in ("doc_id", "city", "county", "kind", "fp", "id"):
        assert properties[name]["type"] == "keyword"
    assert properties["year"]["type"] == "short"
    assert properties["folded"]["analyzer"] == "char_grams"
    assert properties["words"]["analyzer"] == "pre_segmented"
    grams = settings["analysis"]["tokenizer"]["char_grams"]
    assert (grams["type"], grams["min_gram"], grams["max_gram"]) == ("ngram", 1, 2)
    assert settings["index"]["max_ngram_diff"] >= grams["max_gram"] - grams["min_gram"]
    for field in properties.values():
        for key in ("analyzer", "similarity"):
            if key in field:
                kind = "analyzer" if key == "analyzer" else "similarity"
                pool = settings["analysis"]["analyzer"] if kind == "analyzer" else settings[kind]
                assert field[key] in pool
    years = {s["year"] for s in sources}
    assert years - {None} and all(isinstance(y, int) for y in years - {None})


def test_opensearch_needs_an_output_folder(runner, sample_index):
    result = runner.invoke("export", "--index", str(sample_index), "--format", "opensearch")
    assert result.exit_code == 2
    assert "--out" in result.output


def ngram_tokens(text: str, low: int = 1, high: int = 2) -> list[str]:
    """OpenSearch's ngram tokenizer (Lucene's NGramTokenizer): at each start, short to long."""
    return [text[i : i + n] for i in range(len(text)) for n in range(low, high + 1)
            if i + n <= len(text)]  # fmt: skip


def phrase_matches(query: list[str], doc: list[str]) -> bool:
    """A match_phrase: the query's tokens at consecutive positions of the document's."""
    return any(doc[p : p + len(query)] == query for p in range(len(doc) - len(query) + 1))


@given(st.text("甲乙丙丁", min_size=1, max_size=12), st.text("甲乙丙丁", min_size=1, max_size=4))
def test_a_phrase_of_char_grams_is_exactly_a_substring(doc: str, query: str):
    grams = index_template()["template"]["settings"]["analysis"]["tokenizer"]["char_grams"]
    low, high = grams["min_gram"], grams["max_gram"]
    found = phrase_matches(ngram_tokens(query, low, high), ngram_tokens(doc, low, high))
    assert found == (query in doc)
