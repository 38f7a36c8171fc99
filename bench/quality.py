"""Quality of ingest on real text: layout repair and metadata.

Materialises a fixed-seed sample of the shared corpus of real news (``../shared/corpus``, read
at run time, never copied into the project) into a temporary folder with the corpus's own
``materialize.py``: several sources, one title line and clean paragraphs separated by blank
lines. Then it ingests (reads, segments, describes: :func:`archivist.archive.load_report`)

1. the sample as it is;
2. a damaged copy: page breaks cut into some paragraphs (never right after sentence-final
   punctuation, where a break and a paragraph end look the same), the halves separated by a
   blank line, or by a line printed in between: a page header, a photo caption or a
   continuation note (``（下转第二版）``, ``上接第1版``), all written for this script; and some
   reports get an e-paper date line or page label above their title;

and prints, per run, figures scored against what the source states:

- wrong joins: blocks that span two source paragraphs (or the title and a paragraph), as a
  share of paragraph boundaries;
- breaks repaired: made breaks whose two halves end up in one block;
- inserted lines kept apart: inserted headers, captions, notes and date lines alone in a block;
- titles right: the report's title block is the source's title;
- text lost: characters of the source missing from the blocks (or lines placed twice).

It also scores the seed reports in ``archive/`` against the gold that tests/test_segment.py pins
(joins, no-joins, kinds), and times segmentation of the seeds repeated to 16 MB. With
``--show N`` it prints up to N failures of each kind to the terminal (for looking at, never
for copying into the project). Figures only; nothing asserts.

    python bench/quality.py [--seed 1] [--size 1000] [--show 0] [--keep DIR]

Each group of figures is one function taking the sample and its ingested reports; ``main``
prints them in order, so further groups (metadata: year, date, city, county) slot in beside.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from archivist.archive import Report, list_reports, load_report, open_catalogue  # noqa: E402
from archivist.reading import ReportError, read_report  # noqa: E402
from archivist.segment import Block, segment  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_metadata import report as metadata_report  # noqa: E402  (same folder)

CORPUS = PROJECT.parent / "shared" / "corpus"
MATERIALIZE = CORPUS / "materialize.py"
# Share of the sample per source: several sources, the long official reports included.
SOURCE_SHARES = (("xwlb", 0.64), ("hkcnews", 0.32), ("gwr", 0.03), ("cpc", 0.01))
BREAK_SHARE = 0.35  # share of paragraphs (long enough) cut by a made page break
MIN_CUT_CHARS = 8  # each half of a cut paragraph has at least this many characters
NO_CUT_AFTER = "。！？!?…；;：:.”’」』）)】》\"'"  # a break after these looks like a paragraph end
PREFIX_SHARE = 0.2  # share of reports given a date line or page label above the title

# Lines printed between the halves of a cut paragraph; made up for this script.
INSERTS: dict[str, tuple[str, ...]] = {
    "header": (
        "2019年3月5日 星期二",
        "第2版：要闻",
        "第A03版 综合新闻",
        "2016年11月08日 星期二 第5版",
    ),
    "caption": (
        "图为志愿者在社区清扫街道。",
        "▲市民在公园里晨练",
        "工人在车间检修设备。 记者 李华 摄",
        "圖為市民在街頭排隊等候。",
        "市民參觀展覽。（資料圖片）",
        "記者 陳大文 攝",
        "新华社记者 王明 摄",
        "游客在景区参观（资料图片）",
    ),
    "note": (
        "（下转第二版）",
        "（上接第1版）",
        "上接第一版",
        "（转第4版）",
        "（下轉A2版）",
        "下转第3版",
    ),
}
PREFIXES = ("2021年6月1日 星期二", "第01版：要闻", "2015年08月12日")


@dataclass
class Article:
    """One sampled article: what the source states."""

    doc_id: str
    source: str
    title: str
    paragraphs: list[str]
    gold: dict[str, str] = field(default_factory=dict)  # materialize.py --gold: date, year


@dataclass
class Line:
    """One non-blank line of a report the script wrote, and where it came from."""

    role: str  # title, body, half, prefix, header, caption, note
    unit: int  # 0 the title, 1.. the source paragraphs; -1 an inserted line


@dataclass
class Variant:
    """A report text as ingested and the origin of each of its non-blank lines (by number)."""

    text: str
    lines: dict[int, Line]
    breaks: list[tuple[int, int]] = field(default_factory=list)  # line numbers of the halves


@dataclass
class Run:
    """One ingest of the sample: the reports and the variants they were written from."""

    name: str
    variants: dict[str, Variant]
    reports: dict[str, Report]
    refused: dict[str, str]


# ---------------------------------------------------------------- the sample


def corpus_present() -> bool:
    return (CORPUS / "news.jsonl.gz").is_file() and MATERIALIZE.is_file()


def materialise(folder: Path, size: int, seed: int) -> list[Article]:
    """A fixed-seed sample of ``size`` articles over several sources, written to ``folder``."""
    articles: list[Article] = []
    for source, share in SOURCE_SHARES:
        limit = max(1, round(size * share))
        out = folder / source
        gold = folder / f"gold-{source}.csv"
        command = [sys.executable, str(MATERIALIZE), "--out", str(out), "--limit", str(limit)]
        command += ["--sources", source, "--seed", str(seed), "--gold", str(gold)]
        subprocess.run(command, check=True, capture_output=True)
        with open(gold, encoding="utf-8", newline="") as handle:
            rows = {row["file"]: row for row in csv.DictReader(handle)}
        for name, row in sorted(rows.items()):
            text = (out / name).read_text(encoding="utf-8").rstrip("\n")
            title, *paragraphs = text.split("\n\n")
            doc_id = f"{source}/{name.removesuffix('.txt')}"
            articles.append(Article(doc_id, source, title.strip(), paragraphs, dict(row)))
    return articles


def clean_variant(article: Article) -> Variant:
    """The article as materialised: title, blank line, paragraphs separated by blank lines."""
    builder = _Builder()
    builder.add(article.title, Line("title", 0))
    for unit, paragraph in enumerate(article.paragraphs, start=1):
        builder.add(paragraph, Line("body", unit))
    return builder.variant()


def damaged_variant(article: Article, rng: random.Random) -> Variant:
    """The article with made page breaks (and maybe a line above the title)."""
    builder = _Builder()
    if rng.random() < PREFIX_SHARE:
        builder.add(rng.choice(PREFIXES), Line("prefix", -1))
    builder.add(article.title, Line("title", 0))
    for unit, paragraph in enumerate(article.paragraphs, start=1):
        cut = _cut_point(paragraph, rng) if rng.random() < BREAK_SHARE else None
        if cut is None:
            builder.add(paragraph, Line("body", unit))
            continue
        first = builder.add(paragraph[:cut], Line("half", unit))
        kind = rng.choice(("none", *INSERTS))
        if kind != "none":
            builder.add(rng.choice(INSERTS[kind]), Line(kind, -1))
        second = builder.add(paragraph[cut:], Line("half", unit))
        builder.breaks.append((first, second))
    return builder.variant()


def _cut_point(paragraph: str, rng: random.Random) -> int | None:
    """A place to cut a paragraph: not next to white space, not after a paragraph-final mark."""
    places = [
        index
        for index in range(MIN_CUT_CHARS, len(paragraph) - MIN_CUT_CHARS + 1)
        if paragraph[index - 1] not in NO_CUT_AFTER
        and not paragraph[index - 1].isspace()
        and not paragraph[index].isspace()
    ]
    return rng.choice(places) if places else None


class _Builder:
    """Writes non-blank lines separated by blank lines and remembers where each came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: dict[int, Line] = {}
        self.breaks: list[tuple[int, int]] = []

    def add(self, text: str, line: Line) -> int:
        number = 2 * len(self.parts) + 1
        self.parts.append(text)
        self.lines[number] = line
        return number

    def variant(self) -> Variant:
        return Variant("\n\n".join(self.parts) + "\n", self.lines, self.breaks)


