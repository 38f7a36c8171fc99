"""Benchmark of the research tools: trends, concordance, reprints, against one search.

    nice -n 10 python bench/research.py [--paragraphs 20000] [--corpus 200000]
        [--skip-synthetic] [--label after] [--profile] [--runs 5] [--kwic-term 改革]
        [--no-full-reprint | --skip-reprints] [--out bench/results-research.json]
        [--index PATH [--name news-250000]]

Builds (or reuses) an index of the synthetic corpus (``bench/make_corpus.py``) and, with
``--corpus N``, of about N paragraphs of ``../shared/corpus`` (written by its
``materialize.py`` into ``bench/work``, never into the project; skipped with a message when
absent), or measures an index already built (``--index``, of the real corpus: the reprint pass
writes its tables into the index's generation folder, so give it a copy), then times, each
through the real page code with a new searcher (the first run, and the median of several runs
after it):

1. one search with facets (the real search path: facet counts, ranking, 20 highlighted hits)
   for each of the trend terms and for the concordance term: the yardstick;
2. a trends page for six terms over all years;
3. a concordance page (100 lines, collocates) for the term with the number of occurrences
   nearest 10,000, sorted by date, left and right context: as a first request for the term
   (``kwic_cold_*``: every occurrence found and its collocates counted) and as the next pages
   and sorts of it (``kwic_*``: the occurrences kept for the index version are ordered and the
   page's lines read);
4. the same as whole requests through the app (``requests``: the search page against the
   concordance and trends pages, and ``/api/search`` against ``/api/kwic``; template or JSON
   included, the searcher the app keeps);
5. the reprint pass: over the whole index as after a full build (both tables written anew,
   with the texts and the signed rows the ingest's reading processes hand over: the signing
   is timed apart, ``reprint_signing_in_readers_cpu_ms``), over it reading and signing every
   paragraph from the index, and after one report is added (run first: it writes the folded
   texts the concordance reads).

Prints the figures and the ratios to the search, and adds them to ``--out`` under the label
(``before``/``after``…) and the archive (``synthetic-20000``, ``corpus-200000``, the
``--name`` of an ``--index``), keeping what other runs wrote there, with the load average of
the machine before and after the run. ``--profile`` prints where the time of each tool goes
(cProfile). Figures, never assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

import numpy as np  # noqa: E402

from archivist import analysis, kwic, reprints, textstore  # noqa: E402
from archivist.folding import fold  # noqa: E402
from archivist.indexing import IndexStore, ingest, quiet_progress  # noqa: E402
from archivist.ngrams import TableInputs  # noqa: E402
from archivist.query import SearchQuery  # noqa: E402
from archivist.records import indexed_reports  # noqa: E402
from archivist.research_pages import kwic_page, trends_page  # noqa: E402
from archivist.research_query import KwicQuery, TrendsQuery  # noqa: E402
from archivist.search import search  # noqa: E402

WORK = PROJECT / "bench" / "work"
SHARED = PROJECT.parent / "shared" / "corpus"
SYNTHETIC_TERMS = ["公安", "派出所", "社会治理", "扫黑除恶", "无人机", '"道路交通"']
REAL_TERMS = ["改革", "扶贫", "疫情", "一带一路", "人工智能", '"乡村振兴"']
KWIC_CANDIDATES = ["公安", "派出所", "民警", "群众", "安全", "治理", "发展", "经济", "改革", "合作"]
RUNS = 5


def timed(function, runs: int | None = None) -> tuple[float, float, float]:
    """(first run, median of the next ``runs``, median CPU time of this process over those)
    in milliseconds: on a loaded machine the CPU time moves less than the wall time."""
    samples, cpu = [], []
    for _ in range((runs or RUNS) + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    median = statistics.median
    return round(samples[0], 1), round(median(samples[1:]), 1), round(median(cpu[1:]), 1)


def build_synthetic(paragraphs: int, jobs: int) -> tuple[Path, Path]:
    from make_corpus import write_corpus

    corpus = WORK / f"corpus-{paragraphs}-7"
    if not corpus.exists():
        write_corpus(paragraphs, corpus, seed=7)
    return corpus, _index(corpus, WORK / f"index-research-{paragraphs}", jobs)


def build_real(paragraphs: int, jobs: int) -> tuple[Path, Path] | None:
    if not (SHARED / "news.jsonl.gz").exists():
        print(f"skipped: no real corpus at {SHARED}")
        return None
    corpus = WORK / f"real-{paragraphs}"
    if not corpus.exists():
        limit = max(1, paragraphs * 18_125 // 235_496)  # articles for about that many paragraphs
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "materialize.py"),
                "--out",
                str(corpus),
                "--limit",
                str(limit),
                "--catalogue",
            ],
            check=True,
        )
    return corpus, _index(corpus, WORK / f"index-research-real-{paragraphs}", jobs)


INGESTS: dict[Path, float] = {}  # seconds of the full ingest of each index built in this run


def _index(corpus: Path, index: Path, jobs: int) -> Path:
    if not IndexStore(index).exists():
        started = time.perf_counter()
        result = ingest(corpus, index, rebuild=True, jobs=jobs, progress=quiet_progress)
        INGESTS[index] = round(time.perf_counter() - started, 1)
        print(f"ingest: {result.summary()} ({INGESTS[index]:.0f} s)")
    return index


def measure(index: Path, terms: list[str], options: argparse.Namespace) -> dict:
    store = IndexStore(index)
    analysis.use_user_dictionary(store.user_dictionary())
    figures: dict = {"paragraphs": 0}

    def with_searcher(work):
        def run():
            with store.open().searcher() as searcher:
                return work(searcher)

        return run

    if index in INGESTS:
        figures["ingest_s"] = INGESTS[index]  # the full build, reprint pass included
    with store.open().searcher() as searcher:
        figures["paragraphs"] = sum(1 for _ in searcher.documents(rec="block"))
    if not options.skip_reprints:  # first: the pass writes the text table the concordance reads
        figures.update(measure_reprints(store, not options.no_full_reprint))
    searches, cpu = {}, {}
    for term in terms:
        query = SearchQuery(q=term)
        _first, searches[term], cpu[term] = timed(with_searcher(lambda s, q=query: search(s, q)))
    figures["search_ms"], figures["search_cpu_ms"] = searches, cpu
    figures["search_median_ms"] = statistics.median(searches.values())
    figures["search_max_ms"] = max(searches.values())
    figures["search_cpu_median_ms"] = statistics.median(cpu.values())
    figures["search_cpu_max_ms"] = max(cpu.values())
    trends = TrendsQuery(tuple(terms), SearchQuery())
    figures["trends_6_terms_ms"] = timed(with_searcher(lambda s: trends_page(s, trends)))
    term, occurrences = _kwic_term(store, options.kwic_term)
    figures["kwic_term"], figures["kwic_occurrences"] = term, occurrences
    search_kwic = with_searcher(lambda s: search(s, SearchQuery(q=term)))
    _first, figures["search_kwic_term_ms"], figures["search_cpu_kwic_term_ms"] = timed(search_kwic)
    kwic_queries = {sort: KwicQuery(SearchQuery(q=term), sort=sort) for sort in KWIC_SORTS}
    for sort, query in kwic_queries.items():
        figures[f"kwic_{sort}_ms"] = timed(with_searcher(lambda s, q=query: kwic_page(s, q)))
        figures[f"kwic_cold_{sort}_ms"] = timed(with_searcher(lambda s, q=query: _cold(s, q)))
    figures["ratios"] = ratios(figures)
    figures["ratios_cpu"] = ratios(figures, cpu=True)
    figures["requests"] = measure_requests(index, terms, term)
    if options.profile:
        _profile("trends", with_searcher(lambda s: trends_page(s, trends)))
        _profile("kwic (right)", with_searcher(lambda s: kwic_page(s, kwic_queries["right"])))
        _profile("search (kwic term)", search_kwic)
        _profile("reprints (one report)", lambda: _one_report_pass(store))
        if not options.skip_reprints and not options.no_full_reprint:
            inputs = _analysed(store.open())
            _profile("reprints (whole index)", lambda: _whole_pass(store, inputs))
    return figures


KWIC_SORTS = ("doc", "left", "right")


def measure_requests(index: Path, terms: list[str], term: str) -> dict:
    """Whole requests through the app (Flask's test client: parsing, the page's data, the
    template or the JSON), as a user's browser or script makes them: the search page of the
    concordance term against its concordance page as a first request (nothing kept from
    before) and as a next page, the search page of each trend term against the trends page
    of all six; the same for the JSON API. CPU milliseconds of this process, medians of
    ``RUNS`` rounds after one, the requests of a round taken in turn."""
    from archivist.web import create_app

    client = create_app({"INDEX_DIR": str(index)}).test_client()
    q = quote(term)
    trend_terms = "&".join(f"q={quote(t)}" for t in terms)
    urls = {
        "search page": f"/?q={q}",
        "kwic page, first request": f"/kwic?q={q}",
        "kwic page right, first request": f"/kwic?q={q}&sort=right",
        "kwic page 2": f"/kwic?q={q}&page=2",
        "api search": f"/api/search?q={q}",
        "api kwic, first request": f"/api/kwic?q={q}",
        "trends page": f"/trends?{trend_terms}",
        "api trends": f"/api/trends?{trend_terms}",
        **{f"search page {t}": f"/?q={quote(t)}" for t in terms},
    }
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    for round_ in range(RUNS + 1):
        for name, url in urls.items():
            if "first request" in name:
                kwic.forget_found()
            started = time.process_time()
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            if round_:
                cpu[name].append((time.process_time() - started) * 1000)
    ms = {name: round(statistics.median(times), 1) for name, times in cpu.items()}
    trend_search = statistics.median(ms[f"search page {t}"] for t in terms)
    ms["search page, median of the trend terms"] = trend_search
    page, api = ms["search page"], ms["api search"]
    ratios = {
        "kwic page, first request / search page": ms["kwic page, first request"] / page,
        "kwic page right, first request / search page": ms["kwic page right, first request"] / page,
        "kwic page 2 / search page": ms["kwic page 2"] / page,
        "api kwic, first request / api search": ms["api kwic, first request"] / api,
        "trends page / median search page of its terms": ms["trends page"] / trend_search,
    }
    return {"cpu_ms": ms, "ratios": {k: round(v, 2) for k, v in ratios.items()}}


def _cold(searcher, query: KwicQuery) -> dict:
    """A concordance page as the first request for its term (nothing kept from before)."""
    kwic.forget_found()
    return kwic_page(searcher, query)


def ratios(figures: dict, cpu: bool = False) -> dict:
    """Each tool's time (median, wall or CPU) over the search it is compared with."""
    at, search = (2, "search_cpu_") if cpu else (1, "search_")
    median, slowest = figures[search + "median_ms"], figures[search + "max_ms"]
    kwic_search = figures[search + "kwic_term_ms"]
    trends = figures["trends_6_terms_ms"][at]
    found = {
        "trends / median search of its terms": trends / median,
        "trends / slowest search of its terms": trends / slowest,
        **{
            f"kwic {sort} / search of its term": figures[f"kwic_{sort}_ms"][at] / kwic_search
            for sort in KWIC_SORTS
        },
        **{
            f"kwic {sort}, first request / search of its term": figures[f"kwic_cold_{sort}_ms"][at]
            / kwic_search
            for sort in KWIC_SORTS
        },
    }
    if not cpu:  # the pass is timed once, by the wall clock
        found["reprint pass, one report / median search"] = (
            figures.get("reprint_one_report_ms") or 0
        ) / median
        found["reprint pass, one report (CPU) / median search (CPU)"] = (
            figures.get("reprint_one_report_cpu_ms") or 0
        ) / figures["search_cpu_median_ms"]
        found["reprint pass, whole index / median search"] = (
            figures.get("reprint_full_ms") or 0
        ) / median
        found["reprint pass, whole index read from the index / median search"] = (
            figures.get("reprint_full_from_index_ms") or 0
        ) / median
    return {name: round(value, 2) for name, value in found.items() if value}


