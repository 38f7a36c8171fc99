"""Benchmark: this project against the naive jieba recipe and a brute-force scan, one corpus.

    python bench/bench.py [--paragraphs 20000] [--jobs N] [--out bench/results-20k.json]
    python bench/bench.py --corpus [--paragraphs 250000] [--no-naive] [--out bench/results.json]

With ``--corpus`` the archive is the shared corpus of real news (``../shared/corpus``, read at
run time; repeated with other metadata beyond its 254,000 blocks), the 62 queries are drawn
from it, and SQLite FTS5 (trigram), tantivy and two scans answer them too, interleaved with
ours in one process (``engines.py``).

Measures, on the same synthetic corpus (bench/make_corpus.py) and in the same run:

1. this project: full ingest (MB/s of text, index size), incremental ingest of one added report,
   query latency p50/p95 over a fixed mix of 50 queries, each through the real search code path
   (a new searcher, facet counts, 20 highlighted snippets), and the served process's memory;
2. the recipe users copy from jieba's README: Whoosh with ``jieba.analyse.ChineseAnalyzer`` on one
   text field, doing the same work (query parser, facet counts, 20 highlights);
3. a brute-force scan of the folded texts (substring test per paragraph) for the same queries.

Prints each figure and the ratios, and writes them to ``--out``. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from make_corpus import write_corpus  # noqa: E402  (same folder)

WORK = PROJECT / "bench" / "work"

# 50 queries: frequent and rare words, single characters, phrases, with and without filters.
QUERIES: list[dict[str, str]] = [
    {"q": "公安"},
    {"q": "派出所"},
    {"q": "治安"},
    {"q": "交通"},
    {"q": "民警"},
    {"q": "群众"},
    {"q": "安全"},
    {"q": "社会治理"},
    {"q": "道路交通"},
    {"q": "扫黑除恶"},
    {"q": "无人机"},
    {"q": "直升机"},
    {"q": "电信诈骗"},
    {"q": "未成年人"},
    {"q": "雪亮工程"},
    {"q": "H125"},
    {"q": "2347"},
    {"q": "110"},
    {"q": "顽瘴痼疾"},
    {"q": "董家段"},
    {"q": "锦旗"},
    {"q": "龙舟"},
    {"q": "三角梅"},
    {"q": "反扒"},
    {"q": "护学"},
    {"q": "治"},
    {"q": "警"},
    {"q": "安"},
    {"q": "湘"},
    {"q": "桥"},
    {"q": '"社会治理"'},
    {"q": '"派出所主防"'},
    {"q": '"扫黑除恶专项斗争"'},
    {"q": '"人民群众"'},
    {"q": '"公安机关"'},
    {"q": "公安", "city": "株洲市"},
    {"q": "派出所", "city": "永州市"},
    {"q": "治安", "year": "2019"},
    {"q": "交通", "city": "岳阳市", "year": "2020"},
    {"q": "民警", "year": "2010"},
    {"q": "社会治理", "city": "长沙市"},
    {"q": "无人机", "year": "2015"},
    {"q": "治", "city": "衡阳市"},
    {"q": '"公安机关"', "year": "2021"},
    {"q": "扫黑除恶", "city": "常德市"},
    {"q": "公安 派出所"},
    {"q": "无人机 OR 直升机"},
    {"q": "交通 -事故"},
    {"q": "平安建设"},
    {"q": "警务"},
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (a figure that a busy machine
    inflates far less than wall time)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def text_bytes(archive: Path) -> int:
    return sum(p.stat().st_size for p in archive.rglob("*.txt"))


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# This project --------------------------------------------------------------------------------


def ours_ingest(archive: Path, index: Path, jobs: int) -> dict:
    from archivist.indexing import IndexStore, ingest, quiet_progress

    shutil.rmtree(index, ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    result = ingest(archive, index, rebuild=True, jobs=jobs, progress=quiet_progress)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    size = folder_size(IndexStore(index).generation_dir())
    extra = archive / "bench-added" / "added.txt"
    extra.parent.mkdir(exist_ok=True)
    shutil.copy(next(archive.rglob("*.txt")), extra)
    started = time.perf_counter()
    incremental = ingest(archive, index, jobs=jobs, progress=quiet_progress)
    incremental_s = time.perf_counter() - started
    shutil.rmtree(extra.parent)
    ingest(archive, index, jobs=jobs, progress=quiet_progress)  # back to the corpus as written
    assert incremental.added == 1, incremental.summary()
    return {
        "paragraphs": result.paragraphs,
        "seconds": seconds,
        "cpu_s": cpu,
        "index_mb": size / 1e6,
        "incremental_s": incremental_s,
    }


class Ours:
    """The real search path: the server's searcher (kept per thread while the index does not
    change), the search page's data (facets, 20 hits)."""

    def __init__(self, index: Path) -> None:
        from archivist import analysis
        from archivist.indexing import IndexStore
        from archivist.pages import search_page
        from archivist.query import parse_search_args

        self.store = store = IndexStore(index)
        analysis.use_user_dictionary(store.user_dictionary())
        self.page, self.parse = search_page, parse_search_args
        self({"q": "公安"})  # warm-up: jieba, column caches

    def __call__(self, params: dict[str, str]) -> int:
        searcher, _userdict = self.store.kept_searcher()
        return self.page(searcher, self.parse(params))["total"]


