"""The folded texts kept beside the index: complete, the index's own, never stale."""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

import pytest

from archivist import textstore
from archivist.indexing import IndexStore, ingest, quiet_progress
from archivist.search import BLOCKS, Finder, facet_columns
from archivist.web import create_app

FIRST = "县公安局组织民警深入村组开展矛盾纠纷排查化解工作，走访群众三千余户。"
SECOND = "新建的城市书房每天开放到晚上十点，周末常常一座难求，借阅量翻了一番。"
EDITED = "新建的城市書房每天開放到晚上十一點，周末常常一座难求，借阅量翻了两番。"


def report(title: str, *paragraphs: str) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.fixture
def built(make_archive, tmp_path):
    archive = make_archive(
        {
            "a.txt": report("甲报道", FIRST, SECOND),
            "b.txt": report("乙报道", SECOND, FIRST, "第三段，两番之后再说。"),
        }
    )
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    return archive, index, client


def stored_texts(index) -> tuple[dict[int, str], dict[int, str]]:
    """(the table's texts, the search layer's folding of the stored texts) by number."""
    with IndexStore(index).open().searcher() as searcher:
        docs = sorted(searcher.docs_for_query(BLOCKS))
        table = textstore.texts_for(searcher, facet_columns(searcher))
        finder = Finder(searcher)
        return (table.read(docs) if table else {}), {d: finder.text(d) for d in docs}


def kwic_total(client, q: str) -> int:
    return client.get("/api/kwic?" + urlencode({"q": q, "per_page": 1})).get_json()["total"]


def test_the_table_holds_every_paragraph_folded_as_indexed(sample_index):
    table, expected = stored_texts(sample_index)
    assert len(expected) > 100
    assert table == expected


def test_an_ingest_appends_the_changed_reports_texts(built):
    archive, index, client = built
    folder = IndexStore(index).generation_dir()
    before = textstore.load_texts(folder)
    (archive / "a.txt").write_text(report("甲报道", FIRST, EDITED), encoding="utf-8")
    ingest(archive, index, jobs=1, progress=quiet_progress)
    after = textstore.load_texts(folder)
    assert after.blob == before.blob and after.size > before.size  # appended, not rewritten
    table, expected = stored_texts(index)
    assert table == expected and any("十一点" in t for t in table.values())
    assert kwic_total(client, '"两番"') == 2


def test_a_file_mostly_of_dead_texts_is_written_anew(built):
    archive, index, _ = built
    folder = IndexStore(index).generation_dir()
    first = textstore.load_texts(folder).blob
    for k in range(4):
        text = report("甲报道", FIRST + "甲" * k, SECOND + "乙" * k)
        (archive / "a.txt").write_text(text, encoding="utf-8")
        (archive / "b.txt").write_text(text.replace("甲报道", "乙报道"), encoding="utf-8")
        ingest(archive, index, jobs=1, progress=quiet_progress)
    after = textstore.load_texts(folder)
    assert after.blob != first and not (folder / textstore.FOLDER / first).exists()
    assert after.size < 2 * int(after.length.sum()) + 1
    table, expected = stored_texts(index)
    assert table == expected


def test_a_stale_table_gives_no_stale_text(built):
    archive, index, client = built
    folder = IndexStore(index).generation_dir()
    saved = index / "old-texts"
    shutil.copytree(folder / textstore.FOLDER, saved)
    (archive / "a.txt").write_text(report("甲报道", FIRST, EDITED), encoding="utf-8")
    ingest(archive, index, jobs=1, progress=quiet_progress)
    shutil.rmtree(folder / textstore.FOLDER)
    shutil.copytree(saved, folder / textstore.FOLDER)  # as if the last pass was lost
    table, expected = stored_texts(index)
    assert set(table) < set(expected)  # the changed report's paragraphs are not served
    assert all(expected[d] == t for d, t in table.items())
    assert kwic_total(client, '"两番"') == 2  # read from the index instead


def test_each_report_counts_the_bytes_of_its_texts(make_archive, tmp_path):
    archive = make_archive(
        {
            "a.txt": report("甲报道", FIRST, SECOND),
            "b.txt": report("乙报道", SECOND),
            "c.txt": report("丙报道", EDITED, FIRST, "第三段。"),
        }
    )
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    store = textstore.store_of(IndexStore(index).generation_dir())
    for entry in store.manifest()["parts"]:
        part = store.load(entry["name"])
        rows, lengths = part["row_report"].tolist(), part["row_length"].tolist()
        for report_at, chars in enumerate(part["report_chars"].tolist()):
            assert chars == sum(n for r, n in zip(rows, lengths, strict=True) if r == report_at) > 0


def test_texts_are_written_a_batch_at_a_time_as_one_encoding_of_them_all(tmp_path):
    texts = ["", "县公安局", "\U00020000\U0002a6a5x", "民警" * 50, "", "a"] * 7  # beyond the BMP
    path = tmp_path / "blob"
    with open(path, "wb") as out:
        lengths = textstore._write_encoded(out, texts, at_once=4)
    assert path.read_bytes() == "".join(texts).encode("utf-32-le")
    assert lengths.tolist() == [4 * len(text) for text in texts]
