"""The catalogue archive/catalog.csv: format, normalisation, errors that never stop the ingest."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from archivist.catalogue import (
    CATALOGUE_NAME,
    COLUMNS,
    MAX_LISTED_ERRORS,
    CatalogueRow,
    doc_id_of,
    load_catalogue,
    valid_date,
)
from archivist.gazetteer import default_gazetteer

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
HEADER = "file,title,source,date,city,county,authors,url\n"
KNOWN = {"000_1393866c2a5a9400", "001_9e062a6a15db781c", "2024/report"}


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / CATALOGUE_NAME
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def load(path: Path, known: set[str] | None = KNOWN):
    return load_catalogue(path, default_gazetteer(), known)


def test_shipped_catalogue_documents_the_format():
    path = ARCHIVE / CATALOGUE_NAME
    shipped = path.read_text(encoding="utf-8")
    assert shipped.strip().split(",") == list(COLUMNS)
    catalogue = load(path, None)
    assert catalogue.rows == {} and catalogue.errors == []


def test_missing_file_is_an_empty_catalogue(tmp_path):
    catalogue = load_catalogue(tmp_path / CATALOGUE_NAME)
    assert catalogue.rows == {} and catalogue.errors == []


def test_good_rows_are_normalised(tmp_path):
    path = write(
        tmp_path,
        HEADER + "000_1393866c2a5a9400.txt,撑起一方晴朗的天,株洲日报,2021-12-10,株洲,茶陵縣,"
        "戴鹏; 周志军；李志亮,https://example.org/a\n" + "2024/report.txt,,,2024,,,,\n",
    )
    catalogue = load(path)
    assert catalogue.errors == []
    assert catalogue.rows["000_1393866c2a5a9400"] == CatalogueRow(
        doc_id="000_1393866c2a5a9400",
        line=2,
        title="撑起一方晴朗的天",
        source="株洲日报",
        date="2021-12-10",
        city="株洲市",
        county="茶陵县",
        authors=("戴鹏", "周志军", "李志亮"),
        url="https://example.org/a",
    )
    assert catalogue.rows["2024/report"] == CatalogueRow("2024/report", 3, date="2024")


def test_columns_in_any_order_and_only_file_required(tmp_path):
    path = write(tmp_path, "date,file\n2019-10,001_9e062a6a15db781c.txt\n")
    catalogue = load(path)
    assert catalogue.errors == []
    assert catalogue.rows["001_9e062a6a15db781c"].date == "2019-10"


def test_a_catalogue_with_bad_rows(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "000_1393866c2a5a9400.txt,好的一行,,2021,,,,\n"
        + "001_9e062a6a15db781c.txt,,,2024-13-01,,,,\n"
        + "missing.txt,,,,,,,\n"
        + "2024/report.txt,,,,火星市,,,\n"
        + "000_1393866c2a5a9400.txt,又一行,,,,,,\n",
    )
    catalogue = load(path)
    assert catalogue.errors == [
        "catalog.csv line 3: bad date '2024-13-01' (use YYYY, YYYY-MM or YYYY-MM-DD)",
        "catalog.csv line 4: unknown file 'missing.txt'",
        "catalog.csv line 5: unknown city '火星市'",
        "catalog.csv line 6: duplicate row for '000_1393866c2a5a9400.txt'",
    ]
    assert list(catalogue.rows) == ["000_1393866c2a5a9400"]
    assert catalogue.rows["000_1393866c2a5a9400"].title == "好的一行"


def test_more_row_problems(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + ",无文件,,,,,,\n"
        + "000_1393866c2a5a9400.txt,,,,永州市,茶陵县,,\n"
        + "001_9e062a6a15db781c.txt,,,,,火星县,,\n"
        + "2024/report.txt,,,,,,,ftp://x\n"
        + "../outside.txt,,,,,,,\n"
        + "000_1393866c2a5a9400.txt,a,b,2021,,,,,extra\n",
    )
    catalogue = load(path, None)
    assert catalogue.errors == [
        "catalog.csv line 2: no file given",
        "catalog.csv line 3: county '茶陵县' is not in 永州市",
        "catalog.csv line 4: unknown county '火星县'",
        "catalog.csv line 5: bad url 'ftp://x' (use an http:// or https:// address)",
        "catalog.csv line 6: unknown file '../outside.txt'",
        "catalog.csv line 7: 9 fields, the header has 8",
    ]
    assert catalogue.rows == {}


def test_line_numbers_follow_multi_line_cells_and_blank_lines(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + '000_1393866c2a5a9400.txt,"两行\n的标题",,,,,,\n'
        + "\n"
        + "001_9e062a6a15db781c.txt,,,1999-02-30,,,,\n",
    )
    catalogue = load(path)
    assert catalogue.rows["000_1393866c2a5a9400"].title == "两行\n的标题"
    assert catalogue.errors == [
        "catalog.csv line 5: bad date '1999-02-30' (use YYYY, YYYY-MM or YYYY-MM-DD)"
    ]


@pytest.mark.parametrize(
    "header",
    ["title,date\n", "file,title,file\n", ""],
    ids=["no-file-column", "repeated-column", "empty"],
)
def test_bad_header(tmp_path, header):
    catalogue = load(write(tmp_path, header + "000_1393866c2a5a9400.txt,x\n" if header else ""))
    assert catalogue.rows == {}
    assert len(catalogue.errors) == 1
    assert catalogue.errors[0].startswith("catalog.csv line 1: bad header")


def test_unknown_column_is_reported_and_ignored(tmp_path):
    catalogue = load(write(tmp_path, "file,title,colour\n000_1393866c2a5a9400.txt,标题,red\n"))
    assert catalogue.errors == [
        "catalog.csv line 1: bad header, unknown column 'colour' ignored "
        "(expected file,title,source,date,page,city,county,authors,url)"
    ]
    assert catalogue.rows["000_1393866c2a5a9400"].title == "标题"


def test_utf8_bom_is_accepted(tmp_path):
    data = ("\ufeff" + HEADER + "000_1393866c2a5a9400.txt,标题,,,,,,\n").encode("utf-8")
    catalogue = load(write(tmp_path, data))
    assert catalogue.errors == [] and catalogue.rows["000_1393866c2a5a9400"].title == "标题"


def test_a_row_that_is_not_utf8_is_reported_and_the_others_kept(tmp_path):
    good = "001_9e062a6a15db781c.txt,好标题,,,,,,\n".encode()
    bad = "000_1393866c2a5a9400.txt,标题,,,,,,\n".encode("gbk")
    catalogue = load(write(tmp_path, HEADER.encode() + bad + good))
    assert list(catalogue.rows) == ["001_9e062a6a15db781c"]
    assert catalogue.errors == [
        "catalog.csv line 2: not UTF-8 text; save the catalogue as UTF-8 (row ignored)"
    ]


def test_never_raises_on_any_bytes(tmp_path):
    generator = random.Random(3)
    samples = [b"\x00" * 10, b"file\x00,title\n\x00", b'file\n"unterminated', b"\r\r\n,\n"]
    samples += [bytes(generator.randrange(256) for _ in range(200)) for _ in range(200)]
    samples += [
        (HEADER + "".join(generator.choice(',"\n;x茶-0') for _ in range(80))).encode() * 3
        for _ in range(200)
    ]
    for data in samples:
        catalogue = load(write(tmp_path, data))
        assert isinstance(catalogue.errors, list)
        assert all(message.startswith("catalog.csv") for message in catalogue.errors)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2024", True),
        ("2024-02", True),
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2024-13-01", False),
        ("2024-00", False),
        ("24-01-01", False),
        ("2024/01/01", False),
        ("2024-1-1", False),
        ("", False),
    ],
)
def test_dates(value, valid):
    assert valid_date(value) is valid


@pytest.mark.parametrize(
    ("file", "doc_id"),
    [
        ("001_x.txt", "001_x"),
        ("./2024/report.txt", "2024/report"),
        ("2024\\report.txt", "2024/report"),
        ("noext", "noext"),
        ("../x.txt", None),
        ("/etc/x.txt", None),
        ("", None),
    ],
)
def test_doc_ids(file, doc_id):
    assert doc_id_of(file) == doc_id


def test_a_huge_catalogue_lists_its_first_problems_and_counts_the_rest(tmp_path):
    bad_rows = "".join(f"missing/{number}.txt,标题\n" for number in range(3000))
    path = write(tmp_path, "file,title\n000_1393866c2a5a9400.txt,真标题\n" + bad_rows)
    catalogue = load(path)
    assert catalogue.rows["000_1393866c2a5a9400"].title == "真标题"
    assert len(catalogue.errors) == MAX_LISTED_ERRORS
    assert catalogue.more_errors == 3000 - MAX_LISTED_ERRORS
    assert catalogue.errors[0] == "catalog.csv line 3: unknown file 'missing/0.txt'"


def test_the_ingest_prints_a_capped_list_of_catalogue_problems(runner, make_archive, tmp_path):
    archive = make_archive({"a.txt": "标题\n\n正文。\n"})
    rows = "".join(f"missing/{number}.txt,x\n" for number in range(1000))
    (archive / CATALOGUE_NAME).write_text("file,title\na.txt,甲\n" + rows, encoding="utf-8")
    result = runner.invoke("ingest", "--archive", str(archive), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("catalogue: ")]
    assert len(lines) == MAX_LISTED_ERRORS + 1
    assert lines[-1] == f"catalogue: and {1000 - MAX_LISTED_ERRORS} more problems"
