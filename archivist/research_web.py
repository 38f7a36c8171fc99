"""Routes of the research pages: trends and the concordance, as HTML, JSON and CSV.

Views are thin, as in ``web``: parse the request (``research_query``), build the page data
(``research_pages``), render it as HTML, JSON or CSV.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, render_template, request

from .research_pages import CSV_COLUMNS, for_json, trends_page, trends_rows
from .research_query import parse_trends_args
from .web import get_searcher, safe_cell

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
    base = request.host_url.rstrip("/")
    return [row | {key: base + row[key]} if row.get(key) else row for row in rows]


@bp.get("/trends")
def trends_view() -> str:
    page = trends_page(get_searcher(), parse_trends_args(request.args))
    return render_template("trends.html", page=page)


@bp.get("/api/trends")
def trends_api() -> Response:
    return jsonify(for_json(trends_page(get_searcher(), parse_trends_args(request.args))))


@bp.get("/trends.csv")
def trends_csv() -> Response:
    page = trends_page(get_searcher(), parse_trends_args(request.args))
    return csv_response(CSV_COLUMNS, _absolute(trends_rows(page), "url"), "archive-trends.csv")
