"""Place facets list their most frequent values (``facet_size``, default FACET_SIZE) and say
how many they leave out; counts are checked against the hits themselves."""

from __future__ import annotations

from collections import Counter

import pytest

from archivist.indexing import ingest
from archivist.query import FACET_SIZE
from archivist.web import create_app

# Report k mentions the first k + 1 counties: the i-th county is in len(COUNTIES) - i reports.
COUNTIES = ["茶陵县", "攸县", "江华瑶族自治县", "双峰县", "桃源县", "祁东县"]
STORY_PLACES = [("株洲市", "茶陵县"), ("株洲市", "攸县"), ("永州市", ""), ("娄底市", "双峰县")]
HEADER = "file,title,source,date,city,county,authors,url\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("facet-size")
    archive = root / "archive"
    archive.mkdir()
    rows = [HEADER]
    for k in range(len(COUNTIES)):
        named = "、".join(COUNTIES[: k + 1])
        patrol = "，夜巡常态化" if k % 2 else ""  # half the reports: a query of part of them
        text = f"报告{k}\n\n平安建设在{named}稳步推进{patrol}，群众满意。\n"
        (archive / f"r{k}.txt").write_text(text, encoding="utf-8")
        city, county = STORY_PLACES[k % len(STORY_PLACES)]
        rows.append(f"r{k}.txt,报告{k},,2020-0{k + 1}-01,{city},{county},,\n")
    (archive / "catalog.csv").write_text("".join(rows), encoding="utf-8")
    ingest(archive, root / "index", rebuild=True, jobs=1)
    return create_app({"TESTING": True, "INDEX_DIR": str(root / "index")}).test_client()


def api(client, query: str = "", q: str = "平安建设") -> dict:
    response = client.get(f"/api/search?q={q}&per_page=100&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def listed(data: dict, facet: str) -> list[tuple[str, int]]:
    return [(v["value"], v["count"]) for v in data["facets"][facet]]


def test_every_value_is_listed_with_the_count_its_hits_give(client):
    data = api(client, "facet_size=max")
    counts = dict(listed(data, "place"))
    from_hits = Counter(name for hit in data["hits"] for name in hit["places"])
    for county in COUNTIES:
        assert counts[county] == from_hits[county] == len(COUNTIES) - COUNTIES.index(county)
    assert data["facets_more"] == {} and data["query"]["facet_size"] == "max"


def test_the_counts_of_part_of_the_archive_are_those_of_its_hits(client):
    data = api(client, "facet_size=max", q="夜巡")
    assert 0 < data["total"] < len(COUNTIES)
    from_hits = Counter(name for hit in data["hits"] for name in hit["places"])
    counts = dict(listed(data, "place"))
    assert {c: counts.get(c, 0) for c in COUNTIES} == {c: from_hits[c] for c in COUNTIES}


def test_a_small_facet_size_lists_the_most_frequent_and_counts_the_rest(client):
    whole = listed(api(client, "facet_size=max"), "place")
    assert whole == sorted(whole, key=lambda vc: -vc[1])  # most first
    data = api(client, "facet_size=3")
    assert listed(data, "place") == whole[:3]
    assert data["facets_more"]["place"] == len(whole) - 3
    assert "facet_size=3" in data["facets"]["year"][0]["toggle_url"]  # carried by every link


def test_a_selected_value_past_the_cut_stays_listed_with_its_count(client):
    whole = listed(api(client, "facet_size=max"), "place")
    rarest, count = whole[-1]
    data = api(client, f"facet_size=2&place={rarest}")
    values = {v["value"]: v for v in data["facets"]["place"]}
    assert values[rarest]["count"] == count and values[rarest]["selected"]
    assert len(values) == 3 and data["facets_more"]["place"] == len(whole) - 3


def test_story_places_are_cut_too(client):
    whole = api(client, "facet_size=max")
    data = api(client, "facet_size=1")
    assert listed(data, "city") == listed(whole, "city")[:1]
    assert data["facets_more"]["city"] == len(listed(whole, "city")) - 1
    assert data["facets_more"]["county"] == len(listed(whole, "county")) - 1
    assert listed(data, "year") == listed(whole, "year")  # years are never cut


def test_the_default_lists_up_to_facet_size_values(client):
    data = api(client)
    assert data["query"]["facet_size"] == FACET_SIZE and data["facets_more"] == {}
    assert "facet_size" not in data["url"]


def test_the_page_says_what_is_left_out_and_links_to_everything(client):
    page = client.get("/?q=平安建设&facet_size=2").get_data(as_text=True)
    assert "个地点未列出" in page
    assert "facet_size=max" in page
    assert "个地点未列出" not in client.get("/?q=平安建设").get_data(as_text=True)


@pytest.mark.parametrize("value", ["0", "abc", "10001", "-1"])
def test_a_bad_facet_size_is_a_400_naming_it(client, value):
    response = client.get(f"/api/search?q=平安建设&facet_size={value}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "facet_size"


@pytest.mark.parametrize("value", ["2", "max"])
def test_facet_size_alone_is_no_search_and_keeps_the_landing_page(client, value):
    """Like per_page, facet_size only says how a search is shown: with no query or filter the
    landing page answers (removing the last chip of ``/?city=…&facet_size=2`` leads there)."""
    landing = client.get("/").get_data(as_text=True)
    assert 'class="page-home"' in landing
    page = client.get(f"/?facet_size={value}").get_data(as_text=True)
    assert 'class="page-home"' in page and 'class="page-search"' not in page
    chips = client.get(f"/api/search?city=株洲市&facet_size={value}").get_json()["chips"]
    assert [chip["remove_url"] for chip in chips] == [f"/?facet_size={value}"]
