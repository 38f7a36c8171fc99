"""The Flask application: routes, the per-request searcher, errors and response headers.

Views are thin: parse the request (``query.py``), build the page data (``pages.py``), then
render it as HTML or JSON.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

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

from . import analysis
from .indexing import IndexError_, IndexStore
from .pages import (
    Moved,
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
    parse_docs_args,
    parse_search_args,
)
from .querylang import MAX_QUERY_CHARS
from .search import NotFound

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPORT_LIMIT = 5000
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
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    init_app(app)
    app.register_blueprint(bp)
    from .research_web import bp as research  # imports this module: registered once it loaded

    app.register_blueprint(research)
    return app


def init_app(app: Flask) -> None:
    """Open the index store once; close each request's searcher when the request ends."""
    app.extensions["archivist"] = IndexStore(Path(app.config["INDEX_DIR"]))
    app.teardown_appcontext(_close_searcher)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ParamError, _param_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Unavailable, _unavailable)
    app.register_error_handler(Exception, _internal_error)
    app.jinja_env.globals["kind_class"] = lambda kind: f"kind-{kind}"


def store() -> IndexStore:
    return current_app.extensions["archivist"]


def get_searcher():
    """This request's own searcher on the latest committed index."""
    if "searcher" not in g:
        try:
            searcher, userdict = store().searcher()  # the live generation, swapped or committed
        except (IndexError_, OSError, ValueError) as exc:
            raise Unavailable(str(exc)) from exc
        analysis.use_user_dictionary(userdict)
        g.searcher = searcher
    return g.searcher


def _close_searcher(_exc: BaseException | None = None) -> None:
    searcher = g.pop("searcher", None)
    if searcher is not None:
        searcher.close()


# Responses -----------------------------------------------------------------------------------


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, param: str | None = None) -> Response:
    """The JSON error shape for the API, an error page for the rest."""
    if wants_json():
        error: dict[str, Any] = {"status": status, "message": message}
        if param:
            error["param"] = param
        response = jsonify({"error": error})
    else:
        response = Response(
            render_template("error.html", status=status, message=message, param=param),
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
    return error_response(404, str(exc.args[0]) if exc.args else "找不到")


def _unavailable(exc: Unavailable) -> Response:
    log.error("index unavailable: %s", exc)  # the detail names server paths: logged, not shown
    return error_response(503, "索引暂时不可用，请稍后再试")


def _internal_error(exc: Exception) -> Response:
    log.exception("internal error")
    return error_response(500, "内部错误，已记录")


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.pop("Server", None)
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
    return render_template("search.html", page=search_page(get_searcher(), query))


@bp.get("/docs")
def documents_view() -> str:
    """The report list: browse by newspaper, place and date."""
    query = parse_docs_args(request.args)
    return render_template("docs.html", page=documents_page(get_searcher(), query))


@bp.get("/api/search")
def search_api() -> Response:
    query = parse_search_args(request.args)
    return jsonify(search_page(get_searcher(), query))


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@bp.get("/export.csv")
def export_csv() -> Response:
    query = parse_search_args(request.args)
    rows = export_rows(get_searcher(), query, EXPORT_LIMIT)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    base = request.host_url.rstrip("/")
    for row in rows:
        lists = {name: "；".join(row.get(name) or []) for name in ("authors", "places")}
        row = row | lists | {"permalink": base + row["permalink"]}
        writer.writerow([safe_cell(row.get(c, "")) for c in CSV_COLUMNS])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=archive-results.csv"
    return response


@bp.get("/export.json")
def export_json() -> Response:
    """The whole current result list (up to EXPORT_LIMIT rows) with full texts, as JSON."""
    query = parse_search_args(request.args)
    base = request.host_url.rstrip("/")
    rows = [
        {key: row.get(key) for key in CSV_COLUMNS} | {"permalink": base + row["permalink"]}
        for row in export_rows(get_searcher(), query, EXPORT_LIMIT)
    ]
    response = jsonify({"query": query.echo(), "total": len(rows), "rows": rows})
    response.headers["Content-Disposition"] = "attachment; filename=archive-results.json"
    return response


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    xml = render_template("opensearch.xml", base=request.host_url.rstrip("/"))
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/feed.atom")
def feed() -> Response:
    query = parse_search_args(request.args)
    page = feed_page(get_searcher(), query)
    xml = render_template(
        "feed.atom.xml", page=page, base=request.host_url.rstrip("/"), updated=page["updated"]
    )
    return Response(xml, mimetype="application/atom+xml")


# Documents and paragraphs --------------------------------------------------------------------


def _hit_param() -> int | None:
    raw = request.args.get("hit", "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else None


def _q_param() -> str:
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError("q", f"检索式超过 {MAX_QUERY_CHARS} 个字符（{len(q)}）")
    return q


def _search_state() -> SearchQuery:
    """The search a document or permalink page was reached from (its links carry it back);
    a stale or damaged search in the link is dropped, not an error, save an overlong q."""
    try:
        return parse_search_args(request.args)
    except ParamError:
        q = _q_param()
        try:
            return parse_search_args({"q": q})
        except ParamError:
            return SearchQuery()


@bp.get("/doc/<path:doc_id>")
def document_view(doc_id: str) -> str:
    back = request.args.get("back", "")
    page = document_page(get_searcher(), doc_id, _search_state(), _hit_param(), back)
    return render_template("document.html", page=page)


@bp.get("/api/documents")
def documents_api() -> Response:
    return jsonify(documents_page(get_searcher(), parse_docs_args(request.args)))


@bp.get("/api/documents/<path:doc_id>")
def document_json(doc_id: str) -> Response:
    return jsonify(document_api(get_searcher(), doc_id))


def _paragraph(doc_id: str, n: int) -> dict | Response:
    v = request.args.get("v", "")[:40]
    try:
        return paragraph_page(get_searcher(), doc_id, n, v, request.host_url, state=_search_state())
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


def archive_root() -> Path:
    """The archive folder the raw files are read from: the configured one, else the one the
    live index was built from, else the project's archive/."""
    configured = current_app.config.get("ARCHIVE_DIR")
    recorded = "" if configured else store().settings().get("archive", "")
    return Path(configured or recorded or PROJECT_ROOT / "archive").resolve()


@bp.get("/raw/<path:doc_id>")
def raw_view(doc_id: str) -> Response:
    """The report's file exactly as archived (only files the index knows)."""
    from .search import document_meta

    document_meta(get_searcher(), doc_id)  # NotFound unless indexed
    root = archive_root()
    path = (root / f"{doc_id}.txt").resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(f"找不到报道 {doc_id} 的原始文件")
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        mimetype = "text/plain"  # Werkzeug adds "; charset=utf-8"
    except UnicodeDecodeError:
        mimetype = "application/octet-stream"
    return Response(data, mimetype=mimetype)
