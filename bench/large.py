"""Large inputs: a legal report of 60,000 paragraphs, and many reports for ``/api/documents``.

    python bench/large.py [--paragraphs 60000] [--reports 2000] [--small-paragraphs 3]
                          [--repeat 5] [--work DIR]

Writes a synthetic archive into a temporary folder (made-up sentences, no corpus text): one
report of ``--paragraphs`` paragraphs (about 7.5 MB at 60,000) and one of 500 (a document page
of one whole part, for comparison) beside ``--reports`` small reports of ``--small-paragraphs``
paragraphs each, with a catalogue giving the small reports newspapers, dates and places (so
the report list has facets to count), indexes it with the real ingest, then times through the
Flask test client (best of ``--repeat``): a permalink in the middle of the big report, its JSON
twin, the document page (first part and the part of a paragraph near the end, with and without
a query), the JSON document, and the report list ``/api/documents`` (first and last page, a
facet filter, the title sort, a date range; its very first request, which builds the tables
of the index version, is timed alone) with ``/docs`` and the landing page.
``--paragraphs 0`` leaves the long reports out: ``--paragraphs 0 --reports 100000
--small-paragraphs 1`` measures the report list at 100,000 reports. ``--work`` keeps the
archive and index in a folder and reuses them, so two versions of the code can be timed on the
same index. Prints sizes and milliseconds; figures, never assertions.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from archivist.indexing import ingest, quiet_progress  # noqa: E402
from archivist.web import create_app  # noqa: E402

PART = 500  # paragraphs of a part of a long document page (README)

PHRASES = [
    "根据本条例的规定",
    "县级以上人民政府",
    "应当依法履行职责",
    "公安机关负责本行政区域内",
    "对违反规定的单位和个人",
    "由有关主管部门责令改正",
    "情节严重的",
    "处以罚款",
    "道路交通安全管理工作",
    "社会治安综合治理",
    "第三条",
    "乡镇人民政府和街道办事处",
]


def paragraph(rng: random.Random, n: int) -> str:
    """A made-up legal paragraph of about 40 characters (120 bytes)."""
    words = "".join(rng.choice(PHRASES) for _ in range(5))
    return f"第{n}条 {words[:36]}。"


SOURCES = ["株洲日报", "湖南日报", "长沙晚报", "岳阳日报", "常德日报"]
PLACES = [
    ("长沙市", "岳麓区"),
    ("株洲市", "天元区"),
    ("湘潭市", "岳塘区"),
    ("衡阳市", "珠晖区"),
    ("岳阳市", "岳阳楼区"),
    ("常德市", "武陵区"),
]


def write_archive(
    root: Path, paragraphs: int, reports: int, small_paragraphs: int = 3, seed: int = 3
) -> Path:
    rng = random.Random(seed)
    archive = root / "archive"
    archive.mkdir(parents=True)
    if paragraphs:
        for name, count in (("big_law", paragraphs), ("part_law", PART - 1)):
            body = "\n\n".join(paragraph(rng, n) for n in range(1, count + 1))
            (archive / f"{name}.txt").write_text("某某条例\n\n" + body + "\n", encoding="utf-8")
    rows = ["file,title,source,date,page,city,county,authors,url"]
    for i in range(reports):
        body = "\n\n".join(paragraph(rng, n) for n in range(1, small_paragraphs + 1))
        (archive / f"r{i:06d}.txt").write_text(f"报告{i}\n\n{body}\n", encoding="utf-8")
        city, county = rng.choice(PLACES)
        day = f"{rng.randint(2000, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows.append(f"r{i:06d}.txt,报告{i},{rng.choice(SOURCES)},{day},1,{city},{county},,")
    (archive / "catalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return archive


def best_ms(client, url: str, repeat: int) -> tuple[float, int, int]:
    """(best milliseconds, status, bytes) of GET url."""
    best, status, size = float("inf"), 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        best = min(best, (time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(body)
    return best, status, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=60_000)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--small-paragraphs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, help="keep (and reuse) archive and index here")
    args = parser.parse_args(argv)
    if not 0 <= args.paragraphs <= 200_000 or not 0 <= args.reports <= 200_000:
        parser.error("--paragraphs must be 0..200000 and --reports 0..200000")
    if not 1 <= args.small_paragraphs <= 50:
        parser.error("--small-paragraphs must be 1..50")
    with tempfile.TemporaryDirectory(prefix="archivist-large-") as temporary:
        run(args, args.work or Path(temporary))
    return 0


def run(args: argparse.Namespace, work: Path) -> None:
    """Build the archive and index in ``work`` unless they are there, then time the pages."""
    archive, index = work / "archive", work / "index"
    if not (index / "CURRENT").exists():
        archive = write_archive(work, args.paragraphs, args.reports, args.small_paragraphs)
        started = time.monotonic()
        ingest(archive, index, rebuild=True, progress=quiet_progress)
        print(f"ingest: {time.monotonic() - started:.0f} s", flush=True)
    reports = sum(1 for _ in archive.glob("r*.txt"))
    client = create_app({"INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive)}).test_client()
    urls = _long_report_urls(archive) | _list_urls(client, reports)
    for label, url in urls.items():
        ms, status, length = best_ms(client, url, args.repeat)
        print(f"  {label:36} {ms:9.1f} ms  {status}  {length / 1000:9.1f} kB", flush=True)


def _long_report_urls(archive: Path) -> dict[str, str]:
    """The pages of the long report to time (none when it was left out)."""
    big = archive / "big_law.txt"
    if not big.exists():
        return {}
    text = big.read_text(encoding="utf-8")
    paragraphs = text.count("\n\n")
    print(f"big report: {paragraphs} paragraphs, {len(text.encode('utf-8')) / 1e6:.1f} MB")
    middle, late = paragraphs // 2, paragraphs - 10
    return {
        f"document page of {PART} paragraphs": "/doc/part_law",
        "the same with a query": "/doc/part_law?q=罚款",
        "permalink (HTML)": f"/p/big_law/{middle}",
        "permalink (JSON)": f"/api/paragraphs/big_law/{middle}",
        "permalink, stale fingerprint": f"/p/big_law/{middle}?v=0000000000",
        "document page": "/doc/big_law",
        "document page at a late match": f"/doc/big_law?q=罚款&hit={late}",
        "document page with a query": "/doc/big_law?q=罚款",
        "document JSON": "/api/documents/big_law",
        "document JSON, last part": f"/api/documents/big_law?part={paragraphs // PART + 1}",
    }


def _list_urls(client, reports: int) -> dict[str, str]:
    """The report list's pages to time; its first request is timed here, alone."""
    started = time.perf_counter()
    client.get("/api/documents").get_data()
    first = (time.perf_counter() - started) * 1000
    print(f"{reports} small reports; first /api/documents request: {first:.0f} ms", flush=True)
    city, county = PLACES[1]
    last = min(max(1, -(-reports // 100)), 1000)  # pages beyond 1,000 are refused
    return {
        "/api/documents (first page)": "/api/documents",
        "/api/documents (last page)": f"/api/documents?per_page=100&page={last}",
        "/api/documents?city=…&year=2019": f"/api/documents?city={city}&year=2019",
        "/api/documents?county=…&sort=title": f"/api/documents?county={county}&sort=title",
        "/api/documents?date_from=…&date_to=…": "/api/documents?date_from=2010-03-01"
        "&date_to=2010-06-30&sort=date_asc",
        "/docs (HTML)": "/docs",
        "/ (landing page)": "/",
    }


if __name__ == "__main__":
    sys.exit(main())
