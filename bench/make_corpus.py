"""Write a synthetic archive of about N paragraphs built from the sample reports' sentences.

    python bench/make_corpus.py 20000 bench/corpus-20k [--seed 7]

Reports are spread over Hunan's prefecture-level cities, their counties and the years 2000-2024
(reproducible for a given seed). Each report mentions its county and city in the text; its date
is in the file name (``<year>/<yyyy-mm-dd>-<k>.txt``) and a catalogue gives city and county for a
third of them, so every metadata path is exercised.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from archivist.gazetteer import adcodes_path  # noqa: E402

SEEDS = PROJECT / "archive"
HUNAN_PREFIX = "43"
SENTENCE = re.compile(r"[^。！？]+[。！？]")
PARAGRAPHS_PER_REPORT = (20, 60)
SENTENCES_PER_PARAGRAPH = (1, 4)


def sentences() -> list[str]:
    """Every sentence of the sample reports' longer lines."""
    found: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= 30:
                found.extend(s for s in SENTENCE.findall(line) if len(s) >= 8)
    return found


def hunan_places() -> list[tuple[str, list[str]]]:
    """(city, [counties]) for each prefecture-level division of Hunan."""
    cities: dict[str, str] = {}
    counties: dict[str, list[str]] = {}
    with open(adcodes_path(), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, name = row["adcode"], row["name"]
            if not code.startswith(HUNAN_PREFIX) or code.endswith("0000000000"):
                continue
            if code[4:6] == "00":
                cities[code[:4]] = name
            elif code[6:] == "000000" and not name.endswith("市辖区"):
                counties.setdefault(code[:4], []).append(name)
    return [(cities[k], counties.get(k, [])) for k in sorted(cities) if counties.get(k)]


def report(rng: random.Random, pool: list[str], city: str, county: str) -> tuple[str, int]:
    """The text of one report and its number of paragraphs."""
    title = rng.choice(pool).rstrip("。！？")[:24]
    count = rng.randint(*PARAGRAPHS_PER_REPORT)
    lines = [title, "", f"——{county}公安工作纪实", "", "记者 王明 通讯员 李华", ""]
    for index in range(count):
        body = "".join(rng.choice(pool) for _ in range(rng.randint(*SENTENCES_PER_PARAGRAPH)))
        if index % 7 == 0:
            body = f"{city}{county}" + body
        lines.extend([body, ""])
    return "\n".join(lines), count + 3


def write_corpus(paragraphs: int, target: Path, seed: int = 7) -> tuple[int, int]:
    """Write the corpus; returns (reports, paragraphs) written."""
    rng = random.Random(seed)
    pool = sentences()
    places = hunan_places()
    target.mkdir(parents=True, exist_ok=True)
    rows = []
    written_reports = written_paragraphs = 0
    while written_paragraphs < paragraphs:
        city, counties = rng.choice(places)
        county = rng.choice(counties)
        year = rng.randint(2000, 2024)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        name = f"{year}/{date}-{written_reports:06d}.txt"
        text, count = report(rng, pool, city, county)
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if written_reports % 3 == 0:
            rows.append({"file": name, "city": city, "county": county})
        written_reports += 1
        written_paragraphs += count
    with open(target / "catalog.csv", "w", encoding="utf-8", newline="") as handle:
        columns = ["file", "title", "source", "date", "city", "county", "authors", "url"]
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return written_reports, written_paragraphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paragraphs", type=int, help="about how many paragraphs to write")
    parser.add_argument("target", type=Path, help="folder to write the archive into")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    reports, paragraphs = write_corpus(args.paragraphs, args.target, args.seed)
    print(f"wrote {reports} reports, about {paragraphs} paragraphs, into {args.target}")


if __name__ == "__main__":
    main()
