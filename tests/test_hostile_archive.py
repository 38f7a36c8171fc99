"""Hostile and broken archives: every file is ingested or skipped with its name and reason, and
nothing else is affected (every good report is indexed, searchable and served)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from archivist.archive import MAX_BLOCK_CHARS
from archivist.indexing import ingest
from archivist.web import create_app

SENTENCE = "株洲市公安局开展道路交通安全整治，守护群众平安出行。"

# Good reports, each with a marker found nowhere else; names with spaces, Chinese and emoji.
GOOD = {
    "good/plain.txt": "普通报告\n\n正文里有标记甲一号。\n",
    "with space.txt": "空格报告\n\n正文里有标记甲二号。\n",
    "中文 报告.txt": "中文名报告\n\n正文里有标记甲三号。\n",
    "表情😀报告.txt": "表情名报告\n\n正文里有标记甲四号。\n",
    "百分号%25 #井号?.txt": "怪名报告\n\n正文里有标记甲五号。\n",
    "long lines.txt": "长行报告\n\n" + SENTENCE * 1500 + "标记甲六号" + SENTENCE * 100 + "\n",
}
MARKERS = {name: f"标记甲{n}号" for name, n in zip(GOOD, "一二三四五六", strict=True)}

# Files that are not reports; the reason given must contain one of the words listed.
HOSTILE_BYTES = {
    "empty.txt": (b"", ("empty",)),
    "binary.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, ("binary", "decode")),
    "nul bytes.txt": (f"{SENTENCE}\x00\x00{SENTENCE}".encode(), ("binary", "decode")),
    "mixed utf8.txt": (
        SENTENCE.encode() + b"\xff\xfe\x80" + SENTENCE.encode() + b"\xc3",
        ("decode", "binary"),
    ),
}
HUGE_NAME = "huge 50MB.txt"
GIANT_NAME = "giant 12MB one line.txt"
OUTSIDE_MARKER = "标记外部泄露"


def _write(root: Path, name: str | bytes, data: bytes) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _one_line(size: int) -> bytes:
    unit = SENTENCE.encode()
    return unit * (size // len(unit))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An archive of good reports among hostile files, ingested twice with the real CLI."""
    base = tmp_path_factory.mktemp("hostile")
    root = base / "archive"
    for name, text in GOOD.items():
        _write(root, name, text.encode())
    for name, (data, _) in HOSTILE_BYTES.items():
        _write(root, name, data)
    with open(root / HUGE_NAME, "wb") as handle:  # 50 MB on one line
        chunk = _one_line(1 << 20)
        for _ in range(50):
            handle.write(chunk)
    _write(root, GIANT_NAME, _one_line(12 << 20))
    secret = _write(base, "secret.txt", f"外部文件\n\n{OUTSIDE_MARKER}。\n".encode())
    (root / "outside link.txt").symlink_to(secret)
    (root / "loop.txt").symlink_to(root / "loop.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere" / "gone.txt")
    os.mkfifo(root / "fifo.txt")
    _write(root, b"\xd6\xd0\xce\xc4 gbk name.txt", f"{SENTENCE}\n".encode())
    _write(root, "line\nbreak.txt", f"{SENTENCE}\n".encode())
    catalogue = io.StringIO()
    rows = csv.writer(catalogue)
    rows.writerow(["file", "title", "source", "date", "city", "county", "authors", "url"])
    rows.writerow(["good/plain.txt", "编目标题", "株洲日报", "2021-03-04", "", "", "", ""])
    rows.writerow(["missing.txt", "不存在的文件", "", "", "", "", "", ""])
    rows.writerow(["with space.txt", "坏日期", "", "2021-13-45", "", "", "", ""])
    rows.writerow(["中文 报告.txt", "列太多", "", "", "", "", "", "", "多余", "多余"])
    rows.writerow(["", "没有文件名", "", "", "", "", "", ""])
    rows.writerow(["表情😀报告.txt", "x" * 5000, "", "", "火星市", "", "", ""])
    (root / "catalog.csv").write_text(catalogue.getvalue() + '"unclosed,\n', encoding="utf-8")
    index = base / "index"

    from click.testing import CliRunner

    from archivist.cli import main

    def run():
        return CliRunner().invoke(
            main, ["ingest", "--archive", str(root), "--index", str(index), "--jobs", "1"]
        )

    first, second = run(), run()
    yield {"root": root, "index": index, "first": first, "second": second}
    for name in (HUGE_NAME, GIANT_NAME):  # 62 MB: not kept among pytest's last temporary folders
        (root / name).unlink()


