"""Metadata quality: dates and years against the corpus's gold, places against hand labels.

- corpus: materialises a sample of ``../shared/corpus`` (seeded) with ``--gold``, reads every
  article through :func:`archivist.archive.load_report` and scores ``date`` and ``year``
  against what the source states: right / wrong / empty (and how many of the values set were
  marked inferred). The articles state no place, so for ``city`` and ``county`` the figures
  are how many reports got a value (an upper bound on the wrong ones: none of these articles
  is a Hunan newspaper page, and the Hong Kong ones name no mainland place of their own);
- place mentions: precision and recall of the places found in the made-up sentences of
  ``bench/metadata_labels.py`` (false friends included), home region 湖南省; a city found
  alone is right when the sentence names it (alone or with one of its counties);
- story places: right / wrong / empty of (city, county) on the labelled short stories;
- seeds: the place of every seed report and the authors of every story of the multi-story page.

Skips the corpus part with a message when ``../shared/corpus`` is absent.

    python bench/quality_metadata.py [--limit 1500] [--seed 11]
"""

from __future__ import annotations

import argparse
import csv
import inspect
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for folder in (PROJECT, BENCH):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

from metadata_labels import MENTIONS, STORIES  # noqa: E402

from archivist.archive import list_reports, load_report, open_catalogue  # noqa: E402
from archivist.gazetteer import default_gazetteer  # noqa: E402

CORPUS = PROJECT.parent / "shared" / "corpus"
HOME = "湖南省"
SEED_PLACES = {
    "000_1393866c2a5a9400": ("株洲市", "茶陵县"),
    "001_9e062a6a15db781c": ("株洲市", ""),
    "002_4bcea7a16599077f": ("株洲市", ""),
    "003_cf03e3746bb637f2": ("株洲市", ""),
    "004_9d64727acbccac30": ("永州市", ""),
}


def _takes_home(function) -> bool:
    return "home" in inspect.signature(function).parameters


def mentioned_places(gazetteer, text: str) -> set[tuple[str, str]]:
    """The (city, county) pairs the gazetteer finds mentioned in a text."""
    if hasattr(gazetteer, "places_in"):
        return set(gazetteer.places_in(text, home=HOME))
    totals, _direct, counties = gazetteer.count(text)  # before the rework
    found = set(counties)
    county_cities = {city for city, _ in counties}
    found |= {(city, "") for city in totals if city not in county_cities}
    return found


def story_place(gazetteer, text: str) -> tuple[str, str]:
    """The (city, county) a story is about, as the gazetteer decides."""
    if _takes_home(gazetteer.locate):
        return gazetteer.locate(text, home=HOME)
    return gazetteer.locate(text)


def score_mentions(gazetteer) -> dict:
    """Precision and recall of the places found in the labelled sentences."""
    true = false = missed = 0
    wrong: list[str] = []
    for text, expected in MENTIONS:
        found = mentioned_places(gazetteer, text)
        cities = {city for city, _ in expected}
        right = {p for p in found if p in expected or (not p[1] and p[0] in cities)}
        covered = {
            p for p in expected if p in found or (not p[1] and p[0] in {c for c, _ in found})
        }
        true += len(right)
        false += len(found - right)
        missed += len(expected - covered)
        if right != found or covered != expected:
            wrong.append(f"{text} -> {sorted(found)} (expected {sorted(expected)})")
    precision = true / (true + false) if true + false else 1.0
    recall = true / (true + missed) if true + missed else 1.0
    return {
        "found_right": true,
        "found_wrong": false,
        "missed": missed,
        "precision": precision,
        "recall": recall,
        "errors": wrong,
    }


def score_stories(gazetteer) -> dict:
    """Right / wrong / empty of the story places, and the share found of those that have one."""
    counts = Counter()
    errors: list[str] = []
    for text, expected in STORIES:
        found = story_place(gazetteer, text)
        for name, got, want in (("city", found[0], expected[0]), ("county", found[1], expected[1])):
            counts[f"{name}_" + ("empty" if not got else "right" if got == want else "wrong")] += 1
        if expected[0]:
            counts["with_place"] += 1
            counts["found"] += found == expected
        if found != expected:
            errors.append(f"{text[:30]}… -> {found} (expected {expected})")
    return dict(counts) | {"errors": errors}


def _load_all(archive: Path):
    files, _ = list_reports(archive)
    catalogue = open_catalogue(archive, {f.doc_id for f in files})
    for file in files:
        yield file, load_report(file, catalogue, "")


