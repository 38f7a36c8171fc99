"""Benchmark: what citing costs. Figures, never assertions.

    python bench/citations.py [--repeat 20]

Builds an index of the sample archive in a temporary folder, then prints the median time of
rendering one CSL item in each style (citeproc-py), of every citation form of one paragraph,
of a permalink page through the Flask test client (first view, and seen again: rendered
citations are cached), and of a selection of 20 paragraphs cited
at once as one GB/T 7714 bibliography and as one RIS file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from archivist import cslstyles  # noqa: E402
from archivist.indexing import ingest  # noqa: E402
from archivist.references import citations, csl_item  # noqa: E402
from archivist.web import create_app  # noqa: E402

SEED = "000_1393866c2a5a9400"
META = {
    "doc_id": SEED,
    "title": "撑起一方晴朗的天",
    "authors": ["戴鹏", "周志军", "李志亮", "李慧娟"],
    "source": "株洲日报",
    "date": "2021-12-10",
    "year": 2021,
    "page": "3",
}


def median_ms(action, repeat: int, cold: bool = True) -> float:
    """The median wall time of ``action()`` in milliseconds, after one warm-up call; ``cold``
    empties the cache of rendered citations before each call (a permalink seen first)."""
    action()
    times = []
    for _ in range(repeat):
        if cold:
            cslstyles._cite.cache_clear()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    item = csl_item(META, "https://archive.example.org/p/x/5?v=abc", date.today())
    for name in cslstyles.STYLES:
        ms = median_ms(lambda name=name: cslstyles.cite(item, name, 5), args.repeat)
        print(f"one reference and in-text citation, {name:13}: {ms:7.1f} ms")
    ms = median_ms(lambda: citations(META, 5, "https://archive.example.org/p/x/5"), args.repeat)
    print(f"every citation form of one paragraph       : {ms:7.1f} ms")
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        ingest(PROJECT / "archive", index, rebuild=True, jobs=1)
        client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
        for cold in (True, False):
            ms = median_ms(lambda: client.get(f"/p/{SEED}/5"), args.repeat, cold)
            seen = "first view" if cold else "seen again"
            print(f"permalink page, {seen}                 : {ms:7.1f} ms")
        selection = "&".join(f"p={SEED}/{n}" for n in range(5, 25))
        for fmt in ("gbt7714", "ris"):
            ms = median_ms(lambda fmt=fmt: client.get(f"/cite?{selection}&format={fmt}"), 5)
            print(f"20 paragraphs cited at once, {fmt:8}       : {ms:7.1f} ms")


if __name__ == "__main__":
    main()