# ---------------------------------------------------------------- ingest


def ingest(name: str, folder: Path, variants: dict[str, Variant]) -> Run:
    """Write the variants as an archive folder and read each report as ingest does."""
    for doc_id, variant in variants.items():
        path = folder / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(variant.text, encoding="utf-8")
    files, refused_files = list_reports(folder)
    catalogue = open_catalogue(folder, {file.doc_id for file in files})
    reports: dict[str, Report] = {}
    refused = {error.name: error.reason for error in refused_files}
    for file in files:
        try:
            reports[file.doc_id] = load_report(file, catalogue, "")
        except ReportError as error:
            refused[file.doc_id] = str(error)
    return Run(name, variants, reports, refused)


# ---------------------------------------------------------------- layout figures


def _units_of(block: Block, variant: Variant) -> list[int]:
    """The source paragraphs (0: the title) a block holds lines of, in order, each once."""
    units = [variant.lines[n].unit for n in block.lines if n in variant.lines]
    return list(dict.fromkeys(unit for unit in units if unit >= 0))


def _is_break(block: Block, variant: Variant) -> bool:
    """True when the block only joins the halves of one cut paragraph (and nothing else)."""
    return {(a, b) for a, b in variant.breaks if a in block.lines and b in block.lines} != set()


def wrong_joins(run: Run, show: Callable[[str, str], None]) -> tuple[int, int]:
    """(wrong joins, paragraph boundaries): a block spanning k source paragraphs is k-1 wrong."""
    wrong = boundaries = 0
    for doc_id, report in run.reports.items():
        variant = run.variants[doc_id]
        boundaries += max(0, len({line.unit for line in variant.lines.values()} - {-1}) - 1)
        for block in report.blocks:
            extra = len(_units_of(block, variant)) - 1
            if extra > 0:
                wrong += extra
                show("wrong join", f"{doc_id} lines {block.lines}: {block.text[:160]}")
    return wrong, boundaries


