"""Citations: CSL items rendered by citeproc-py with the official styles, checked against the
standard's own examples and against citeproc-js (the reference CSL processor); BibTeX and RIS
checked by the parsers reference-manager tooling uses (bibtexparser, rispy)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
import rispy

from archivist import bibfiles, cslstyles
from archivist.pages import _cited_meta
from archivist.references import citations, csl_item, item_type, zotero_tags

PROJECT = Path(__file__).resolve().parent.parent
SHARED_CSL = PROJECT.parent / "shared" / "csl"
ORACLE = Path(__file__).resolve().parent / "csl_oracle.js"
ACCESSED = date(2024, 5, 1)
URL = "http://archive.example.org/p/zz/2019-chaling/5?v=abc"

# GB/T 7714-2015, 4.4.2 example 2 (a newspaper article online), as the standard prints it and as
# CSL-JSON in the style's test data: kept here so that the test runs without ../shared.
STANDARD_ITEM = {
    "id": "04.4.2:02",
    "type": "article-newspaper",
    "accessed": {"date-parts": [["2013", 3, 20]]},
    "author": [{"family": "余", "given": "建斌"}],
    "citation-key": "04.4.2:02",
    "container-title": "人民日报",
    "issued": {"date-parts": [["2013", 1, 12]]},
    "language": "zh-CN",
    "page": "2",
    "title": "我们的科技一直在追赶: 访中国工程院院长周济",
    "URL": "http://paper.people.com.cn/rmrb/html/2013-01/12/nw.D110000renmrb_20130112_5-02.htm",
}
STANDARD_TEXT = (
    "余建斌. 我们的科技一直在追赶: 访中国工程院院长周济[N/OL]. 人民日报, 2013-01-12(2)"
    "[2013-03-20]. http://paper.people.com.cn/rmrb/html/2013-01/12/"
    "nw.D110000renmrb_20130112_5-02.htm."
)

META = {
    "doc_id": "zz/2019-chaling",
    "title": "茶陵交警守护道路交通安全",
    "subtitle": "——茶陵县公安局交警大队工作纪实",
    "authors": ["戴鹏", "周志军"],
    "source": "株洲日报",
    "date": "2019-10-08",
    "year": 2019,
    "page": "3",
}


def standard_examples() -> list[tuple[dict, str]]:
    """The standard's newspaper examples that have an address: (CSL item, printed text)."""
    data = SHARED_CSL / "gbt7714-numeric-data.json"
    printed = SHARED_CSL / "standard-numeric.txt"
    if not data.is_file() or not printed.is_file():
        return [(STANDARD_ITEM, STANDARD_TEXT)]
    lines = printed.read_text(encoding="utf-8").splitlines()
    examples = []
    for item in json.loads(data.read_text(encoding="utf-8")):
        if item["type"] != "article-newspaper" or "URL" not in item:
            continue  # citeproc-py drops "[N]" without an address; ours always have one
        text = next(line for line in lines if item["title"] in line and "[N" in line)
        examples.append((item, re.sub(r"^\[\d+\]\s*", "", text)))
    return examples


# The standard's examples -----------------------------------------------------------------------


