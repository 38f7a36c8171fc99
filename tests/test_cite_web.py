"""Citing through the web: the public address and the Host header, cache headers, the permalink
page's formats and tags, citing several hits at once, with the Flask client on real indexes."""

from __future__ import annotations

import re
import shutil
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import quote

import bibtexparser
import pytest
import rispy

from archivist.address import AddressError, base_url, public_url, trusted_host
from archivist.indexing import ingest
from archivist.web import create_app

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
SEED = "000_1393866c2a5a9400"
HOSTILE = "evil.example"
PUBLIC = "https://archive.example.org"


@pytest.fixture(scope="module")
def catalogued_seed(tmp_path_factory):
    """The seed report with a catalogue row giving 株洲日报, a date and a page (版次)."""
    archive = tmp_path_factory.mktemp("seed-archive")
    shutil.copy(ARCHIVE / f"{SEED}.txt", archive)
    (archive / "catalog.csv").write_text(
        f"file,source,date,page\n{SEED}.txt,株洲日报,2021-12-10,第3版\n", encoding="utf-8"
    )
    index = tmp_path_factory.mktemp("seed-index")
    assert not ingest(archive, index, rebuild=True, jobs=1).skipped
    return {"INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive), "TESTING": True}


@pytest.fixture
def seed_client(catalogued_seed):
    return create_app(catalogued_seed).test_client()


@pytest.fixture
def public_client(catalogued_seed):
    return create_app(catalogued_seed | {"PUBLIC_URL": PUBLIC + "/"}).test_client()


# The seed cited as the standard cites a newspaper ---------------------------------------------


def test_the_seed_with_a_catalogue_row_reads_like_the_standards_example(seed_client):
    data = seed_client.get(f"/api/paragraphs/{SEED}/5").get_json()
    cited = data["citations"]
    today = date.today().isoformat()
    # GB/T 7714-2015 §4.4, the standard's example:
    # 余建斌. 我们的科技一直在追赶: 访…[N/OL]. 人民日报, 2013-01-12(2)[2013-03-20]. http://…
    assert cited["gbt7714"] == (
        "戴鹏, 周志军, 李志亮, 等. 撑起一方晴朗的天: 茶陵县公安局服务保障经济社会高质量发展工作纪实"
        f"[N/OL]. 株洲日报, 2021-12-10(3)[{today}]. {data['permalink']}."
    )
    assert cited["csl"]["type"] == "article-newspaper" and cited["csl"]["page"] == "3"
    assert set(cited) >= {"csl", "gbt7714", "gbt7714_2025", "apa", "mla", "bibtex", "ris"}
    assert cited["bibtex"].startswith("@article{zhuzhou2021chengqi,\n")
    assert cited["ris"].startswith("TY  - NEWS\r\n")
    assert cited["in_text"]["apa"].endswith("2021, para. 5)")


def test_the_metadata_shows_the_page(seed_client):
    meta = seed_client.get(f"/api/documents/{SEED}").get_json()["meta"]
    assert meta["page"] == "3" and meta["provenance"]["page"] == "catalogue"
    assert "版次" in seed_client.get(f"/doc/{SEED}").get_data(as_text=True)


# The address of every absolute URL --------------------------------------------------------------


def test_public_url_is_checked():
    assert public_url("https://archive.example.org/") == PUBLIC
    assert public_url("http://127.0.0.1:8080/archive") == "http://127.0.0.1:8080/archive"
    for bad in (
        "archive.example.org",
        "ftp://x.org",
        "https://",
        "https://a.org/?q=1",
        "http://u@a.org",
    ):
        with pytest.raises(AddressError):
            public_url(bad)


def test_only_loopback_or_allowed_hosts_are_trusted():
    assert trusted_host("localhost:5000") and trusted_host("127.0.0.1") and trusted_host("[::1]:80")
    assert not trusted_host(HOSTILE) and not trusted_host("localhost.evil.example")
    assert not trusted_host("a b") and not trusted_host("")
    assert trusted_host("archive.lan:8000", ("archive.lan",))
    assert base_url("", "http", HOSTILE, (), "http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert base_url(PUBLIC, "http", "localhost", (), "http://x") == PUBLIC


def every_output(client, host: str | None = None) -> dict[str, str]:
    """The text of every page and file that prints absolute URLs."""
    headers = {"Host": host} if host else {}
    urls = {
        "permalink": f"/p/{SEED}/5",
        "paragraph api": f"/api/paragraphs/{SEED}/5",
        "document": f"/doc/{SEED}",
        "document api": f"/api/documents/{SEED}",
        "csv": "/export.csv?q=茶陵",
        "json": "/export.json?q=茶陵",
        "trends csv": "/trends.csv?q=茶陵",
        "kwic csv": "/kwic.csv?q=茶陵",
        "atom": "/feed.atom?q=茶陵",
        "opensearch": "/opensearch.xml",
        "cite": f"/cite?p={SEED}/5&p={SEED}/6",
        "ris": f"/cite?p={SEED}/5&format=ris",
        "bib": f"/cite?p={SEED}/5&format=bib",
        "csl": f"/cite?p={SEED}/5&format=json",
    }
    out = {}
    for name, url in urls.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = response.get_data(as_text=True)
    return out


def test_a_hostile_host_header_never_reaches_the_output(seed_client):
    for name, text in every_output(seed_client, HOSTILE).items():
        assert HOSTILE not in text, name
    page = seed_client.get(f"/p/{SEED}/5", headers={"Host": HOSTILE}).get_data(as_text=True)
    assert '<link rel="canonical" href="http://127.0.0.1:5000/p/' in page


def test_the_public_address_writes_every_absolute_url(public_client):
    outputs = every_output(public_client, HOSTILE)
    for name, text in outputs.items():
        assert HOSTILE not in text and "localhost" not in text, name
        if name not in ("document api",):
            assert PUBLIC in text, name
    assert f'<link rel="canonical" href="{PUBLIC}/p/{SEED}/5?v=' in outputs["permalink"]
    assert f'<link rel="canonical" href="{PUBLIC}/doc/{SEED}">' in outputs["document"]
    assert "本机地址" not in outputs["permalink"]


def test_without_a_public_address_the_permalink_page_says_the_link_is_local(seed_client):
    html = seed_client.get(f"/p/{SEED}/5").get_data(as_text=True)
    assert "本机地址" in html and "--public-url" in html
    assert '<link rel="canonical" href="http://localhost/p/' in html  # a trusted Host is kept


def test_the_public_address_from_the_environment(catalogued_seed, monkeypatch):
    monkeypatch.setenv("ARCHIVIST_PUBLIC_URL", "https://env.example.org")
    client = create_app(catalogued_seed).test_client()
    data = client.get(f"/api/paragraphs/{SEED}/5").get_json()
    assert data["permalink"].startswith(f"https://env.example.org/p/{SEED}/5?v=")
    monkeypatch.setenv("ARCHIVIST_PUBLIC_URL", "not an address")
    with pytest.raises(AddressError):
        create_app(catalogued_seed)


def test_serve_refuses_a_bad_public_url(runner, tmp_path):
    result = runner.invoke("serve", "--index", str(tmp_path), "--public-url", "ftp://x")
    assert result.exit_code == 2 and "--public-url" in result.output


# Cache headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/p/{SEED}/5",
        f"/api/paragraphs/{SEED}/5",
        f"/raw/{SEED}",
        f"/doc/{SEED}",
        "/opensearch.xml",
    ],
)
def test_permalinks_documents_and_raw_files_are_cacheable(seed_client, public_client, url):
    response = seed_client.get(url)
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Vary"] == "Host"  # links follow the (trusted) Host header
    public = public_client.get(url)
    assert (
        public.headers["Cache-Control"] == "public, max-age=3600" and "Vary" not in public.headers
    )


