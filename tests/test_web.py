"""The HTML pages render the same data as the API, escaped, with the right headers."""

from __future__ import annotations

import csv
import io

from archivist.web import create_app

SEED = "000_1393866c2a5a9400"


def test_search_page(client):
    response = client.get("/?q=道路交通")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "<mark>道路交通</mark>" in html
    assert 'value="道路交通"' in html


def test_document_page_anchors_and_hits(client):
    html = client.get(f"/doc/{SEED}?q=茶陵&hit=3").get_data(as_text=True)
    assert 'id="p1"' in html and 'id="p3"' in html
    assert "<mark>茶陵</mark>" in html


def test_a_hit_past_the_last_paragraph_says_so_and_how_many_there_are(client, searcher):
    from oracle import paragraphs

    blocks = sum(p.doc_id == SEED for p in paragraphs(searcher))
    for hit in (blocks + 1, 10**9):
        response = client.get(f"/doc/{SEED}?q=茶陵&hit={hit}")
        assert response.status_code == 200  # the report is there: it is shown
        html = response.get_data(as_text=True)
        assert f"本报道没有第 {hit} 段</strong>：全文共 {blocks} 段" in html
        assert 'class="block' in html and "target" not in html.split('id="text"')[1]
        api = client.get(f"/api/documents/{SEED}?hit={hit}").get_json()
        assert api["target"] == hit and api["target_missing"] is True
    html = client.get(f"/doc/{SEED}?q=茶陵&hit={blocks}").get_data(as_text=True)
    assert "本报道没有第" not in html and 'aria-current="location"' in html
    assert client.get(f"/api/documents/{SEED}?hit={blocks}").get_json()["target_missing"] is False


def test_a_permalink_past_the_last_paragraph_says_how_many_and_leads_to_the_report(
    client, searcher
):
    from oracle import paragraphs

    blocks = sum(p.doc_id == SEED for p in paragraphs(searcher))
    response = client.get(f"/p/{SEED}/{blocks + 1}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f"没有第 {blocks + 1} 段：全文共 {blocks} 段" in html
    assert f'<a href="/doc/{SEED}">打开这篇报道</a>' in html
    api = client.get(f"/api/paragraphs/{SEED}/{blocks + 1}")
    assert api.status_code == 404
    assert f"全文共 {blocks} 段" in api.get_json()["error"]["message"]
    assert client.get(f"/p/{SEED}/{blocks}").status_code == 200


def test_permalink_page(client):
    html = client.get(f"/p/{SEED}/1").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/p/' in html
    assert "[Z/OL]" in html  # the sample names no newspaper: a document, not [N]


def test_bad_parameters_give_an_error_page_not_a_500(client):
    for url in ("/?page=0", "/?per_page=-1", "/?year=abc", "/?sort=x", "/?city=火星市"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "错误 400" in response.get_data(as_text=True)
    assert client.get("/doc/../../etc/passwd").status_code == 404
    assert client.get("/nope").status_code == 404


def test_security_headers_and_methods(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert client.post("/").status_code == 405
    assert client.post("/api/search").get_json()["error"]["status"] == 405


def test_query_is_escaped(client):
    html = client.get('/?q=<script>alert("x")</script>').get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_exports(client):
    csv = client.get("/export.csv?q=道路交通")
    assert csv.status_code == 200
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,doc_id,n,kind")
    assert len(lines) == 8
    exported = client.get("/export.json?q=公安").get_json()
    assert exported["total"] == client.get("/api/search?q=公安").get_json()["total"] > 20
    assert exported["rows"][0]["permalink"].startswith("http://localhost/p/")
    assert client.get("/opensearch.xml").status_code == 200
    atom = client.get("/feed.atom?q=道路交通")
    assert atom.status_code == 200 and b"<feed" in atom.data


def test_exports_cut_at_their_limit_say_so_and_keep_the_true_total(sample_index):
    """A limit of 3 paragraphs and 4 concordance lines stands for 5,000 and 20,000."""
    config = {"TESTING": True, "INDEX_DIR": str(sample_index)}
    client = create_app(config | {"EXPORT_LIMIT": 3, "KWIC_EXPORT_LIMIT": 4}).test_client()
    total = client.get("/api/search?q=公安").get_json()["total"]
    exported = client.get("/export.json?q=公安").get_json()
    assert exported["total"] == total > exported["exported"] == len(exported["rows"]) == 3
    assert len(rows(client.get("/export.csv?q=公安"))) == 1 + 3
    assert f"（前 3 段，共 {total:,} 段）" in client.get("/?q=公安").get_data(as_text=True)
    occurrences = client.get("/api/kwic?q=公安").get_json()["total"]
    assert f"前 4 处，共 {occurrences:,} 处" in client.get("/kwic?q=公安").get_data(as_text=True)
    assert len(rows(client.get("/kwic.csv?q=公安"))) == 1 + 4
    uncut = create_app(config).test_client()
    assert uncut.get("/export.json?q=公安").get_json()["exported"] == total
    assert "全部语境" in uncut.get("/kwic?q=公安").get_data(as_text=True)


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
