"""Filters and orders each checked against the stored metadata of a small made-up archive:
the county filter, grouped paging, and where reports without a date sort."""

from __future__ import annotations

from collections import Counter

import pytest

from archivist.indexing import ingest
from archivist.web import create_app

HEADER = "file,title,source,date,city,county,authors,url\n"
ROWS = {
    "a": ("2020-05-01", "株洲市", "茶陵县"),
    "b": ("2019-01-01", "株洲市", "攸县"),
    "c": ("", "永州市", "江华瑶族自治县"),  # no date, and no year in its text either
    "d": ("2021-03-03", "永州市", ""),
    "e": ("2018-07-07", "株洲市", "茶陵县"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("filters")
    archive = root / "archive"
    archive.mkdir()
    lines = [HEADER]
    for name, (date, city, county) in ROWS.items():
        text = f"报告{name}\n\n本地推进平安建设，群众满意。\n\n平安建设再出发，第{name}段。\n"
        (archive / f"{name}.txt").write_text(text, encoding="utf-8")
        lines.append(f"{name}.txt,报告{name},,{date},{city},{county},,\n")
    (archive / "catalog.csv").write_text("".join(lines), encoding="utf-8")
    ingest(archive, root / "index", rebuild=True, jobs=1)
    return create_app({"TESTING": True, "INDEX_DIR": str(root / "index")}).test_client()


def search(client, query: str) -> dict:
    response = client.get(f"/api/search?q=平安建设&per_page=100&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_county_filter_keeps_exactly_that_countys_paragraphs(client):
    everything = search(client, "")
    expected = {h["id"] for h in everything["hits"] if h["county"] == "茶陵县"}
    assert expected and len(expected) < everything["total"]
    only = search(client, "county=茶陵县")
    assert {h["id"] for h in only["hits"]} == expected
    assert only["total"] == len(expected)
    both = search(client, "county=茶陵县&county=攸县")
    assert {h["county"] for h in both["hits"]} == {"茶陵县", "攸县"}


def test_grouped_results_follow_page_and_per_page(client):
    whole = search(client, "group=doc")
    order = list(dict.fromkeys(h["doc_id"] for h in whole["hits"]))
    assert sorted(order) == sorted(ROWS) and whole["documents"] == len(ROWS)
    paged = []
    for page in range(1, len(ROWS) + 1):
        data = client.get(f"/api/search?q=平安建设&group=doc&per_page=1&page={page}").get_json()
        paged.append({h["doc_id"] for h in data["hits"]})
        assert data["pagination"]["pages"] == len(ROWS)
    assert paged == [{doc_id} for doc_id in order]
    two = client.get("/api/search?q=平安建设&group=doc&per_page=2&page=2").get_json()
    assert {h["doc_id"] for h in two["hits"]} == set(order[2:4])
    beyond = client.get("/api/search?q=平安建设&group=doc&per_page=2&page=4").get_json()
    assert beyond["hits"] == []


@pytest.mark.parametrize("sort", ["date_asc", "date_desc"])
def test_reports_without_a_date_sort_last(client, sort):
    hits = search(client, f"sort={sort}")["hits"]
    dated = [h["date"] for h in hits if h["date"]]
    assert dated == sorted(dated, reverse=sort == "date_desc")
    assert [h["doc_id"] for h in hits if not h["date"]] == ["c", "c"]
    assert all(h["date"] for h in hits[:-2]) and not any(h["date"] for h in hits[-2:])


@pytest.mark.parametrize(
    "facet,value", [("city", "永州市"), ("county", "茶陵县"), ("year", "2020")]
)
def test_a_facets_counts_ignore_its_own_selection_and_follow_the_others(client, facet, value):
    everything = search(client, "")["hits"]
    chosen = search(client, f"{facet}={value}")
    listed = {f: {v["value"]: v["count"] for v in chosen["facets"][f]} for f in chosen["facets"]}
    # its own facet: counted over every hit, as if nothing were selected
    assert listed[facet] == dict(Counter(h[facet] for h in everything if h[facet]))
    assert [v["value"] for v in chosen["facets"][facet] if v["selected"]] == [value]
    # the other facets: counted over the selected hits only
    selected = [h for h in everything if h[facet] == value]
    for other in {"city", "county", "year"} - {facet}:
        assert listed[other] == dict(Counter(h[other] for h in selected if h[other])), other