def ours_queries(index: Path, queries: list[dict[str, str]] = QUERIES) -> list[float]:
    ours = Ours(index)
    return [timed(ours, params)[0] for params in queries]


def timed(engine, params: dict[str, str]) -> tuple[float, int]:
    """(milliseconds, matches) of one query."""
    started = time.perf_counter()
    found = engine(params)
    return (time.perf_counter() - started) * 1000, found


# The naive recipe ----------------------------------------------------------------------------


def naive_ingest(archive: Path, index: Path) -> dict:
    """Whoosh + jieba's ChineseAnalyzer on one text field, paragraphs split at blank lines."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    from archivist.archive import list_reports, open_catalogue
    from archivist.formats import extract
    from archivist.metadata import infer_metadata
    from archivist.segment import segment

    shutil.rmtree(index, ignore_errors=True)
    index.mkdir(parents=True)
    schema = Schema(
        path=ID(stored=True),
        content=TEXT(stored=True, analyzer=ChineseAnalyzer()),
        city=ID(stored=True, sortable=True),
        county=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
    )
    started = time.perf_counter()
    ix = whoosh_index.create_in(str(index), schema)
    writer = ix.writer(limitmb=128)
    files, _ = list_reports(archive)
    catalogue = open_catalogue(archive, {f.doc_id for f in files})
    from archivist.gazetteer import default_gazetteer

    count = 0
    for file in files:
        text = extract(file.path, file.path.read_bytes()).text
        blocks = segment(text)  # same metadata work as ours, so the comparison is fair
        meta = infer_metadata(
            file.doc_id, blocks, catalogue.rows.get(file.doc_id), default_gazetteer()
        )
        for number, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
            writer.add_document(
                path=f"{file.doc_id}/{number}",
                content=paragraph,
                city=meta.city,
                county=meta.county,
                year=str(meta.year or ""),
            )
            count += 1
    writer.commit()
    return {"paragraphs": count, "seconds": time.perf_counter() - started}


def naive_queries(index: Path, queries: list[dict[str, str]] = QUERIES) -> list[float]:
    from whoosh import index as whoosh_index
    from whoosh import sorting
    from whoosh.qparser import QueryParser
    from whoosh.query import And, Term

    ix = whoosh_index.open_dir(str(index))
    parser = QueryParser("content", ix.schema)
    facets = {name: sorting.FieldFacet(name) for name in ("city", "county", "year")}
    timings = []
    for params in [{"q": "公安"}, *queries]:
        started = time.perf_counter()
        with ix.searcher() as searcher:
            query = parser.parse(params["q"])
            filters = [Term(k, v) for k, v in params.items() if k != "q"]
            results = searcher.search(
                query, limit=20, groupedby=facets, filter=And(filters) if filters else None
            )
            for name in facets:
                results.groups(name)
            for hit in results[:20]:
                hit.highlights("content")
        timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]


# The scan ------------------------------------------------------------------------------------


def scan_queries(index: Path) -> list[float]:
    from archivist.folding import fold
    from archivist.indexing import IndexStore
    from archivist.querylang import parse

    with IndexStore(index).open().searcher() as searcher:
        texts = [fold(f["text"]) for f in searcher.documents(rec="block")]
    timings = []
    for params in QUERIES:
        parsed = parse(params["q"])
        needles = [t.folded for t in parsed.positive_terms()]
        started = time.perf_counter()
        sum(1 for text in texts if all(n in text for n in needles))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# Served memory -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_rss_mb(index: Path, queries: list[dict[str, str]] = QUERIES) -> float:
    """Resident memory of the real server after it answered every benchmark query."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(PROJECT / "manage.py"),
            "serve",
            "--index",
            str(index),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600  # the first search of an index reads its columns
        while True:
            try:
                urllib.request.urlopen(base + "/api/search?q=x", timeout=300).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        for params in queries:
            urllib.request.urlopen(f"{base}/?{urlencode(params)}", timeout=60).read()
        status = Path(f"/proc/{server.pid}/status").read_text()
        lines = [line.split() for line in status.splitlines() if line.endswith("kB")]
        kb = {fields[0].rstrip(":"): int(fields[1]) for fields in lines}
        print(
            f"server memory: {kb['RssAnon'] / 1024:.0f} MB own, {kb['RssFile'] / 1024:.0f} MB of "
            "mapped index files (page cache the kernel can reclaim)"
        )
        return kb["VmRSS"] / 1024
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# The shared corpus, against other engines ----------------------------------------------------


