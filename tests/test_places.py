"""Place mentions: whole words in context, false friends, the home region, dominance."""

from __future__ import annotations

import pytest

from archivist.gazetteer import Gazetteer, default_gazetteer

HOME = "湖南省"


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


# Every false friend of issue 11, each in a sentence written for this test.
FALSE_FRIENDS = [
    "基层干部把党和政府的关怀送到群众家中。",  # 和政 (和政县)
    "平安建设事关社会长治久安。",  # 长治 (长治市)
    "我们珍惜和平的生活。",  # 和平 (和平区)
    "李长春在信中回忆了往事。",  # 长春 (长春市), a person
    "崔龙海随后发表了讲话。",  # 龙海 (龙海区), a person
    "平昌冬奥会的火炬传到了这里。",  # 平昌 (平昌县), a place in Korea
    "她在明尼苏达州读完了硕士。",  # 达州 (达州市), a US state
    "沙田的马场周末很热闹。",  # 沙田, Hong Kong
    "九龍的夜市人來人往。",  # 九龙, Hong Kong (Traditional script)
]


@pytest.mark.parametrize("sentence", FALSE_FRIENDS)
@pytest.mark.parametrize("home", ["", HOME])
def test_false_friends_are_no_places(gazetteer, sentence, home):
    assert gazetteer.places_in(sentence, home=home) == []
    assert gazetteer.locate(sentence, home=home) == ("", "")


@pytest.mark.parametrize("home", ["", HOME])
def test_a_town_of_a_hunan_county_is_not_a_hong_kong_district(gazetteer, home):
    sentence = "桂东县的沙田镇今年种了很多辣椒。"
    assert gazetteer.places_in(sentence, home=home) == [("郴州市", "桂东县")]


def test_full_names_count_where_short_forms_do_not(gazetteer):
    assert gazetteer.places_in("山西省长治市来了客人。", home=HOME) == [("长治市", "")]
    assert gazetteer.places_in("内江市资中县的民警来了。", home=HOME) == [
        ("内江市", ""),
        ("内江市", "资中县"),
    ]
    # 和平区 names districts of 天津市 and 沈阳市: the parent just before it decides.
    assert ("天津市", "和平区") in gazetteer.places_in("天津市和平区的居民。", home=HOME)
    assert gazetteer.places_in("和平区的居民。", home=HOME) == []


def test_ambiguous_short_forms_need_their_parent_place(gazetteer):
    assert gazetteer.places_in("凤凰是一种传说中的鸟。", home=HOME) == []
    found = gazetteer.places_in("湘西凤凰的沱江边游人很多。", home=HOME)
    assert ("湘西土家族苗族自治州", "凤凰县") in found
    assert gazetteer.places_in("办事有了绿色通道。", home=HOME) == []
    assert gazetteer.places_in("通道侗族自治县的鼓楼。", home=HOME) == [
        ("怀化市", "通道侗族自治县")
    ]


def test_the_home_region_resolves_short_forms(gazetteer):
    # 永定 is a district of 张家界市 and of 龙岩市; at home it is the Hunan one.
    assert gazetteer.places_in("张家界永定区。", home=HOME)[-1] == ("张家界市", "永定区")
    # outside the home region a short form is no mention...
    assert gazetteer.places_in("他从深圳回到株洲。", home=HOME) == [("株洲市", "")]
    # ...without a home region it is one
    assert ("深圳市", "") in gazetteer.places_in("他从深圳回到株洲。")


def test_places_outside_the_home_region_still_weigh(gazetteer):
    national = "北京、上海、广州、深圳、长沙等地警方联合破案。"
    assert gazetteer.locate(national, home=HOME) == ("", "")


def test_a_surname_before_a_short_form_makes_it_a_name(gazetteer):
    assert gazetteer.places_in("民警唐株洲在路口执勤。", home=HOME) == []
    assert gazetteer.places_in("来到湖南株洲。", home=HOME) == [("株洲市", "")]


def test_dominance(gazetteer):
    county = "茶陵县公安局开展行动。茶陵县民警走访群众，茶陵群众点赞。株洲市领导到场。"
    assert gazetteer.locate(county, home=HOME) == ("株洲市", "茶陵县")
    two_cities = "株洲市公安局和湘潭市公安局联合行动。"
    assert gazetteer.locate(two_cities, home=HOME) == ("", "")
    mostly = "株洲市公安局召开会议，株洲各地民警参加。长沙派人观摩。"
    assert gazetteer.locate(mostly, home=HOME) == ("株洲市", "")


def test_mentions_carry_their_strength(gazetteer):
    mentions = gazetteer.mentions("茶陵县公安局、茶陵县、茶陵", home=HOME)
    assert [(m.form, m.full, m.institution, m.weight) for m in mentions] == [
        ("茶陵县", True, True, 3),
        ("茶陵县", True, False, 2),
        ("茶陵", False, False, 1),
    ]
    assert [mentions[0].start, mentions[0].end] == [0, 3]


def test_mentions_read_again_depend_on_the_home_region_as_read_first(gazetteer):
    """Mentions are kept per text for the next read: keyed by the home region too."""
    text = "在盐城和茶陵"
    with_home, without = gazetteer.mentions(text, home=HOME), gazetteer.mentions(text)
    assert [m.outside for m in with_home] != [m.outside for m in without]
    assert gazetteer.mentions(text, home=HOME) == with_home
    fresh = Gazetteer()
    assert fresh.mentions(text) == without and fresh.mentions(text, home=HOME) == with_home


def test_a_gazetteer_travels_to_other_processes(gazetteer):
    import pickle

    copy = pickle.loads(pickle.dumps(gazetteer))
    assert copy.mentions("在盐城和茶陵", home=HOME) == gazetteer.mentions("在盐城和茶陵", home=HOME)
