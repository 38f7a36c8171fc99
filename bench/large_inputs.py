"""Large single reports: how long reading and segmenting take (figures, not assertions).

    python bench/large_inputs.py

Reads 10 MB of UTF-8 with CRLF line endings and segments 16 MB of text, both made by repeating
the sample archive's reports; prints the seconds each took. The tests check that the results are
whole (``test_reading.py``, ``test_segment.py``); timing lives here, where a loaded machine
cannot fail a test.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from archivist.reading import read_report  # noqa: E402
from archivist.segment import segment  # noqa: E402


def sample_text() -> str:
    return "\n".join(read_report(path) for path in sorted((PROJECT / "archive").glob("0*.txt")))


def main() -> int:
    text = sample_text()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.txt"
        crlf = text.replace("\n", "\r\n")
        path.write_bytes((crlf * (10_000_000 // len(crlf.encode("utf-8")))).encode("utf-8"))
        started = time.perf_counter()
        read_report(path)
        seconds = time.perf_counter() - started
        print(f"read {path.stat().st_size / 1e6:.1f} MB of UTF-8: {seconds:.2f} s")
    big = text * (16_000_000 // len(text.encode("utf-8")))
    started = time.perf_counter()
    blocks = segment(big)
    seconds = time.perf_counter() - started
    megabytes = len(big.encode("utf-8")) / 1e6
    print(f"segment {megabytes:.1f} MB into {len(blocks):,} blocks: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