def _profile(name: str, work) -> None:
    """Print the functions taking most of one run of ``work`` (cumulative time)."""
    profiler = cProfile.Profile()
    profiler.runcall(work)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    print(f"--- profile: {name}\n" + out.getvalue().split("\n\n", 1)[-1])


def measure_reprints(store: IndexStore, full: bool = True) -> dict:
    """The reprint pass over the whole index (unless not ``full``: then the table must be
    there), as an ingest runs it (the texts its reading processes analysed, and the rows they
    signed, at hand; the median of the runs) and reading every paragraph back from the index
    (once); then after one report is added (simulated by taking its rows out of the table,
    which the pass then adds again)."""
    folder, index = store.generation_dir(), store.open()
    found = {}
    if full:
        inputs = _analysed(index)
        found["reprint_signing_in_readers_cpu_ms"] = round(inputs.signing_ms, 1)
        samples = [_whole_pass(store, inputs) for _ in range(RUNS)]
        found["reprint_full_ms"] = round(statistics.median(s[0] for s in samples), 1)
        found["reprint_full_cpu_ms"] = round(statistics.median(s[1] for s in samples), 1)
        found["reprint_full_signed_in_pass"] = samples[-1][2]
        del inputs
        shutil.rmtree(folder / reprints.FOLDER, ignore_errors=True)
        started = time.perf_counter()
        whole = reprints.update_generation(folder, index)
        found["reprint_full_from_index_ms"] = round((time.perf_counter() - started) * 1000, 1)
    else:
        whole = reprints.update_generation(folder, index)
    samples = [_one_report_pass(store) for _ in range(RUNS)]
    with index.searcher() as searcher:
        table = reprints.load_table(folder, indexed_reports(searcher, folder))
    return {
        "reprint_rows": whole.rows,
        "reprint_groups": len(np.unique(table.group[table.group >= 0])),
        "reprint_size_mb": round(_size(folder / reprints.FOLDER) / 1e6, 1),
        "text_table_size_mb": round(_size(folder / textstore.FOLDER) / 1e6, 1),
        **found,
        "reprint_one_report_ms": round(statistics.median(s[0] for s in samples), 1),
        "reprint_one_report_cpu_ms": round(statistics.median(s[1] for s in samples), 1),
    }