def breaks_repaired(run: Run, show: Callable[[str, str], None]) -> tuple[int, int]:
    """(breaks whose halves are in one block, breaks made)."""
    repaired = made = 0
    for doc_id, report in run.reports.items():
        variant = run.variants[doc_id]
        block_of = {n: block for block in report.blocks for n in block.lines}
        for first, second in variant.breaks:
            made += 1
            if block_of.get(first) is block_of.get(second) is not None:
                repaired += 1
                continue
            between = variant.lines.get(first + 2)
            note = f"[{between.role}]" if between and between.unit == -1 else ""
            left, right = block_of.get(first), block_of.get(second)
            show(
                "break not repaired",
                f"{doc_id} {note} {left.kind if left else '?'}/{right.kind if right else '?'}: "
                f"…{left.text[-60:] if left else ''} || {right.text[:60] if right else ''}…",
            )
    return repaired, made


def inserted_kept(run: Run, show: Callable[[str, str], None]) -> tuple[int, int]:
    """(inserted lines alone in their block, inserted lines)."""
    kept = inserted = 0
    for doc_id, report in run.reports.items():
        variant = run.variants[doc_id]
        block_of = {n: block for block in report.blocks for n in block.lines}
        for number, line in variant.lines.items():
            if line.unit != -1:
                continue
            inserted += 1
            block = block_of.get(number)
            if block is not None and block.lines == (number,):
                kept += 1
            else:
                show(
                    "inserted line joined",
                    f"{doc_id} [{line.role}] {block.text[:120] if block else '?'}",
                )
    return kept, inserted


