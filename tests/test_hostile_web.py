"""Hostile requests: odd query strings, bad parameters, path tricks, script injection, other
methods. Always a 400 or 404 with the error shape (JSON for /api/*, an error page otherwise),
never a 500 nor a file outside the index and archive; everything rendered is inert."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from archivist.indexing import ingest, quiet_progress
from archivist.web import create_app, safe_cell

PROJECT = Path(__file__).resolve().parent.parent
SEED = "000_1393866c2a5a9400"
PATHS = ("/", "/api/search", "/export.csv", "/feed.atom")
# the research pages take the same q and filters (their own paging limits differ)
RESEARCH_PATHS = ("/trends", "/api/trends", "/trends.csv", "/kwic", "/api/kwic", "/kwic.csv")


def raw_get(client, path: str, query: bytes):
    """A GET with the query string exactly as given (even invalid percent-encoding)."""
    return client.get(path, environ_overrides={"QUERY_STRING": query.decode("latin-1")})


def assert_error_shape(response, path: str, statuses=(400, 404)) -> None:
    assert response.status_code in statuses, (path, response.status_code)
    if path.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["status"] == response.status_code and error["message"], error
    else:
        assert response.mimetype == "text/html"
        assert f"错误 {response.status_code}" in response.get_data(as_text=True)


# Query strings ---------------------------------------------------------------------------------

ODD_QUERIES = [
    b'q="unbalanced',
    b"q=%22%22",
    b'q="',
    b"q=OR",
    b"q=-",
    b"q=--x",
    b"q=OR+OR+-+%22",
    b"q=-%E9%81%93%E8%B7%AF",
    b"q=(%E9%81%93%E8%B7%AF",
    b"q=*",
    b"q=%E9%81%93*",
    b"q=%3F%3F%3F",
    b"q=a*b%3Fc~2^3",
    b"q=" + b"%E9%81%93" * 10_000,
    b"q=" + b"a" * 10_000,
    b"q=" + b"%E9%81%93+OR+" * 2_000,
    b"q=%00%01%02%1b%7f%c2%85",
    b"q=%E2%80%AE%E2%80%8B%EF%BB%BF",
    b"q=%ZZ%E4%",
    b"q=%ff%fe%c0%af",
    b"q=a&q=b",
    b"q",
    b"&&&==&",
    b"%ZZ=1",
]

BAD_PARAMETERS = [
    (b"page=0", "page"),
    (b"page=1000000000", "page"),
    (b"page=-1", "page"),
    (b"page=1e3", "page"),
    (b"per_page=-1", "per_page"),
    (b"per_page=1000", "per_page"),
    (b"per_page=%00", "per_page"),
    (b"city=%E7%81%AB%E6%98%9F%E5%B8%82", "city"),
    (b"county=%3Cb%3E", "county"),
    (b"city=" + b"x" * 5000, "city"),
    (b"year=abcd", "year"),
    (b"year=99999", "year"),
    (b"year=%D9%A2%D9%A0%D9%A1%D9%A9", "year"),  # Arabic-Indic digits
    (b"year=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%99", "year"),
    (b"year_from=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%99", "year_from"),  # full-width digits
    (b"page=%C2%B2", "page"),
    (b"per_page=%D9%A2", "per_page"),
    (b"sort=%00", "sort"),
    (b"group=%27", "group"),
]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=lambda q: q[:24].decode("latin-1"))
def test_any_query_string_is_answered_without_a_server_error(client, query):
    for path in PATHS + RESEARCH_PATHS:
        response = raw_get(client, path, query)
        assert response.status_code in (200, 400), (path, response.status_code)
        if response.status_code == 400:
            assert_error_shape(response, path)
        elif path == "/api/search":
            assert isinstance(response.get_json()["hits"], list)


@pytest.mark.parametrize("query,param", BAD_PARAMETERS, ids=lambda q: str(q)[:24])
def test_bad_parameters_are_a_400_naming_the_parameter(client, query, param):
    for path in PATHS:
        response = raw_get(client, path, query)
        assert_error_shape(response, path, statuses=(400,))
        if path == "/api/search":
            assert response.get_json()["error"]["param"] == param


@pytest.mark.parametrize("hit", ["%C2%B2", "%D9%A2", "-1", "x", "99999999999999"])
def test_a_bad_hit_parameter_is_a_400_naming_it(client, hit):
    response = client.get(f"/doc/{SEED}?q=%E5%85%AC%E5%AE%89&hit={hit}")
    assert_error_shape(response, "/doc", statuses=(400,))
    assert "hit" in response.get_data(as_text=True)


def test_extreme_but_valid_paging_is_an_empty_page(client):
    data = client.get("/api/search?q=%E5%85%AC%E5%AE%89&page=1000&per_page=100").get_json()
    assert data["hits"] == [] and data["total"] > 0


# Paths -----------------------------------------------------------------------------------------

TRICK_PATHS = [
    "/doc/../../etc/passwd",
    "/doc/..%2F..%2Fetc%2Fpasswd",
    "/doc/%2e%2e/%2e%2e/etc/passwd",
    "/doc//etc/passwd",
    "/doc/%2Fetc%2Fpasswd",
    "/doc/C:%5Cwindows%5Cwin.ini",
    "/doc/%00",
    "/doc/nope",
    f"/doc/{SEED}/../{SEED}",
    "/raw/..%2F..%2Fetc%2Fpasswd",
    "/raw/../archivist/web",
    "/raw/%2e%2e/archivist/web",
    "/raw//etc/passwd",
    "/raw/%2Fetc%2Fpasswd",
    "/raw/%2F%2Fetc%2Fpasswd",
    f"/raw/{SEED}.txt",
    f"/raw/{SEED}%00",
    "/raw/userdict",
    "/raw/catalog",
    "/static/..%2F..%2Fetc%2Fpasswd",
    "/static/../archivist/web.py",
    "/static/%2e%2e/setup.cfg",
    "/p/nope/1",
    f"/p/{SEED}/0",
    f"/p/{SEED}/-1",
    f"/p/{SEED}/99999",
    f"/p/{SEED}/99999999999999999999999",
    f"/p/{SEED}/1x",
    "/p/..%2F..%2Fetc%2Fpasswd/1",
    "/api/documents/..%2F..%2Fetc%2Fpasswd",
    "/api/documents//etc/passwd",
    "/api/documents/nope",
    "/api/paragraphs/nope/1",
    f"/api/paragraphs/{SEED}/99999",
    f"/api/paragraphs/{SEED}/-3",
    "/api/nope",
    "/nope",
]


@pytest.mark.parametrize("path", TRICK_PATHS)
def test_path_tricks_are_a_404_with_the_error_shape(client, path):
    response = client.get(path)
    assert_error_shape(response, path)
    body = response.get_data(as_text=True)
    assert "root:" not in body and "import " not in body and "[metadata]" not in body


def test_raw_serves_only_indexed_reports_inside_the_archive(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "kept.txt").write_text("保留的报告\n\n正文。\n", encoding="utf-8")
    (archive / "swapped.txt").write_text("被换掉的报告\n\n正文。\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("秘密\n", encoding="utf-8")
    index = tmp_path / "index"
    ingest(archive, index, jobs=1, progress=quiet_progress)
    (archive / "later.txt").write_text("后来的报告\n\n正文。\n", encoding="utf-8")
    (archive / "swapped.txt").unlink()
    (archive / "swapped.txt").symlink_to(secret)  # indexed, then pointed outside
    client = create_app(
        {"TESTING": True, "INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive)}
    ).test_client()
    kept = client.get("/raw/kept")
    assert kept.status_code == 200 and kept.data == (archive / "kept.txt").read_bytes()
    assert kept.mimetype == "text/plain"
    for path in ("/raw/swapped", "/raw/later", "/raw/../secret", "/raw/..%2Fsecret"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "秘密" not in response.get_data(as_text=True)


def test_an_unavailable_index_is_a_503_naming_no_server_path(tmp_path, sample_index):
    outdated = tmp_path / "outdated"
    shutil.copytree(sample_index, outdated)
    live = next(outdated.glob("gen-*"))
    settings = json.loads((live / "settings.json").read_text(encoding="utf-8"))
    settings["analysis_version"] = "0"  # as if built by an older version of the code
    (live / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    for index in (tmp_path / "missing", outdated):
        app = create_app({"TESTING": True, "INDEX_DIR": str(index), "ARCHIVE_DIR": str(tmp_path)})
        client = app.test_client()
        for path in ("/", "/api/search", f"/doc/{SEED}", f"/api/documents/{SEED}"):
            response = client.get(path)
            assert_error_shape(response, path, statuses=(503,))
            assert str(tmp_path) not in response.get_data(as_text=True)
            assert_security_headers(response.headers)


# Methods and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_only_read_methods(client, method):
    for path in ("/", "/api/search", f"/doc/{SEED}", f"/api/documents/{SEED}", f"/raw/{SEED}"):
        response = getattr(client, method)(path, data="x=1")
        assert_error_shape(response, path, statuses=(405,))
        assert set(response.headers["Allow"].replace(" ", "").split(",")) <= {
            "GET",
            "HEAD",
            "OPTIONS",
        }


SECURITY_URLS = (
    "/",
    "/?q=%E9%81%93%E8%B7%AF",
    "/api/search?q=x",
    "/export.csv",
    "/feed.atom",
    "/opensearch.xml",
    f"/doc/{SEED}",
    f"/p/{SEED}/1",
    f"/raw/{SEED}",
    "/static/style.css",
    "/nope",
    "/api/nope",
    "/?page=0",
)


def assert_security_headers(headers) -> None:
    csp = headers["Content-Security-Policy"]
    directives = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    script = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert "'self'" in script and "*" not in script.split(), csp
    assert directives["frame-ancestors"].strip() == "'none'", csp
    assert directives.get("object-src", "").strip() == "'none'", csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "Server" not in headers


@pytest.mark.parametrize("url", SECURITY_URLS)
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400, 404), url
    assert_security_headers(response.headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def waitress_port(sample_index):
    """The real server (``manage.py serve``, waitress) on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--index", str(sample_index), "--port", str(port)],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(30)


