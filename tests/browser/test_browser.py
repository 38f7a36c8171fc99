"""The web front end in a real browser: search, facets, documents, permalinks, export, a11y."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip(
        "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

QUERY = "道路交通"
CHALING = "zz/2019-chaling"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def hit_doc_ids(page: Page) -> set[str]:
    hrefs = page.locator(".hits .hit-title a").evaluate_all("links => links.map(a => a.href)")
    return {urlsplit(href).path.removeprefix("/doc/") for href in hrefs}


def facet(page: Page, name: str):
    return page.locator(
        "#story-places .tree a.fv", has=page.locator(".name", has_text=re.compile(f"^{name}$"))
    )


def test_search_two_cities_and_a_year_range(page: Page, screenshot):
    page.goto("/")
    expect(page.locator("#q")).to_be_focused()
    page.fill("#q", QUERY)
    page.press("#q", "Enter")
    expect(page.locator("#q")).to_have_value(QUERY)
    # the time taken, in whichever unit (a loaded machine's first search may take a second)
    expect(page.locator(".summary")).to_contain_text(re.compile(r"用时 [0-9.]+ (毫秒|秒)"))
    everything = hit_doc_ids(page)
    assert "cs/2023-tianxin" in everything

    facet(page, "株洲市").click()
    facet(page, "永州市").click()
    assert params(page)["city"] == ["株洲市", "永州市"]
    expect(page.locator(".chips .chip")).to_have_count(2)
    # a facet's counts ignore its own selection: 长沙市 stays listed and countable
    expect(facet(page, "长沙市").locator(".count")).not_to_have_text("0")
    # counties are nested under their city
    counties = page.locator('#story-places .tree > li:has(> a.fv .name:text-is("株洲市")) ul .name')
    expect(counties).to_contain_text(["茶陵县"])

    page.fill("input[name=year_from]", "2019")
    page.fill("input[name=year_to]", "2022")
    page.click(".year-range button")
    query = params(page)
    assert query["year_from"] == ["2019"] and query["year_to"] == ["2022"]
    assert query["city"] == ["株洲市", "永州市"] and query["q"] == [QUERY]
    assert hit_doc_ids(page) == {
        "zz/2019-chaling",
        "zz/2021-hetang",
        "yz/2020-lengshuitan",
        "yz/2022-qiyang",
    }
    expect(page.locator(".chips .chip")).to_have_count(3)
    expect(page.locator(".histogram .bar.out")).not_to_have_count(0)
    for text in page.locator(".hits time").all_inner_texts():
        assert "2019" <= text[:4] <= "2022"

    page.go_back()
    assert "year_from" not in params(page)
    page.go_forward()
    page.get_by_role("link", name=re.compile("城市：永州市")).click()
    assert params(page)["city"] == ["株洲市"]
    page.click("text=清除全部条件")
    assert set(params(page)) == {"q"}

    screenshot(f"/?q={quote(QUERY)}&city=株洲市&city=永州市&year_from=2019&year_to=2022", "search")


def test_mentioned_places_are_a_facet_apart_from_the_story_place(page: Page):
    page.goto(f"/?q={quote(QUERY)}")
    expect(page.locator("#story-places h2")).to_contain_text("报道地点")
    expect(page.locator("#mentioned-places h2")).to_contain_text("段落提及的地点")
    county = page.locator(
        "#mentioned-places .tree a.fv", has=page.locator(".name", has_text=re.compile("^茶陵县$"))
    )
    county.click()
    assert params(page)["place"] == ["茶陵县"]
    expect(page.get_by_role("link", name=re.compile("提及地点：茶陵县"))).to_have_count(1)
    for text in page.locator(".hits .mentions").all_inner_texts():
        assert "茶陵县" in text


def open_middle_hit(page: Page) -> int:
    """Open the document at its middle paragraph with a match, from the result list."""
    page.goto(f"/?q={quote(QUERY)}&city=株洲市")
    links = page.locator(".hits a.para").evaluate_all("links => links.map(a => a.href)")
    numbers = sorted(int(parse_qs(urlsplit(h).query)["hit"][0]) for h in links if CHALING in h)
    assert len(numbers) >= 3, numbers
    middle = numbers[len(numbers) // 2]
    page.locator(f'.hits a.para[href*="{CHALING}"][href*="hit={middle}#"]').click()
    return middle


def test_open_a_hit_and_step_through_the_matches(page: Page, screenshot):
    n = open_middle_hit(page)
    assert urlsplit(page.url).fragment == f"p{n}"
    target = page.locator(".block.target")
    expect(target).to_have_count(1)
    expect(target).to_have_attribute("id", f"p{n}")
    expect(target.locator("mark")).not_to_have_count(0)
    expect(target).to_be_in_viewport()
    # every match is marked, and the count says so
    count = int(page.locator(".hitcount strong").first.inner_text())
    expect(page.locator(".document .block mark")).to_have_count(count)

    hit_blocks = [
        int(x)
        for x in page.locator(".block.has-hit").evaluate_all(
            "blocks => blocks.map(b => b.dataset.n)"
        )
    ]
    index = hit_blocks.index(n)
    page.click("#hit-next")
    expect(page.locator(".block.target")).to_have_attribute("id", f"p{hit_blocks[index + 1]}")
    expect(page.locator(".block.target")).to_be_in_viewport()
    assert params(page)["hit"] == [str(hit_blocks[index + 1])]
    page.click("#hit-prev")
    page.click("#hit-prev")
    expect(page.locator(".block.target")).to_have_attribute("id", f"p{hit_blocks[index - 1]}")
    expect(page.locator(".block.target")).to_be_in_viewport()
    page.keyboard.press("n")
    expect(page.locator(".block.target")).to_have_attribute("id", f"p{n}")
    assert params(page)["hit"] == [str(n)] and urlsplit(page.url).fragment == f"p{n}"
    page.reload()  # the URL holds the reader's place
    expect(page.locator(".block.target")).to_have_attribute("id", f"p{n}")
    expect(page.locator(".block.target")).to_be_in_viewport()
    page.go_back()  # stepping through the hits does not pile up history
    assert urlsplit(page.url).path == "/"
    expect(page.locator(".hits")).to_be_visible()

    screenshot(f"/doc/{CHALING}?q={quote(QUERY)}&hit={n}#p{n}", "document", full_page=False)


def test_permalink_and_copying_the_citation(page: Page, screenshot):
    page.goto(f"/doc/{CHALING}")
    block = page.locator("#p5")
    link = block.locator("a.plink")
    expect(link).to_have_css("opacity", "0")
    block.hover()
    expect(link).to_have_css("opacity", "1")
    page.mouse.move(0, 0)
    link.focus()  # reachable by keyboard, and visible when focused
    expect(link).to_have_css("opacity", "1")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/p/zz/2019-chaling/5\?v="))

    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical == page.url
    expect(page.locator(".ctx")).to_have_count(3)
    citation = page.locator("#cite-gbt7714").inner_text()
    assert citation.startswith("戴鹏, 周志军. 茶陵交警守护道路交通安全")
    assert "[N/OL]. 株洲日报, 2019-10-08[" in citation
    assert citation.endswith(f"{canonical}.")

    page.click('button[data-copy="cite-gbt7714"]')
    expect(page.locator("#copy-status")).to_contain_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == citation

    screenshot(urlsplit(page.url).path + "?" + urlsplit(page.url).query, "permalink")


def test_export_csv_downloads_the_result_list(page: Page):
    page.goto(f"/?q={quote(QUERY)}&city=永州市")
    total = int(page.locator(".summary strong").first.inner_text().replace(",", ""))
    with page.expect_download() as info:
        page.click("text=CSV 表格")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total > 0
    assert {row["city"] for row in rows} == {"永州市"}
    assert all(QUERY in row["text"] for row in rows)


def test_pages_work_without_javascript(page_without_js: Page):
    page = page_without_js
    page.goto("/")
    page.fill("#q", QUERY)
    page.press("#q", "Enter")
    page.locator(".refine > summary").click()
    facet(page, "株洲市").click()
    assert params(page)["city"] == ["株洲市"]
    n = open_middle_hit(page)
    expect(page.locator(".block.target")).to_have_attribute("id", f"p{n}")
    page.click("#hit-next")
    assert int(params(page)["hit"][0]) > n
    expect(page.locator(".block.target")).to_be_in_viewport()
    page.goto(f"/p/{CHALING}/5")
    expect(page.locator("#cite-gbt7714")).to_contain_text("[N/OL]")
    expect(page.locator("button[data-copy]").first).to_be_hidden()


def test_ticked_hits_make_one_bibliography_without_javascript(page_without_js: Page):
    page = page_without_js
    page.goto(f"/?q={quote(QUERY)}&city=株洲市")
    boxes = page.locator('input[type="checkbox"][form="cite-form"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("#cite-format", "gbt7714")
    page.click("#cite-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cite\?"))
    entries = page.locator("#bibliography li")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("[1]")
    expect(entries.nth(1)).to_contain_text("[N/OL]. 株洲日报")


@pytest.mark.parametrize(
    "url",
    [
        f"/?q={quote(QUERY)}&city=株洲市&year_from=2019",
        f"/?q={quote(QUERY)}&group=doc",
        f"/doc/{CHALING}?q={quote(QUERY)}&hit=5#p5",
        f"/p/{CHALING}/5",
        "/",
        "/docs?city=永州市",
        f"/?q={quote('道路交桶')}",
        f"/?q={quote(QUERY)}&date_from=2019-01-01",
        f"/trends?q={quote(QUERY)}&q={quote('民警')}&city=株洲市",
        f"/kwic?q={quote(QUERY)}&sort=right&year_from=2019",
        "/trends?" + "&".join(f"q={k}" for k in "abcdefg") + "&city=株洲市&year=x",
        f"/doc/{CHALING}?q={quote(QUERY)}&hit=9999#p9999",
    ],
    ids=[
        "search",
        "grouped",
        "document",
        "permalink",
        "landing",
        "docs",
        "suggestions",
        "advanced",
        "trends",
        "kwic",
        "trends-refused",
        "document-missing-hit",
    ],
)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_serious_accessibility_violations(page_at, axe_source: Path, url: str, width: str):
    page = page_at(width)
    page.goto(url)
    assert_no_serious_violations(page, axe_source)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_hits_of_another_story_of_a_page_are_accessible(
    page_at, axe_source: Path, sample_base_url: str, width: str
):
    page = page_at(width, sample_base_url)
    page.goto(f"/?q={quote('派出所')}&per_page=100")
    expect(page.locator(".hit-title .story").first).to_be_visible()  # a title, then its story
    assert_no_serious_violations(page, axe_source)


def assert_no_serious_violations(page: Page, axe_source: Path) -> None:
    """axe-core finds nothing serious or critical on the page as it is."""
    page.add_script_tag(path=str(axe_source))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    # serious and critical ones, and landmarks told apart (two unnamed search forms were not)
    serious = [
        v
        for v in violations
        if v["impact"] in ("serious", "critical") or v["id"] == "landmark-unique"
    ]
    report = "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, report


def test_only_one_paragraph_is_marked_while_stepping(page: Page):
    page.goto(f"/doc/{CHALING}#p2")  # a bare fragment marks its paragraph too
    expect(page.locator("#p2")).to_have_css("box-shadow", re.compile("inset"))
    n = open_middle_hit(page)
    page.click("#hit-next")
    marked = page.locator(".block").evaluate_all(
        "blocks => blocks.filter(b => getComputedStyle(b).boxShadow.includes('inset'))"
        ".map(b => b.id)"
    )
    assert len(marked) == 1 and marked != [f"p{n}"]


# Finding one's way (issue 15) ---------------------------------------------------------------------


def active(page: Page) -> dict:
    """What has the keyboard focus: its tag, id, text and data-focus key."""
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id,"
        " text: e.textContent.trim(), focus: e.dataset.focus || '', href: e.href || ''}; }"
    )


def test_keyboard_only_walk_from_the_box_to_a_result_and_a_filter(page: Page):
    page.goto(f"/?q={quote(QUERY)}")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # one press past the skip link: the first result
    first = page.locator(".hits .hit-title a").first
    expect(first).to_be_focused()

    for _ in range(40):  # back to the 株洲市 filter (the filters come first), by keyboard only
        page.keyboard.press("Shift+Tab")
        if active(page)["focus"] == "city:株洲市":
            break
    assert active(page)["focus"] == "city:株洲市"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("city="))
    assert params(page)["city"] == ["株洲市"]
    expect(facet(page, "株洲市")).to_be_focused()  # the focus stays on the control used
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "city=" not in url)
    expect(facet(page, "株洲市")).to_be_focused()


@pytest.mark.parametrize("section", ["story-places", "mentioned-places"])
def test_listing_every_place_by_keyboard_keeps_the_focus_on_that_facet(page: Page, section):
    """A facet's "全部列出" reloads the page with every value; the focus goes to that facet (its
    heading), not to the top of the page, and the link is gone."""
    page.goto(f"/?q={quote(QUERY)}&facet_size=1")
    more = page.locator(f"#{section} .more-values a")
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("facet_size=max"))
    expect(page.locator(f"#{section} h2")).to_be_focused()
    expect(page.locator(".more-values")).to_have_count(0)
    page.keyboard.press("Tab")  # the next stop is that facet's first value
    assert active(page)["focus"] == page.locator(f"#{section} a.fv").first.get_attribute(
        "data-focus"
    )


@pytest.mark.parametrize("facet", ["source", "city", "county"])
def test_listing_every_value_of_the_report_list_keeps_the_focus_on_that_facet(page: Page, facet):
    page.goto("/docs?facet_size=1")
    section = page.locator(f'section[aria-labelledby="facet-{facet}"]')
    expect(section.locator("a.fv")).to_have_count(1)
    section.locator(".more-values a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("facet_size=max"))
    expect(page.locator(f"#facet-{facet}")).to_be_focused()
    expect(page.locator(".more-values")).to_have_count(0)
    assert section.locator("a.fv").count() > 1


def test_year_counts_are_visible_text(page: Page):
    page.goto(f"/?q={quote(QUERY)}")
    counts = page.locator(".histogram .bar .n")
    expect(counts.first).to_be_visible()
    texts = [int(t) for t in counts.all_inner_texts()]
    assert sum(texts) == int(page.locator(".summary strong").first.inner_text())


def test_browse_the_reports_and_come_back_to_the_same_results(page: Page, screenshot):
    page.goto("/")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator(".glance .histogram .n").first).to_be_visible()
    page.get_by_role("link", name="报道列表").click()
    page.get_by_role("link", name=re.compile("^永州日报")).first.click()
    expect(page.locator(".reports .report")).to_have_count(3)
    expect(facet_any(page, "永州日报")).to_be_focused()
    page.get_by_role("link", name=re.compile("标题")).click()
    assert params(page) == {"source": ["永州日报"], "sort": ["title"]}
    page.locator(".report-title a").first.click()
    assert urlsplit(page.url).path.startswith("/doc/yz/")

    search = f"/?q={quote(QUERY)}&city=株洲市&year=2019&sort=date_asc"
    page.goto(search)
    page.locator(".hits a.para").first.click()
    expect(page.locator(".block.target")).to_have_count(1)
    page.locator(".crumbs a").first.click()
    assert params(page) == {
        "q": [QUERY],
        "city": ["株洲市"],
        "year": ["2019"],
        "sort": ["date_asc"],
    }
    screenshot("/", "landing")
    screenshot("/docs?source=永州日报", "docs")
    screenshot(f"/?q={quote('道路交桶')}", "suggestions")


def facet_any(page: Page, name: str):
    return page.locator("a.fv", has=page.locator(".name", has_text=re.compile(f"^{name}$")))


def test_browsing_works_without_javascript_at_phone_width(page_without_js: Page):
    page = page_without_js
    page.goto("/")
    page.get_by_role("link", name="报道列表").click()
    page.locator(".refine > summary").click()
    facet_any(page, "永州日报").click()
    assert params(page) == {"source": ["永州日报"]}
    page.locator(".report-title a").first.click()
    page.get_by_role("link", name="‹ 回到报道列表").click()
    assert urlsplit(page.url).path == "/docs" and params(page) == {"source": ["永州日报"]}


@pytest.mark.parametrize(
    "url",
    [
        # served without --public-url, a permalink page shows its local address: a long one
        # without a break (the sample archive's ids) must wrap
        "sample:/p/000_1393866c2a5a9400/5",
        f"/kwic?q={quote(QUERY)}",
        f"/trends?q={quote(QUERY)}&q={quote('民警')}",
        f"/?q={quote(QUERY)}",
        "/docs",
    ],
)
def test_nothing_is_cut_off_or_scrolls_sideways_at_phone_width(page_at, request, url: str):
    if url.startswith("sample:"):
        page = page_at("phone", request.getfixturevalue("sample_base_url"))
        page.goto(url.removeprefix("sample:"))
        expect(page.locator(".notice")).to_contain_text("本机地址")
    else:
        page = page_at("phone")
        page.goto(url)
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    if url.startswith("/kwic"):  # each line's link to its paragraph stays within reach
        rights = page.locator("table.kwic td.source a").evaluate_all(
            "links => links.map(a => a.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= width


def test_a_refused_comparison_is_put_right_in_its_own_form(page_at):
    """Seven terms are refused with the form given back: emptying one box compares the six,
    in the same city, and the numbers appear (``page_at``: the 400 is logged as a console
    error, which ``page`` counts as a failure)."""
    page = page_at("desktop")
    terms = [QUERY, "民警", "交警", "派出所", "社区", "巡逻", "<b>安全</b>"]
    response = page.goto("/trends?" + "&".join(f"q={quote(t)}" for t in terms) + "&city=株洲市")
    assert response.status == 400
    expect(page).to_have_title(re.compile("^错误 400"))
    expect(page.locator("#form-error")).to_contain_text("最多比较 6 个检索词，收到 7 个")
    boxes = page.locator("form.trends-form input[name=q]")
    assert [boxes.nth(k).input_value() for k in range(boxes.count())] == terms
    boxes.nth(6).fill("")
    page.get_by_role("button", name="比较").click()
    assert params(page) == {"q": terms[:6], "city": ["株洲市"]}
    expect(page.locator("#form-error")).to_have_count(0)
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator(".chips")).to_contain_text("株洲市")


def test_a_hit_past_the_end_of_a_report_is_named_at_the_top(page: Page):
    page.goto(f"/doc/{CHALING}?q={quote(QUERY)}&hit=9999#p9999")
    note = page.locator("#target-missing")
    expect(note).to_be_visible()
    expect(note).to_contain_text("本报道没有第 9999 段")
    assert note.bounding_box()["y"] < page.viewport_size["height"]  # seen without scrolling


def test_search_within_and_the_advanced_form(page: Page):
    page.goto(f"/?q={quote(QUERY)}&city=株洲市")
    total = int(page.locator(".summary strong").first.inner_text())
    page.get_by_label("在这些结果中检索").fill("民警")
    page.get_by_label("在这些结果中检索").press("Enter")
    assert params(page) == {"q": [f"{QUERY} 民警"], "city": ["株洲市"]}
    assert 0 < int(page.locator(".summary strong").first.inner_text()) < total

    page.goto("/")
    page.locator(".advanced > summary").click()
    page.get_by_role("textbox", name="报纸").fill("永州日报")
    page.get_by_label("起始日期").fill("2021-01-01")
    page.get_by_role("button", name="高级检索").click()
    assert params(page) == {"q": ["来源:永州日报"], "date_from": ["2021-01-01"]}
    expect(page.locator(".reading")).to_contain_text("报纸含有 “永州日报”")
    dates = page.locator(".hits time").all_inner_texts()
    assert dates and all(d >= "2021-01-01" for d in dates)