def test_the_kept_example_is_the_standards_own():
    data = SHARED_CSL / "gbt7714-numeric-data.json"
    if not data.is_file():
        pytest.skip(f"{data} is not here: the kept copy cannot be compared")
    items = json.loads(data.read_text(encoding="utf-8"))
    assert STANDARD_ITEM in items
    assert STANDARD_TEXT in (SHARED_CSL / "standard-numeric.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("example", standard_examples(), ids=lambda e: e[0]["id"])
def test_newspaper_examples_of_the_standard_render_as_printed(example):
    item, printed = example
    assert cslstyles.reference(item, "gbt7714") == printed


def test_chinese_names_are_whole_names():
    rendered = cslstyles.reference(STANDARD_ITEM, "gbt7714")
    assert rendered.startswith("余建斌. ") and "余 建斌" not in rendered
    assert cslstyles.reference(STANDARD_ITEM, "apa").startswith("余建斌. (2013")


def test_a_numbered_bibliography_in_citation_order():
    second = STANDARD_ITEM | {"id": "b", "title": "另一篇报道"}
    entries = cslstyles.bibliography([STANDARD_ITEM, second], "gbt7714")
    assert [e.label for e in entries] == ["[1]", "[2]"]
    assert str(entries[1]).startswith("[2] 余建斌. 另一篇报道[N/OL]")


# Our items --------------------------------------------------------------------------------------


def test_the_csl_item_of_a_newspaper_paragraph():
    item = csl_item(META, URL, ACCESSED)
    assert item == {
        "id": "zhuzhou2019chaling",
        "type": "article-newspaper",
        "title": "茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实",
        "author": [{"literal": "戴鹏"}, {"literal": "周志军"}],
        "container-title": "株洲日报",
        "issued": {"date-parts": [[2019, 10, 8]]},
        "page": "3",
        "accessed": {"date-parts": [[2024, 5, 1]]},
        "URL": URL,
        "language": "zh-CN",
        "citation-key": "zhuzhou2019chaling",
    }


def test_every_form_of_a_newspaper_paragraph():
    cited = citations(META, 5, URL, ACCESSED)
    assert cited["gbt7714"] == (
        "戴鹏, 周志军. 茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实[N/OL]. "
        f"株洲日报, 2019-10-08(3)[2024-05-01]. {URL}."
    )
    assert cited["gbt7714_2025"].startswith("戴鹏，周志军. 茶陵交警守护道路交通安全")
    assert "株洲日报，2019-10-08（3）" in cited["gbt7714_2025"]
    assert "周志军. (2019, October 8). 茶陵交警守护道路交通安全" in cited["apa"]
    assert "株洲日报, 8 Oct. 2019, p. 3" in cited["mla"]
    assert cited["in_text"] == {
        "apa": "(戴鹏 & 周志军, 2019, para. 5)",
        "mla": "(戴鹏 and 周志军, “茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实”, "
        "par. 5)",
    }
    for name in cslstyles.STYLES:
        assert "第5段" not in cited[name] and "para" not in cited[name]  # locator: in-text only


def test_an_inferred_year_is_bracketed_as_an_estimate():
    guessed = META | {"date": "", "year": 2021, "year_inferred": True}
    cited = citations(guessed, 2, URL, ACCESSED)
    assert cited["csl"]["issued"] == {"literal": "[2021]"}
    assert "株洲日报, [2021](3)[2024-05-01]" in cited["gbt7714"]
    assert "(ca. 2021)" in cited["apa"]
    assert "year = {[2021]}" in cited["bibtex"] and "month" not in cited["bibtex"]
    assert "PY  - 2021" in cited["ris"] and "N1  - 出版年为估计" in cited["ris"]
    assert not any(t["name"] == "citation_publication_date" for t in zotero_tags(cited["csl"]))


def test_paragraph_of_another_story_is_cited_by_its_story():
    assert _cited_meta(META, {"title": META["title"]}) is META  # a one-story report
    page = META | {"stories": [{"title": META["title"]}, {}], "provenance": {}}
    facts = {"title": "醴陵警方护航瓷博会", "authors": ["李四"], "source": "", "year": 2019}
    other = _cited_meta(page, facts)
    assert other["title"] == "醴陵警方护航瓷博会"
    assert other["authors"] == ["李四"] and other["subtitle"] == ""
    assert other["source"] == "株洲日报" and other["year"] == 2019  # the page's paper
    catalogued = page | {"provenance": {"authors": "catalogue"}}
    assert _cited_meta(catalogued, facts)["authors"] == META["authors"]  # the catalogue wins


def test_what_is_unknown_is_left_out():
    bare = {"doc_id": "x", "title": "标题"}
    cited = citations(bare, 2, URL, ACCESSED)
    assert cited["csl"]["type"] == "document"
    assert cited["gbt7714"] == f"标题[Z/OL]. [2024-05-01]. {URL}."
    assert cited["gbt7714_2025"] == f"标题[EB/OL]. [2024-05-01]. {URL}."  # no stray "V."
    many = META | {"authors": ["甲", "乙", "丙", "丁"]}
    assert citations(many, 5, URL, ACCESSED)["gbt7714"].startswith("甲, 乙, 丙, 等. ")


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("株洲日报", "article-newspaper"),
        ("潇湘晨报", "article-newspaper"),
        ("人民公安报", "article-newspaper"),
        ("湖南警察学院学报", "article-journal"),
        ("警察天地杂志", "article-magazine"),
        ("红网", "webpage"),
        ("", "document"),
    ],
)
def test_the_item_type_follows_the_source(source, kind):
    assert item_type(source) == kind


