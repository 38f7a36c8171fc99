"""The HTML pages and the page data behind them (pages.py), with the Flask client over real
indexes: the shipped sample archive, and a made-up archive whose catalogue sets city and date."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

QUERY = "道路交通"
Q = quote(QUERY)
CHALING = "zz/2019-chaling"
SEED = "000_1393866c2a5a9400"


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# Every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        f"/?q={Q}&city=株洲市&year_from=2019&year_to=2022",
        f"/?q={Q}&group=doc",
        f"/?q={Q}&sort=date_asc&page=2&per_page=3",
        f"/doc/{CHALING}?q={Q}&hit=5",
        f"/p/{CHALING}/5",
        "/?q=没有这个词组合xyz",
        "/no-such-page",
    ],
)
def test_no_inline_script_style_or_handlers(catalogued, url):
    html = catalogued.get(url).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>']
    assert not re.search(r"<style\b|\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "//" not in "".join(re.findall(r'(?:src|href)="(//|https?:)', html))


# Search page ---------------------------------------------------------------------------------


def test_search_page_keeps_the_query_and_explains_the_language(client):
    html = html_of(client, "/?q=道路交通")
    assert 'value="道路交通"' in html
    assert re.search(r"找到 <strong>7</strong> 段", html)
    assert re.search(r"用时 [0-9.]+ (毫秒|秒)", html)  # either unit: no timed assertion
    help_text = html[html.index('<details class="help">') :]
    for example in ('"道路交通"', "OR", "-交警"):
        assert example in help_text
    assert "<mark>道路交通</mark>" in html


def test_home_page_lists_everything_and_focuses_the_box(client):
    html = html_of(client, "/?sort=date_desc")  # every paragraph, newest first
    assert "autofocus" in html
    assert re.search(r"全部 <strong>[\d,]+</strong> 段", html)
    assert "autofocus" not in html_of(client, "/?q=公安")


def test_cities_carry_their_counties(catalogued):
    page = catalogued.get(f"/api/search?q={Q}").get_json()
    places = {city["value"]: city for city in page["places"]}
    assert {"株洲市", "永州市", "长沙市"} <= set(places)
    zhuzhou = [county["value"] for county in places["株洲市"]["counties"]]
    assert {"茶陵县", "荷塘区", "醴陵市"} <= set(zhuzhou)
    assert all(c["parent"] == city for city in places for c in places[city]["counties"])
    html = html_of(catalogued, f"/?q={Q}")
    nested = re.search(r'<span class="name">株洲市</span>.*?</li>\s*</ul>', html, re.S)
    assert nested and "茶陵县" in nested.group(0) and "永州市" not in nested.group(0)


def test_year_histogram_bars_and_range(catalogued):
    page = catalogued.get(f"/api/search?q={Q}&city=株洲市&year_from=2020&year_to=2022").get_json()
    bars = {bar["value"]: bar for bar in page["years"]["bars"]}
    assert list(bars) == ["2019", "2020", "2021", "2022", "2023", "2024"]  # gaps filled
    assert max(bar["height"] for bar in bars.values()) == 100
    assert bars["2020"]["count"] == 0 and bars["2020"]["toggle_url"] == ""
    assert bars["2019"]["count"] > 0 and not bars["2019"]["in_range"]
    assert bars["2021"]["in_range"] and query_of(bars["2021"]["toggle_url"])["year"] == ["2021"]
    assert page["years"]["year_from"] == 2020
    html = html_of(catalogued, f"/?q={Q}&city=株洲市&year_from=2020&year_to=2022")
    start = html.index('<form class="year-range"')
    form = html[start : html.index("</form>", start)]
    assert f'name="q" value="{QUERY}"' in form and 'name="city" value="株洲市"' in form
    assert 'name="year_from"' in form and 'value="2020"' in form and 'name="page"' not in form
    assert re.search(r'<rect x="1" y="0" width="8" height="100">', html)
    assert "年份：2020–2022" in html


def test_selected_values_are_chips_with_a_clear_all_link(catalogued):
    url = f"/?q={Q}&city=株洲市&city=永州市&county=茶陵县&sort=date_desc"
    page = catalogued.get("/api" + url.replace("/?", "/search?")).get_json()
    labels = [chip["label"] for chip in page["chips"]]
    assert labels == ["城市：株洲市", "城市：永州市", "区县：茶陵县"]
    removed = query_of(page["chips"][0]["remove_url"])
    assert removed["city"] == ["永州市"] and removed["county"] == ["茶陵县"]
    assert query_of(page["clear_url"]) == {"q": [QUERY], "sort": ["date_desc"]}
    html = html_of(catalogued, url)
    assert html.count('class="chip"') == 3 and "清除全部条件" in html
    selected = re.findall(r'<a class="fv on" href="([^"]*)" data-focus="[^"]+" aria-current', html)
    assert len(selected) == 3
    # the search form carries the filters along, but not the query or the page
    assert page["forms"]["search"] == [
        {"name": "city", "value": "株洲市"},
        {"name": "city", "value": "永州市"},
        {"name": "county", "value": "茶陵县"},
        {"name": "sort", "value": "date_desc"},
    ]


def test_hits_show_place_date_kind_and_match_quality(catalogued):
    html = html_of(catalogued, f"/?q={Q}&county=茶陵县")
    assert "株洲市 · 茶陵县" in html and '<time datetime="2019-10-08">' in html
    assert '<span class="kind">正文</span>' in html and "整串匹配" in html
    county = quote("茶陵县")  # the link carries the search along, filters included
    assert f'href="/doc/{CHALING}?q={Q}&amp;county={county}&amp;hit=5#p5"' in html
    scattered = catalogued.get("/api/search?q=铁骑学校").get_json()["hits"]
    assert scattered and not scattered[0]["exact"]
    assert "词语分散" in html_of(catalogued, "/?q=铁骑学校")


def test_sorts_group_toggle_pagination_and_exports(catalogued):
    html = html_of(catalogued, f"/?q={Q}&per_page=2&page=3")
    assert re.search(
        r'<a href="[^"]*sort=date_desc[^"]*" data-focus="sort:date_desc">最新</a>', html
    )
    assert '<a href="/?q=' in html and 'aria-current="page">3</a>' in html
    page = catalogued.get(f"/api/search?q={Q}&per_page=2&page=3").get_json()
    paging = page["pagination"]
    assert query_of(paging["prev_url"])["page"] == ["2"]
    assert "page" not in query_of(paging["first_url"])  # page 1 is the default
    assert query_of(paging["last_url"])["page"] == [str(paging["pages"])]
    assert query_of(page["group"]["toggle_url"])["group"] == ["doc"]
    for name, path in (("csv", "/export.csv"), ("json", "/export.json"), ("atom", "/feed.atom")):
        assert page["exports"][name].startswith(path + "?q=")
        assert unescape(page["exports"][name]).replace("&", "&amp;") in html
    assert 'rel="alternate" type="application/atom+xml"' in html


def test_grouping_by_document_says_how_many_more_matches(catalogued):
    page = catalogued.get(f"/api/search?q={Q}&group=doc").get_json()
    chaling = [hit for hit in page["hits"] if hit["doc_id"] == CHALING]
    assert len(chaling) == 3 and chaling[0]["group_more"] == 2
    assert chaling[0]["more_url"] == f"/doc/{CHALING}?q={Q}&group=doc"
    html = html_of(catalogued, f"/?q={Q}&group=doc")
    assert f'<a href="/doc/{CHALING}?q={Q}&amp;group=doc">本篇另有 2 段命中 ›</a>' in html
    assert re.search(r"分属 <strong>\d+</strong> 篇报道", html)
    assert html.count('<li class="hit group">') == page["documents"]


def test_no_results_page_suggests_what_to_try(catalogued):
    html = html_of(catalogued, "/?q=没有这个词组合xyz&city=株洲市")
    assert "没有找到" in html and "清除筛选条件" in html


# Document page -------------------------------------------------------------------------------


def test_document_page_marks_the_target_and_links_neighbouring_hits(catalogued):
    page = catalogued.get(f"/api/documents/{CHALING}").get_json()
    assert page["meta"]["city"] == "株洲市"
    html = html_of(catalogued, f"/doc/{CHALING}?q={Q}&hit=5")
    hit_blocks = [int(n) for n in re.findall(r'data-n="(\d+)" class="block [^"]*has-hit', html)]
    assert 5 in hit_blocks and len(hit_blocks) >= 3
    i = hit_blocks.index(5)
    assert re.search(
        r'id="p5" data-n="5" class="[^"]*\btarget\b[^"]*" aria-current="location"', html
    )
    for step, n in (("prev", hit_blocks[i - 1]), ("next", hit_blocks[i + 1])):
        link = re.search(rf'<a class="button" id="hit-{step}"[^>]*href="([^"]*)"', html).group(1)
        assert unescape(link) == f"/doc/{CHALING}?q={Q}&hit={n}#p{n}"
    marks = html.count("<mark>")
    count = f"共 <strong>{marks}</strong> 处，在 <strong>{len(hit_blocks)}</strong> 段中"
    assert count in html
    assert f"｜当前 {i + 1} / {len(hit_blocks)}" in html


def test_document_page_without_target_starts_at_the_first_hit(catalogued):
    html = html_of(catalogued, f"/doc/{CHALING}?q={Q}")
    assert re.search(r'id="hit-prev"[^>]*role="link" aria-disabled="true"', html)
    first = re.search(r'data-n="(\d+)" class="block [^"]*has-hit', html).group(1)
    assert re.search(rf'id="hit-next"[^>]*href="[^"]*hit={first}#p{first}"', html)
    assert 'class="block' in html and " target" not in html


def test_document_page_has_metadata_with_provenance_and_permalinks(catalogued):
    html = html_of(catalogued, f"/doc/{CHALING}")
    # the title block is the page's heading, shown once
    heading = '<h1 id="p1" data-n="1" class="block kind-title">茶陵交警守护道路交通安全'
    assert heading in html
    assert html.count("茶陵交警守护道路交通安全<") == 1
    assert re.search(r"<dt>城市</dt>\s*<dd>株洲市 <span class=\"prov\"", html)
    assert "编目" in html
    assert f'href="/raw/{CHALING}"' in html
    permalinks = re.findall(r'<a class="plink" href="(/p/[^"]+)" aria-label="第 (\d+) 段', html)
    blocks = re.findall(r'data-n="(\d+)"', html)
    assert [n for _, n in permalinks] == blocks
    assert all(href.startswith(f"/p/{CHALING}/{n}?v=") for href, n in permalinks)
    assert "<dd>据编目" not in html and '<span class="kind-tag">正文' not in html
    assert "hitbar" not in html


def block_tags(html: str) -> dict[str, set[str]]:
    """The HTML element of each block kind on a document page."""
    tags: dict[str, set[str]] = {}
    for tag, kind in re.findall(r'<(\w+) id="p\d+" data-n="\d+" class="block kind-(\w+)', html):
        tags.setdefault(kind, set()).add(tag)
    return tags


@pytest.mark.parametrize("doc_id", ["001_9e062a6a15db781c", "003_cf03e3746bb637f2"])
def test_headings_captions_and_stories_are_marked_up(client, doc_id):
    blocks = client.get(f"/api/documents/{doc_id}").get_json()["blocks"]
    html = html_of(client, f"/doc/{doc_id}")
    tags = block_tags(html)
    assert sum(len(v) for v in tags.values()) and set(tags) == {b["kind"] for b in blocks}
    assert tags.get("heading", {"h3"}) == {"h3"}
    assert tags.get("title", {"h1"}) <= {"h1", "h2"}  # the first title heads the page
    assert tags.get("caption", {"p"}) == {"p"} and tags["body"] == {"p"}
    assert '<span class="kind-tag">图片说明</span>' in html or "caption" not in tags
    later_stories = sum(1 for b in blocks[1:] if b["story_starts"])
    assert html.count('<p class="story-break">') == later_stories


# Permalink page ------------------------------------------------------------------------------


def test_permalink_page_has_context_citations_and_canonical_link(catalogued):
    html = html_of(catalogued, f"/p/{CHALING}/5")
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    assert canonical.startswith(f"http://localhost/p/{CHALING}/5?v=")
    assert len(re.findall(r'class="ctx[ "]', html)) == 3 and '<blockquote cite="' in html
    gbt = unescape(re.search(r'<pre id="cite-gbt7714"[^>]*>(.*?)</pre>', html, re.S).group(1))
    today = date.today().isoformat()
    assert gbt == (
        "戴鹏, 周志军. 茶陵交警守护道路交通安全: 茶陵县公安局交警大队工作纪实[N/OL]. "
        f"株洲日报, 2019-10-08[{today}]. {unescape(canonical)}."
    )
    for box in ("gbt7714_2025", "apa", "mla", "bibtex", "ris", "url"):
        assert f'<pre id="cite-{box}"' in html, box
    assert html.count('data-copy="') == 7 and html.count("hidden>复制") == 7
    assert "(戴鹏 &amp; 周志军, 2019, para. 5)" in html  # the paragraph is the in-text locator
    assert 'role="status"' in html
    assert "注意：" not in html


def test_permalink_page_says_when_the_cited_text_changed(catalogued):
    html = html_of(catalogued, f"/p/{CHALING}/5?v=0000000000")
    assert '<p class="notice" role="note">' in html and "已经改动" in html


def test_permalink_with_a_sample_report(client):
    html = html_of(client, f"/p/{SEED}/3")
    assert '<link rel="canonical" href="http://localhost/p/' in html
    assert "[Z/OL]" in html and f'href="/doc/{SEED}#p3"' in html  # no source: not [N]


# Citations -----------------------------------------------------------------------------------


def test_permalink_in_another_story_of_a_page_is_titled_and_cited_by_that_story(client):
    doc_id = "003_cf03e3746bb637f2"
    data = client.get(f"/api/documents/{doc_id}").get_json()
    title = data["meta"]["title"]
    block = next(b for b in data["blocks"] if b["story"] and b["story"] != title)
    page = client.get(f"/api/paragraphs/{doc_id}/{block['n']}").get_json()
    assert page["story"] == block["story"]
    authors = ", ".join(block["facts"]["authors"])
    assert authors and "唐文发" not in authors
    assert page["citations"]["gbt7714"].startswith(f"{authors}. {block['story']}[N/OL]. ")
    html = html_of(client, f"/p/{doc_id}/{block['n']}")
    assert f"<h1>{block['story']}<span" in unescape(html)
    assert f"与《{title}》同版刊出" in unescape(html)


# Feeds and search engines ----------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_of_a_search(catalogued):
    from xml.etree import ElementTree

    response = catalogued.get(f"/feed.atom?q={Q}&city=株洲市&per_page=3")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.findtext(f"{ATOM}title") == f"报道档案检索：{QUERY} · 城市：株洲市"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert (
        links["alternate"] == f"http://localhost/?q={Q}&city=%E6%A0%AA%E6%B4%B2%E5%B8%82&per_page=3"
    )
    assert links["self"].startswith("http://localhost/feed.atom?q=")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("http://localhost/p/zz/")
        assert "<mark>道路交通</mark>" in entry.findtext(f"{ATOM}summary")
        assert entry.find(f"{ATOM}category").get("label").startswith("株洲市")
    assert entries[0].findtext(f"{ATOM}updated").endswith("T00:00:00Z")


def test_opensearch_description(client):
    from xml.etree import ElementTree

    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ElementTree.fromstring(response.data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    templates = {url.get("type"): url.get("template") for url in root.findall(f"{ns}Url")}
    assert templates["text/html"] == "http://localhost/?q={searchTerms}"
    assert 'rel="search" type="application/opensearchdescription+xml"' in html_of(client, "/")


def test_without_a_query_there_is_no_relevance_sort(catalogued):
    sorts = catalogued.get("/api/search").get_json()["sorts"]
    assert [(s["value"], s["selected"]) for s in sorts] == [
        ("date_desc", True),
        ("date_asc", False),
    ]
    with_query = catalogued.get(f"/api/search?q={Q}").get_json()["sorts"]
    assert [s["value"] for s in with_query if s["selected"]] == ["relevance"]


def test_a_page_past_the_end_says_so_instead_of_no_results(client):
    html = client.get("/?q=公安&page=99").get_data(as_text=True)
    assert "超出了结果范围" in html and "没有找到" not in html
    pages = client.get("/api/search?q=公安").get_json()["pagination"]["pages"]
    assert f'href="/?q=%E5%85%AC%E5%AE%89&amp;page={pages}"' in html


def test_the_quote_tip_only_when_the_query_has_quotes(client):
    assert "去掉引号" not in client.get("/?q=无此词语甲乙").get_data(as_text=True)
    assert "去掉引号" in client.get('/?q="无此词语甲乙"').get_data(as_text=True)
