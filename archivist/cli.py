"""The command line: ingest, serve, search, export (``python manage.py --help``).

Exit codes: 0 success; 1 some reports (or folders) were skipped, each named with the reason;
2 usage error; 3 the index could not be written or read (busy, missing, unwritable, full disk)
or was left unchanged because the ingest would remove most of it; 4 ``serve`` cannot listen on
the port; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from .web import PROJECT_ROOT

DEFAULT_ARCHIVE = PROJECT_ROOT / "archive"
DEFAULT_INDEX = PROJECT_ROOT / "index"
EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_INDEX = 3
EXIT_PORT = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process Ctrl-C stopped

archive_option = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ARCHIVE,
    show_default="archive/",
    help="Folder of reports (.txt .html .htm .docx .pdf, sub-folders too) and catalog.csv.",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX,
    show_default="index/",
    help="Folder of the index.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A searchable archive of Chinese-language reports."""


def _ctrl_c_stops() -> None:
    """Ctrl-C stops an ingest, whatever the process that started it left ignored or held."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_ingest(
    archive_dir: Path,
    index_dir: Path,
    rebuild: bool,
    jobs: int | None,
    allow_removals: bool = False,
) -> int:
    """Ingest and report; returns the exit code."""
    from .indexing import IndexError_, ingest

    if not archive_dir.is_dir():
        click.echo(f"error: archive folder not found: {archive_dir}", err=True)
        return EXIT_USAGE
    _ctrl_c_stops()
    try:
        result = ingest(
            archive_dir, index_dir, rebuild=rebuild, jobs=jobs, allow_removals=allow_removals
        )
    except IndexError_ as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_INDEX
    except KeyboardInterrupt:
        click.echo("interrupted: the index is as it was before this ingest", err=True)
        return EXIT_INTERRUPTED
    for message in result.catalogue_errors:
        click.echo(f"catalogue: {message}", err=True)
    if result.catalogue_more_errors:
        click.echo(f"catalogue: and {result.catalogue_more_errors:,} more problems", err=True)
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.summary())
    return EXIT_SKIPPED if result.skipped else 0


@main.command()
@archive_option
@index_option
@click.option("--rebuild", is_flag=True, help="Build the whole index anew (default: incremental).")
@click.option(
    "--allow-removals",
    is_flag=True,
    help="Let the ingest empty the index or remove more than half of its reports "
    "(refused otherwise: an empty or unmounted archive looks like deleted reports).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes for reading and analysis (default: number of CPUs).",
)
def ingest(
    archive_dir: Path, index_dir: Path, rebuild: bool, allow_removals: bool, jobs: int | None
) -> None:
    """Read every report of the archive into the index."""
    sys.exit(run_ingest(archive_dir, index_dir, rebuild, jobs, allow_removals))


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger.")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests answered at once; each thread keeps a searcher (about 15 MB at 1,000,000 "
    "paragraphs).",
)
@click.option(
    "--public-url",
    envvar="ARCHIVIST_PUBLIC_URL",
    default="",
    help="The archive's public address (https://archive.example.org): scheme and host of "
    "every absolute URL in citations, exports, feeds and canonical links. Without it links "
    "are local. Also read from ARCHIVIST_PUBLIC_URL.",
)
def serve(
    index_dir: Path, host: str, port: int, debug: bool, threads: int, public_url: str
) -> None:
    """Serve the web pages and the JSON API (ingests the default archive first if needed)."""
    from .address import AddressError
    from .address import public_url as checked_url
    from .indexing import IndexStore
    from .web import create_app

    try:
        public = checked_url(public_url) if public_url else ""
    except AddressError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-url") from exc

    if not IndexStore(index_dir).exists():
        click.echo(f"no index in {index_dir}: ingesting {DEFAULT_ARCHIVE} first", err=True)
        code = run_ingest(DEFAULT_ARCHIVE, index_dir, rebuild=False, jobs=None)
        if code not in (0, EXIT_SKIPPED):
            sys.exit(code)
    app = create_app(_serve_config(index_dir, host, port, public))
    problem = port_problem(host, port)
    if problem:
        _port_taken(host, port, problem)
    if not public:
        click.echo("no --public-url: links in citations and feeds are local to this machine")
    if debug:
        click.echo(f"serving on http://{host}:{port}/")
        app.run(host=host, port=port, debug=True)
        return
    import logging

    from .serving import make_server

    logging.basicConfig()  # errors of the application and the server go to stderr
    try:
        server = make_server(app, host, port, threads)
    except OSError as exc:  # taken between the check and now
        _port_taken(host, port, exc.strerror or str(exc))
    click.echo(f"serving on http://{host}:{port}/")
    server.run()


def port_problem(host: str, port: int) -> str:
    """Why the server could not listen on host:port (in use, not allowed), or ""."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve {host!r}: {exc.strerror or exc}"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return ""


def _port_taken(host: str, port: int, reason: str) -> None:
    other = 5001 if port != 5001 else 5002
    click.echo(
        f"error: cannot serve on http://{host}:{port}/: {reason}.\n"
        f"Another server is probably using port {port}. Pick another port:\n"
        f"  make run PORT={other}\n"
        f"  python manage.py serve --port {other}",
        err=True,
    )
    sys.exit(EXIT_PORT)


