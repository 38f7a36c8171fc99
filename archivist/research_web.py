"""Routes of the research pages: trends and the concordance, as HTML, JSON and CSV.

Views are thin, as in ``web``: parse the request (``research_query``), build the page data
(``research_pages``), render it as HTML, JSON or CSV.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .query import ParamError
from .research_pages import (
    CSV_COLUMNS,
    KWIC_CSV_COLUMNS,
    for_json,
    kwic_page,
    kwic_refused,
    kwic_rows,
    trends_page,
    trends_refused,
    trends_rows,
)
from .research_query import (
    parse_kwic_args,
    parse_trends_args,
    parse_without_bad,
    typed_terms,
)
from .web import base_url, error_response, get_searcher, safe_cell, wants_json

bp = Blueprint("research", __name__)


def csv_response(columns: tuple[str, ...], rows: list[dict], filename: str) -> Response:
    """Rows as a UTF-8 CSV download (with a BOM for spreadsheets, formulas defused)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c, "")) for c in columns])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def _absolute(rows: list[dict], key: str) -> list[dict]:
    """Rows whose ``key`` is a full URL on the archive's address (never the Host header's)."""
    base = base_url()
    return [row | {key: base + row[key]} if row.get(key) else row for row in rows]


@bp.errorhandler(ParamError)
def refused(exc: ParamError) -> Response:
    """A bad parameter: the API's JSON error; on a page (or a download from it), the page's
    form again with what was typed and the problem, as a 400."""
    if wants_json():
        return error_response(400, exc.message, exc.param)
    if request.path.startswith("/trends"):
        query, problems = parse_without_bad(request.args, parse_trends_args, exc)
        page = trends_refused(query, typed_terms(request.args), problems)
        html = render_template("trends.html", page=page)
    else:
        query, problems = parse_without_bad(request.args, parse_kwic_args, exc)
        typed = (typed_terms(request.args) or [""])[0]
        page = kwic_refused(query, typed, problems)
        html = render_template("kwic.html", page=page)
    return Response(html, status=400, mimetype="text/html")


@bp.get("/trends")
def trends_view() -> str:
    page = trends_page(get_searcher(), parse_trends_args(request.args))
    return render_template("trends.html", page=page)


@bp.get("/api/trends")
def trends_api() -> Response:
    return jsonify(for_json(trends_page(get_searcher(), parse_trends_args(request.args))))


@bp.get("/trends.csv")
def trends_csv() -> Response:
    query = parse_trends_args(request.args)
    if not query.terms:
        raise ParamError("q", "导出需要至少一个检索词")
    page = trends_page(get_searcher(), query)
    return csv_response(CSV_COLUMNS, _absolute(trends_rows(page), "url"), "archive-trends.csv")


@bp.get("/kwic")
def kwic_view() -> str:
    query = parse_kwic_args(request.args)
    page = kwic_page(get_searcher(), query, current_app.config["KWIC_EXPORT_LIMIT"])
    return render_template("kwic.html", page=page)


@bp.get("/api/kwic")
def kwic_api() -> Response:
    query = parse_kwic_args(request.args)
    page = kwic_page(get_searcher(), query, current_app.config["KWIC_EXPORT_LIMIT"])
    return jsonify(for_json(page))


@bp.get("/kwic.csv")
def kwic_csv() -> Response:
    """Every line of the concordance (up to the config's KWIC_EXPORT_LIMIT), in the page's
    order."""
    query = parse_kwic_args(request.args)
    if not query.search.parsed.groups:
        reason = "检索式里没有要在正文中找的词（排除词和字段条件只筛选段落）"
        raise ParamError("q", reason if query.search.q.strip() else "导出需要检索词")
    rows = kwic_rows(get_searcher(), query, current_app.config["KWIC_EXPORT_LIMIT"])
    return csv_response(KWIC_CSV_COLUMNS, _absolute(rows, "permalink"), "archive-kwic.csv")