def titles_right(
    run: Run, articles: dict[str, Article], show: Callable[[str, str], None]
) -> tuple[int, int]:
    """(reports whose first title block is the source's title, reports)."""
    right = 0
    for doc_id, report in run.reports.items():
        title = next((block.text for block in report.blocks if block.kind == "title"), "")
        if title == articles[doc_id].title:
            right += 1
        else:
            first = " | ".join(f"{b.kind}:{b.text[:30]}" for b in report.blocks[:3])
            show(
                "title wrong",
                f"{doc_id} got {title[:40]!r}; want {articles[doc_id].title[:40]!r}; {first}",
            )
    return right, len(run.reports)


def text_lost(run: Run, show: Callable[[str, str], None]) -> tuple[int, int]:
    """(characters lost or doubled, reports refused): every non-blank line once, verbatim."""
    lost = 0
    for doc_id, report in run.reports.items():
        variant = run.variants[doc_id]
        source_lines = variant.text.split("\n")
        placed = sorted(n for block in report.blocks for n in block.lines)
        expected = sorted(variant.lines)
        want = sum(len(source_lines[n - 1].strip()) for n in expected)
        got = sum(len(block.text.replace(" ", "")) for block in report.blocks)
        want_chars = sum(len(source_lines[n - 1].strip().replace(" ", "")) for n in expected)
        if placed != expected or got != want_chars:
            lost += max(abs(want_chars - got), 1)
            show("text lost", f"{doc_id}: {want} characters in, {got} out")
    return lost, len(run.refused)


def layout_figures(
    run: Run, articles: dict[str, Article], show: Callable[[str, str], None]
) -> list[tuple[str, str]]:
    """The layout figures of one run, as (name, value) rows."""
    wrong, boundaries = wrong_joins(run, show)
    rows = [("wrong joins", _share(wrong, boundaries, "paragraph boundaries"))]
    made = breaks_repaired(run, show)
    if made[1]:
        rows.append(("breaks repaired", _share(*made, "made breaks")))
    kept = inserted_kept(run, show)
    if kept[1]:
        rows.append(("inserted lines kept apart", _share(*kept, "inserted lines")))
    rows.append(("titles right", _share(*titles_right(run, articles, show), "reports")))
    lost, refused = text_lost(run, show)
    rows.append(("text lost", f"{lost} characters; {refused} reports refused"))
    return rows


def _share(part: int, whole: int, of: str) -> str:
    return f"{part:,} of {whole:,} {of} ({100 * part / whole if whole else 0:.2f} %)"


# ---------------------------------------------------------------- the seeds


def seed_figures() -> list[tuple[str, str]]:
    """The seeds against the gold pinned in tests/test_segment.py (its parameter lists)."""
    sys.path.insert(0, str(PROJECT / "tests"))
    import test_segment as pinned  # the tests are the gold

    blocks = {
        doc_id: segment(read_report(PROJECT / "archive" / f"{doc_id}.txt"))
        for doc_id in pinned.SEEDS
    }

    def block_at(doc_id: str, line: int) -> Block | None:
        return next((block for block in blocks[doc_id] if line in block.lines), None)

    def params(test: Callable) -> list[tuple]:
        return next(mark.args[1] for mark in test.pytestmark if mark.name == "parametrize")

    joins = params(pinned.test_paragraphs_cut_by_page_breaks_are_joined)
    joined = sum(
        1 for doc_id, lines, _ in joins if getattr(block_at(doc_id, lines[0]), "lines", ()) == lines
    )
    alone = params(pinned.test_fragments_without_a_continuation_stay_alone)
    kept = sum(
        1 for doc_id, line in alone if getattr(block_at(doc_id, line), "lines", ()) == (line,)
    )
    kinds = params(pinned.test_kinds_on_the_seeds)
    right = sum(
        1 for doc_id, line, kind in kinds if getattr(block_at(doc_id, line), "kind", "") == kind
    )
    titles = [(doc_id, line) for doc_id, line, kind in kinds if kind == "title"]
    titles_ok = sum(
        1 for doc_id, line in titles if getattr(block_at(doc_id, line), "kind", "") == "title"
    )
    return [
        ("seed joins right", _share(joined, len(joins), "pinned joins")),
        ("seed no-joins right", _share(kept, len(alone), "pinned lines left alone")),
        ("seed kinds right", _share(right, len(kinds), "pinned kinds")),
        ("seed titles right", _share(titles_ok, len(titles), "pinned titles")),
    ]