def test_keys_are_ascii_pinyin_and_unique_in_a_file():
    seed = {"source": "株洲日报", "year": 2021, "title": "撑起一方晴朗的天"}
    assert bibfiles.citation_key(seed) == "zhuzhou2021chengqi"
    assert bibfiles.citation_key({"authors": ["唐文发"], "title": "努力"}) == "tangwenfanuli"
    assert bibfiles.citation_key({"title": "2021年工作报告"}) == "niangong"
    assert bibfiles.citation_key({"year": 2020, "title": "Report"}) == "r2020report"
    items = [csl_item(META, f"{URL}{i}", ACCESSED) for i in range(3)]
    assert [i["id"] for i in bibfiles.unique_keys(items)] == [
        "zhuzhou2019chaling",
        "zhuzhou2019chalinga",
        "zhuzhou2019chalingb",
    ]


def test_bibtex_parses_with_the_expected_fields():
    items = [
        csl_item(META, URL, ACCESSED),
        csl_item(META | {"title": "50%的{难题}_解决", "subtitle": ""}, URL + "&x=1", ACCESSED),
        csl_item({"doc_id": "x", "title": "无来源", "year": 2020}, URL, ACCESSED),
    ]
    library = bibtexparser.parse_string(bibfiles.bibtex(items))
    assert not library.failed_blocks
    entries = {entry.key: entry for entry in library.entries}
    assert list(entries) == ["zhuzhou2019chaling", "zhuzhou2019denan", "r2020wulai"]
    first = entries["zhuzhou2019chaling"]
    assert first.entry_type == "article"
    fields = {f.key: f.value for f in first.fields}
    assert fields["journal"] == "株洲日报"
    assert fields["year"] == "2019" and fields["month"] == "oct" and fields["date"] == "2019-10-08"
    assert fields["author"] == "{戴鹏} and {周志军}"
    assert fields["url"] == URL and fields["urldate"] == "2024-05-01" and fields["pages"] == "3"
    tricky = {f.key: f.value for f in entries["zhuzhou2019denan"].fields}
    assert tricky["title"] == r"50\%的\{难题\}\_解决"
    last = library.entries[2]
    assert last.entry_type == "misc" and "journal" not in {f.key for f in last.fields}


def test_ris_parses_with_the_expected_fields():
    items = [
        csl_item(META, URL, ACCESSED),
        csl_item({"doc_id": "x", "title": "无来源"}, URL, ACCESSED),
    ]
    entries = rispy.loads(bibfiles.ris(items))
    assert len(entries) == 2
    news = entries[0]
    assert news["type_of_reference"] == "NEWS"
    assert news["authors"] == ["戴鹏", "周志军"]
    assert news["title"] == "茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实"
    assert news["secondary_title"] == "株洲日报"
    assert news["year"] == "2019" and news["date"] == "2019/10/08"
    assert news["start_page"] == "3" and news["urls"] == [URL]
    assert news["access_date"] == "2024/05/01" and news["language"] == "zh-CN"
    assert entries[1]["type_of_reference"] == "GEN" and "secondary_title" not in entries[1]


