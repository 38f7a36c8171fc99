"""Round trip of real articles through web pages, Word documents and two-column PDFs.

Takes a seeded sample of the corpus's simplified-script articles (``../shared/corpus``; skipped
with a message when absent), writes each one as a news-site page (navigation and footer around
the article, the source wrapped every 38 characters as editors' tools do), a Word document
(heading and paragraphs) and a two-column A4 PDF (reportlab, STSong-Light, 10 pt, paragraphs
indented with two ideographic spaces, a headline across the columns, as many pages as needed),
reads them back with :func:`archivist.formats.extract` and :func:`archivist.segment.segment`,
and prints per format:

- paragraphs recovered: the share of the article's paragraphs (title included) that come back
  as one block with exactly their text (white space ignored);
- characters: the share of the article's characters found in the blocks, and extra characters
  that were not in the article (navigation, footers);
- milliseconds per file.

For comparison (``baseline``), the PDF's text as ``pdfminer.high_level.extract_text`` gives it,
each non-blank line taken as a paragraph: what a user gets by converting PDFs by hand.

    python bench/formats.py [--articles 200] [--seed 3]

Figures, not assertions; the texts never leave memory.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from archivist.formats import extract, keep_marked_paragraphs  # noqa: E402
from archivist.segment import segment  # noqa: E402

CORPUS = PROJECT.parent / "shared" / "corpus" / "news.jsonl.gz"
SOURCES = ("xwlb", "gwr")  # simplified script: STSong-Light draws every character
FONT = "STSong-Light"
SIZE = 10.0
WRAP = 38


def articles(count: int, seed: int) -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        records = [r for r in map(json.loads, handle) if r["source"] in SOURCES]
    records = [r for r in records if r["paragraphs"]]
    return random.Random(seed).sample(records, min(count, len(records)))


def as_html(article: dict) -> bytes:
    def wrapped(text: str) -> str:
        return "\n".join(text[i : i + WRAP] for i in range(0, len(text), WRAP))

    paragraphs = "".join(f"<p>{wrapped(p)}</p>\n" for p in article["paragraphs"])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{article['title']} - 新闻网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> | <a href='/a'>要闻</a></div>"
        f"<div class='article'><h1>{article['title']}</h1>\n{paragraphs}</div>"
        "<div class='footer'>版权所有 新闻网 备案号 000000</div></body></html>"
    ).encode()


def as_docx(article: dict) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(article["title"], level=1)
    for paragraph in article["paragraphs"]:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _wrap(text: str, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        if line and stringWidth(line + char, FONT, SIZE) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def as_pdf(article: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    columns, top, bottom, width, leading = (56.0, 306.0), 740.0, 60.0, 232.0, 14.0
    pdf.setFont(FONT, 18)
    pdf.drawString(56, 780, article["title"][:26])  # a headline across the columns
    lines = [line for p in article["paragraphs"] for line in _wrap("\u3000\u3000" + p, width)]
    column, y = 0, top
    pdf.setFont(FONT, SIZE)
    for line in lines:
        if y < bottom:
            column, y = column + 1, top
            if column == len(columns):
                pdf.showPage()
                pdf.setFont(FONT, SIZE)
                column = 0
        pdf.drawString(columns[column], y, line)
        y -= leading
    pdf.save()
    return buffer.getvalue()


def _squeeze(text: str) -> str:
    return "".join(text.split())


def score(article: dict, blocks: list[str], pdf_title: bool = False) -> tuple[int, ...]:
    """(paragraphs recovered, paragraphs, characters found, characters, extra characters)."""
    title = article["title"][:26] if pdf_title else article["title"]
    wanted = [_squeeze(p) for p in [title, *article["paragraphs"]]]
    got = Counter(_squeeze(b) for b in blocks)
    recovered = 0
    for paragraph in wanted:
        if got[paragraph]:
            got[paragraph] -= 1
            recovered += 1
    source_chars = Counter("".join(wanted))
    block_chars = Counter(_squeeze("".join(blocks)))
    found = sum((source_chars & block_chars).values())
    extra = sum((block_chars - source_chars).values())
    return recovered, len(wanted), found, sum(source_chars.values()), extra


def baseline_pdf(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return [line for line in extract_text(io.BytesIO(data)).splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found ({CORPUS.name} in ../shared/corpus): nothing measured")
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    sample = articles(args.articles, args.seed)
    writers = {"html": as_html, "docx": as_docx, "pdf": as_pdf}
    totals = {name: [0, 0, 0, 0, 0, 0.0] for name in [*writers, "pdf baseline"]}
    for article in sample:
        for name, write in writers.items():
            data = write(article)
            started = time.perf_counter()
            extracted = extract(Path(f"a.{name}"), data)
            blocks = [b.text for b in keep_marked_paragraphs(segment(extracted.text), extracted)]
            elapsed = time.perf_counter() - started
            _add(totals[name], score(article, blocks, name == "pdf"), elapsed)
            if name == "pdf":
                started = time.perf_counter()
                lines = baseline_pdf(data)
                elapsed = time.perf_counter() - started
                _add(totals["pdf baseline"], score(article, lines, True), elapsed)
    print(f"{len(sample)} articles ({', '.join(SOURCES)}), seed {args.seed}")
    print(f"{'format':<14}{'paragraphs':>22}{'characters':>14}{'extra chars':>13}{'ms/file':>9}")
    for name, (recovered, paragraphs, found, chars, extra, seconds) in totals.items():
        print(
            f"{name:<14}{recovered:>9,}/{paragraphs:<6,} {100 * recovered / paragraphs:5.1f}%"
            f"{100 * found / chars:13.2f}%{extra:>13,}{1000 * seconds / len(sample):>9.0f}"
        )


def _add(total: list, result: tuple[int, ...], seconds: float) -> None:
    for index, value in enumerate(result):
        total[index] += value
    total[5] += seconds


if __name__ == "__main__":
    main()
