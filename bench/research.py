"""Benchmark of the research tools: trends, concordance, reprints, against one search.

    nice -n 10 python bench/research.py [--paragraphs 20000] [--real 200000] [--out FILE]

Builds (or reuses) an index of the synthetic corpus (``bench/make_corpus.py``), or with
``--real N`` of about N paragraphs of ``../shared/corpus`` (written by its ``materialize.py``
into ``bench/work``, never into the project; skipped with a message when absent), then times,
each through the real page code with a new searcher (median of several runs, after one warm-up):

1. one search with facets for each of the trend terms (the yardstick);
2. a trends page for six terms over all years;
3. a concordance page (100 lines, collocates) for the term with the number of occurrences
   nearest 10,000;
4. the reprint pass: over the whole index, and after one report is added.

Prints the figures and writes them to ``--out``. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from archivist import analysis, reprints  # noqa: E402
from archivist.indexing import IndexStore, ingest, quiet_progress  # noqa: E402
from archivist.query import SearchQuery  # noqa: E402
from archivist.research_pages import kwic_page, trends_page  # noqa: E402
from archivist.research_query import KwicQuery, TrendsQuery  # noqa: E402
from archivist.search import search  # noqa: E402

WORK = PROJECT / "bench" / "work"
SHARED = PROJECT.parent / "shared" / "corpus"
SYNTHETIC_TERMS = ["公安", "派出所", "社会治理", "扫黑除恶", "无人机", '"道路交通"']
REAL_TERMS = ["改革", "扶贫", "疫情", "一带一路", "人工智能", '"乡村振兴"']
KWIC_CANDIDATES = ["公安", "派出所", "民警", "群众", "安全", "治理", "发展", "经济", "改革", "合作"]
RUNS = 5


def timed(function, runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the next ``runs``) in milliseconds."""
    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return round(samples[0], 1), round(statistics.median(samples[1:]), 1)


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


def _index(corpus: Path, index: Path, jobs: int) -> Path:
    if not IndexStore(index).exists():
        started = time.perf_counter()
        result = ingest(corpus, index, rebuild=True, jobs=jobs, progress=quiet_progress)
        print(f"ingest: {result.summary()} ({time.perf_counter() - started:.0f} s)")
    return index


def measure(index: Path, terms: list[str]) -> dict:
    store = IndexStore(index)
    analysis.use_user_dictionary(store.user_dictionary())
    figures: dict = {"paragraphs": 0}

    def with_searcher(work):
        def run():
            with store.open().searcher() as searcher:
                return work(searcher)

        return run

    with store.open().searcher() as searcher:
        figures["paragraphs"] = sum(1 for _ in searcher.documents(rec="block"))
    searches = {}
    for term in terms:
        query = SearchQuery(q=term)
        searches[term] = timed(with_searcher(lambda s, q=query: search(s, q)))[1]
    figures["search_ms"] = searches
    figures["search_median_ms"] = statistics.median(searches.values())
    trends = TrendsQuery(tuple(terms), SearchQuery())
    figures["trends_6_terms_ms"] = timed(with_searcher(lambda s: trends_page(s, trends)))
    term, occurrences = _kwic_term(store)
    figures["kwic_term"], figures["kwic_occurrences"] = term, occurrences
    figures["search_kwic_term_ms"] = timed(with_searcher(lambda s: search(s, SearchQuery(q=term))))[
        1
    ]
    for sort in ("doc", "left", "right"):
        query = KwicQuery(SearchQuery(q=term), sort=sort)
        figures[f"kwic_{sort}_ms"] = timed(with_searcher(lambda s, q=query: kwic_page(s, q)))
    figures.update(measure_reprints(store))
    return figures


def measure_reprints(store: IndexStore) -> dict:
    """The reprint pass over the whole index, and after one report is added (simulated by
    taking its rows out of the table, which the pass then signs again)."""
    folder, index = store.generation_dir(), store.open()
    (folder / reprints.FILE_NAME).unlink(missing_ok=True)
    started = time.perf_counter()
    full = reprints.update_generation(folder, index)
    full_ms = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(RUNS):
        table = reprints.load_table(folder)
        doc_id = table.doc[len(table.doc) // 2]
        kept = table.keep(table.doc != doc_id)
        del kept.hashes[doc_id]
        reprints.save_table(folder, kept)
        started = time.perf_counter()
        reprints.update_generation(folder, index)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "reprint_rows": full.rows,
        "reprint_groups": full.groups,
        "reprint_full_ms": round(full_ms, 1),
        "reprint_one_report_ms": round(statistics.median(samples), 1),
    }


def _kwic_term(store: IndexStore) -> tuple[str, int]:
    """The candidate whose occurrences are nearest 10,000."""
    best = ("", 0)
    with store.open().searcher() as searcher:
        for term in KWIC_CANDIDATES:
            total = kwic_page(searcher, KwicQuery(SearchQuery(q=term), per_page=1))["total"]
            if abs(total - 10_000) < abs(best[1] - 10_000):
                best = (term, total)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--real", type=int, default=0, help="about this many real paragraphs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results-research.json")
    parser.add_argument("--clean", action="store_true", help="rebuild the index first")
    args = parser.parse_args()
    results = {}
    if args.clean:
        shutil.rmtree(WORK / f"index-research-{args.paragraphs}", ignore_errors=True)
    _corpus, index = build_synthetic(args.paragraphs, args.jobs)
    results["synthetic"] = measure(index, SYNTHETIC_TERMS)
    print(json.dumps(results["synthetic"], ensure_ascii=False, indent=1))
    if args.real:
        built = build_real(args.real, args.jobs)
        if built:
            results["real"] = measure(built[1], REAL_TERMS)
            print(json.dumps(results["real"], ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