def test_waitress_sends_no_version_banner(waitress_port):
    answers = [
        raw_http(waitress_port, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        raw_http(waitress_port, b"GET /nope HTTP/1.0\r\n\r\n"),
        raw_http(waitress_port, b"POST /api/search HTTP/1.0\r\nContent-Length: 3\r\n\r\nx=1"),
        raw_http(waitress_port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n"),
        raw_http(waitress_port, b"BREW /\x00 HTTP/9\r\n\r\n"),
    ]
    for answer in answers:
        head = answer.partition(b"\r\n\r\n")[0]
        assert head.startswith(b"HTTP/1."), answer[:200]
        lowered = answer.lower()
        assert b"\r\nserver:" not in lowered and b"\r\nvia:" not in lowered, head
        for name in (b"waitress", b"werkzeug", b"flask", b"python"):
            assert name not in lowered, (name, answer[:300])
    status_codes = [int(answer.split(b" ", 2)[1]) for answer in answers]
    assert status_codes[:3] == [200, 404, 405]
    assert all(code == 400 for code in status_codes[3:]), status_codes
    head, _, _ = answers[0].partition(b"\r\n\r\n")
    headers = dict(
        line.decode("latin-1").split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
    )
    assert_security_headers(headers)


# Cross-site scripting --------------------------------------------------------------------------

XSS = "<script>alert(1)</script>\"'><xss-pwned xss-attr=1>"
ATTRIBUTE_BREAKERS = ['" onmouseover="alert(2)" xss-attr="', "' onfocus='alert(3)' xss-attr='"]
FORMULAS = ['=HYPERLINK("http://x.invalid","点")', "+1+1", "-2+3", "@SUM(1)"]


class Inertness(HTMLParser):
    """Collects what would run in a browser: inline scripts, event handlers, javascript: URLs,
    and any element or attribute the injected text would create."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not (attributes.get("src") or "").startswith("/static/"):
                self.problems.append(f"script without our own src: {attrs}")
        if tag == "xss-pwned" or "xss-pwned" in attributes:
            self.problems.append(f"injected element: <{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on") or name == "xss-attr":
                self.problems.append(f"injected attribute {name}={value!r} on <{tag}>")
            value = (value or "").strip().lower()
            if name in ("href", "src", "action", "formaction") and value.startswith(
                ("javascript:", "data:text/html", "vbscript:")
            ):
                self.problems.append(f"script URL {value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")
        self.text.append(data)


def inert(html: str) -> str:
    """The text of an HTML page or fragment, after checking nothing in it can run."""
    checker = Inertness()
    checker.feed(html)
    checker.close()
    assert not checker.problems, checker.problems[:5]
    return "".join(checker.text)


@pytest.fixture(scope="module")
def xss(tmp_path_factory):
    """An archive whose report, file name and catalogue row carry script and formula text."""
    base = tmp_path_factory.mktemp("xss")
    archive = base / "archive"
    archive.mkdir()
    lines = [
        f"{XSS}标题",
        *ATTRIBUTE_BREAKERS,
        *FORMULAS,
        f"正文{XSS}{ATTRIBUTE_BREAKERS[0]}注入标记。",
    ]
    doc_id = "\"'><xss-pwned xss-attr=1>=cmd"
    (archive / f"{doc_id}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (archive / "=HYPERLINK(1).txt").write_text("公式文件名\n\n注入标记。\n", encoding="utf-8")
    catalogue = io.StringIO()
    rows = csv.writer(catalogue)
    rows.writerow(["file", "title", "source", "date", "authors", "url"])
    url = "https://example.org/\"'><xss-pwned>"
    rows.writerow([f"{doc_id}.txt", f"{XSS}编目", XSS, "2021", f"甲{XSS};乙", url])
    (archive / "catalog.csv").write_text(catalogue.getvalue(), encoding="utf-8")
    index = base / "index"
    result = ingest(archive, index, jobs=1, progress=quiet_progress)
    assert result.documents == 2, (result.skipped, result.catalogue_errors)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive)})
    return {"client": app.test_client(), "app": app, "doc_id": doc_id}


def xss_urls(xss) -> list[str]:
    """Every GET route of the app, filled with the hostile document and query."""
    doc = quote(xss["doc_id"], safe="")
    q = quote(f"注入标记 {XSS}")
    urls = [f"/?q={q}", f"/?q={quote('注入标记')}", f"/?q={quote(XSS)}", f"/?city={quote(XSS)}"]
    for rule in xss["app"].url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.rule.replace("<path:doc_id>", doc).replace("<int:n>", "1")
        if "<" in path:
            continue  # a route with parameters unknown here
        urls += [path, f"{path}?q={q}&hit=1"]
    return urls


def test_injected_text_is_inert_everywhere(xss):
    client = xss["client"]
    seen_in_html = 0
    for url in xss_urls(xss):
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
        body = response.get_data(as_text=True)
        kind = response.mimetype
        if kind == "text/html":
            text = inert(body)
            seen_in_html += "<script>alert(1)</script>" in text
        elif kind == "application/json":
            check_json(json.loads(body))
        elif kind in ("application/atom+xml", "application/opensearchdescription+xml"):
            check_feed(body)
        elif kind == "text/csv":
            check_csv(body)
        else:
            assert kind in ("text/plain", "application/octet-stream"), (url, kind)
        assert_security_headers(response.headers)
    assert seen_in_html >= 4  # search, document, permalink pages and the error page show it


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def check_json(value) -> None:
    """JSON is data (escaped by the page that shows it); its ready-made HTML must be inert."""
    if isinstance(value, dict):
        for key, item in value.items():
            if "html" in key and isinstance(item, str):
                inert(item)
            check_json(item)
    elif isinstance(value, list):
        for item in value:
            check_json(item)


def check_feed(body: str) -> None:
    root = ET.fromstring(body)  # well-formed: the injected text did not break the XML
    for element in root.iter():
        is_text = element.tag.endswith(("}summary", "}content"))
        if is_text and element.get("type") == "html":
            inert(element.text or "")
        assert not element.tag.endswith("xss-pwned")


def check_csv(body: str) -> None:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_csv_export_guards_against_formulas(xss):
    response = xss["client"].get("/export.csv")
    body = response.get_data(as_text=True)
    check_csv(body)
    cells = {cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row}
    assert "'" + FORMULAS[0] in cells  # kept, made inert by the quote
    assert any(cell.startswith("'=HYPERLINK(1)") for cell in cells)  # the file name too


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1"])
def test_every_formula_start_is_quoted(cell):
    """The six starts a spreadsheet reads as a formula (OWASP's list), tab and carriage
    return too, which the export fixture cannot put at the start of a cell."""
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("1" + cell) == "1" + cell


def test_citations_and_feed_keep_the_text_but_never_the_markup(xss):
    client = xss["client"]
    doc = quote(xss["doc_id"], safe="")
    page = client.get(f"/api/paragraphs/{doc}/1").get_json()
    assert any(XSS in text for text in strings(page))  # data, for the page to escape
    html = client.get(f"/p/{doc}/1").get_data(as_text=True)
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", html)
    feed = client.get(f"/feed.atom?q={quote('注入标记')}").get_data(as_text=True)
    check_feed(feed)
    assert "&lt;script&gt;" in feed


@pytest.mark.parametrize(
    "url, back",
    [
        # a research page refused shows its own form again (test_refused_forms.py)
        ("/trends?q=a&q=b&q=c&q=d&q=e&q=f&q=g", 'action="/trends"'),
        ("/trends.csv", 'action="/trends"'),
        ("/kwic?q=a&width=3", 'action="/kwic"'),
        ("/docs?page=0", '<a href="/docs">返回报道列表</a>'),
        ("/?page=0", '<a href="/">返回检索首页</a>'),
    ],
)
def test_an_error_page_leads_back_to_the_page_asked_for(client, url, back):
    response = client.get(url)
    assert response.status_code == 400 and back in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/kwic", "/trends"])
def test_bidi_controls_in_a_query_cannot_turn_the_page_text_around(client, path):
    """An override (U+202E) echoed in the search box and the reading reversed the rest of each
    line; it is dropped, and the search is the one without it."""
    q = "\u202e公安 \u2067民警\u2069"
    html = client.get(path, query_string={"q": q}).get_data(as_text=True)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html)
    assert 'value="公安 民警"' in html
    api = {"/": "/api/search", "/kwic": "/api/kwic", "/trends": "/api/trends"}[path]
    odd, plain = (client.get(api, query_string={"q": s}).get_json() for s in (q, "公安 民警"))
    assert odd.pop("took_ms") >= 0 and plain.pop("took_ms") >= 0
    assert odd == plain
