"""Trends: every count is the number of paragraphs a search lists, checked against an oracle."""

from __future__ import annotations

import csv
import io
from collections import Counter
from urllib.parse import urlencode

import pytest
from oracle import oracle_fold, paragraphs

# Quoted terms, OR and exclusion: the oracle decides each with plain ``in``.
TERMS = {
    '"公安"': lambda t: "公安" in t,
    '"社会治理"': lambda t: "社会治理" in t,
    '"派出所" OR "民警"': lambda t: "派出所" in t or "民警" in t,
    '"公安" -"派出所"': lambda t: "公安" in t and "派出所" not in t,
}


def trends(client, terms, **filters) -> dict:
    pairs = [("q", t) for t in terms] + list(filters.items())
    response = client.get("/api/trends?" + urlencode(pairs))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_counts_per_year_and_rates_match_the_oracle(client, searcher):
    data = trends(client, list(TERMS))
    every = paragraphs(searcher)
    per_year = Counter(p.year for p in every)
    years = sorted(int(y) for y in per_year if y)
    assert [b["year"] for b in data["base"]["by_year"]] == list(range(years[0], years[-1] + 1))
    assert [s["term"] for s in data["series"]] == list(TERMS)
    for series in data["series"]:
        test = TERMS[series["term"]]
        expected = Counter(p.year for p in every if test(p.folded))
        assert series["total"] == sum(expected.values()) > 0
        for point in series["points"]:
            year = str(point["year"])
            assert point["count"] == expected.get(year, 0), (series["term"], year)
            if per_year[year]:
                assert point["per_10k"] == round(expected[year] * 10_000 / per_year[year], 2)
            else:
                assert point["per_10k"] is None


def test_every_point_links_to_the_search_that_lists_its_paragraphs(client):
    data = trends(client, ['"社会治理"', '"派出所" OR "民警"'])
    for series in data["series"]:
        for point in series["points"]:
            assert point["url"].startswith("/?")
            found = client.get("/api/search" + point["url"][1:]).get_json()
            assert found["total"] == point["count"]
            assert found["query"]["year"] == [str(point["year"])]


def test_places_roll_counties_into_cities_and_obey_the_filters(client, searcher):
    every = paragraphs(searcher)
    city = Counter(p.city for p in every).most_common(1)[0][0]
    data = trends(client, ['"公安"'], city=city)
    inside = [p for p in every if p.city == city]
    assert [row["city"] for row in data["places"]] == [city]
    row = data["places"][0]
    assert row["paragraphs"] == len(inside)
    assert row["cells"][0]["count"] == sum("公安" in p.folded for p in inside)
    found = client.get("/api/search" + row["cells"][0]["url"][1:]).get_json()
    assert found["total"] == row["cells"][0]["count"]
    by_year = Counter(p.year for p in inside if "公安" in p.folded)
    assert {str(p["year"]): p["count"] for p in data["series"][0]["points"] if p["count"]} == {
        y: n for y, n in by_year.items() if y
    }


def test_year_range_limits_the_years_shown(client, searcher):
    years = sorted({p.year for p in paragraphs(searcher) if p.year})
    data = trends(client, ['"公安"'], year_from=years[-1])
    assert [p["year"] for p in data["series"][0]["points"]] == [int(years[-1])]


def _titles(searcher) -> dict[str, str]:
    return {f["doc_id"]: f["meta"].get("title", "") for f in searcher.documents(rec="doc")}


@pytest.mark.parametrize(
    "q, filters, keeps",
    [
        ('"公安" title:平安', {}, lambda p, title: "平安" in title),
        ('"公安" -title:平安', {}, lambda p, title: "平安" not in title),
        ('"公安"', {"date_from": "2023-01-04"}, None),
    ],
)
def test_field_terms_and_date_ranges_count_what_search_lists(client, searcher, q, filters, keeps):
    data = trends(client, [q], **filters)
    series = data["series"][0]
    listed = client.get("/api/search?" + urlencode({"q": q, **filters})).get_json()["total"]
    every = client.get("/api/search?" + urlencode({"q": '"公安"'})).get_json()["total"]
    assert series["total"] == listed < every
    assert sum(p["count"] for p in series["points"]) + series["undated"] == listed
    if keeps is not None:  # an oracle over the stored texts and titles
        titles = _titles(searcher)
        expected = [p for p in paragraphs(searcher) if "公安" in p.folded]
        assert listed == sum(1 for p in expected if keeps(p, titles[p.doc_id]))


