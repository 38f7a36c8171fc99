"""Speed of reading and segmenting large reports: figures that tests must not assert.

    python bench/speed.py [--megabytes 16] [--repeat 3]

Reads a report of ``--megabytes`` MB (the sample reports repeated, CRLF line endings) with
``reading.read_report`` and segments it with ``segment.segment``; prints the best time of
``--repeat`` runs and the throughput. The tests check that nothing is lost at that size
(``test_reading.py``, ``test_segment.py``); how fast it goes is measured here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from archivist.reading import read_report  # noqa: E402
from archivist.segment import segment  # noqa: E402


def best_seconds(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not 1 <= args.megabytes <= 16 or not 1 <= args.repeat <= 20:
        parser.error("--megabytes must be 1..16 (the reading limit) and --repeat 1..20")
    sample = "\n".join(
        read_report(path)
        for path in sorted((PROJECT / "archive").glob("*.txt"))
        if path.name != "userdict.txt"
    )
    size = args.megabytes * 1_000_000
    text = sample * (size // len(sample.encode("utf-8")))
    with tempfile.TemporaryDirectory(prefix="archivist-speed-") as work:
        path = Path(work) / "big.txt"
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        megabytes = path.stat().st_size / 1e6
        read = best_seconds(lambda: read_report(path), args.repeat)
    cut = best_seconds(lambda: segment(text), args.repeat)
    print(f"read {megabytes:.1f} MB:    {read:6.2f} s  ({megabytes / read:6.1f} MB/s)")
    print(f"segment {megabytes:.1f} MB: {cut:6.2f} s  ({megabytes / cut:6.1f} MB/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
