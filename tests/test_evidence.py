"""Dates only from evidence of publication; one story, one set of facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from archivist.catalogue import CatalogueRow
from archivist.gazetteer import default_gazetteer
from archivist.metadata import infer_metadata, lead_dateline, printed_date, year_for_month_day
from archivist.reading import read_report
from archivist.segment import segment

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
HOME = "湖南省"


def meta_of(text: str, doc_id: str = "page", row: CatalogueRow | None = None):
    return infer_metadata(doc_id, segment(text), row, default_gazetteer(), HOME)


# A year merely written in the text is not the report's year.
@pytest.mark.parametrize(
    "body",
    [
        "确保2020年实现全面小康，全县上下干劲十足。",  # a target
        "这座派出所始建于1980年，1989年迁到现址。",  # a history
        "他说：“2035年的目标一定能实现。”",  # a quotation
        "2022年12月31日0时至2023年1月2日24时，全县没有发生重大案件。",  # dates of events
    ],
)
def test_a_year_in_the_text_is_no_evidence(body):
    meta = meta_of(f"平安建设见实效\n\n{body}\n")
    assert (meta.date, meta.year, meta.year_inferred) == ("", None, False)
    assert meta.provenance["year"] == meta.provenance["date"] == ""


def test_file_name():
    meta = meta_of("平安建设见实效\n\n确保2020年实现目标。\n", doc_id="zzrb_2023-01-05")
    assert (meta.date, meta.year, meta.year_inferred) == ("2023-01-05", 2023, False)
    assert meta.provenance["date"] == "filename"


def test_e_paper_header():
    meta = meta_of("株洲日报 2024年02月16日 星期五\n\n平安建设见实效\n\n正文一段。\n")
    assert (meta.date, meta.year_inferred, meta.provenance["date"]) == (
        "2024-02-16",
        False,
        "header",
    )


@pytest.mark.parametrize("line", ["时间：2024-02-16", "发布时间: 2024/2/16", "日期：2024年2月16日"])
def test_printed_date_line(line):
    assert printed_date(line) == "2024-02-16"
    meta = meta_of(f"平安建设见实效\n\n{line}\n\n正文一段，讲了开头。\n")
    assert (meta.date, meta.year_inferred) == ("2024-02-16", False)
    assert meta.provenance["date"] in ("text", "header")  # a line of its own may be a date line


def test_wire_dateline_with_its_year():
    meta = meta_of("标题一行\n\n新华社长沙2024年5月3日电 近日，有关部门召开会议。\n")
    assert (meta.date, meta.year, meta.year_inferred) == ("2024-05-03", 2024, False)
    assert meta.provenance["date"] == "dateline"


def test_news_lead_with_month_and_day_is_inferred():
    text = (
        "标题一行\n\n本报讯（记者 张三）1月3日，县公安局发布消息。"
        "2022年12月31日至2023年1月2日，全县平安。\n"
    )
    meta = meta_of(text)
    assert (meta.date, meta.year, meta.year_inferred, meta.date_inferred) == (
        "2023-01-03",
        2023,
        True,
        True,
    )
    assert meta.provenance["year"] == "dateline"
    assert meta.stories[0]["dateline"] == "本报讯（记者 张三）1月3日"


def test_a_month_day_dateline_without_a_nearby_full_date_gives_nothing():
    meta = meta_of("标题一行\n\n本报讯（记者 张三）5月12日，2008年1月1日建成的大桥通车。\n")
    assert (meta.date, meta.year) == ("", None)
    assert year_for_month_day(5, 12, ["1998年1月1日"]) is None
    assert year_for_month_day(1, 3, ["2022年12月31日"]) == 2023


def test_lead_datelines():
    assert lead_dateline("新华社北京5月3日电 正文")[1:] == (5, 3, None)
    assert lead_dateline("株洲日报讯(全媒体记者/周周 通讯员/涂承东)1月4日上午，")[1:] == (
        1,
        4,
        None,
    )
    assert lead_dateline("一段普通的正文，1月4日上午。") is None


def test_the_catalogue_wins_over_every_evidence():
    row = CatalogueRow("zzrb_2023-01-05", 2, date="2021-06")
    meta = meta_of("株洲日报 2024年02月16日 星期五\n\n标题\n\n正文。\n", "zzrb_2023-01-05", row)
    assert (meta.date, meta.year, meta.provenance["date"]) == ("2021-06", 2021, "catalogue")
    assert meta.stories[0]["date"] == "2021-06" and not meta.stories[0]["year_inferred"]


# One story, one set of facts.


@pytest.fixture(scope="module")
def page():
    text = read_report(ARCHIVE / "003_cf03e3746bb637f2.txt")
    return infer_metadata("003_cf03e3746bb637f2", segment(text), None, default_gazetteer(), HOME)


def test_each_story_has_its_own_byline(page):
    by_title = {story["title"]: story for story in page.stories}
    assert len(by_title) >= 4
    assert by_title["努力建设更高水平的平安株洲"]["authors"] == ["唐文发"]
    leads = [s for s in page.stories if "沈全华" in s["authors"]]
    assert leads and all("唐文发" not in s["authors"] for s in leads)
    assert all(story["city"] in ("株洲市", "") for story in page.stories)
    assert sum(story["city"] == "株洲市" for story in page.stories) >= 3


def test_story_dates_from_their_leads(page):
    dated = {s["title"]: s for s in page.stories if s["dateline"]}
    lead = dated["元旦无大案大事，三项警务指数下降"]
    assert (lead["date"], lead["date_inferred"], lead["year_inferred"]) == (
        "2023-01-03",
        True,
        True,
    )
    other = dated["市委政法委举行学习贯彻党的二十大精神宣讲会"]
    assert other["date"] == "2023-01-04" and other["date_inferred"]
    assert (page.year, page.year_inferred) == (2023, True)


def test_stories_of_a_page_have_their_own_places():
    text = (
        "株洲日报 2024年02月16日 星期五\n\n"
        "茶陵警方破获盗窃案\n\n本报讯（记者 张三）茶陵县公安局近日破获一起盗窃案，"
        "茶陵县民警连续奋战。\n\n"
        "醴陵开展防诈宣传\n\n本报讯（记者 李四）醴陵市公安局走进社区，醴陵市民积极参与。\n"
    )
    meta = meta_of(text)
    places = [(s["title"], s["city"], s["county"], s["authors"]) for s in meta.stories]
    assert ("茶陵警方破获盗窃案", "株洲市", "茶陵县", ["张三"]) in places
    assert ("醴陵开展防诈宣传", "株洲市", "醴陵市", ["李四"]) in places
    assert (meta.city, meta.county) == ("株洲市", "")  # two counties: the page has no county
    assert all(s["date"] == "2024-02-16" for s in meta.stories[1:])
