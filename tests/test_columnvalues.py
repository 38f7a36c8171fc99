"""Columns read whole give what Whoosh's own readers give, value by value (the oracle), also
across segments, deletions and a segment written before a column existed in it."""

from __future__ import annotations

import numpy as np

from archivist.columnvalues import DirectStoredFields, column_values, live_documents
from archivist.indexing import IndexStore, ingest, make_schema
from archivist.search import _field_lengths

REPORTS = {
    "a.txt": "长沙警方破获一起案件\n\n2021年3月5日，长沙市公安局开福分局民警走访群众。\n",
    "b.txt": "株洲交通整治\n\n株洲市茶陵县开展道路交通安全宣传，民警讲解法规。\n\n第二段。\n",
    "c.txt": "无日期的报道\n\n社区网格员上门服务。\n",
}
COLUMNS = [name for name, field in make_schema().items() if field.column_type]


def test_every_column_read_whole_equals_whoosh_value_by_value(make_archive, tmp_path):
    archive = make_archive(REPORTS)
    index = tmp_path / "index"
    ingest(archive, index, jobs=1)
    (archive / "b.txt").write_text(REPORTS["b.txt"] + "\n补充一段新的内容。\n", encoding="utf-8")
    (archive / "d.txt").write_text("新增报道\n\n湘潭市民警巡逻。\n", encoding="utf-8")
    ingest(archive, index, jobs=1)  # a second segment; b's old blocks deleted in the first
    with IndexStore(index).open().searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 2 and reader.has_deletions()
        assert {"n", "doc_id", "city", "kind", "places"} <= set(COLUMNS)
        for name in COLUMNS:
            assert column_values(reader, name) == list(reader.column_reader(name)), name
        size = reader.doc_count_all()
        live = np.flatnonzero(live_documents(reader, size))
        assert live.tolist() == list(reader.all_doc_ids())
        lengths = [reader.doc_field_length(d, "words", 0) or 0 for d in range(size)]
        assert _field_lengths(reader, "words").tolist() == lengths
        leaf = reader.leaf_readers()[0][0]
        assert column_values(leaf, "doc_id") == list(leaf.column_reader("doc_id"))


def test_documents_past_a_columns_end_get_its_default(tmp_path):
    from whoosh import index as whoosh_index

    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with ix.writer() as writer:
        writer.add_document(rec="block", doc_id="x", n=3, kind="body", city="长沙市")
        writer.add_document(rec="doc", doc_id="x")  # no n, kind or city: past their ends
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for name in ("n", "kind", "city"):
            assert column_values(reader, name) == list(reader.column_reader(name)), name
        assert column_values(reader, "n")[0] == 3


def test_stored_fields_read_straight_from_the_segments_equal_whooshs(make_archive, tmp_path):
    archive = make_archive(REPORTS)
    index = tmp_path / "index"
    ingest(archive, index, jobs=1)
    (archive / "d.txt").write_text("新增报道\n\n湘潭市民警巡逻。\n", encoding="utf-8")
    ingest(archive, index, jobs=1)  # a second segment
    with IndexStore(index).open().searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 2
        direct = DirectStoredFields(reader)
        try:
            every = [direct.get(d) for d in range(reader.doc_count_all())]
        finally:
            direct.close()
        assert every == [reader.stored_fields(d) for d in range(reader.doc_count_all())]
        assert all(fields for fields in every)  # none left to Whoosh: every segment read here
