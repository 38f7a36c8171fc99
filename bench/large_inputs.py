"""A large single report: how long reading it takes (a figure, not an assertion).

    python bench/large_inputs.py

Reads 10 MB of UTF-8 with CRLF line endings, made by repeating the sample archive's reports,
and prints the seconds it took. ``test_reading.py`` checks that the text comes back whole;
timing lives here, where a loaded machine cannot fail a test. Segmenting 16 MB is timed by
``bench/quality.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from archivist.reading import read_report  # noqa: E402


def main() -> int:
    paths = sorted((PROJECT / "archive").glob("0*.txt"))
    text = "\r\n".join(read_report(path) for path in paths).replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.txt"
        path.write_bytes((text * (10_000_000 // len(text.encode("utf-8")))).encode("utf-8"))
        started = time.perf_counter()
        read_report(path)
        seconds = time.perf_counter() - started
        print(f"read {path.stat().st_size / 1e6:.1f} MB of UTF-8: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
