"""The JSON API's shapes and the identifiers contract, against a real index of the seeds."""

from __future__ import annotations

import re
from urllib.parse import quote

SEED = "000_1393866c2a5a9400"
HIT_KEYS = {
    "id",
    "doc_id",
    "n",
    "kind",
    "title",
    "city",
    "county",
    "year",
    "date",
    "snippet_html",
    "url",
    "permalink",
}


def test_search_shape(client):
    response = client.get("/api/search?q=道路交通")
    assert response.status_code == 200
    data = response.get_json()
    assert {"query", "total", "hits", "facets"} <= set(data)
    assert data["query"]["q"] == "道路交通"
    assert data["total"] == 7
    assert set(data["hits"][0]) >= HIT_KEYS
    for name in ("city", "county", "year"):
        for value in data["facets"][name]:
            assert {"value", "count", "selected"} <= set(value)
    hit = data["hits"][0]
    assert hit["id"] == f"{hit['doc_id']}/{hit['n']}"
    assert hit["url"].endswith(f"#p{hit['n']}")
    assert hit["permalink"].startswith(f"/p/{hit['doc_id']}/{hit['n']}")
    assert "<mark>道路交通</mark>" in hit["snippet_html"]
    assert data["documents"] is None  # reports are counted only when grouped (group=doc)
    grouped = client.get("/api/search?q=道路交通&group=doc&per_page=100").get_json()
    assert grouped["documents"] == len({hit["doc_id"] for hit in grouped["hits"]}) > 0


def test_empty_query_lists_everything(client, searcher):
    data = client.get("/api/search?per_page=100").get_json()
    paragraphs = sum(1 for _ in searcher.documents(rec="block"))
    assert data["total"] == paragraphs
    assert len(data["hits"]) == 100


def test_paging_and_per_page(client):
    first = client.get("/api/search?q=公安&per_page=5").get_json()
    second = client.get("/api/search?q=公安&per_page=5&page=2").get_json()
    assert len(first["hits"]) == len(second["hits"]) == 5
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_sort_by_date(client):
    """Paragraphs sort by their story's date, or its year when that is all there is; those
    without either come last in both orders. In the seeds only 003's stories are dated."""
    for sort in ("date_desc", "date_asc"):
        data = client.get(f"/api/search?q=公安&sort={sort}&per_page=100").get_json()
        assert data["query"]["sort"] == sort
        keys = [h["date"] or h["year"] for h in data["hits"]]
        known = [k for k in keys if k]
        assert known and keys[: len(known)] == known  # the undated last
        assert known == sorted(known, reverse=sort == "date_desc")
        years = [v["value"] for v in data["facets"]["year"]]
        assert known[0][:4] == (max(years) if sort == "date_desc" else min(years))
        assert len(set(keys)) >= 2, keys


def test_facet_filter_or_within_and_across(client):
    everything = client.get("/api/search?q=公安").get_json()
    cities = [v["value"] for v in everything["facets"]["city"]]
    assert "株洲市" in cities and "永州市" in cities
    one = client.get("/api/search?q=公安&city=永州市").get_json()
    both = client.get("/api/search?q=公安&city=永州市&city=株洲市").get_json()
    assert 0 < one["total"] < both["total"] <= everything["total"]
    # paragraphs of a story that no place dominates have no city
    city_counts = {v["value"]: v["count"] for v in everything["facets"]["city"]}
    assert both["total"] == city_counts["永州市"] + city_counts["株洲市"]
    assert all(h["city"] == "永州市" for h in one["hits"])
    # a facet's counts ignore its own selection, so the other city stays countable
    counts = {v["value"]: v["count"] for v in one["facets"]["city"]}
    assert counts == {v["value"]: v["count"] for v in everything["facets"]["city"]}
    selected = [v for v in one["facets"]["city"] if v["selected"]]
    assert [v["value"] for v in selected] == ["永州市"]


def test_error_shape(client):
    response = client.get("/api/search?per_page=1000")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "status": 400,
            "message": "应在 1 到 100 之间，收到 1000",
            "param": "per_page",
        }
    }
    response = client.get("/api/documents/no-such-report")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_documents(client):
    data = client.get("/api/documents").get_json()
    assert data["total"] == 5
    meta = next(d for d in data["documents"] if d["doc_id"] == SEED)
    assert meta["title"] == "撑起一方晴朗的天"
    assert "provenance" in meta
    one = client.get(f"/api/documents/{SEED}").get_json()
    assert one["meta"]["doc_id"] == SEED
    numbers = [b["n"] for b in one["blocks"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert one["blocks"][0]["text"] == "撑起一方晴朗的天"


def test_paragraph_with_citations(client):
    data = client.get(f"/api/paragraphs/{SEED}/1").get_json()
    assert data["id"] == f"{SEED}/1"
    assert data["paragraph"]["text"] == "撑起一方晴朗的天"
    assert data["permalink"].startswith(f"http://localhost/p/{SEED}/1?v=")
    cited = data["citations"]
    assert set(cited) == {"csl", "gbt7714", "gbt7714_2025", "apa", "mla", "in_text", "bibtex"} | {
        "ris",
        "url",
    }
    assert cited["csl"]["type"] == "document"  # no source named: not asserted a newspaper
    # The report states no date (a year merely written in its text is not its year): none cited.
    assert "[Z/OL]. [" in cited["gbt7714"] and "2021" not in cited["gbt7714"]
    assert re.match(r"@misc\{daipeng[a-z]*chengqi,", cited["bibtex"])
    assert client.get(f"/api/paragraphs/{SEED}/9999").status_code == 404


def test_document_ids_with_subfolders_and_chinese_names(make_archive, tmp_path):
    from archivist.indexing import ingest
    from archivist.web import create_app

    archive = make_archive({"株洲/2024 报道.txt": "标题\n\n正文第一段，株洲市公安局。\n"})
    ingest(archive, tmp_path / "index", jobs=1)
    client = create_app(
        {"INDEX_DIR": str(tmp_path / "index"), "ARCHIVE_DIR": str(archive)}
    ).test_client()
    hit = client.get("/api/search?q=株洲市公安局").get_json()["hits"][0]
    assert hit["doc_id"] == "株洲/2024 报道"
    assert hit["permalink"].startswith("/p/" + quote("株洲/2024 报道"))
    assert client.get(hit["permalink"]).status_code == 200
    assert client.get(hit["url"]).status_code == 200
    raw = client.get("/raw/" + quote("株洲/2024 报道"))
    assert raw.data == (archive / "株洲/2024 报道.txt").read_bytes()


def test_a_reversed_year_range_is_read_the_right_way_round(client):
    reversed_ = client.get("/api/search?year_from=2024&year_to=2019").get_json()
    assert (reversed_["query"]["year_from"], reversed_["query"]["year_to"]) == (2019, 2024)
    assert (
        reversed_["total"]
        == client.get("/api/search?year_from=2019&year_to=2024").get_json()["total"]
    )


def test_documents_keep_their_source_url_beside_their_page(client):
    meta = client.get("/api/documents").get_json()["documents"][0]
    assert meta["document_url"] == f"/doc/{meta['doc_id']}"
    assert meta["url"] == ""  # the source's address: none for the seeds