def _serve_config(index_dir: Path, host: str, port: int, public: str) -> dict:
    """The app's settings for ``serve``: the public address, else the names it answers to."""
    wildcard = host in ("", "0.0.0.0", "::")
    local_host = "127.0.0.1" if wildcard else (f"[{host}]" if ":" in host else host)
    return {
        "INDEX_DIR": str(index_dir),
        "PUBLIC_URL": public,
        "ALLOWED_HOSTS": () if wildcard else (host.lower(), local_host.lower()),
        "LOCAL_URL": f"http://{local_host}:{port}",
    }


def _open_searcher(index_dir: Path):
    from . import analysis
    from .indexing import IndexError_, IndexStore

    store = IndexStore(index_dir)
    try:
        index = store.open()
        analysis.use_user_dictionary(store.user_dictionary())
    except (IndexError_, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INDEX)
    return index.searcher()


@main.command()
@click.argument("query")
@click.option("--city", multiple=True, help="Only this city (repeat for several).")
@click.option("--county", multiple=True, help="Only this county (repeat for several).")
@click.option("--year", multiple=True, help="Only this year (repeat for several).")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date_desc", "date_asc"]),
    default="relevance",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's answer.")
@index_option
def search(
    query: str, city, county, year, sort: str, limit: int, as_json: bool, index_dir: Path
) -> None:
    """Search the index, as the web page does, and print the hits."""
    from werkzeug.datastructures import MultiDict

    from .pages import search_page
    from .query import ParamError, parse_search_args

    args = MultiDict([("q", query), ("sort", sort), ("per_page", str(limit))])
    for name, values in (("city", city), ("county", county), ("year", year)):
        for value in values:
            args.add(name, value)
    try:
        parsed = parse_search_args(args)
    except ParamError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.param}") from exc
    with _open_searcher(index_dir) as searcher:
        page = search_page(searcher, parsed)
    if as_json:
        click.echo(json.dumps(page, ensure_ascii=False, indent=2))
        return
    click.echo(f"{page['total']} paragraphs ({page['took_ms']} ms)")
    for hit in page["hits"]:
        where = " ".join(x for x in (hit["city"], hit["county"], hit["date"] or hit["year"]) if x)
        click.echo(f"\n{hit['id']}  {hit['title']}  [{hit['kind']}] {where}")
        click.echo(f"  {_terminal_snippet(hit['snippet_html'])}")
        click.echo(f"  {hit['permalink']}")


def _terminal_snippet(html: str) -> str:
    """A snippet for a terminal: marks shown as bold when colour is allowed, else as 【】."""
    import html as html_lib

    on, off = ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() else ("【", "】")
    text = html.replace("<mark>", on).replace("</mark>", off)
    return html_lib.unescape(text)


@main.command()
@index_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "opensearch"]),
    default="jsonl",
    show_default=True,
    help="jsonl: blocks as JSON lines on stdout; opensearch: a bulk file and index template.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for --format opensearch (bulk.ndjson, index-template.json).",
)
def export(index_dir: Path, fmt: str, out_dir: Path | None) -> None:
    """Every block of every document in reading order, as JSON lines or for OpenSearch."""
    if fmt == "opensearch" and out_dir is None:
        raise click.UsageError("--format opensearch needs --out DIR")
    with _open_searcher(index_dir) as searcher:
        records = export_records(searcher)
        if fmt == "jsonl":
            for record in records:
                click.echo(json.dumps(record, ensure_ascii=False))
            return
        count = _write_opensearch(records, out_dir)
    click.echo(f"{count} blocks: {out_dir / 'bulk.ndjson'}, {out_dir / 'index-template.json'}")


def export_records(searcher) -> Iterator[dict]:
    """Every block of every document, in reading order, with its document's metadata."""
    from .search import get_document, list_documents

    for meta in list_documents(searcher):
        view = get_document(searcher, meta["doc_id"])
        for block in view.blocks:
            story = block.facts or meta  # the block's story's facts (the report's if none)
            yield {
                "id": f"{view.doc_id}/{block.n}",
                "doc_id": view.doc_id,
                "n": block.n,
                "kind": block.kind,
                "text": block.text,
                "title": meta.get("title", ""),
                "story": block.story,
                "authors": story.get("authors", []),
                "city": story.get("city", ""),
                "county": story.get("county", ""),
                "year": story.get("year"),
                "year_inferred": story.get("year_inferred", False),
                "date": story.get("date", ""),
                "date_inferred": story.get("date_inferred", False),
                "places": block.places,
                "provenance": meta.get("provenance", {}),
            }


def _write_opensearch(records: Iterable[dict], out_dir: Path) -> int:
    """Writes the bulk NDJSON and the index template; returns the number of blocks."""
    from .opensearch import bulk_lines, index_template

    out_dir.mkdir(parents=True, exist_ok=True)
    template = json.dumps(index_template(), ensure_ascii=False, indent=2)
    (out_dir / "index-template.json").write_text(template + "\n", encoding="utf-8")
    lines = 0
    with open(out_dir / "bulk.ndjson", "w", encoding="utf-8") as bulk:
        for line in bulk_lines(records):
            bulk.write(line + "\n")
            lines += 1
    return lines // 2
