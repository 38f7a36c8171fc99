"""Reading report files: encodings, line endings, refusals. Files are made in tmp_path."""

from __future__ import annotations

import codecs
from pathlib import Path

import opencc
import pytest

from archivist.reading import MAX_REPORT_BYTES, ReportError, chinese_score, read_report
from archivist.segment import segment

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
SEED = ARCHIVE / "000_1393866c2a5a9400.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
PARAGRAPH = SEED_TEXT.splitlines()[8]  # 仲冬的茶陵县云阳山，别有一番迷人的韵味。……
TRADITIONAL = opencc.OpenCC("s2tw").convert(PARAGRAPH)


def write(tmp_path: Path, data: bytes, name: str = "report.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_seed_is_read_as_it_is():
    assert read_report(SEED) == SEED_TEXT


def test_paragraph_is_realistic():
    assert PARAGRAPH.startswith("仲冬的茶陵县云阳山") and len(PARAGRAPH) > 80
    assert TRADITIONAL != PARAGRAPH and "縣" in TRADITIONAL


@pytest.mark.parametrize(
    "data",
    [
        PARAGRAPH.encode("utf-8"),
        codecs.BOM_UTF8 + PARAGRAPH.encode("utf-8"),
        PARAGRAPH.encode("gbk"),
        PARAGRAPH.encode("gb18030"),
        PARAGRAPH.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_LE + PARAGRAPH.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + PARAGRAPH.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16", "utf16-le-bom", "utf16-be-bom"],
)
def test_encodings_of_a_simplified_paragraph(tmp_path, data):
    text = read_report(write(tmp_path, data))
    assert text == PARAGRAPH
    assert not text.startswith("\ufeff")


def test_big5_paragraph_is_not_mistaken_for_gbk(tmp_path):
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: Big5 bytes are valid GB18030 too
    assert read_report(write(tmp_path, data)) == TRADITIONAL


def test_gbk_paragraph_is_not_mistaken_for_big5(tmp_path):
    assert read_report(write(tmp_path, PARAGRAPH.encode("gbk"))) == PARAGRAPH


@pytest.mark.parametrize("words", ["编者按", "节日我在岗，守护不放假", "千里邮寄锦旗 点赞民警"])
def test_short_gbk_and_big5_lines(tmp_path, words):
    traditional = opencc.OpenCC("s2tw").convert(words)
    assert read_report(write(tmp_path, words.encode("gbk"), "a.txt")) == words
    assert read_report(write(tmp_path, traditional.encode("big5"), "b.txt")) == traditional


def test_chinese_score_tells_real_text_from_misread_bytes():
    big5 = TRADITIONAL.encode("big5")
    assert chinese_score(big5.decode("cp950")) > 0.9
    assert chinese_score(big5.decode("gb18030")) < 0.5
    assert chinese_score("plain ASCII") == 0.0


def test_utf16_without_bom(tmp_path):
    text = "Report 2024: " + PARAGRAPH
    assert read_report(write(tmp_path, text.encode("utf-16-le"))) == text


def test_whole_seed_in_gbk_segments_like_the_original(tmp_path):
    path = write(tmp_path, SEED_TEXT.encode("gbk"))
    assert segment(read_report(path)) == segment(SEED_TEXT)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("第一段。\r\n\r\n第二段。\r\n", "第一段。\n\n第二段。\n"),
        ("第一段。\r\r第二段。\r", "第一段。\n\n第二段。\n"),
        ("第一段。\r\n第二段。\r第三段。\n", "第一段。\n第二段。\n第三段。\n"),
    ],
    ids=["crlf", "cr-only", "mixed"],
)
def test_line_endings(tmp_path, raw, expected):
    assert read_report(write(tmp_path, raw.encode("utf-8"))) == expected
    assert read_report(write(tmp_path, raw.encode("gbk"), "gbk.txt")) == expected


def test_crlf_in_utf16(tmp_path):
    data = "标题\r\n\r\n正文。\r\n".encode("utf-16")
    assert read_report(write(tmp_path, data)) == "标题\n\n正文。\n"


def reason(path: Path) -> str:
    with pytest.raises(ReportError) as caught:
        read_report(path)
    error = caught.value
    assert error.path == str(path)
    assert str(error) == f"{path}: {error.reason}"
    return error.reason


def test_empty_file(tmp_path):
    assert reason(write(tmp_path, b"")) == "empty file"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
        b"\x01\x02\x03\x04\x05\x06abc\x07\x08" * 200,
    ],
    ids=["png", "zip", "control-chars"],
)
def test_binary_files(tmp_path, data):
    assert reason(write(tmp_path, data)) == "binary file, not text"


def test_undecodable_file(tmp_path):
    assert reason(write(tmp_path, bytes(range(128, 256)) * 3)).startswith("cannot decode")


def test_larger_than_16_mib(tmp_path):
    path = write(tmp_path, b"a" * (MAX_REPORT_BYTES + 1))
    assert reason(path) == "larger than 16 MiB"
    assert read_report(write(tmp_path, b"a" * MAX_REPORT_BYTES, "limit.txt"))


def test_missing_file_is_a_report_error(tmp_path):
    assert reason(tmp_path / "gone.txt").startswith("cannot read")


def test_ten_megabytes_of_utf8_are_read_whole(tmp_path):
    """Ten megabytes with CRLF line endings (how fast: ``bench/large_inputs.py``)."""
    path = tmp_path / "big.txt"
    text = SEED_TEXT.replace("\n", "\r\n") * (10_000_000 // len(SEED_TEXT.encode("utf-8")))
    path.write_bytes(text.encode("utf-8"))
    assert path.stat().st_size > 9_000_000
    result = read_report(path)
    assert "\r" not in result and len(result) == len(text) - text.count("\r")


def test_report_errors_survive_pickling_from_worker_processes():
    import pickle

    error = pickle.loads(pickle.dumps(ReportError("sub/a.txt", "empty file")))
    assert (error.path, error.reason, str(error)) == (
        "sub/a.txt",
        "empty file",
        "sub/a.txt: empty file",
    )