def test_ingest_finishes_and_names_every_skipped_file(hostile, skipped_files):
    for result in (hostile["first"], hostile["second"]):
        assert result.exit_code == 1, result.output  # 1: some reports were skipped, no crash
        skipped = skipped_files(result.output)
        for name, (_, words) in HOSTILE_BYTES.items():
            assert name in skipped, (name, result.output)
            assert any(word in skipped[name] for word in words), (name, skipped[name])
        assert "16 MiB" in skipped[HUGE_NAME]
        assert f"{MAX_BLOCK_CHARS:,}" in skipped[GIANT_NAME]
        assert "outside the archive" in skipped["outside link.txt"]
        assert "cannot be opened" in skipped["loop.txt"]
        assert "cannot be opened" in skipped["dangling.txt"]
        assert "not a regular file" in skipped["fifo.txt"]
        assert "not valid UTF-8" in skipped["\\xd6\\xd0\\xce\\xc4 gbk name.txt"]
        assert "control characters" in skipped["line\\x0abreak.txt"]  # on one line
        assert f"{len(GOOD)} documents" in result.output
    assert f"{len(GOOD)} unchanged" in hostile["second"].output


@pytest.fixture(scope="module")
def client(hostile):
    app = create_app(
        {"TESTING": True, "INDEX_DIR": str(hostile["index"]), "ARCHIVE_DIR": str(hostile["root"])}
    )
    return app.test_client()


@pytest.mark.parametrize("name", list(GOOD))
def test_every_good_report_is_indexed_searchable_and_served(client, hostile, name):
    doc_id = name.removesuffix(".txt")
    found = client.get("/api/search", query_string={"q": MARKERS[name]}).get_json()
    assert [hit["doc_id"] for hit in found["hits"]] == [doc_id]
    hit = found["hits"][0]
    assert client.get(hit["url"]).status_code == 200
    assert client.get(hit["permalink"]).status_code == 200
    document = client.get(f"/api/documents/{quote(doc_id)}")
    assert document.status_code == 200, document.get_data(as_text=True)
    raw = client.get(f"/raw/{quote(doc_id)}")
    assert raw.status_code == 200
    assert raw.data == (hostile["root"] / name).read_bytes()


def test_nothing_of_the_skipped_files_is_indexed_or_served(client):
    listed = {meta["doc_id"] for meta in client.get("/api/documents").get_json()["documents"]}
    assert listed == {name.removesuffix(".txt") for name in GOOD}
    assert client.get("/api/search", query_string={"q": OUTSIDE_MARKER}).get_json()["total"] == 0
    for name in ("outside link", "empty", "binary", "loop", "fifo", HUGE_NAME[:-4]):
        assert client.get(f"/raw/{quote(name)}").status_code == 404, name


def test_a_catalogue_with_bad_rows_affects_nothing_else(client, hostile):
    output = hostile["first"].output
    catalogue_lines = [line for line in output.splitlines() if line.startswith("catalogue")]
    for line_number in (3, 4, 5, 6, 7):  # unknown file, bad date, extra columns, no file, place
        named = [line for line in catalogue_lines if f"line {line_number}:" in line]
        assert named, (line_number, output)
    meta = client.get(f"/api/documents/{quote('good/plain')}").get_json()["meta"]
    assert meta["title"] == "编目标题"  # the good row still applies
    assert meta["source"] == "株洲日报"


def test_folders_starting_with_a_dot_are_not_entered(tmp_path):
    """A version-control or editor folder (``.git``, ``.cache``) holds no reports."""
    archive = tmp_path / "archive"
    for folder in (".git", ".cache/deep", "2024"):
        (archive / folder).mkdir(parents=True)
        (archive / folder / "notes.txt").write_text("隐藏的报告\n\n正文。\n", encoding="utf-8")
    result = ingest(archive, tmp_path / "index", jobs=1)
    assert result.documents == 1 and not result.skipped
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    listed = client.get("/api/documents").get_json()["documents"]
    assert [d["doc_id"] for d in listed] == ["2024/notes"]