def indexed_paragraphs(index: Path) -> list:
    """Every paragraph of our index with its facet values, as the other engines get them."""
    from engines import Paragraph

    from archivist.folding import fold
    from archivist.indexing import IndexStore

    with IndexStore(index).open().searcher() as searcher:
        return [
            Paragraph(f["text"], fold(f["text"]), f["city"], f["county"], f["year"])
            for f in searcher.documents(rec="block")
        ]


def ingest_figures(ours: dict, megabytes: float, jobs: int) -> dict:
    """The results' figures of our full and incremental ingest (``ours_ingest``)."""
    return {
        "paragraphs": ours["paragraphs"],
        "text_mb": round(megabytes, 2),
        "jobs": jobs,
        "ingest_s": round(ours["seconds"], 2),
        "ingest_mb_s": round(megabytes / ours["seconds"], 3),
        "index_mb": round(ours["index_mb"], 1),
        "incremental_s": round(ours["incremental_s"], 3),
    }


def percentiles(timings: list[float]) -> tuple[float, float]:
    return round(percentile(timings, 0.5), 2), round(percentile(timings, 0.95), 2)


BUILD_KEYS = (
    "paragraphs", "text_mb", "jobs", "ingest_s", "ingest_mb_s", "index_mb", "incremental_s",
    "ingest_cpu_s", "sqlite_ingest_s", "sqlite_index_mb", "tantivy_ingest_s", "tantivy_index_mb",
)  # fmt: skip


