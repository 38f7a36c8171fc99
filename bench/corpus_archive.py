"""An archive and a query mix drawn from the shared corpus of real news (``../shared/corpus``),
for the benchmarks. Nothing of the corpus is written into the project: the archive goes to
``bench/work/`` (git-ignored) and the queries are drawn at run time with a fixed seed.

The corpus holds about 254,000 blocks (titles and paragraphs). A larger archive repeats it in
rounds, each round with other metadata (the dates moved by whole years, other places), so the
cost of size can be measured beyond the corpus itself.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT.parent / "shared" / "corpus" / "news.jsonl.gz"
SOURCES = {
    "xwlb": "新闻联播",
    "hkcnews": "眾新聞",
    "gwr": "政府工作报告",
    "cpc": "中共全国代表大会报告",
}
# Places of Hunan given to the reports (the corpus is not about Hunan: its facets would be
# empty), a county for every other report.
PLACES = [
    ("长沙市", "浏阳市"),
    ("株洲市", "茶陵县"),
    ("湘潭市", "湘乡市"),
    ("衡阳市", "耒阳市"),
    ("邵阳市", "邵东市"),
    ("岳阳市", "平江县"),
    ("常德市", "桃源县"),
    ("张家界市", "慈利县"),
    ("益阳市", "安化县"),
    ("郴州市", "宜章县"),
    ("永州市", "道县"),
    ("怀化市", "沅陵县"),
    ("娄底市", "涟源市"),
    ("湘西土家族苗族自治州", "凤凰县"),
]
HAN = re.compile(r"[\u4e00-\u9fff]+")


def available() -> bool:
    return CORPUS.is_file()


def articles() -> Iterator[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def write_archive(out: Path, blocks: int, seed: int = 7) -> int:
    """Write articles (title, blank line, paragraphs separated by blank lines) and a catalogue
    until about ``blocks`` titles and paragraphs are written; the number written."""
    out.mkdir(parents=True, exist_ok=True)
    chooser = random.Random(seed)
    corpus = list(articles())
    written = 0
    with open(out / "catalog.csv", "w", newline="", encoding="utf-8") as handle:
        catalogue = csv.writer(handle)
        catalogue.writerow(["file", "title", "source", "date", "city", "county"])
        for round_number in range(100):
            for article in corpus:
                if written >= blocks:
                    return written
                name = f"r{round_number}/{article['id']}.txt"
                path = out / name
                path.parent.mkdir(exist_ok=True)
                text = "\n\n".join([article["title"], *article["paragraphs"]]) + "\n"
                path.write_text(text, encoding="utf-8")
                city, county = chooser.choice(PLACES)
                county = county if chooser.random() < 0.5 else ""
                date = _moved(article.get("date") or str(article.get("year") or ""), round_number)
                source = SOURCES.get(article["source"], article["source"])
                catalogue.writerow([name, article["title"], source, date, city, county])
                written += 1 + len(article["paragraphs"])
    return written


def _moved(date: str, years: int) -> str:
    """The date (YYYY, YYYY-MM or YYYY-MM-DD) moved back by whole years; Feb 29 becomes 28."""
    if not date[:4].isdigit():
        return ""
    moved = f"{int(date[:4]) - years:04d}{date[4:]}"
    return moved.replace("-02-29", "-02-28") if years else moved


def draw_queries(texts: list[str], years: list[str], seed: int = 11) -> list[dict[str, str]]:
    """62 queries drawn from folded paragraph texts: single characters, 2- and 4-character
    strings (frequent and rare), quoted phrases, two-term ANDs, some with a year or city
    filter."""
    chooser = random.Random(seed)
    runs = [(i, m.group()) for i, text in enumerate(texts) for m in HAN.finditer(text)]

    def piece(length: int) -> tuple[int, str]:
        while True:
            doc, run = chooser.choice(runs)
            if len(run) >= length:
                start = chooser.randrange(len(run) - length + 1)
                return doc, run[start : start + length]

    def rare(length: int) -> str:
        while True:
            _doc, text = piece(length)
            if sum(1 for t in texts if text in t) <= 20:
                return text

    queries: list[dict[str, str]] = []
    queries += [{"q": piece(1)[1]} for _ in range(8)]
    queries += [{"q": piece(2)[1]} for _ in range(12)]
    queries += [{"q": piece(4)[1]} for _ in range(10)]
    queries += [{"q": rare(4)} for _ in range(6)]
    queries += [{"q": f'"{piece(6)[1]}"'} for _ in range(8)]
    for _ in range(8):
        doc, first = piece(2)
        others = [m.group() for m in HAN.finditer(texts[doc]) if len(m.group()) >= 2]
        run = chooser.choice(others)
        start = chooser.randrange(len(run) - 1)
        queries.append({"q": f"{first} {run[start : start + 2]}"})
    for _ in range(5):
        doc, text = piece(2)
        if years[doc]:
            queries.append({"q": text, "year": years[doc]})
        else:
            queries.append({"q": text})
    for _ in range(5):
        queries.append({"q": piece(2)[1], "city": chooser.choice(PLACES)[0]})
    return queries