def _whole_pass(store: IndexStore, inputs: TableInputs) -> tuple[float, float, int]:
    """(wall ms, CPU ms, rows signed by the pass itself) of the pass over the whole index,
    both tables removed first (as after a full build)."""
    folder, index = store.generation_dir(), store.open()
    for name in (reprints.FOLDER, textstore.FOLDER):
        shutil.rmtree(folder / name, ignore_errors=True)
    started, started_cpu = time.perf_counter(), time.process_time()
    whole = reprints.update_generation(folder, index, inputs)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return wall * 1000, cpu * 1000, whole.signed_here


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _analysed(index, **which) -> TableInputs:
    """What an ingest's reading processes hand the reprint pass: every paragraph's folded
    text and kind (words left out: the pass does not use them), and each report's rows as
    they sign them, of ``which`` blocks; ``signing_ms``: the CPU time of that signing here."""
    inputs = TableInputs()
    with index.searcher() as searcher:
        blocks = sorted(
            (fields["doc_id"], fields["n"], fold(fields.get("text", "")), fields.get("kind", ""))
            for fields in searcher.documents(rec="block", **which)
        )
    for doc_id, n, folded, kind in blocks:
        inputs.add(doc_id, n, folded, [], kind)
    started = time.process_time()
    for doc_id, (numbers, texts, kinds) in inputs.reports.items():
        inputs.signed[doc_id] = reprints.sign(zip(numbers, texts, kinds, strict=True))
    inputs.signing_ms = (time.process_time() - started) * 1000
    return inputs


