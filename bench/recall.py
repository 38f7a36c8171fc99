"""Proof of recall: random substrings of random paragraphs, searched plain and quoted.

Builds an index of an archive (the project's ``archive/`` by default, into a temporary folder)
or takes an existing one (``--index``), draws random substrings of 1 to 6 characters from random
paragraphs (fixed seed), runs each through the real search (:func:`archivist.search.search`),
and compares with a brute-force scan of the folded paragraph texts:

- plain recall: the share of expected paragraphs (those whose folded text contains the folded
  substring) that the plain query returned; it must be 100.0%;
- quoted exactness: the share of quoted queries that returned exactly the expected paragraphs.

A substring is written the way a user would type it literally: query operators (``"``, a
leading ``-``, the word ``OR``) in their full-width forms, which fold to the same text. A
substring of punctuation or spaces alone is ignored as a plain query (everything is listed,
which keeps recall) and must still be exact when quoted.

``--traditional`` first converts the archive to Traditional script (OpenCC s2t) in a temporary
folder. Timings of a few worst-case queries are printed as figures; nothing asserts on time.

    python bench/recall.py [--archive DIR | --index DIR] [--samples 500] [--seed 4] [--traditional]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import opencc  # noqa: E402

from archivist import analysis  # noqa: E402
from archivist.indexing import IndexStore, ingest, quiet_progress  # noqa: E402
from archivist.query import SearchQuery  # noqa: E402
from archivist.querylang import MAX_QUERY_CHARS, MAX_TERM_CHARS, MAX_TERMS  # noqa: E402
from archivist.search import search  # noqa: E402

MIN_CHARS, MAX_CHARS = 1, 6
T2S = opencc.OpenCC("t2s")
KANA_VOICING = "\u3099\u309a"
LITERAL = {'"': "＂"}  # operator characters written so that they fold back to themselves


def reference_fold(text: str) -> str:
    """The oracle: the matching contract's folding written straight from its definition with
    OpenCC and unicodedata, independent of ``archivist.folding``. Each character on its own:
    white space is a space; controls, format characters, lone surrogates and U+FFFD vanish;
    NFKC; combining marks and variation selectors dropped (kana voicing marks kept);
    Traditional to Simplified; lower case; repeated to a fixed point. Then runs of spaces are
    one space."""
    out = []
    for char in text:
        if char.isspace():
            out.append(" ")
        elif char != "\ufffd" and unicodedata.category(char) not in ("Cc", "Cf", "Cs"):
            out.append(_reference_char(char))
    return re.sub(" {2,}", " ", "".join(out))


def _reference_char(char: str) -> str:
    for _ in range(3):
        normal = "".join(c for c in unicodedata.normalize("NFKC", char) if not c.isspace())
        bare = "".join(
            c
            for c in unicodedata.normalize("NFD", normal)
            if c in KANA_VOICING or unicodedata.category(c) not in ("Mn", "Me")
        )
        folded = T2S.convert(unicodedata.normalize("NFC", bare)).lower()
        if folded == char:
            break
        char = folded
    return char


@dataclass
class RecallReport:
    """What a recall run found."""

    samples: int = 0
    expected: int = 0  # paragraphs expected over all plain queries
    found: int = 0  # of those, returned by the plain query
    complete: int = 0  # plain queries that returned every expected paragraph
    exact: int = 0  # quoted queries that returned exactly the expected paragraphs
    unwordlike: int = 0  # substrings of punctuation or spaces alone
    failures: list[str] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)
    quoted_ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return 100.0 * self.found / self.expected if self.expected else 100.0

    @property
    def exactness(self) -> float:
        return 100.0 * self.exact / self.samples if self.samples else 100.0


def literal_plain(text: str) -> str:
    """The text as a plain query that searches it literally (operators made full-width)."""
    tokens = []
    for token in re.split(r"(\s+)", "".join(LITERAL.get(c, c) for c in text)):
        if token == "OR":
            token = "ＯＲ"
        elif token.startswith("-"):
            token = "－" + token[1:]
        tokens.append(token)
    return "".join(tokens)


def literal_quoted(text: str) -> str:
    """The text as a quoted query."""
    return '"' + "".join(LITERAL.get(c, c) for c in text) + '"'


def paragraphs(searcher) -> dict[str, str]:
    """Paragraph id -> original text, for every paragraph of the index."""
    return {f"{f['doc_id']}/{f['n']}": f["text"] for f in searcher.documents(rec="block")}


def draw(texts: dict[str, str], samples: int, seed: int) -> list[str]:
    """Random substrings of 1 to 6 characters of random paragraphs (reproducible)."""
    rng = random.Random(seed)
    pool = sorted(pid for pid, text in texts.items() if text)
    drawn = []
    for _ in range(samples):
        text = texts[rng.choice(pool)]
        length = rng.randint(MIN_CHARS, min(MAX_CHARS, len(text)))
        start = rng.randrange(len(text) - length + 1)
        drawn.append(text[start : start + length])
    return drawn


def returned(searcher, q: str, everything: int) -> tuple[set[str], float]:
    """The ids of every paragraph the search returns, and the time it took."""
    started = time.perf_counter()
    results = search(searcher, SearchQuery(q=q, per_page=max(everything, 1)))
    elapsed = (time.perf_counter() - started) * 1000
    return {hit.id for hit in results.hits}, elapsed


def check_recall(searcher, samples: int = 500, seed: int = 4) -> RecallReport:
    """Run the recall and exactness check on an open searcher."""
    texts = paragraphs(searcher)
    folded = {pid: reference_fold(text) for pid, text in texts.items()}
    report = RecallReport()
    for substring in draw(texts, samples, seed):
        needle = reference_fold(substring)
        expected = {pid for pid, text in folded.items() if needle in text}
        plain, plain_ms = returned(searcher, literal_plain(substring), len(texts))
        quoted, quoted_ms = returned(searcher, literal_quoted(substring), len(texts))
        report.samples += 1
        report.unwordlike += not analysis.is_wordlike(substring)
        report.expected += len(expected)
        report.found += len(expected & plain)
        report.plain_ms.append(plain_ms)
        report.quoted_ms.append(quoted_ms)
        if expected <= plain:
            report.complete += 1
        else:
            missed = sorted(expected - plain)[:5]
            report.failures.append(f"plain {substring!r}: missed {missed}")
        if quoted == expected:
            report.exact += 1
        else:
            extra, missed = sorted(quoted - expected)[:5], sorted(expected - quoted)[:5]
            report.failures.append(f"quoted {substring!r}: extra {extra}, missed {missed}")
    return report


def worst_cases(searcher) -> list[tuple[str, float, int]]:
    """(label, milliseconds, results) of queries at the limits of the query language."""
    texts = sorted((t for t in paragraphs(searcher).values() if len(t) > 40), key=len)
    longest = texts[-1] if texts else "治安" * MAX_TERM_CHARS
    width = (MAX_QUERY_CHARS - 4 * MAX_TERMS) // MAX_TERMS
    terms = ["".join(t.split()).lstrip("-")[:width] for t in texts[-MAX_TERMS:]]
    cases = {
        f"plain term of {MAX_TERM_CHARS} characters": literal_plain(longest[:MAX_TERM_CHARS]),
        f"quoted term of {MAX_TERM_CHARS} characters": literal_quoted(longest[:MAX_TERM_CHARS]),
        f"{len(terms)} terms of {width} characters": " ".join(terms),
        f"{len(terms)} terms joined by OR": " OR ".join(terms),
        "one common character": "的",
        "one punctuation mark, quoted": '"，"',
        "exclusion alone": "-的",
    }
    figures = []
    for label, q in cases.items():
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            results = search(searcher, SearchQuery(q=q[:MAX_QUERY_CHARS]))
            best = min(best, (time.perf_counter() - started) * 1000)
        figures.append((label, best, results.total))
    return figures


def traditional_copy(archive: Path, target: Path) -> Path:
    """A copy of the archive with every report converted to Traditional script."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    shutil.copytree(archive, target, dirs_exist_ok=True)
    for path in target.rglob("*.txt"):
        if path.name == analysis.USERDICT_NAME and path.parent == target:
            continue
        path.write_text(s2t.convert(path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def build(archive: Path, work: Path, traditional: bool) -> tuple[Path, float]:
    """Index the archive (converted first when asked) into the work folder."""
    if traditional:
        archive = traditional_copy(archive, work / "archive")
    started = time.monotonic()
    ingest(archive, work / "index", rebuild=True, progress=quiet_progress)
    return work / "index", time.monotonic() - started


def print_report(report: RecallReport, figures: list[tuple[str, float, int]]) -> None:
    print(
        f"samples:          {report.samples} substrings of {MIN_CHARS}-{MAX_CHARS} characters "
        f"({report.unwordlike} of punctuation or spaces alone)"
    )
    print(
        f"plain recall:     {report.recall:.1f}% ({report.found}/{report.expected} expected "
        f"paragraphs returned; {report.complete}/{report.samples} queries complete)"
    )
    print(
        f"quoted exactness: {report.exactness:.1f}% ({report.exact}/{report.samples} queries "
        "returned exactly the paragraphs containing the string)"
    )
    for name, times in (("plain", report.plain_ms), ("quoted", report.quoted_ms)):
        if times:
            print(
                f"{name} query time: median {statistics.median(times):.1f} ms, "
                f"max {max(times):.1f} ms (all results built)"
            )
    print("worst cases (best of 3, one page of 20):")
    for label, ms, total in figures:
        print(f"  {label:42} {ms:8.1f} ms  {total} results")
    print(f"failures:         {len(report.failures) or 'none'}")
    for failure in report.failures[:50]:
        print(f"  {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=PROJECT / "archive")
    parser.add_argument("--index", type=Path, help="an existing index folder (no build)")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--traditional", action="store_true", help="convert the archive first")
    args = parser.parse_args(argv)
    if args.index and args.traditional:
        parser.error("--traditional converts an archive: use it without --index")
    with tempfile.TemporaryDirectory(prefix="recall-") as work:
        if args.index:
            index = args.index
            print(f"index:            {index}")
        else:
            index, seconds = build(args.archive, Path(work), args.traditional)
            script = "Traditional copy of " if args.traditional else ""
            print(f"archive:          {script}{args.archive} (indexed in {seconds:.1f} s)")
        store = IndexStore(index)
        analysis.use_user_dictionary(store.user_dictionary())
        with store.open().searcher() as searcher:
            print(f"paragraphs:       {sum(1 for _ in searcher.documents(rec='block'))}")
            report = check_recall(searcher, args.samples, args.seed)
            figures = worst_cases(searcher)
    print_report(report, figures)
    return 0 if report.recall == 100.0 and report.exactness == 100.0 else 1


if __name__ == "__main__":
    sys.exit(main())