def score_seeds(archive: Path) -> dict:
    """Seed places, and the authors each story of a multi-story seed page is cited with."""
    places = {}
    stories = {}
    for file, report in _load_all(archive):
        places[file.doc_id] = (report.meta.city, report.meta.county)
        for story in getattr(report.meta, "stories", None) or []:
            stories.setdefault(file.doc_id, []).append((story["title"], story["authors"]))
    right = sum(places.get(doc_id) == want for doc_id, want in SEED_PLACES.items())
    return {
        "places_right": right,
        "places_total": len(SEED_PLACES),
        "places": places,
        "stories": stories,
    }


def _value(meta, name: str) -> str:
    value = getattr(meta, name)
    return "" if value in (None, "") else str(value)


def score_corpus(limit: int, seed: int) -> dict | None:
    """Per field right / wrong / empty on a materialised sample of the corpus."""
    if not (CORPUS / "materialize.py").exists():
        print(f"corpus not found at {CORPUS}: corpus figures skipped")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        archive, gold_path = Path(tmp) / "archive", Path(tmp) / "gold.csv"
        subprocess.run(
            [
                sys.executable,
                str(CORPUS / "materialize.py"),
                "--out",
                str(archive),
                "--limit",
                str(limit),
                "--seed",
                str(seed),
                "--gold",
                str(gold_path),
            ],
            check=True,
            capture_output=True,
        )
        with open(gold_path, encoding="utf-8", newline="") as handle:
            gold = {row["file"][:-4]: row for row in csv.DictReader(handle)}
        counts: Counter = Counter()
        examples: list[str] = []
        for file, report in _load_all(archive):
            meta, truth = report.meta, gold[file.doc_id]
            counts["reports"] += 1
            for name in ("date", "year"):
                got, want = _value(meta, name), truth[name]
                verdict = "empty" if not got else "right" if got == want else "wrong"
                counts[f"{name}_{verdict}"] += 1
                if (got and getattr(meta, f"{name}_inferred", False)) or (
                    name == "date" and got and meta.year_inferred
                ):
                    counts[f"{name}_inferred"] += 1
                if verdict == "wrong" and len(examples) < 12:
                    examples.append(f"{file.doc_id} {name}: {got} (source says {want!r})")
            for name in ("city", "county"):
                if _value(meta, name):
                    counts[f"{name}_set"] += 1
                    counts[f"{name}_set_{truth['source']}"] += 1
        return dict(counts) | {"examples": examples}


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def report(limit: int, seed: int) -> dict:
    """Every figure, printed and returned."""
    gazetteer = default_gazetteer()
    mentions = score_mentions(gazetteer)
    stories = score_stories(gazetteer)
    seeds = score_seeds(PROJECT / "archive")
    corpus = score_corpus(limit, seed)
    print(
        f"place mentions: precision {mentions['precision']:.1%}, recall {mentions['recall']:.1%}"
        f" ({mentions['found_right']} right, {mentions['found_wrong']} wrong, "
        f"{mentions['missed']} missed)"
    )
    for line in mentions["errors"]:
        print("   ", line)
    print(
        f"story places: found {stories.get('found', 0)} of {stories.get('with_place', 0)}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(stories.items()) if k[:4] in ("city", "coun"))
    )
    for line in stories["errors"]:
        print("   ", line)
    print(f"seed places right: {seeds['places_right']} of {seeds['places_total']}")
    for doc_id, place in seeds["places"].items():
        print("   ", doc_id, place)
    for doc_id, listed in seeds["stories"].items():
        for title, authors in listed:
            print("   ", doc_id, title, authors)
    if corpus:
        total = corpus["reports"]
        print(f"corpus sample: {total} reports")
        for name in ("date", "year"):
            right, wrong, empty = (
                corpus.get(f"{name}_{v}", 0) for v in ("right", "wrong", "empty")
            )
            print(
                f"  {name}: right {right}, wrong {wrong} ({_percent(wrong, total)}), "
                f"empty {empty}; inferred {corpus.get(f'{name}_inferred', 0)}"
            )
        for name in ("city", "county"):
            print(
                f"  {name}: set on {corpus.get(f'{name}_set', 0)} "
                f"({_percent(corpus.get(f'{name}_set', 0), total)}), of them Hong Kong "
                f"{corpus.get(f'{name}_set_hkcnews', 0)}"
            )
        for line in corpus["examples"]:
            print("   ", line)
    return {"mentions": mentions, "stories": stories, "seeds": seeds, "corpus": corpus}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=1500, help="corpus articles sampled")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    report(args.limit, args.seed)


if __name__ == "__main__":
    main()