@pytest.mark.parametrize(
    "url",
    [
        "/?q=茶陵",
        "/api/search?q=茶陵",
        "/export.csv?q=茶陵",
        "/feed.atom?q=茶陵",
        f"/cite?p={SEED}/5",
        f"/p/{SEED}/9999",
        "/?page=abc",
    ],
)
def test_searches_citations_of_a_selection_and_errors_are_not_cached(seed_client, url):
    assert seed_client.get(url).headers["Cache-Control"] == "no-store"


# The permalink and document pages --------------------------------------------------------------


def meta_tags(html: str) -> list[tuple[str, str]]:
    return [
        (name, unescape(content))
        for name, content in re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', html)
    ]


def test_zotero_finds_the_citation_on_permalink_and_document_pages(seed_client):
    for url in (f"/p/{SEED}/5", f"/doc/{SEED}"):
        tags = meta_tags(seed_client.get(url).get_data(as_text=True))
        named = dict(tags)
        assert named["citation_title"].startswith("撑起一方晴朗的天"), url
        assert [v for k, v in tags if k == "citation_author"][:2] == ["戴鹏", "周志军"], url
        assert named["citation_publication_date"] == "2021/12/10", url
        assert named["citation_journal_title"] == "株洲日报", url
        assert named["citation_public_url"].startswith("http://localhost/"), url


