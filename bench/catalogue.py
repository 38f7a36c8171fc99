"""A very large catalogue: the ingest's memory and how much it prints.

    python bench/catalogue.py [--rows 1000000] [--project DIR]

Writes, in a temporary folder, an archive of two small reports and a ``catalog.csv`` of
``--rows`` rows: two valid rows, the rest naming files the archive does not hold (each one a
problem to report). Runs ``python manage.py ingest`` of ``--project`` (this project by default,
or another checkout to compare) on it and prints the peak memory of the ingest process, its
time, the exit code and how many lines it wrote to standard error.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def write_archive(root: Path, rows: int) -> Path:
    archive = root / "archive"
    archive.mkdir()
    for name in ("a", "b"):
        (archive / f"{name}.txt").write_text(f"报告{name}\n\n正文。\n", encoding="utf-8")
    with open(archive / "catalog.csv", "w", encoding="utf-8") as handle:
        handle.write("file,title,date\na.txt,甲,2020\nb.txt,乙,2021\n")
        for number in range(rows - 2):
            handle.write(f"missing/{number:07d}.txt,标题{number},2019-05-01\n")
    return archive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--project", type=Path, default=PROJECT)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        archive = write_archive(Path(folder), options.rows)
        size = (archive / "catalog.csv").stat().st_size
        command = [sys.executable, str(options.project / "manage.py"), "ingest", "--jobs", "1"]
        command += ["--archive", str(archive), "--index", str(Path(folder) / "index")]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, cwd=options.project)
        seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"catalogue: {options.rows:,} rows, {size / 1e6:.1f} MB")
    print(f"ingest: exit {done.returncode}, {seconds:.1f} s, peak memory {peak_mb:.0f} MB")
    print(f"standard error: {len(done.stderr.splitlines()):,} lines")
    print(done.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
