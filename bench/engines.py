"""Other ways to answer the benchmark's queries over the same paragraphs, for comparison only
(none of them is a dependency of the archive): SQLite FTS5 with its trigram tokenizer, tantivy
(through tantivy-py) over the same character bigrams as ours, and brute-force scans with
Python's ``in`` and with ``re``.

Each does the work a search page does: the matching paragraphs under the filters, counts per
city, county and year, and the first 20 with a snippet (``snippet`` below, the same for all).
A query's terms are strings that must all occur (quotes are dropped: every engine here matches
exact substrings).
"""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3
import time
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from archivist.folding import fold
from archivist.querylang import parse

FACETS = ("city", "county", "year")
LIMIT = 20


@dataclass
class Paragraph:
    text: str
    folded: str
    city: str
    county: str
    year: str


def needles(params: dict[str, str]) -> list[str]:
    parsed = parse(params["q"])
    return [term.folded for term in parsed.positive_terms()]


def snippet(folded: str, needle: str, width: int = 40) -> str:
    at = max(folded.find(needle), 0)
    return folded[max(at - width, 0) : at + len(needle) + width]


def filters(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k in FACETS}


# Scans ---------------------------------------------------------------------------------------


def scan_in(paragraphs: list[Paragraph], params: dict[str, str]) -> int:
    """Python's ``in`` over every folded paragraph, then counts and snippets."""
    wanted, where = needles(params), filters(params)
    found = [
        p
        for p in paragraphs
        if all(n in p.folded for n in wanted) and all(getattr(p, k) == v for k, v in where.items())
    ]
    _facets_and_snippets(found, wanted)
    return len(found)


class RegexScan:
    """One ``re`` search over all folded paragraphs joined by newlines."""

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        self.paragraphs = paragraphs
        self.text = "\n".join(p.folded.replace("\n", " ") for p in paragraphs)
        self.starts, at = [], 0
        for p in paragraphs:
            self.starts.append(at)
            at += len(p.folded) + 1

    def __call__(self, params: dict[str, str]) -> int:
        wanted, where = needles(params), filters(params)
        rarest = max(wanted, key=len)
        docs = sorted(
            {
                bisect_right(self.starts, m.start()) - 1
                for m in re.finditer(re.escape(rarest), self.text)
            }
        )
        found = [
            self.paragraphs[d]
            for d in docs
            if all(n in self.paragraphs[d].folded for n in wanted)
            and all(getattr(self.paragraphs[d], k) == v for k, v in where.items())
        ]
        _facets_and_snippets(found, wanted)
        return len(found)


def _facets_and_snippets(found: list[Paragraph], wanted: list[str]) -> None:
    for name in FACETS:
        Counter(getattr(p, name) for p in found)
    for p in found[:LIMIT]:
        snippet(p.folded, wanted[0])


# SQLite FTS5 ---------------------------------------------------------------------------------