def test_csl_json_file_is_a_list_of_items():
    text = bibfiles.csl_json([csl_item(META, URL, ACCESSED)] * 2)
    items = json.loads(text)
    assert [i["id"] for i in items] == ["zhuzhou2019chaling", "zhuzhou2019chalinga"]


def test_zotero_tags_from_the_item():
    tags = zotero_tags(csl_item(META, URL, ACCESSED))
    assert ("citation_author", "周志军") in [(t["name"], t["content"]) for t in tags]
    named = {t["name"]: t["content"] for t in tags}
    assert named["citation_journal_title"] == "株洲日报"
    assert named["citation_publication_date"] == "2019/10/08"
    assert named["citation_public_url"] == URL


# The reference processor ------------------------------------------------------------------------


def oracle(items: list[dict], style: str) -> dict[str, str]:
    """Each item's reference by citeproc-js, by id, with a shipped style and the locales
    citeproc-py ships (so that only the processor differs)."""
    node = shutil.which("node")
    module = PROJECT / "node_modules" / "citeproc"
    if not node or not module.is_dir():
        pytest.skip("node or the npm package citeproc is missing (npm install)")
    from citeproc import LOCALES_PATH

    done = subprocess.run(
        [node, str(ORACLE), str(cslstyles.STYLE_DIR / cslstyles.STYLES[style]), LOCALES_PATH],
        input=json.dumps(items, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT,
        check=True,
    )
    return {key: re.sub(r"^\[\d+\]\s*", "", text) for key, text in json.loads(done.stdout).items()}


ORACLE_CASES = {
    "newspaper": META,
    "estimated year": META | {"date": "", "year": 2021, "year_inferred": True},
    "year only, no page": META | {"date": "", "page": ""},
    "many authors": META | {"authors": ["甲", "乙", "丙", "丁"]},
    "no author": META | {"authors": []},
    "no source": {"doc_id": "x", "title": "标题", "authors": ["唐文发"], "year": 2023},
    "website": {"doc_id": "x", "title": "标题", "source": "红网", "date": "2023-05-06"},
}


@pytest.fixture(scope="module")
def our_citations() -> dict[str, dict]:
    """Each case's citations, its CSL item's id made the case's name."""
    cited = {}
    for case, meta in ORACLE_CASES.items():
        forms = citations(meta, 5, URL, ACCESSED)
        forms["csl"] = forms["csl"] | {"id": case}
        cited[case] = forms
    return cited


@pytest.mark.parametrize("style", ["gbt7714", "gbt7714_2025"])
def test_our_references_equal_the_reference_processor(our_citations, style):
    expected = oracle([forms["csl"] for forms in our_citations.values()], style)
    for case, forms in our_citations.items():
        assert forms[style] == expected[case], case


# citeproc-py writes two whole names "甲, & 乙" where citeproc-js writes "甲 & 乙", and APA gets
# an estimated year as "ca. 2021" (see cslstyles): the cases below have neither.
APA_CASES = ("many authors", "no author", "no source", "website")


def test_apa_equals_the_reference_processor(our_citations):
    expected = oracle([our_citations[case]["csl"] for case in APA_CASES], "apa")
    for case in APA_CASES:
        assert our_citations[case]["apa"] == expected[case], case


def test_an_item_without_authors_names_its_title_once():
    cited = citations(META | {"authors": []}, 5, URL, ACCESSED)
    for name in ("apa", "mla"):
        assert cited[name].count("茶陵交警守护道路交通安全") == 1, cited[name]
    assert (
        cited["in_text"]["mla"]
        == "(“茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实”, par. 5)"
    )


def test_the_standards_examples_by_the_reference_processor():
    examples = standard_examples()
    rendered = oracle([item for item, _ in examples], "gbt7714")
    assert [rendered[item["id"]] for item, _ in examples] == [text for _, text in examples]