def _one_report_pass(store: IndexStore) -> tuple[float, float]:
    """Milliseconds (wall, CPU) of the pass after one report's rows are taken out of the table (the
    table is written anew without them first, untimed), with the report's texts at hand as
    an ingest that wrote it has them."""
    folder, index = store.generation_dir(), store.open()
    table_store = reprints.store_of(folder)
    _manifest, parts = reprints._loaded(table_store)
    with index.searcher() as searcher:
        live = indexed_reports(searcher, folder)
    middle = len(parts[0]["report_key"]) // 2
    doc_id, key = str(parts[0]["report_doc"][middle]), parts[0]["report_key"][middle]
    part = reprints._merged(parts, live[live.key != key])
    name = table_store.write(part)
    table_store.publish({"parts": [{"name": name, "size": len(part["row_n"])}]})
    inputs = _analysed(index, doc_id=doc_id)
    started, started_cpu = time.perf_counter(), time.process_time()
    reprints.update_generation(folder, index, inputs)
    return (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000


def _kwic_term(store: IndexStore, chosen: str = "") -> tuple[str, int]:
    """The chosen term, or the candidate whose occurrences are nearest 10,000, and its count."""
    best = ("", 0)
    with store.open().searcher() as searcher:
        for term in [chosen] if chosen else KWIC_CANDIDATES:
            total = kwic_page(searcher, KwicQuery(SearchQuery(q=term), per_page=1))["total"]
            if chosen or abs(total - 10_000) < abs(best[1] - 10_000):
                best = (term, total)
    return best


def main() -> None:
    global RUNS  # one setting for the whole run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument(
        "--corpus", "--real", type=int, default=0, help="also about this many real paragraphs"
    )
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--label", default="latest", help="where in --out the figures go")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs after the first")
    parser.add_argument(
        "--no-full-reprint", action="store_true", help="keep the reprint table, time updates only"
    )
    parser.add_argument("--skip-reprints", action="store_true", help="leave the reprint pass out")
    parser.add_argument("--kwic-term", default="", help="the concordance term (else: searched)")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results-research.json")
    parser.add_argument("--clean", action="store_true", help="rebuild the index first")
    parser.add_argument(
        "--index", type=Path, help="measure this index of the real corpus (a copy: it is written)"
    )
    parser.add_argument("--name", default="", help="the archive's name in --out (with --index)")
    args = parser.parse_args()
    RUNS = args.runs
    results = {}
    if args.index:
        name = args.name or args.index.name
        results[name] = _report(args.index, REAL_TERMS, args)
        _save(args.out, args.label, results)
        return
    if not args.skip_synthetic:
        if args.clean:
            shutil.rmtree(WORK / f"index-research-{args.paragraphs}", ignore_errors=True)
        _corpus, index = build_synthetic(args.paragraphs, args.jobs)
        results[f"synthetic-{args.paragraphs}"] = _report(index, SYNTHETIC_TERMS, args)
    if args.corpus:
        built = build_real(args.corpus, args.jobs)
        if built:
            results[f"corpus-{args.corpus}"] = _report(built[1], REAL_TERMS, args)
    _save(args.out, args.label, results)


def _report(index: Path, terms: list[str], options: argparse.Namespace) -> dict:
    load_before = _load()
    figures = measure(index, terms, options)
    figures["load_average"] = {"before": load_before, "after": _load()}
    print(json.dumps(figures, ensure_ascii=False, indent=1), flush=True)
    return figures


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 minutes)."""
    return [round(x, 2) for x in os.getloadavg()]


def _save(out: Path, label: str, results: dict) -> None:
    """Add this run's figures to the file under the label, keeping the others."""
    try:
        saved = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    for archive, figures in results.items():  # a partial run keeps the other figures
        saved.setdefault(label, {}).setdefault(archive, {}).update(figures)
    out.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
