"""The HTML pages render the same data as the API, escaped, with the right headers."""

from __future__ import annotations

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