def test_the_permalink_page_offers_every_format_and_the_downloads(seed_client):
    html = seed_client.get(f"/p/{SEED}/5").get_data(as_text=True)
    for box in ("gbt7714", "gbt7714_2025", "apa", "mla", "bibtex", "ris", "url"):
        assert f'<pre id="cite-{box}"' in html, box
    downloads = re.findall(r'<a href="(/cite\?[^"]+)" type="([^"]+)" download>', html)
    assert [t for _, t in downloads] == [
        "application/x-research-info-systems",
        "application/x-bibtex",
        "application/vnd.citationstyles.csl+json",
    ]
    for href, media_type in downloads:
        response = seed_client.get(unescape(href))
        assert response.mimetype == media_type
        assert response.headers["Content-Disposition"].startswith("attachment; filename=citations.")


# Citing several hits at once -------------------------------------------------------------------


def test_hits_can_be_ticked_into_one_citation_form(seed_client):
    html = seed_client.get("/?q=茶陵").get_data(as_text=True)
    assert '<form id="cite-form" class="cite-selection" action="/cite" method="get">' in html
    boxes = re.findall(r'<input type="checkbox" form="cite-form" name="p" value="([^"]+)">', html)
    assert boxes and all(b.startswith(f"{SEED}/") for b in boxes)
    assert '<select id="cite-format" name="format">' in html and 'value="ris"' in html


def test_several_paragraphs_as_one_numbered_bibliography(seed_client):
    url = f"/cite?p={SEED}/5&p={SEED}/7&p={SEED}/5&format=gbt7714"
    html = seed_client.get(url).get_data(as_text=True)
    entries = re.findall(r'<li><span class="label">(\[\d\])</span> (.*?)</li>', html)
    assert [label for label, _ in entries] == ["[1]", "[2]"]  # the repeated paragraph once
    assert "/p/000_1393866c2a5a9400/7?v=" in entries[1][1]
    data = seed_client.get(url.replace("/cite", "/api/cite")).get_json()
    assert data["total"] == 2 and data["bibliography"][0]["text"].startswith("戴鹏")
    apa = seed_client.get(url.replace("gbt7714", "apa")).get_data(as_text=True)
    assert "<li>戴鹏" in apa and '<span class="label">[' not in apa


def test_several_paragraphs_as_one_file(seed_client):
    ids = "&".join(f"p={SEED}/{n}" for n in (5, 6, 7))
    ris = seed_client.get(f"/cite?{ids}&format=ris")
    assert ris.mimetype == "application/x-research-info-systems"
    entries = rispy.loads(ris.get_data(as_text=True))
    assert [e["type_of_reference"] for e in entries] == ["NEWS"] * 3
    assert len({e["urls"][0] for e in entries}) == 3
    bib = seed_client.get(f"/cite?{ids}&format=bib")
    assert bib.mimetype == "application/x-bibtex"
    library = bibtexparser.parse_string(bib.get_data(as_text=True))
    assert [e.key for e in library.entries] == [
        "zhuzhou2021chengqi",
        "zhuzhou2021chengqia",
        "zhuzhou2021chengqib",
    ]
    csl = seed_client.get(f"/cite?{ids}&format=json")
    assert csl.mimetype == "application/vnd.citationstyles.csl+json"
    assert [i["type"] for i in csl.get_json(force=True)] == ["article-newspaper"] * 3


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("", "p"),
        (f"p={SEED}/5&format=docx", "format"),
        ("p=nonumber", "p"),
        ("&".join(f"p=d/{n}" for n in range(1, 102)), "p"),
    ],
)
def test_a_bad_selection_is_a_400_naming_the_parameter(seed_client, query, param):
    response = seed_client.get(f"/api/cite?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


def test_a_missing_paragraph_in_a_selection_is_a_404(seed_client):
    assert seed_client.get(f"/cite?p={quote(SEED)}/9999").status_code == 404
