"""The command line: ingest exit codes and summary, search, export."""

from __future__ import annotations

import json
from pathlib import Path


def test_ingest_summary_and_exit_codes(runner, make_archive, tmp_path):
    archive = make_archive({"a.txt": "标题\n\n正文。\n", "bad.txt": b"\x00\x01\x02" * 50})
    result = runner.invoke("ingest", "--archive", str(archive), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 1
    assert "bad.txt" in result.output
    assert "1 documents" in result.output and "paragraphs" in result.output
    (archive / "bad.txt").unlink()
    result = runner.invoke("ingest", "--archive", str(archive), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    assert "1 unchanged" in result.output


def test_ingest_usage_errors(runner, tmp_path):
    result = runner.invoke("ingest", "--archive", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "missing" in result.output
    assert runner.invoke("ingest", "--jobs", "0").exit_code == 2


def test_search_command(runner, sample_index):
    result = runner.invoke("search", "道路交通", "--index", str(sample_index), "--limit", "3")
    assert result.exit_code == 0
    assert result.output.startswith("7 paragraphs")
    assert "【道路交通】" in result.output
    as_json = runner.invoke("search", "道路交通", "--json", "--index", str(sample_index))
    assert json.loads(as_json.output)["total"] == 7
    bad = runner.invoke("search", "x", "--year", "abc", "--index", str(sample_index))
    assert bad.exit_code == 2


def test_export_reading_order(runner, sample_index, searcher):
    result = runner.invoke("export", "--index", str(sample_index))
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    keys = {"id", "doc_id", "n", "kind", "text", "title", "city", "county", "year", "date"}
    assert keys <= set(records[0])
    assert len(records) == sum(1 for _ in searcher.documents(rec="block"))
    by_doc: dict[str, list[int]] = {}
    for record in records:
        by_doc.setdefault(record["doc_id"], []).append(record["n"])
    assert all(ns == list(range(1, len(ns) + 1)) for ns in by_doc.values())


def test_search_without_index(runner, tmp_path):
    result = runner.invoke("search", "x", "--index", str(tmp_path / "none"))
    assert result.exit_code == 3


def test_a_parallel_ingest_skips_bad_reports_and_finishes(make_archive, tmp_path):
    """Reports are read in a process pool from four files up: a skipped one must come back."""
    import subprocess
    import sys

    files: dict[str, str | bytes] = {f"r{i}.txt": f"标题{i}\n\n正文第{i}段。\n" for i in range(5)}
    files |= {"empty.txt": b"", "binary.txt": b"\x00\x01\x02\xff" * 40}
    archive = make_archive(files)
    command = [
        sys.executable,
        "manage.py",
        "ingest",
        "--archive",
        str(archive),
        "--index",
        str(tmp_path / "ix"),
        "--jobs",
        "2",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 1, done.stderr
    assert "skipped empty.txt: empty file" in done.stderr
    assert "binary.txt" in done.stderr
    assert done.stdout.startswith("5 documents")


def test_serve_says_when_the_port_is_taken_and_how_to_pick_another(runner, sample_index):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke("serve", "--index", str(sample_index), "--port", str(port))
    assert result.exit_code == 4
    assert f"cannot serve on http://127.0.0.1:{port}/" in result.output
    assert "make run PORT=5001" in result.output and "--port 5001" in result.output
    assert "Traceback" not in result.output and "serving on" not in result.output
