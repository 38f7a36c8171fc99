"""Story facts and mentioned places through the index, the API, the pages and citations."""

from __future__ import annotations

from archivist.indexing import IndexStore, ingest, place_tokens
from archivist.search import mentioned_names, place_pairs
from archivist.settings import SETTINGS_NAME, load_settings

PAGE = "003_cf03e3746bb637f2"


def _hits(client, query: str) -> dict:
    return client.get(f"/api/search?{query}&per_page=100").get_json()


def test_place_tokens_round_trip():
    tokens = place_tokens([("株洲市", "茶陵县"), ("株洲市", ""), ("永州市", "")])
    assert tokens == "株洲市 株洲市/茶陵县 永州市"
    assert place_pairs(tokens) == {("株洲市", "茶陵县"), ("株洲市", ""), ("永州市", "")}
    assert mentioned_names(tokens) == ["茶陵县", "永州市"]


def test_mentioned_places_are_a_facet_of_their_own(client):
    data = _hits(client, "q=茶陵")
    mentioned = {v["value"]: v for v in data["facets"]["place"]}
    assert mentioned["茶陵县"]["parent"] == "株洲市"
    chaling = _hits(client, "q=茶陵&place=茶陵县")
    assert chaling["total"] == mentioned["茶陵县"]["count"] > 0
    assert all("茶陵县" in hit["places"] for hit in chaling["hits"])
    assert chaling["query"]["place"] == ["茶陵县"]


def test_a_paragraph_about_a_county_is_found_on_a_page_without_a_county(client):
    # 001 is about 株洲市 as a whole (no county); a paragraph of it naming 茶陵 is still
    # found by the mentioned-place filter, not by the report's county.
    by_place = _hits(client, "place=茶陵县")
    docs = {hit["doc_id"] for hit in by_place["hits"]}
    county_docs = {hit["doc_id"] for hit in _hits(client, "county=茶陵县")["hits"]}
    assert docs - county_docs, (docs, county_docs)


def test_an_unknown_place_is_a_400(client):
    response = client.get("/api/search?place=火星县")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "place"


def test_hits_carry_their_storys_authors_and_dates(client):
    hits = _hits(client, "q=元旦小长假")["hits"]
    assert hits and all(h["doc_id"] == PAGE for h in hits)
    assert hits[0]["authors"] == ["沈全华", "刘娜"]
    assert (hits[0]["date"], hits[0]["date_inferred"], hits[0]["year_inferred"]) == (
        "2023-01-03",
        True,
        True,
    )
    first = [h for h in _hits(client, "q=争当公安火车头")["hits"] if h["doc_id"] == PAGE]
    assert first and all(h["authors"] == ["唐文发"] for h in first)


def test_a_paragraph_is_cited_with_its_own_storys_authors(client):
    hits = [h for h in _hits(client, "q=争当公安火车头")["hits"] if h["doc_id"] == PAGE]
    page = client.get(f"/api/paragraphs/{PAGE}/{hits[0]['n']}").get_json()
    citation = page["citations"]["gbt7714"]
    assert citation.startswith("唐文发. ") and "沈全华" not in citation
    assert "株洲日报, [2023][" in citation  # an inferred year, in brackets
    lead = _hits(client, "q=元旦小长假")["hits"][0]
    cited = client.get(f"/api/paragraphs/{PAGE}/{lead['n']}").get_json()["citations"]["gbt7714"]
    assert cited.startswith("沈全华, 刘娜. 元旦无大案大事")


def test_result_cards_mark_an_inferred_year(client):
    html = client.get("/?q=元旦小长假").get_data(as_text=True)
    assert "2023-01-03（推断）" in html
    assert "段落提及的地点" in html and "报道地点" in html


def test_the_home_region_setting(tmp_path):
    from archivist.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    assert load_settings(tmp_path, gazetteer).home == ""
    (tmp_path / SETTINGS_NAME).write_text("[places]\nhome = 湖南\n", encoding="utf-8")
    assert load_settings(tmp_path, gazetteer).home == "湖南"
    (tmp_path / SETTINGS_NAME).write_text("[places]\nhome = 火星\n", encoding="utf-8")
    bad = load_settings(tmp_path, gazetteer)
    assert bad.home == "" and "火星" in bad.errors[0] and SETTINGS_NAME in bad.errors[0]
    (tmp_path / SETTINGS_NAME).write_bytes(b"\xff\xfe[places")
    assert "cannot be read" in load_settings(tmp_path, gazetteer).errors[0]


def test_an_ingest_reports_a_bad_settings_file_and_goes_on(make_archive, tmp_path):
    archive = make_archive({"a.txt": "标题\n\n茶陵县的民警走访群众。\n"})
    (archive / SETTINGS_NAME).write_text("[places]\nhome = 火星\n", encoding="utf-8")
    result = ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    assert result.documents == 1
    assert any("火星" in message for message in result.catalogue_errors)
    with IndexStore(tmp_path / "index").open().searcher() as searcher:
        block = next(f for f in searcher.documents(rec="block") if "茶陵" in f["text"])
    assert block["places"] == "株洲市 株洲市/茶陵县"  # no home region: unambiguous in China


def test_the_document_page_shows_each_storys_own_facts(client):
    html = client.get(f"/doc/{PAGE}").get_data(as_text=True)
    assert "沈全华、刘娜 | 2023-01-03（推断） | 株洲市" in html