# ---------------------------------------------------------------- speed


def speed_figures(megabytes: int = 16) -> list[tuple[str, str]]:
    """Segmentation speed on the seeds repeated to ``megabytes`` MB (processor time)."""
    seeds = sorted((PROJECT / "archive").glob("[0-9]*.txt"))
    text = "\n".join(read_report(path) for path in seeds)
    big = text * max(1, megabytes * 1_000_000 // len(text.encode("utf-8")))
    size = len(big.encode("utf-8")) / 1e6
    start = time.process_time()
    blocks = segment(big)
    seconds = time.process_time() - start
    return [
        (
            "segmentation",
            f"{size:.1f} MB in {seconds:.1f} s ({size / seconds:.1f} MB/s), {len(blocks):,} blocks",
        )
    ]


# ---------------------------------------------------------------- main


class Samples:
    """Failures printed to the terminal, at most ``limit`` of each kind."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str, text: str) -> None:
        count = self.counts.get(kind, 0)
        self.counts[kind] = count + 1
        if count < self.limit:
            print(f"  [{kind}] {text}")


def print_rows(heading: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{heading}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def build_runs(folder: Path, size: int, seed: int) -> tuple[dict[str, Article], list[Run]]:
    """Materialise the sample and ingest it clean and damaged."""
    sample = materialise(folder / "sample", size, seed)
    articles = {article.doc_id: article for article in sample}
    rng = random.Random(seed)
    clean = {doc_id: clean_variant(article) for doc_id, article in articles.items()}
    damaged = {doc_id: damaged_variant(article, rng) for doc_id, article in articles.items()}
    runs = [
        ingest("as published", folder / "clean", clean),
        ingest("with made page breaks", folder / "damaged", damaged),
    ]
    return articles, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1, help="sample and damage seed (default 1)")
    parser.add_argument(
        "--size", type=int, default=1000, help="articles in the sample (default 1000)"
    )
    parser.add_argument("--show", type=int, default=0, help="print up to N failures of each kind")
    parser.add_argument(
        "--keep", type=Path, help="write the sample here instead of a temporary folder"
    )
    parser.add_argument(
        "--metadata-size", type=int, default=1500, help="articles for the metadata figures"
    )
    args = parser.parse_args(argv)
    print_rows("Seeds (archive/, gold pinned in tests/test_segment.py)", seed_figures())
    print_rows("Speed", speed_figures())
    if corpus_present():
        layout_report(args)
    else:
        print(f"\nshared corpus not found at {CORPUS}: real-text layout figures skipped")
    print("\nMetadata (issue #11; bench/quality_metadata.py, skips the corpus part when absent)")
    metadata_report(args.metadata_size, args.seed + 10)
    return 0


def layout_report(args: argparse.Namespace) -> None:
    """The layout figures on a sample of the corpus, as published and with made breaks."""
    with tempfile.TemporaryDirectory(prefix="quality-") as temporary:
        folder = args.keep or Path(temporary)
        articles, runs = build_runs(folder, args.size, args.seed)
        sources = sorted({article.source for article in articles.values()})
        print(f"\nSample: {len(articles)} articles ({', '.join(sources)}), seed {args.seed}")
        for run in runs:
            rows = layout_figures(run, articles, Samples(args.show))
            print_rows(f"Layout, {run.name}", rows)


if __name__ == "__main__":
    sys.exit(main())