class Sqlite:
    """FTS5 with the trigram tokenizer: MATCH for strings of three characters or more, LIKE
    (a scan, as SQLite documents) for shorter ones."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "fts.sqlite"

    def build(self, paragraphs: list[Paragraph]) -> float:
        started = time.perf_counter()
        self.path.unlink(missing_ok=True)
        db = sqlite3.connect(self.path)
        db.execute(
            "CREATE VIRTUAL TABLE p USING fts5(folded, city UNINDEXED, county UNINDEXED, "
            "year UNINDEXED, tokenize='trigram')"
        )
        db.executemany(
            "INSERT INTO p VALUES (?, ?, ?, ?)",
            ((fold(p.text), p.city, p.county, p.year) for p in paragraphs),
        )
        db.commit()
        db.close()
        return time.perf_counter() - started

    def open(self) -> None:
        self.db = sqlite3.connect(self.path, check_same_thread=False)

    def __call__(self, params: dict[str, str]) -> int:
        wanted, where = needles(params), filters(params)
        long_ = [n for n in wanted if len(n) >= 3]
        short = [n for n in wanted if len(n) < 3]
        clauses, args = [], []
        if long_:
            clauses.append("p MATCH ?")
            args.append(" AND ".join('"' + n.replace('"', '""') + '"' for n in long_))
        for n in short:
            clauses.append("folded LIKE ? ESCAPE '\\'")
            args.append("%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        for name, value in where.items():
            clauses.append(f"{name} = ?")
            args.append(value)
        condition = " AND ".join(clauses)
        total = self.db.execute(f"SELECT count(*) FROM p WHERE {condition}", args).fetchone()[0]
        for name in FACETS:
            self.db.execute(
                f"SELECT {name}, count(*) FROM p WHERE {condition} GROUP BY {name}", args
            ).fetchall()
        order = " ORDER BY rank" if long_ else ""
        rows = self.db.execute(
            f"SELECT folded FROM p WHERE {condition}{order} LIMIT {LIMIT}", args
        ).fetchall()
        for (folded,) in rows:
            snippet(folded, wanted[0])
        return total

    def size(self) -> int:
        return self.path.stat().st_size


# tantivy -------------------------------------------------------------------------------------


def gram_tokens(folded: str) -> tuple[str, str]:
    """The folded text's bigrams and its characters as whitespace-free tokens (code points in
    hex), so a string is a phrase of its bigrams, as in ours."""
    codes = [f"{ord(c):x}" for c in folded]
    bigrams = " ".join(f"{a}_{b}" for a, b in itertools.pairwise(codes))
    return bigrams, " ".join(dict.fromkeys(codes))


class Tantivy:
    """tantivy over the paragraphs' bigrams (with positions) and characters, facets by
    aggregation, 20 stored texts for snippets."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "tantivy"

    def schema(self):
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("folded", stored=True, index_option="basic", tokenizer_name="raw")
        builder.add_text_field("bi", tokenizer_name="whitespace", index_option="position")
        builder.add_text_field("uni", tokenizer_name="whitespace", index_option="freq")
        for name in FACETS:
            builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
        return builder.build()

    def build(self, paragraphs: list[Paragraph], threads: int = 2) -> float:
        import tantivy

        started = time.perf_counter()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        index = tantivy.Index(self.schema(), path=str(self.folder))
        writer = index.writer(heap_size=256_000_000, num_threads=threads)
        for p in paragraphs:
            folded = fold(p.text)
            bigrams, chars = gram_tokens(folded)
            writer.add_document(
                tantivy.Document(
                    folded=folded, bi=bigrams, uni=chars, city=p.city, county=p.county, year=p.year
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        return time.perf_counter() - started

    def open(self) -> None:
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(self.folder))
        self.index.reload()
        self.schema_ = self.index.schema

    def query(self, params: dict[str, str]):
        t = self.tantivy
        must = []
        for needle in needles(params):
            bigrams, chars = gram_tokens(needle)
            if len(needle) == 1:
                must.append(t.Query.term_query(self.schema_, "uni", chars))
            elif len(needle) == 2:
                must.append(t.Query.term_query(self.schema_, "bi", bigrams))
            else:
                must.append(t.Query.phrase_query(self.schema_, "bi", bigrams.split()))
        for name, value in filters(params).items():
            must.append(t.Query.term_query(self.schema_, name, value))
        return t.Query.boolean_query([(t.Occur.Must, q) for q in must])

    def __call__(self, params: dict[str, str]) -> int:
        searcher = self.index.searcher()
        query = self.query(params)
        result = searcher.search(query, LIMIT)
        aggregations = {name: {"terms": {"field": name, "size": 1000}} for name in FACETS}
        searcher.aggregate(query, aggregations)
        first = needles(params)[0]
        for _score, address in result.hits:
            snippet(searcher.doc(address)["folded"][0], first)
        return result.count

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
