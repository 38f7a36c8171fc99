"""The Flask application: routes, the per-request searcher, errors and response headers.

Views are thin: parse the request (``query.py``), build the page data (``pages.py``), then
render it as HTML or JSON.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException

from . import address, analysis, bibfiles
from .formats import DOCX_MEDIA_TYPE
from .indexing import IndexError_, IndexStore
from .pages import (
    Moved,
    cite_page,
    document_api,
    document_page,
    documents_page,
    export_rows,
    feed_page,
    home_page,
    paragraph_page,
    search_page,
    search_url,
)
from .query import (
    FOLDED_PARAMS,
    ParamError,
    SearchQuery,
    parse_cite_args,
    parse_docs_args,
    parse_document_args,
    parse_search_args,
    permalink_version,
)
from .research_pages import KWIC_EXPORT_LIMIT
from .search import NotFound, count

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPORT_LIMIT = 5000  # paragraphs in /export.csv and /export.json (config EXPORT_LIMIT)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id",
    "doc_id",
    "n",
    "kind",
    "title",
    "story",
    "city",
    "county",
    "year",
    "year_inferred",
    "date",
    "date_inferred",
    "authors",
    "places",
    "permalink",
    "text",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# On every answer, the server's own error answers too (``serving.py``).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Characters XML 1.0 forbids (C0 controls but tab and line breaks, lone surrogates, U+FFFE and
# U+FFFF): a query or a report may hold them, an XML document may not.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Originals served by /raw: a saved web page is shown, never run (no scripts, no requests to
# other sites); a PDF may be shown by the browser's own viewer (which 'object-src none' blocks).
RAW_CSP = {
    "text/html": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
    "application/pdf": "default-src 'none'; object-src 'self'; frame-ancestors 'none'",
}

CACHEABLE = "public, max-age=3600"  # permalinks, documents, raw files: stable between ingests
NOT_CACHEABLE = "no-store"  # searches, exports, feeds, citations of a selection, errors
CACHEABLE_VIEWS = {
    "archive.paragraph_view",
    "archive.paragraph_api",
    "archive.document_view",
    "archive.document_json",
    "archive.raw_view",
    "archive.opensearch",
}
LOCAL_URL = "http://127.0.0.1:5000"

log = logging.getLogger(__name__)
bp = Blueprint("archive", __name__)


class Unavailable(Exception):
    """The index cannot be opened (not built yet, or unreadable)."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``test_config`` overrides the defaults."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.url_map.merge_slashes = False  # "/raw//etc/x" is a 404, not a redirect to "/raw/etc/x"
    app.config.from_mapping(
        INDEX_DIR=str(PROJECT_ROOT / "index"),
        ARCHIVE_DIR=None,  # None: the archive the index was built from (its settings say)
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=1024,
        PUBLIC_URL=os.environ.get(address.ENV_PUBLIC_URL, ""),  # "": none, links are local
        ALLOWED_HOSTS=(),  # Host names trusted besides loopback ones, without a public address
        LOCAL_URL=LOCAL_URL,  # the address links use when the Host header is not trusted
        EXPORT_LIMIT=EXPORT_LIMIT,
        KWIC_EXPORT_LIMIT=KWIC_EXPORT_LIMIT,
    )
    if test_config:
        app.config.update(test_config)
    public = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = address.public_url(public) if public else ""  # AddressError
    app.json.ensure_ascii = False
    init_app(app)
    app.register_blueprint(bp)
    from .research_web import bp as research  # imports this module: registered once it loaded

    app.register_blueprint(research)
    return app


def init_app(app: Flask) -> None:
    """Open the index store once; let go of each request's searcher when the request ends."""
    app.extensions["archivist"] = IndexStore(Path(app.config["INDEX_DIR"]))
    app.teardown_appcontext(_close_searcher)
    app.after_request(_security_headers)
    app.after_request(_cache_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ParamError, _param_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Unavailable, _unavailable)
    app.register_error_handler(Exception, _internal_error)
    app.jinja_env.globals["kind_class"] = lambda kind: f"kind-{kind}"


def store() -> IndexStore:
    return current_app.extensions["archivist"]


def base_url() -> str:
    """Scheme and host of the absolute URLs of this response (see :mod:`address`)."""
    config = current_app.config
    return address.base_url(
        config["PUBLIC_URL"],
        request.scheme,
        request.headers.get("Host", ""),
        tuple(config["ALLOWED_HOSTS"]),
        config["LOCAL_URL"],
    )


def get_searcher():
    """This request's searcher on the latest committed index (its thread's, kept between
    requests while the index does not change)."""
    if "searcher" not in g:
        try:
            searcher, userdict = store().kept_searcher()  # the live generation's latest commit
        except (IndexError_, OSError, ValueError) as exc:
            raise Unavailable(str(exc)) from exc
        analysis.use_user_dictionary_in_thread(userdict)  # this request's, no other thread's
        g.searcher = searcher
    return g.searcher


def _close_searcher(_exc: BaseException | None = None) -> None:
    """The request is done with its searcher (the thread keeps it: see kept_searcher)."""
    if g.pop("searcher", None) is not None:
        analysis.use_user_dictionary_in_thread(None)