def _previous_builds(args) -> dict | None:
    """With ``--reuse``: the build figures of the run that built the kept indexes (its results
    file), or None to build anew (no such file, or no index)."""
    index = WORK / f"index-news-{args.paragraphs}"
    try:
        previous = json.loads(args.out.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not index.exists() or previous.get("paragraphs") is None:
        return None
    print(f"reusing the indexes built by the run in {args.out} and its build figures")
    return {key: previous[key] for key in BUILD_KEYS if key in previous} | {"builds_reused": True}


def interleaved(engines: dict, queries: list[dict], rounds: int) -> tuple[dict, dict]:
    """Each engine's time per query (the median of ``rounds`` rounds, every round asking each
    query of every engine in turn: load on the machine hits all engines alike) and count."""
    times: dict[str, list[list[float]]] = {name: [[] for _ in queries] for name in engines}
    counts: dict[str, list[int]] = {name: [0] * len(queries) for name in engines}
    for _ in range(rounds):
        for i, params in enumerate(queries):
            for name, engine in engines.items():
                ms, counts[name][i] = timed(engine, params)
                times[name][i].append(ms)
    return {name: [statistics.median(t) for t in per] for name, per in times.items()}, counts


def corpus_run(args) -> dict:
    """Ours, the naive recipe, SQLite FTS5, tantivy and two scans on the shared corpus."""
    import corpus_archive
    from engines import RegexScan, Sqlite, Tantivy, scan_in

    archive = WORK / f"news-{args.paragraphs}"
    if not archive.exists():
        print(f"writing about {args.paragraphs} blocks of the shared corpus into {archive}")
        corpus_archive.write_archive(archive, args.paragraphs)
    megabytes = text_bytes(archive) / 1e6
    index = WORK / f"index-news-{args.paragraphs}"
    others = WORK / f"others-{args.paragraphs}"
    others.mkdir(exist_ok=True)
    sqlite, tantivy = Sqlite(others), Tantivy(others)
    built = _previous_builds(args) if args.reuse else None
    if built is None:
        print(f"ours: full ingest of {megabytes:.1f} MB …", flush=True)
        ours = ours_ingest(archive, index, args.jobs)
    paragraphs = indexed_paragraphs(index)
    queries = corpus_archive.draw_queries(
        [p.folded for p in paragraphs], [p.year for p in paragraphs]
    )
    if built is None:
        print("sqlite, tantivy: ingest …", flush=True)
        sqlite_s, tantivy_s = sqlite.build(paragraphs), tantivy.build(paragraphs)
    sqlite.open()
    tantivy.open()
    engines = {
        "ours": Ours(index),
        "tantivy": tantivy,
        "sqlite": sqlite,
        "scan": lambda params: scan_in(paragraphs, params),
        "re_scan": RegexScan(paragraphs),
    }
    print(f"queries, interleaved, {args.rounds} rounds …", flush=True)
    timings, counts = interleaved(engines, queries, args.rounds)
    naive = {}
    if not args.no_naive:
        print("naive: full ingest …", flush=True)
        naive_index = WORK / f"index-naive-news-{args.paragraphs}"
        naive = naive_ingest(archive, naive_index)
        naive["timings"] = naive_queries(naive_index, queries)
    try:
        rss = serve_rss_mb(index, queries)
    except RuntimeError as exc:  # the figures above are kept
        print(f"server memory not measured: {exc}")
        rss = float("nan")
    if built is None:
        built = {
            **ingest_figures(ours, megabytes, args.jobs),
            "ingest_cpu_s": round(ours["cpu_s"], 1),
            "sqlite_ingest_s": round(sqlite_s, 2),
            "sqlite_index_mb": round(sqlite.size() / 1e6, 1),
            "tantivy_ingest_s": round(tantivy_s, 2),
            "tantivy_index_mb": round(tantivy.size() / 1e6, 1),
        }
    results = {
        "corpus": "shared news corpus",
        **built,
        "serve_rss_mb": round(rss, 1),
        "query_rounds": args.rounds,
    }
    for name, key in [("ours", "query"), ("tantivy", "tantivy_query"), ("sqlite", "sqlite_query"),
                      ("scan", "scan"), ("re_scan", "re_scan")]:  # fmt: skip
        results[f"{key}_p50_ms"], results[f"{key}_p95_ms"] = percentiles(timings[name])
    if naive:
        results["naive_ingest_s"] = round(naive["seconds"], 2)
        results["naive_ingest_mb_s"] = round(megabytes / naive["seconds"], 3)
        results["naive_query_p50_ms"], results["naive_query_p95_ms"] = percentiles(naive["timings"])
    results["ratios"] = {
        "query_p50_over_tantivy": round(
            results["query_p50_ms"] / results["tantivy_query_p50_ms"], 2
        ),
        "query_p95_over_tantivy": round(
            results["query_p95_ms"] / results["tantivy_query_p95_ms"], 2
        ),
        "scan_p50_over_ours": round(results["scan_p50_ms"] / results["query_p50_ms"], 1),
        "scan_p95_over_ours": round(results["scan_p95_ms"] / results["query_p95_ms"], 1),
        "sqlite_p50_over_ours": round(results["sqlite_query_p50_ms"] / results["query_p50_ms"], 1),
        "sqlite_p95_over_ours": round(results["sqlite_query_p95_ms"] / results["query_p95_ms"], 1),
        "index_over_text": round(results["index_mb"] / megabytes, 2),
        "incremental_over_full": round(results["incremental_s"] / results["ingest_s"], 4),
    }
    mismatches = [
        {"q": params, **{name: counts[name][i] for name in engines}}
        for i, params in enumerate(queries)
        if len({counts[name][i] for name in ("scan", "re_scan", "tantivy", "sqlite")}) > 1
        or counts["ours"][i] < counts["scan"][i]
    ]
    results["count_mismatches"] = mismatches
    slowest = sorted(zip(timings["ours"], queries, strict=True), key=lambda x: -x[0])[:8]
    results["slowest_queries_ms"] = [{"ms": round(t, 1), **q} for t, q in slowest]
    results["query_kinds"] = (
        "8 single characters, 12 two-character and 10 four-character strings, 6 rare "
        "four-character strings, 8 quoted six-character phrases, 8 two-term ANDs, "
        "10 with a year or city filter"
    )
    return results


# Main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, help="20,000, or 250,000 with --corpus")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="results-20k.json, or results.json (--corpus)")
    parser.add_argument("--corpus", action="store_true", help="the shared corpus of real news")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive recipe")
    parser.add_argument("--rounds", type=int, default=3, help="query rounds (median per query)")
    parser.add_argument(
        "--reuse", action="store_true", help="--corpus: query the indexes the last run built"
    )
    args = parser.parse_args()
    args.paragraphs = args.paragraphs or (250_000 if args.corpus else 20_000)
    default = "results.json" if args.corpus else f"results-{args.paragraphs // 1000}k.json"
    args.out = args.out or PROJECT / "bench" / default
    if args.corpus:
        import corpus_archive

        if not corpus_archive.available():
            print(f"skipped: the shared corpus is not at {corpus_archive.CORPUS}")
            return
        results = corpus_run(args)
        for key, value in results.items():
            print(f"{key:>24}: {value}")
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"written to {args.out}")
        return

    corpus = WORK / f"corpus-{args.paragraphs}-{args.seed}"
    if not corpus.exists():
        print(f"writing corpus of about {args.paragraphs} paragraphs into {corpus}")
        write_corpus(args.paragraphs, corpus, args.seed)
    megabytes = text_bytes(corpus) / 1e6
    ours_index, naive_index = WORK / "index-ours", WORK / "index-naive"

    print("ours: full ingest …", flush=True)
    ours = ours_ingest(corpus, ours_index, args.jobs)
    print("naive: full ingest …", flush=True)
    naive = naive_ingest(corpus, naive_index)
    print("queries …", flush=True)
    ours_t, naive_t, scan_t = (
        ours_queries(ours_index),
        naive_queries(naive_index),
        scan_queries(ours_index),
    )
    rss = serve_rss_mb(ours_index)

    results = {
        **ingest_figures(ours, megabytes, args.jobs),
        "naive_ingest_s": round(naive["seconds"], 2),
        "naive_ingest_mb_s": round(megabytes / naive["seconds"], 3),
        "query_p50_ms": round(percentile(ours_t, 0.5), 1),
        "query_p95_ms": round(percentile(ours_t, 0.95), 1),
        "naive_query_p50_ms": round(percentile(naive_t, 0.5), 1),
        "naive_query_p95_ms": round(percentile(naive_t, 0.95), 1),
        "scan_p50_ms": round(percentile(scan_t, 0.5), 1),
        "scan_p95_ms": round(percentile(scan_t, 0.95), 1),
        "serve_rss_mb": round(rss, 1),
    }
    results["ratios"] = {
        "query_p95_ours_over_naive": round(
            results["query_p95_ms"] / results["naive_query_p95_ms"], 2
        ),
        "scan_p50_over_ours_p50": round(results["scan_p50_ms"] / results["query_p50_ms"], 2),
        "ingest_ours_over_naive": round(results["ingest_mb_s"] / results["naive_ingest_mb_s"], 2),
        "incremental_over_full": round(ours["incremental_s"] / ours["seconds"], 4),
    }
    slowest = sorted(zip(ours_t, QUERIES, strict=True), key=lambda x: -x[0])[:5]
    results["slowest_queries_ms"] = [{"ms": round(t, 1), **q} for t, q in slowest]
    for key, value in results.items():
        print(f"{key:>24}: {value}")
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    print(
        f"mean query ms: ours {statistics.mean(ours_t):.1f}, naive {statistics.mean(naive_t):.1f}"
    )


if __name__ == "__main__":
    main()
