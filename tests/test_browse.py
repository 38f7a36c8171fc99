"""Finding one's way (issue 15): the landing page, the report list, state that travels, queries
that explain themselves, field search, date ranges, and the Chinese of errors — through the
Flask client over a real index of the made-up archive (seven reports, catalogued)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

QUERY = "道路交通"
Q = quote(QUERY)
CHALING = "zz/2019-chaling"
REPORTS = 7


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# Landing page --------------------------------------------------------------------------------


def test_landing_page_shows_the_archive_at_a_glance_with_the_search_box_first(catalogued):
    html = html_of(catalogued, "/")
    assert html.index('id="q"') < html.index("档案概览") < html.index("最新报道")
    assert "autofocus" in html
    assert f"共 <strong>{REPORTS}</strong> 篇报道" in html
    assert re.search(r"<strong>\d+</strong> 个段落", html)
    # the years as a histogram whose counts are text, each bar a link to that year's reports
    assert re.search(
        r'<a href="/docs\?year=2024"><span class="n" aria-hidden="true">2</span>', html
    )
    assert re.search(r'<span class="year">2024</span><span class="visually-hidden"> 年：2 篇', html)
    for place in ("株洲市", "永州市", "长沙市"):
        assert f'<a href="/docs?city={quote(place)}">{place}</a>' in html
    assert (
        f'<a href="/docs?source={quote("永州日报")}">永州日报</a> <span class="count">3 篇' in html
    )
    latest = re.findall(r'<h3 class="report-title"><a href="([^"]+)">', html)
    assert latest[:2] == ["/doc/zz/2024-liling", "/doc/yz/2024-jianghua"]  # newest first
    assert "hits" not in html  # no paragraph dump


def test_a_query_or_a_filter_shows_the_results_instead(catalogued):
    assert "档案概览" not in html_of(catalogued, f"/?q={Q}")
    assert "档案概览" not in html_of(catalogued, "/?city=株洲市")
    assert "全部 <strong>" in html_of(catalogued, "/?sort=date_desc")


# The report list -----------------------------------------------------------------------------


def test_report_list_filters_by_newspaper_place_and_date(catalogued):
    page = catalogued.get("/api/documents?source=永州日报").get_json()
    assert page["total"] == 3 and page["reports"] == REPORTS
    assert {d["source"] for d in page["documents"]} == {"永州日报"}
    sources = {v["value"]: v for v in page["facets"]["source"]}
    assert sources["株洲日报"]["count"] == 3  # a facet's counts ignore its own selection
    assert query_of(sources["株洲日报"]["toggle_url"])["source"] == ["永州日报", "株洲日报"]
    cities = {v["value"]: v["count"] for v in page["facets"]["city"]}
    assert cities == {"永州市": 3}
    dated = catalogued.get("/api/documents?date_from=2021-01-01&date_to=2022-12-31").get_json()
    assert {d["doc_id"] for d in dated["documents"]} == {"zz/2021-hetang", "yz/2022-qiyang"}
    both = catalogued.get("/api/documents?city=株洲市&year=2024").get_json()
    assert [d["doc_id"] for d in both["documents"]] == ["zz/2024-liling"]


def test_report_list_sorts_by_date_or_title_and_pages(catalogued):
    newest = catalogued.get("/api/documents").get_json()["documents"]
    dates = [d["date"] for d in newest]
    assert dates == sorted(dates, reverse=True)
    oldest = catalogued.get("/api/documents?sort=date_asc").get_json()["documents"]
    assert [d["doc_id"] for d in oldest] == [d["doc_id"] for d in reversed(newest)]
    by_title = catalogued.get("/api/documents?sort=title").get_json()["documents"]
    # 醴陵 (li) before 冷水滩 (leng)? no: by pinyin, leng < li < qi < tian
    titles = [d["title"] for d in by_title]
    assert titles.index("冷水滩“铁骑护学”启动") < titles.index("醴陵警方护航瓷博会")
    assert titles.index("醴陵警方护航瓷博会") < titles.index("祁阳旅发大会安保纪实")
    paged = catalogued.get("/api/documents?per_page=3&page=3").get_json()
    assert len(paged["documents"]) == 1 and paged["pagination"]["pages"] == 3
    assert query_of(paged["pagination"]["prev_url"]) == {"per_page": ["3"], "page": ["2"]}


def test_report_list_page_links_each_report_and_keeps_its_state(catalogued):
    html = html_of(catalogued, "/docs?city=永州市&sort=title")
    assert "<h1>报道列表</h1>" in html
    assert 'href="/doc/yz/2020-lengshuitan?back=' in html and "zz/2019-chaling" not in html
    assert "城市：永州市" in html and "清除全部条件" in html
    for href in links(html):
        if href.startswith("/docs?") and "page=" in href:
            assert query_of(href)["city"] == ["永州市"] and query_of(href)["sort"] == ["title"]
    assert 'href="/api/documents?city=' in html


def test_report_list_rejects_bad_parameters_by_name(catalogued):
    for url, param in (
        ("/docs?sort=size", "sort"),
        ("/docs?date_from=2021-02-30", "date_from"),
        ("/api/documents?page=0", "page"),
        ("/api/documents?city=火星市", "city"),
    ):
        response = catalogued.get(url)
        assert response.status_code == 400, url
        if url.startswith("/api/"):
            assert response.get_json()["error"]["param"] == param
        else:
            assert f"<code>{param}</code>" in response.get_data(as_text=True)


# State that travels --------------------------------------------------------------------------


SEARCH = f"/?q={Q}&city=株洲市&year=2019&sort=date_asc&per_page=5"


def test_every_link_from_a_hit_keeps_the_search(catalogued):
    state = query_of(SEARCH)
    html = html_of(catalogued, SEARCH)
    for href in links(html):
        if href.startswith(("/doc/", "/p/")):
            query = query_of(href)
            assert all(query[k] == v for k, v in state.items()), href


def test_document_page_leads_back_to_the_same_results(catalogued):
    html = html_of(catalogued, f"/doc/{CHALING}?q={Q}&city=株洲市&year=2019&sort=date_asc&hit=5")
    back = re.search(r'<nav class="crumbs"[^>]*><a href="([^"]+)"', html).group(1)
    assert query_of(unescape(back)) == {
        "q": [QUERY],
        "city": ["株洲市"],
        "year": ["2019"],
        "sort": ["date_asc"],
    }
    assert "回到检索结果" in html
    for step in ("prev", "next"):
        link = re.search(rf'id="hit-{step}"[^>]*href="([^"]*)"', html)
        if link:
            assert query_of(unescape(link.group(1)))["city"] == ["株洲市"]
    plinks = re.findall(r'<a class="plink" href="([^"]+)"', html)
    assert plinks and all(query_of(unescape(h))["year"] == ["2019"] for h in plinks)


def test_permalink_page_leads_back_but_cites_the_bare_permalink(catalogued):
    fp_link = re.search(
        r'href="(/p/zz/2019-chaling/5\?v=[^"&]+)', html_of(catalogued, f"/doc/{CHALING}")
    )
    bare = unescape(fp_link.group(1))
    html = html_of(catalogued, f"{bare}&q={Q}&city=株洲市")
    back = re.search(r'<nav class="crumbs"[^>]*><a href="([^"]+)"', html).group(1)
    assert query_of(unescape(back)) == {"q": [QUERY], "city": ["株洲市"]}
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
    assert "city=" not in canonical and "q=" not in canonical


def test_a_damaged_search_in_a_document_link_is_dropped_not_an_error(catalogued):
    html = html_of(catalogued, f"/doc/{CHALING}?q={Q}&city=火星市&hit=5")
    assert "<mark>" in html


# Queries that explain themselves -------------------------------------------------------------


def test_the_reading_of_a_query_names_terms_phrases_or_not_fields_and_folding(catalogued):
    html = html_of(
        catalogued, "/?q=" + quote('派出所/警務 "道路 交通" 茶陵 OR 醴陵 -交警 标题:平安')
    )
    reading = html[
        html.index('<details class="reading"') : html.index(
            "</details>", html.index('<details class="reading"')
        )
    ]
    assert "“派出所/警务”：整串出现的段落排在前面" in reading
    assert "“派出所”、“警务” 分别出现" in reading
    assert "“警務” 按 “警务” 查找" in reading or "按 “派出所/警务” 查找" in reading
    assert "“道路 交通”：一字不差地出现" in reading
    assert "以下任一（OR）" in reading and "排除含有 “交警” 的段落" in reading
    assert "报道标题（含副标题）含有 “平安”" in reading


def test_zero_results_say_nothing_false_and_offer_nothing_empty(catalogued):
    html = html_of(catalogued, "/?q=" + quote('"没有这个词组合"') + "&city=株洲市")
    assert "没有地区信息" not in html and "没有年份信息" not in html
    assert "没有结果，也就没有可筛选" in html
    assert "export.csv" not in html and "feed.atom?" not in html.split("</head>")[1]
    assert "““" not in html and "””" not in html and '“"' not in html
    tips = re.search(r'<ul class="tips">(.*?)</ul>', html, re.S).group(1)
    assert not re.search(r"；\s*</li>", tips)
    assert "清除筛选条件后再试" in tips and "去掉引号" in tips


def test_a_same_pinyin_slip_is_corrected_with_a_count(catalogued):
    page = catalogued.get("/api/search?q=" + quote("道路交桶")).get_json()
    assert page["total"] == 0
    fixes = {s["q"]: s for s in page["suggestions"]}
    assert fixes["道路交通"]["kind"] == "pinyin"
    expected = catalogued.get(f"/api/search?q={Q}").get_json()["total"]
    assert fixes["道路交通"]["count"] == expected > 0
    assert query_of(fixes["道路交通"]["url"])["q"] == [QUERY]
    assert all(s["count"] > 0 for s in page["suggestions"])
    html = html_of(catalogued, "/?q=" + quote("道路交桶"))
    assert f'<a href="/?q={Q}">道路交通</a> <span class="count">{expected} 段</span>' in html


def test_a_one_character_edit_and_dropping_a_term_are_suggested(catalogued):
    edits = catalogued.get("/api/search?q=" + quote("铁骑护字")).get_json()["suggestions"]
    assert any(s["q"] == "铁骑护学" and s["kind"] == "edit" for s in edits)
    dropped = catalogued.get("/api/search?q=" + quote("道路交通 没有这个词")).get_json()
    drop = [s for s in dropped["suggestions"] if s["kind"] == "drop"]
    assert [s["q"] for s in drop] == [QUERY]


def test_nothing_is_suggested_when_enough_is_found(catalogued):
    assert catalogued.get(f"/api/search?q={Q}").get_json()["suggestions"] == []


# Field search, date ranges, search within ----------------------------------------------------


def test_field_terms_keep_the_reports_whose_metadata_match(catalogued):
    def docs(q: str) -> set[str]:
        hits = catalogued.get("/api/search", query_string={"q": q, "per_page": 100}).get_json()
        return {hit["doc_id"] for hit in hits["hits"]}

    assert docs(f"{QUERY} source:长沙晚报") == {"cs/2023-tianxin"}
    assert docs(f"{QUERY} 来源：永州日报") == {
        "yz/2020-lengshuitan",
        "yz/2022-qiyang",
        "yz/2024-jianghua",
    }
    assert docs(f"{QUERY} author:谭杰") == {"zz/2024-liling"}
    assert docs(f"{QUERY} 标题:平安") == {"cs/2023-tianxin", "yz/2024-jianghua"}
    assert "cs/2023-tianxin" not in docs(f"{QUERY} -title:平安")
    assert docs('title:"瓷博会"') == {"zz/2024-liling"}  # a field alone lists its reports


def test_advanced_form_boxes_become_field_terms_in_the_url(catalogued):
    response = catalogued.get("/?q=道路交通&title=平安&author=&source=长沙 晚报")
    assert response.status_code == 303
    assert query_of(response.headers["Location"])["q"] == ['道路交通 标题:平安 来源:"长沙 晚报"']


def test_date_range_is_exact_and_bad_dates_name_the_parameter(catalogued):
    page = catalogued.get(f"/api/search?q={Q}&date_from=2020-11-22&date_to=2022-12-06").get_json()
    assert {hit["date"] for hit in page["hits"]} <= {"2020-11-22", "2021-05-12", "2022-12-06"}
    assert {hit["date"] for hit in page["hits"]} >= {"2020-11-22", "2022-12-06"}
    assert "日期：2020-11-22 至 2022-12-06" in [chip["label"] for chip in page["chips"]]
    reversed_ = catalogued.get(f"/api/search?q={Q}&date_from=2022-12-06&date_to=2020-11-22")
    assert reversed_.get_json()["total"] == page["total"]
    for bad in ("2021-13-01", "2021/01/01", "yesterday", "2021-02-29"):
        response = catalogued.get(f"/api/search?q={Q}&date_to={bad}")
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["param"] == "date_to"
        assert "YYYY-MM-DD" in response.get_json()["error"]["message"]


def test_search_within_these_results_narrows_and_keeps_the_filters(catalogued):
    response = catalogued.get(f"/?q={Q}&city=株洲市&within=民警")
    assert response.status_code == 303
    target = query_of(response.headers["Location"])
    assert target == {"q": [f"{QUERY} 民警"], "city": ["株洲市"]}
    narrowed = catalogued.get("/api/search", query_string={"q": f"{QUERY} 民警", "city": "株洲市"})
    wide = catalogued.get("/api/search", query_string={"q": QUERY, "city": "株洲市"})
    assert 0 < narrowed.get_json()["total"] < wide.get_json()["total"]
    html = html_of(catalogued, f"/?q={Q}&city=株洲市")
    form = re.search(r'<form class="within".*?</form>', html, re.S).group(0)
    assert 'name="city" value="株洲市"' in form and f'name="q" value="{QUERY}"' in form


# Fit and finish ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [f"/p/{CHALING}/999", "/doc/no/such/report", f"/raw/{CHALING}x", "/no-such-page", "/p/x/1"],
)
def test_not_found_pages_speak_chinese(catalogued, url):
    response = catalogued.get(url)
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    message = re.search(r'<p class="error">(.*?)</p>', text, re.S).group(1)
    assert re.match(r"[\u4e00-\u9fff]", message)
    assert not re.search(r"\bno (document|paragraph|source)|not found", message)


def test_provenance_chip_does_not_read_like_a_block_kind(catalogued):
    html = html_of(catalogued, f"/doc/{CHALING}")
    chips = re.findall(r'<span class="prov"[^>]*>.*?</span>([^<]*)<', html)
    assert chips and "正文" not in chips and "据编目" in chips


# The feed ------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_is_ordered_and_timed_by_report_date_and_stable(catalogued):
    from xml.etree import ElementTree

    url = f"/feed.atom?q={Q}"  # relevance would put other reports first
    first = catalogued.get(url).data
    assert catalogued.get(url).data == first  # nothing in it is the time of the request
    feed = ElementTree.fromstring(first)
    times = [e.findtext(f"{ATOM}updated") for e in feed.findall(f"{ATOM}entry")]
    assert times and times == sorted(times, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == times[0] == "2024-06-01T00:00:00Z"
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids) and all("/p/" in i and "?v=" in i for i in ids)


def test_undated_paragraphs_leave_the_feed(client):
    from xml.etree import ElementTree

    feed = ElementTree.fromstring(client.get("/feed.atom?q=派出所").data)  # no report dated
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"


def test_a_report_known_by_its_year_is_in_a_range_only_when_the_whole_year_is(client):
    # the sample reports have a year (from their text) but no date
    def total(query: str) -> int:
        return client.get(f"/api/search?{query}").get_json()["total"]

    year = total("year=2021")
    assert year > 0
    assert total("date_from=2021-01-01&date_to=2021-12-31") == year
    assert total("date_from=2020-06-01&date_to=2022-06-01") == year
    assert total("date_from=2021-03-01&date_to=2021-12-31") == 0
    assert total("date_from=2021-01-01&date_to=2021-11-30") == 0


def test_a_report_opened_from_the_list_leads_back_to_the_same_list(catalogued):
    html = html_of(catalogued, "/docs?city=永州市&sort=title&per_page=2")
    opened = re.search(r'<h3 class="report-title"><a href="([^"]+)">', html).group(1)
    back = query_of(unescape(opened))["back"][0]
    assert query_of(back) == {"city": ["永州市"], "sort": ["title"], "per_page": ["2"]}
    document = html_of(catalogued, unescape(opened))
    crumb = re.search(r'<nav class="crumbs"[^>]*><a href="([^"]+)">‹ 回到报道列表', document)
    assert unescape(crumb.group(1)) == back
    elsewhere = html_of(catalogued, f"/doc/{CHALING}?back=https://example.org/docs")
    assert "回到报道列表" not in elsewhere and "example.org" not in elsewhere