@pytest.mark.parametrize(
    "filters, keeps",
    [
        ({"date_from": "2023-01-04"}, lambda f: f.get("date", "") >= "2023-01-04"),
        ({"place": "株洲市"}, lambda f: "株洲市" in f.get("places", "").split()),
    ],
)
def test_rates_divide_by_the_paragraphs_the_same_filters_leave(client, searcher, filters, keeps):
    data = trends(client, ['"公安"'], **filters)
    kept = [f for f in searcher.documents(rec="block") if keeps(f)]
    base = Counter(f["year"] for f in kept if f.get("year"))
    assert 0 < sum(base.values()) < len(paragraphs(searcher))  # the filter leaves some out
    assert {str(b["year"]): b["paragraphs"] for b in data["base"]["by_year"]} == base
    found = Counter(f["year"] for f in kept if f.get("year") and "公安" in oracle_fold(f["text"]))
    for point in data["series"][0]["points"]:
        year = str(point["year"])
        assert point["count"] == found[year]
        assert point["per_10k"] == round(found[year] * 10_000 / base[year], 2)


@pytest.mark.parametrize(
    "query, param",
    [
        ("q=a&q=b&q=c&q=d&q=e&q=f&q=g", "q"),
        ("q=公安&measure=most", "measure"),
        ("q=公安&year=20x1", "year"),
        ("q=公安&city=不存在市", "city"),
        ("q=" + "长" * 600, "q"),
        ("q=公安&q=%22%22", "q"),  # nothing to search: as a search it lists every paragraph
        ("q=OR", "q"),
        ("q=%E2%80%9C%E2%80%9D", "q"),
        ("q=()", "q"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, query, param):
    response = client.get("/api/trends?" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param
    assert client.get("/trends?" + query).status_code == 400


def test_the_page_draws_the_chart_on_the_server(client):
    response = client.get("/trends?" + urlencode([("q", '"公安"'), ("q", "<b>派出所</b>")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<svg class="chart"' in html and 'role="group"' in html  # its points are links
    assert ">年份</text>" in html and "每万段中的段落数" in html
    assert "<b>派出所</b>" not in html and "&lt;b&gt;派出所&lt;/b&gt;" in html
    assert html.count('<a href="/?q=') >= 2  # the points link to their searches
    assert "<script>" not in html


def test_the_page_without_terms_is_a_form(client):
    html = client.get("/trends").get_data(as_text=True)
    assert 'action="/trends"' in html and "<svg" not in html.split("<main", 1)[1]


def test_csv_has_a_row_per_year_and_per_city(client, searcher):
    response = client.get("/trends.csv?" + urlencode([("q", '"公安"')]))
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    api = trends(client, ['"公安"'])
    years = [r for r in rows if r["dimension"] == "year" and r["value"]]
    assert [int(r["count"]) for r in years] == [p["count"] for p in api["series"][0]["points"]]
    cities = [r for r in rows if r["dimension"] == "city"]
    assert {r["value"] for r in cities} == {row["city"] for row in api["places"]}
    assert all(r["url"].startswith("http://") for r in years)
    # the unknown year is a row too: the year rows add up to the term's total, as the cities do
    unknown = [r for r in rows if r["dimension"] == "year" and not r["value"]]
    series = api["series"][0]
    assert [int(r["count"]) for r in unknown] == [series["undated"]] and series["undated"] > 0
    undated = sum(1 for p in paragraphs(searcher) if not p.year)
    assert int(unknown[0]["paragraphs"]) == api["base"]["undated"] == undated > 0
    for dimension in ("year", "city"):
        counted = sum(int(r["count"]) for r in rows if r["dimension"] == dimension)
        assert counted == series["total"], dimension


def test_exports_without_terms_are_a_400(client):
    for path in ("/trends.csv", "/kwic.csv"):
        response = client.get(path)
        assert response.status_code == 400 and "q" in response.get_data(as_text=True)


@pytest.mark.parametrize("term", ['-"公安"', "标题:平安"])
def test_an_exclusion_or_a_field_term_alone_counts_what_search_lists(client, term):
    series = trends(client, [term])["series"][0]
    listed = client.get("/api/search?" + urlencode({"q": term})).get_json()["total"]
    assert series["total"] == listed > 0


def test_an_empty_chart_says_whether_the_archive_or_the_filters_have_no_dated_paragraph(
    client, searcher
):
    every = paragraphs(searcher)
    undated = {p.city for p in every if p.city} - {p.city for p in every if p.year}
    assert undated, "the sample has a city whose paragraphs are all undated"
    cases = {
        "所选条件下的段落都没有标明年份": {"city": sorted(undated)[0]},
        "所选条件下档案中没有段落": {"year_from": "2100"},
    }
    for message, filters in cases.items():
        html = client.get("/trends?" + urlencode({"q": '"公安"', **filters})).get_data(as_text=True)
        assert message in html and "档案中的段落都没有标明年份" not in html, filters
        assert "<caption>各年数字</caption>" not in html  # no table of no years


def test_years_are_numbers_like_each_points_year(client):
    data = trends(client, ['"公安"'])
    assert data["years"] and all(type(y) is int for y in data["years"])
    assert data["years"] == [p["year"] for p in data["series"][0]["points"]]
    assert data["years"] == [b["year"] for b in data["base"]["by_year"]]
