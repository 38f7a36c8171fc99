"""Metadata with provenance: catalogue, then file name, then text; nothing invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archivist.catalogue import CATALOGUE_NAME, CatalogueRow, load_catalogue
from archivist.gazetteer import default_gazetteer
from archivist.metadata import (
    FIELDS,
    PROVENANCES,
    DocMeta,
    date_from_filename,
    infer_metadata,
)
from archivist.reading import read_report
from archivist.segment import segment

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def meta_of(doc_id: str, text: str, row: CatalogueRow | None = None) -> DocMeta:
    return infer_metadata(doc_id, segment(text), row, default_gazetteer())


def seed_meta(doc_id: str, row: CatalogueRow | None = None) -> DocMeta:
    return meta_of(doc_id, read_report(ARCHIVE / f"{doc_id}.txt"), row)


def check_provenance(meta: DocMeta) -> None:
    assert set(meta.provenance) == set(FIELDS)
    assert set(meta.provenance.values()) <= set(PROVENANCES)
    for name in FIELDS:
        value = getattr(meta, name)
        assert bool(meta.provenance[name]) == (value not in ("", None, [])), name


SEED_EXPECTED = {
    "000_1393866c2a5a9400": {
        "title": "撑起一方晴朗的天",
        "subtitle": "茶陵县公安局服务保障经济社会高质量发展工作纪实",
        "authors": ["戴鹏", "周志军", "李志亮", "李慧娟"],
        "source": "",
        "year": None,  # 2021 is only written in the text
        "city": "株洲市",
        "county": "茶陵县",
    },
    "001_9e062a6a15db781c": {
        "title": "栉风沐雨70载 铁肩担当铸长安",
        "subtitle": "株洲公安工作巡礼",
        "authors": ["刘琼", "邱宇松", "殷根祥"],
        "source": "",
        "year": None,
        "city": "株洲市",
        "county": "",
    },
    "002_4bcea7a16599077f": {
        "title": "荣光熠熠照征程",
        "subtitle": "株洲市公安局董家段分局高质量发展纪实",
        "authors": ["罗毅", "张建平", "谭杰"],
        "source": "",
        "year": None,
        "city": "株洲市",
        "county": "",
    },
    "003_cf03e3746bb637f2": {
        "title": "努力建设更高水平的平安株洲",
        "subtitle": "",
        "authors": ["唐文发", "沈全华", "付强", "周周", "涂承东", "刘娜", "熊谅"],
        "source": "株洲日报",
        "year": 2023,
        "city": "株洲市",
        "county": "",
    },
    "004_9d64727acbccac30": {
        "title": "以新警务理念提升新质战斗力",
        "subtitle": "永州公安推进“派出所主防”工作走笔",
        "authors": ["李寒露", "陈卫林"],
        "source": "",
        "year": None,
        "city": "永州市",
        "county": "",
    },
}


@pytest.mark.parametrize(("doc_id", "expected"), sorted(SEED_EXPECTED.items()))
def test_seed_metadata(doc_id, expected):
    meta = seed_meta(doc_id)
    check_provenance(meta)
    assert {name: getattr(meta, name) for name in expected} == expected
    # The seeds' file names are hashes and they have no e-paper date line: only 003's news
    # leads (``1月3日``, with 2023年1月2日 written in the story) give a year, inferred.
    assert meta.date == ""
    if meta.year:
        assert meta.year_inferred and meta.provenance["year"] == "dateline"
    assert meta.url == "" and meta.provenance["url"] == ""
    for name in ("title", "authors", "city"):
        assert meta.provenance[name] == "text"
    json.dumps(meta.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report_2024-02-16", ("2024-02-16", 2024)),
        ("2024_02_16 政法周刊", ("2024-02-16", 2024)),
        ("zzrb20230105", ("2023-01-05", 2023)),
        ("年度报告_2019", ("2019", 2019)),
        ("2019年工作总结", ("2019", 2019)),
        ("report-2024-13-45", ("2024", 2024)),  # no such day: only the year is certain
        ("a2019b", ("", None)),  # glued to letters: part of a hash
        ("9e062a6a15db781c", ("", None)),
        ("4bcea7a16599077f", ("", None)),
        ("1850_old", ("", None)),
        ("2999_future", ("", None)),
        ("12345678", ("", None)),
    ],
)
def test_date_from_filename(name, expected):
    assert date_from_filename(name) == expected


def test_date_in_the_file_name_beats_the_text():
    text = "平安建设见实效\n\n2021年，全市发案下降。\n"
    meta = meta_of("2023/zzrb_2023-01-05", text)
    assert (meta.date, meta.year, meta.year_inferred) == ("2023-01-05", 2023, False)
    assert meta.provenance["date"] == meta.provenance["year"] == "filename"


def test_e_paper_dateline():
    text = "株洲日报 2024年02月16日 星期五\n\n平安建设见实效\n\n2021年，全市发案下降。\n"
    meta = meta_of("page", text)
    assert (meta.date, meta.year, meta.year_inferred) == ("2024-02-16", 2024, False)
    assert meta.provenance["date"] == meta.provenance["year"] == "header"
    assert meta.source == "株洲日报" and meta.provenance["source"] == "text"
    assert meta.title == "平安建设见实效"


def test_nothing_is_invented():
    meta = meta_of(
        "notes", "一段没有标题也没有时间地点的很长的话，讲的是工作中的一些体会和想法。\n"
    )
    check_provenance(meta)
    assert meta.to_dict() == {
        "doc_id": "notes",
        "title": "",
        "subtitle": "",
        "authors": [],
        "source": "",
        "date": "",
        "year": None,
        "date_inferred": False,
        "year_inferred": False,
        "page": "",
        "city": "",
        "county": "",
        "url": "",
        "provenance": dict.fromkeys(FIELDS, ""),
        "stories": meta.to_dict()["stories"],
    }
    assert len(meta.stories) == 1 and meta.stories[0]["year"] is None


def test_a_catalogue_value_wins_field_by_field():
    row = CatalogueRow(
        "000_1393866c2a5a9400", 2, title="目录里的标题", date="2021-12-10", county="茶陵县"
    )
    meta = seed_meta("000_1393866c2a5a9400", row)
    check_provenance(meta)
    assert (meta.title, meta.provenance["title"]) == ("目录里的标题", "catalogue")
    assert (meta.date, meta.year, meta.year_inferred) == ("2021-12-10", 2021, False)
    assert meta.provenance["date"] == meta.provenance["year"] == "catalogue"
    assert (meta.city, meta.county) == ("株洲市", "茶陵县")
    assert meta.provenance["city"] == meta.provenance["county"] == "catalogue"
    assert meta.subtitle.startswith("茶陵县公安局") and meta.provenance["subtitle"] == "text"
    assert meta.authors[0] == "戴鹏" and meta.provenance["authors"] == "text"


def test_catalogue_city_clears_a_county_of_another_city():
    meta = seed_meta("000_1393866c2a5a9400", CatalogueRow("000_1393866c2a5a9400", 2, city="永州市"))
    check_provenance(meta)
    assert (meta.city, meta.county) == ("永州市", "")
    same = seed_meta("000_1393866c2a5a9400", CatalogueRow("000_1393866c2a5a9400", 2, city="株洲市"))
    assert (same.city, same.county) == ("株洲市", "茶陵县")
    assert same.provenance["city"] == "catalogue" and same.provenance["county"] == "text"


def test_catalogue_authors_source_and_url():
    row = CatalogueRow(
        "003_cf03e3746bb637f2",
        2,
        source="株洲日报·政法周刊",
        authors=("唐文发",),
        url="https://example.org/zzrb/2023-01-05",
        date="2023-01",
    )
    meta = seed_meta("003_cf03e3746bb637f2", row)
    check_provenance(meta)
    assert meta.source == "株洲日报·政法周刊" and meta.authors == ["唐文发"]
    assert meta.url == "https://example.org/zzrb/2023-01-05"
    assert (meta.date, meta.year) == ("2023-01", 2023)
    assert {meta.provenance[f] for f in ("source", "authors", "url", "date")} == {"catalogue"}


def test_a_catalogue_with_a_bad_row_through_to_metadata(tmp_path):
    (tmp_path / CATALOGUE_NAME).write_text(
        "file,title,source,date,city,county,authors,url\n"
        "004_9d64727acbccac30.txt,,,2024-12-16,,,,\n"
        "000_1393866c2a5a9400.txt,坏的一行,,2021-13-01,,,,\n",
        encoding="utf-8",
    )
    known = {"000_1393866c2a5a9400", "004_9d64727acbccac30"}
    catalogue = load_catalogue(tmp_path / CATALOGUE_NAME, default_gazetteer(), known)
    assert len(catalogue.errors) == 1 and "line 3: bad date '2021-13-01'" in catalogue.errors[0]
    good = seed_meta("004_9d64727acbccac30", catalogue.rows.get("004_9d64727acbccac30"))
    assert (good.date, good.provenance["date"]) == ("2024-12-16", "catalogue")
    ignored = seed_meta("000_1393866c2a5a9400", catalogue.rows.get("000_1393866c2a5a9400"))
    assert ignored.title == "撑起一方晴朗的天" and ignored.provenance["title"] == "text"


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("文/刘琼 邱宇松 殷根祥 供图/株洲市公安局", ["刘琼", "邱宇松", "殷根祥"]),
        ("记者 张三 通讯员 李四", ["张三", "李四"]),
        ("全媒体记者/沈全华 通讯员/付强", ["沈全华", "付强"]),
        ("戴鹏 周志军 李志亮 李慧娟", ["戴鹏", "周志军", "李志亮", "李慧娟"]),
        ("市人民政府副市长、市公安局局长 唐文发", ["唐文发"]),
    ],
)
def test_authors_from_bylines(byline, authors):
    text = f"平安建设见实效\n\n{byline}\n\n正文的第一段，讲了开头。\n"
    meta = meta_of("x", text)
    assert meta.authors == authors and meta.provenance["authors"] == "text"


def test_source_and_authors_from_a_news_lead():
    text = "平安建设见实效\n\n株洲日报讯(全媒体记者/沈全华 通讯员/刘娜)1月3日，市公安局发布消息。\n"
    meta = meta_of("x", text)
    assert (meta.source, meta.authors) == ("株洲日报", ["沈全华", "刘娜"])
    local = meta_of("x", "平安建设见实效\n\n本报讯（记者 张三）近日，我市召开会议。\n")
    assert (local.source, local.authors) == ("", ["张三"])


def test_url_standing_alone_in_the_text():
    text = "平安建设见实效\n\n正文。\n\n原文链接：https://example.org/a/1.html\n"
    meta = meta_of("x", text)
    assert (meta.url, meta.provenance["url"]) == ("https://example.org/a/1.html", "text")


# The page (版次) ---------------------------------------------------------------------------------


def test_the_page_from_the_file_name_the_header_or_the_catalogue():
    text = (
        "株洲日报 2023年1月11日 第3版\n\n禁毒宣传进校园\n\n记者 张三\n\n"
        "本报讯 昨日，民警走进学校宣讲禁毒知识。\n"
    )
    from_header = meta_of("zzrb/20230111", text)
    assert (from_header.page, from_header.provenance["page"]) == ("3", "text")
    from_name = meta_of("zzrb/2023-01-11 第A5版", text)
    assert (from_name.page, from_name.provenance["page"]) == ("A5", "filename")
    row = CatalogueRow(doc_id="zzrb/20230111", line=2, page="7")
    catalogued = meta_of("zzrb/20230111", text, row)
    assert (catalogued.page, catalogued.provenance["page"]) == ("7", "catalogue")
    assert meta_of("notes", "第3版的设计很好看，大家都说好。\n").page == ""  # not a header


def test_a_catalogue_page_is_checked(tmp_path):
    (tmp_path / "a.txt").write_text("标题\n", encoding="utf-8")
    (tmp_path / CATALOGUE_NAME).write_text(
        "file,page\na.txt,第12版\nb.txt,三版\n", encoding="utf-8"
    )
    catalogue = load_catalogue(tmp_path / CATALOGUE_NAME)
    assert catalogue.rows["a"].page == "12"
    assert any("bad page '三版'" in error for error in catalogue.errors)