# Responses -----------------------------------------------------------------------------------


def wants_json() -> bool:
    return request.path.startswith("/api/")


ERROR_WAYS_BACK = {
    "/trends": ("/trends", "返回词频趋势"),
    "/trends.csv": ("/trends", "返回词频趋势"),
    "/kwic": ("/kwic", "返回语境"),
    "/kwic.csv": ("/kwic", "返回语境"),
    "/docs": ("/docs", "返回报道列表"),
}


def error_response(
    status: int, message: str, param: str | None = None, back: tuple[str, str] | None = None
) -> Response:
    """The JSON error shape for the API, an error page for the rest (leading on by ``back``,
    else back to the page the request was for, or to the search)."""
    if wants_json():
        error: dict[str, Any] = {"status": status, "message": message}
        if param:
            error["param"] = param
        response = jsonify({"error": error})
    else:
        response = Response(
            render_template(
                "error.html",
                status=status,
                message=message,
                param=param,
                back=back or ERROR_WAYS_BACK.get(request.path, ("/", "返回检索首页")),
            ),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    messages = {404: "没有这个页面", 405: "只支持 GET 请求", 413: "请求太大"}
    response = error_response(exc.code or 500, messages.get(exc.code, exc.description or ""))
    if exc.code == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


def _param_error(exc: ParamError) -> Response:
    return error_response(400, exc.message, exc.param)


def _not_found(exc: NotFound) -> Response:
    return error_response(404, str(exc.args[0]) if exc.args else "找不到", back=exc.back)


def _unavailable(exc: Unavailable) -> Response:
    log.error("index unavailable: %s", exc)  # the detail names server paths: logged, not shown
    return error_response(503, "索引暂时不可用，请稍后再试")


def _internal_error(exc: Exception) -> Response:
    log.exception("internal error")
    return error_response(500, "内部错误，已记录")


def _security_headers(response: Response) -> Response:
    own_policy = response.headers.get("Content-Security-Policy")  # /raw sets its own
    response.headers.update(SECURITY_HEADERS)
    if own_policy:
        response.headers["Content-Security-Policy"] = own_policy
    response.headers.pop("Server", None)
    return response


def _cache_headers(response: Response) -> Response:
    """Permalinks, documents and raw files may be cached; searches and errors may not. Without
    a public address the links in a page follow the Host header: ``Vary: Host`` says so."""
    if request.endpoint == "static":
        return response  # Flask's own validators (ETag, Last-Modified) apply
    cacheable = response.status_code == 200 and request.endpoint in CACHEABLE_VIEWS
    response.headers["Cache-Control"] = CACHEABLE if cacheable else NOT_CACHEABLE
    if cacheable and not current_app.config["PUBLIC_URL"]:
        response.headers["Vary"] = "Host"
    return response


# Search --------------------------------------------------------------------------------------


@bp.get("/")
def search_view():
    """The landing page without a query or filter; the search results with one."""
    query = parse_search_args(request.args)
    if any(name in request.args for name in FOLDED_PARAMS):
        return redirect(search_url(query), 303)  # their terms are now in q
    if query.is_blank:
        return render_template("home.html", page=home_page(get_searcher()))
    page = search_page(get_searcher(), query, current_app.config["EXPORT_LIMIT"])
    return render_template("search.html", page=page)


@bp.get("/docs")
def documents_view() -> str:
    """The report list: browse by newspaper, place and date."""
    query = parse_docs_args(request.args)
    return render_template("docs.html", page=documents_page(get_searcher(), query))


@bp.get("/api/search")
def search_api() -> Response:
    query = parse_search_args(request.args)
    return jsonify(search_page(get_searcher(), query, current_app.config["EXPORT_LIMIT"]))


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@bp.get("/export.csv")
def export_csv() -> Response:
    query = parse_search_args(request.args)
    rows = export_rows(get_searcher(), query, current_app.config["EXPORT_LIMIT"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    base = base_url()
    for row in rows:
        lists = {name: "；".join(row.get(name) or []) for name in ("authors", "places")}
        row = row | lists | {"permalink": base + row["permalink"]}
        writer.writerow([safe_cell(row.get(c, "")) for c in CSV_COLUMNS])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=archive-results.csv"
    return response


@bp.get("/export.json")
def export_json() -> Response:
    """The whole current result list (up to the EXPORT_LIMIT first rows) with full texts, as
    JSON: ``total`` is the search's, ``exported`` how many rows this holds."""
    query = parse_search_args(request.args)
    base = base_url()
    limit = current_app.config["EXPORT_LIMIT"]
    rows = [
        {key: row.get(key) for key in CSV_COLUMNS} | {"permalink": base + row["permalink"]}
        for row in export_rows(get_searcher(), query, limit)
    ]
    total = count(get_searcher(), query) if len(rows) >= limit else len(rows)
    response = jsonify({"query": query.echo(), "total": total, "exported": len(rows), "rows": rows})
    response.headers["Content-Disposition"] = "attachment; filename=archive-results.json"
    return response


def xml_response(xml: str, mimetype: str) -> Response:
    """An XML answer, well-formed whatever the data: forbidden characters become U+FFFD."""
    return Response(XML_ILLEGAL.sub("\ufffd", xml), mimetype=mimetype)


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    xml = render_template("opensearch.xml", base=base_url())
    return xml_response(xml, "application/opensearchdescription+xml")


@bp.get("/feed.atom")
def feed() -> Response:
    query = parse_search_args(request.args)
    page = feed_page(get_searcher(), query)
    xml = render_template("feed.atom.xml", page=page, base=base_url(), updated=page["updated"])
    return xml_response(xml, "application/atom+xml")


# Documents and paragraphs --------------------------------------------------------------------


def _search_state() -> SearchQuery:
    """The search a document or permalink page was reached from (its links carry it back);
    a stale or damaged search in the link is dropped, not an error, save an overlong q."""
    try:
        return parse_search_args(request.args)
    except ParamError:
        q = parse_document_args(request.args).q  # an overlong q is still refused
        try:
            return parse_search_args({"q": q})
        except ParamError:
            return SearchQuery()


@bp.get("/doc/<path:doc_id>")
def document_view(doc_id: str) -> str:
    args = parse_document_args(request.args)
    page = document_page(
        get_searcher(), doc_id, _search_state(), args.hit, args.part, base_url(), back=args.back
    )
    return render_template("document.html", page=page)


@bp.get("/api/documents")
def documents_api() -> Response:
    return jsonify(documents_page(get_searcher(), parse_docs_args(request.args)))


@bp.get("/api/documents/<path:doc_id>")
def document_json(doc_id: str) -> Response:
    args = parse_document_args(request.args)
    return jsonify(document_api(get_searcher(), doc_id, args.part, base_url(), args.hit))


def _paragraph(doc_id: str, n: int) -> dict | Response:
    v = permalink_version(request.args)
    try:
        local = not current_app.config["PUBLIC_URL"]
        state = _search_state()
        return paragraph_page(get_searcher(), doc_id, n, v, base_url(), state=state, local=local)
    except Moved as moved:
        return redirect(("/api/paragraphs" + moved.url[2:]) if wants_json() else moved.url, 302)


@bp.get("/p/<path:doc_id>/<int:n>")
def paragraph_view(doc_id: str, n: int):
    page = _paragraph(doc_id, n)
    if isinstance(page, Response):
        return page
    return render_template("paragraph.html", page=page)


@bp.get("/api/paragraphs/<path:doc_id>/<int:n>")
def paragraph_api(doc_id: str, n: int):
    page = _paragraph(doc_id, n)
    return page if isinstance(page, Response) else jsonify(page)


@bp.get("/cite")
def cite_view() -> Response | str:
    """Several paragraphs (``p``, repeated) as one bibliography, or as one file to import."""
    query = parse_cite_args(request.args)
    page = cite_page(get_searcher(), query, base_url())
    if not page["style"]:
        return _citation_file(page["items"], query.format)
    return render_template("cite.html", page=page)


@bp.get("/api/cite")
def cite_api() -> Response:
    return jsonify(cite_page(get_searcher(), parse_cite_args(request.args), base_url()))


def _citation_file(items: list[dict], fmt: str) -> Response:
    """A .ris, .bib or CSL .json download of CSL items."""
    writers = {"ris": bibfiles.ris, "bib": bibfiles.bibtex, "json": bibfiles.csl_json}
    charset = "" if fmt == "json" else "; charset=utf-8"  # JSON is UTF-8 by definition
    response = Response(writers[fmt](items), content_type=bibfiles.MEDIA_TYPES[fmt] + charset)
    response.headers["Content-Disposition"] = f"attachment; filename=citations.{fmt}"
    return response


def archive_root() -> Path:
    """The archive folder the raw files are read from: the configured one, else the one the
    live index was built from, else the project's archive/."""
    configured = current_app.config.get("ARCHIVE_DIR")
    recorded = "" if configured else store().settings().get("archive", "")
    return Path(configured or recorded or PROJECT_ROOT / "archive").resolve()


@bp.get("/raw/<path:doc_id>")
def raw_view(doc_id: str) -> Response:
    """The report's original file exactly as archived, with its media type (only files the
    index knows): a PDF opens in the browser's viewer, a web page is shown as saved."""
    from .search import document_meta

    meta = document_meta(get_searcher(), doc_id)  # NotFound unless indexed
    root = archive_root()
    path = (root / (meta.get("file") or f"{doc_id}.txt")).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(f"找不到报道 {doc_id} 的原始文件")
    data = path.read_bytes()
    mimetype = meta.get("media_type") or "text/plain"
    if mimetype == "text/plain":
        try:
            data.decode("utf-8")  # Werkzeug adds "; charset=utf-8"
        except UnicodeDecodeError:
            mimetype = "application/octet-stream"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = RAW_CSP.get(mimetype, CSP)
    disposition = "attachment" if mimetype == DOCX_MEDIA_TYPE else "inline"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(path.name)}"
    return response
