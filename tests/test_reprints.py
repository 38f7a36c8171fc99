"""Reprints: the same text in several reports, found at ingest and kept up to date."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlencode

import numpy as np
import pytest
from oracle import oracle_fold

from archivist import reprints, textstore
from archivist.indexing import IndexStore, ingest, quiet_progress
from archivist.ngrams import TableInputs
from archivist.records import indexed_reports
from archivist.web import create_app

SHARED = (
    "县公安局组织民警深入村组开展矛盾纠纷排查化解工作，共走访群众三千余户，"
    "登记各类隐患四十二条，当场化解三十五起，其余七起已落实专人限期办结。"
)
SHARED_TRADITIONAL = (
    "縣公安局組織民警深入村組開展矛盾糾紛排查化解工作, 共走訪群眾三千余戶, "
    "登記各類隱患四十二條, 當場化解三十五起, 其餘七起已落實專人限期辦結."
)
SHARED_EDITED = SHARED.replace("三千余户", "三千多户")  # one character changed
PHRASE = "矛盾纠纷排查化解工作"


def report(title: str, *paragraphs: str) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


OWN = {
    "甲": "春耕时节，农技人员把课堂搬到田间地头，手把手教农户调试插秧机和无人植保设备。",
    "乙": "新建的城市书房每天开放到晚上十点，周末常常一座难求，借阅量比去年翻了一番。",
    "丙": "暴雨过后，养护工人连夜清理路面塌方，抢通了通往山区三个乡镇的唯一公路。",
    "丁": "这所乡村小学的篮球队第一次走出大山，在全省比赛中拿到了第四名的好成绩。",
    "丁丁": "老街改造保留了青石板路和骑楼外立面，沿街商户的租金也因此稳定了下来。",
    "戊": "社区食堂推出十元两荤一素的套餐，独居老人还可以请志愿者把饭菜送到家里。",
}


def unique(label: str) -> str:
    return OWN[label]


FILES = {
    "a.txt": report("甲报道", SHARED, unique("甲")),
    "b.txt": report("乙报道", unique("乙"), SHARED_TRADITIONAL),
    "c.txt": report("丙报道", SHARED_EDITED, unique("丙")),
    "d.txt": report("丁报道", unique("丁"), unique("丁丁")),
}


@pytest.fixture
def built(make_archive, tmp_path):
    archive = make_archive(FILES)
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    return archive, index, client


def shared_with(client, doc_id: str) -> dict[str, int]:
    data = client.get(f"/api/documents/{doc_id}").get_json()
    return {r["doc_id"]: r["shared"] for r in data["reprints"]}


def test_the_oracle_agrees_the_texts_are_the_same():
    def bare(text: str) -> str:
        return "".join(c for c in oracle_fold(text) if c.isalnum())

    assert bare(SHARED) == bare(SHARED_TRADITIONAL) != bare(SHARED_EDITED)


def test_signatures_are_datasketchs_minhash_of_the_shingles():
    from datasketch import MinHash

    pieces = [SHARED, SHARED_EDITED, SHARED_TRADITIONAL, *OWN.values()]
    texts = [reprints.normalised(p) * (1 + i % 7) for i, p in enumerate(pieces * 90)] + ["短"]
    assert sum(len(t) for t in texts) > reprints.BATCH_SHINGLES  # signed in several batches
    signed = reprints.signatures(texts)
    for text, row in [*list(zip(texts, signed, strict=True))[::37], (texts[-1], signed[-1])]:
        padded = text.rjust(reprints.SHINGLE, "\0")
        expected = MinHash(num_perm=reprints.PERMUTATIONS, seed=1, hashfunc=reprints.shingle_hash)
        expected.update_batch({padded[i : i + 5] for i in range(len(padded) - 4)})
        assert row.tolist() == expected.hashvalues.tolist()


def _partition(table) -> list[list[tuple[str, int]]]:
    members: dict[int, set] = {}
    for doc, n, group in zip(table.doc, table.n.tolist(), table.group.tolist(), strict=True):
        if group >= 0:
            members.setdefault(group, set()).add((doc, n))
    return sorted(sorted(m) for m in members.values())


def near_copies(count: int) -> list[str]:
    """Copies and near copies (one character changed) of a few paragraphs, and their copies."""
    pieces = [reprints.normalised(p) for p in (SHARED, *OWN.values())]
    texts = []
    for i in range(count):
        piece = pieces[i % len(pieces)]
        at = (i * 7) % len(piece) if i % 3 else len(piece)
        texts.append(piece[:at] + "某" + piece[at + 1 :])
    return texts


def brute_force_pairs(texts: list[str]) -> set[tuple[int, int]]:
    """The oracle: every two distinct texts with the same values in one of 16 bands of 4 whose
    signatures' values agree in their low 8 bits in at least 45 places of 64 (70 % alike once
    the chance agreement of 8 bits, 1 in 256, is allowed for), compared one pair at a time."""
    signed = reprints.signatures(texts)
    by_digest = {reprints.digest(t): s for t, s in zip(texts, signed, strict=True)}
    found = set()
    items = sorted(by_digest.items())
    for i, (one, first) in enumerate(items):
        for other, second in items[i + 1 :]:
            bands = (first.reshape(16, 4) == second.reshape(16, 4)).all(axis=1)
            if bands.any() and (first % 256 == second % 256).sum() >= 45:
                found.add((one, other))
    return found


def test_pairs_found_in_steps_are_those_of_all_texts_at_once():
    texts = near_copies(150)
    digests = np.array([reprints.digest(t) for t in texts], dtype=np.int64)
    rows = reprints.Rows.of(np.arange(len(texts)), digests, reprints.signatures(texts))
    whole = {tuple(p) for p in reprints.near_pairs(rows).tolist()}
    assert whole == brute_force_pairs(texts) and len(whole) > 20
    docs = np.arange(len(texts)) % 9  # each row's report
    first = reprints.Reports.of([(f"r{i}", "h") for i in range(9)])
    every = reprints._part(first, docs, rows, np.zeros((0, 2)))  # its band index sorted
    assert {tuple(p) for p in reprints.near_pairs(rows, every).tolist()} == whole
    earlier, later = rows.take(slice(0, 90)), rows.take(slice(90, None))
    part = reprints._part(first, docs[:90], earlier, reprints.near_pairs(earlier))
    stored = reprints.pairs_with_stored(later, [part])
    found = np.vstack([part["pairs"], reprints.near_pairs(later), stored])
    found = {tuple(p) for p in found.tolist()}
    assert found == whole


def test_signatures_agree_when_45_of_their_64_low_bytes_do():
    draw = np.random.default_rng(7)
    first = draw.integers(0, 256, (400, 64), dtype=np.uint8)
    second = first.copy()
    agreeing = draw.integers(30, 65, 400)  # how many of the 64 values agree
    for row, count in enumerate(agreeing.tolist()):
        differ = draw.choice(64, 64 - count, replace=False)
        second[row, differ] ^= draw.integers(1, 256, len(differ), dtype=np.uint8)
    expected = [
        sum(a == b for a, b in zip(one, other, strict=True)) >= 45
        for one, other in zip(first.tolist(), second.tolist(), strict=True)
    ]
    assert reprints._agree(first, second).tolist() == expected
    assert {44, 45, 64} <= set(agreeing.tolist()) and 50 < sum(expected) < 350


def test_the_band_index_lists_each_bands_rows_by_key_then_row():
    draw = np.random.default_rng(3)
    keys = draw.integers(0, 40, (16, 500)).astype(np.uint32)  # many rows share a key
    keys[3] = draw.integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32)
    keys[5] = 2**32 - 1 - keys[5]  # the largest keys
    index = reprints._band_index(keys)
    for band in range(16):
        expected = sorted(range(500), key=lambda row, b=band: (int(keys[b, row]), row))
        assert index["band_order"][band].tolist() == expected
        assert index["band_prefix"][band].tolist() == [int(keys[band, r]) for r in expected]


def test_runs_of_equal_keys_never_span_two_bands():
    keys = np.array([[1000 + b, 2000 + b, 3000 + b, 4000 + b] for b in range(16)], dtype=np.uint32)
    keys[0], keys[1] = [1, 9, 9, 2], [9, 20, 21, 9]  # band 0 ends with key 9, band 1 begins so
    rows = reprints.Rows(
        np.arange(4, dtype=np.int32),
        np.array([11, 22, 33, 44], dtype=np.int64),
        np.zeros((4, 64), dtype=np.uint8),  # every pair of signatures agrees
        np.ascontiguousarray(keys.T),
    )
    assert reprints.near_pairs(rows).tolist() == [[11, 44], [22, 33]]


def test_rows_handed_over_as_bytes_are_the_rows_signed():
    texts = near_copies(30)
    reports = [list(enumerate(texts[i : i + 5], start=i)) for i in range(0, 30, 5)]
    handed = b"".join(
        reprints.sign((n, text, "") for n, text in paragraphs) for paragraphs in reports
    )
    rows, signed = reprints.Rows.from_bytes(handed), reprints.signatures(texts)
    assert rows.n.tolist() == list(range(30))
    assert rows.digest.tolist() == [reprints.digest(text) for text in texts]
    assert (rows.low == signed % 256).all() and (rows.keys == reprints.band_keys(signed).T).all()


def test_documents_list_the_reports_sharing_their_paragraphs(built):
    _, _, client = built
    assert shared_with(client, "a") == {"b": 1, "c": 1}  # exact (folded) and near-duplicate
    assert shared_with(client, "c") == {"a": 1, "b": 1}
    assert shared_with(client, "d") == {}
    html = client.get("/doc/a").get_data(as_text=True)
    assert 'id="reprints"' in html and 'href="/doc/b"' in html and "乙报道" in html
    assert "另见 2 篇" in html


def test_a_paragraph_names_the_reports_that_carry_it(built):
    """Beside a shared paragraph, the other reports carrying that paragraph, each linked."""
    _, _, client = built
    blocks = client.get("/api/documents/a").get_json()["blocks"]
    shared = [b for b in blocks if b["also_in"]]
    assert len(shared) == 1  # the one paragraph b and c carry too
    named = {o["doc_id"]: (o["title"], o["url"]) for o in shared[0]["also_in_docs"]}
    assert named == {"b": ("乙报道", "/doc/b"), "c": ("丙报道", "/doc/c")}
    assert all(not b["also_in_docs"] for b in blocks if not b["also_in"])
    html = client.get("/doc/a").get_data(as_text=True)
    note = re.search(r'<span class="reprint-note">(.*?)</span>', html).group(1)
    assert note.startswith("另见 2 篇：")
    assert '<a href="/doc/b">乙报道</a>' in note and '<a href="/doc/c">丙报道</a>' in note


def test_a_report_carrying_a_text_twice_shares_two_paragraphs(make_archive, tmp_path):
    files = FILES | {"e.txt": report("戊报道", SHARED, unique("戊"), SHARED)}
    archive = make_archive(files)
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1, progress=quiet_progress)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    assert shared_with(client, "e") == {"a": 2, "b": 2, "c": 2}  # both of its copies count
    assert shared_with(client, "a") == {"b": 1, "c": 1, "e": 1}


def test_a_document_lists_the_100_reports_sharing_most_and_counts_the_rest(make_archive, tmp_path):
    copies = {f"x{i:03d}.txt": report(f"转载{i}", SHARED) for i in range(102)}
    archive = make_archive(
        FILES | copies | {"e.txt": report("戊报道", SHARED, unique("戊"), SHARED)}
    )
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1, progress=quiet_progress)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    data = client.get("/api/documents/a").get_json()
    others = sorted(["b", "c", "e", *(name[:-4] for name in copies)])  # one paragraph each
    assert [r["doc_id"] for r in data["reprints"]] == others[:100]
    assert data["reprints_more"] == len(others) - 100 == 5
    html = client.get("/doc/a").get_data(as_text=True)
    assert "另有 5 篇报道也含有本篇的段落" in html and 'href="/doc/x101"' not in html
    shared = [b for b in data["blocks"] if b["also_in"]]
    assert [(b["also_in"], len(b["also_in_docs"])) for b in shared] == [(len(others), 3)]
    assert f"另见 {len(others)} 篇：" in html and '等（<a href="#reprints">全部</a>）' in html


def test_search_notes_reprints_and_can_show_one_of_each(built):
    _, _, client = built
    every = client.get("/api/search?" + urlencode({"q": PHRASE})).get_json()
    assert every["total"] == 3
    assert {hit["doc_id"]: hit["also_in"] for hit in every["hits"]} == {"a": 2, "b": 2, "c": 2}
    one = client.get("/api/search?" + urlencode({"q": PHRASE, "reprints": "one"})).get_json()
    assert one["total"] == len(one["hits"]) == 1
    assert one["hits"][0]["doc_id"] == "a"  # the earliest (here: no dates, so the first id)
    assert one["hits"][0]["also_in"] == 2
    html = client.get("/?" + urlencode({"q": PHRASE})).get_data(as_text=True)
    assert "另见 2 篇报道" in html and "reprints=one" in html
    hit = one["hits"][0]  # its note leads to the paragraph, where the others are named
    assert hit["also_in_url"] == hit["url"] and f"#p{hit['n']}" in hit["url"]
    page = client.get(hit["also_in_url"]).get_data(as_text=True)
    target = re.search(r'aria-current="location">(.*?)</p>', page, re.S).group(1)
    assert '<a href="/doc/b">乙报道</a>' in target and '<a href="/doc/c">丙报道</a>' in target
    unique_hit = client.get("/api/search?" + urlencode({"q": "青石板路"})).get_json()
    assert unique_hit["total"] == 1 and unique_hit["hits"][0]["also_in"] == 0


def test_kept_up_to_date_by_incremental_ingests(built):
    archive, index, client = built
    (archive / "e.txt").write_text(report("戊报道", SHARED), encoding="utf-8")
    ingest(archive, index, jobs=1, progress=quiet_progress)
    assert shared_with(client, "a") == {"b": 1, "c": 1, "e": 1}
    (archive / "b.txt").write_text(report("乙报道", unique("乙")), encoding="utf-8")
    (archive / "e.txt").unlink()
    ingest(archive, index, jobs=1, progress=quiet_progress)
    assert shared_with(client, "a") == {"c": 1}


def current_table(index) -> reprints.Table:
    store = IndexStore(index)
    with store.open().searcher() as searcher:
        live = indexed_reports(searcher, store.generation_dir())
        return reprints.load_table(store.generation_dir(), live)


def test_an_update_signs_only_new_and_changed_reports(built):
    archive, index, _ = built
    store = IndexStore(index)
    before = current_table(index)
    parts = len(reprints.store_of(store.generation_dir()).manifest()["parts"])
    (archive / "e.txt").write_text(report("戊报道", SHARED, unique("戊")), encoding="utf-8")
    ingest(archive, index, jobs=1, progress=quiet_progress)
    after = current_table(index)
    assert len(after.doc) == len(before.doc) + 2
    manifest = reprints.store_of(store.generation_dir()).manifest()
    assert len(manifest["parts"]) == parts + 1  # written beside the first, not over it
    result = reprints.update_generation(store.generation_dir(), store.open())
    assert (result.signed, result.reports) == (0, 0)


def test_a_stale_table_never_shows_a_wrong_reprint(built):
    archive, index, client = built
    store = IndexStore(index)
    saved = index / "old-reprints"
    shutil.copytree(store.generation_dir() / reprints.FOLDER, saved)
    (archive / "b.txt").write_text(report("乙报道", unique("乙")), encoding="utf-8")
    ingest(archive, index, jobs=1, progress=quiet_progress)
    shutil.rmtree(store.generation_dir() / reprints.FOLDER)
    shutil.copytree(saved, store.generation_dir() / reprints.FOLDER)  # as if the pass was lost
    assert shared_with(client, "a") == {"c": 1}
    ingest(archive, index, jobs=1, progress=quiet_progress)  # the next ingest repairs it
    assert shared_with(client, "a") == {"c": 1}
    assert set(current_table(index).doc) <= {"a", "b", "c", "d"}


def test_without_a_table_nothing_is_claimed(built):
    _, index, client = built
    shutil.rmtree(IndexStore(index).generation_dir() / reprints.FOLDER)
    assert shared_with(client, "a") == {}
    hits = client.get("/api/search?" + urlencode({"q": PHRASE, "reprints": "one"})).get_json()
    assert hits["total"] == 3


def grouping(index) -> tuple[list, set]:
    """(the groups as sets of (report, paragraph), the pairs of texts) of an index's table."""
    table = current_table(index)
    return _partition(table), {tuple(p) for p in table.pairs.tolist()}


def test_incremental_ingests_find_what_a_whole_pass_finds(make_archive, tmp_path):
    texts = [text + "。" for text in near_copies(60)]
    files = {f"r{i:02d}.txt": report(f"报道{i}", *texts[i * 3 : i * 3 + 3]) for i in range(6)}
    archive = make_archive(files)
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    steps = [  # (file, its paragraphs; None: removed)
        *((f"r{i:02d}.txt", texts[i * 3 : i * 3 + 3]) for i in range(6, 20)),
        ("r02.txt", None),
        ("r03.txt", [texts[0], texts[50]]),
        ("r20.txt", texts[6:9]),  # r02's texts again, under another name
        ("r03.txt", texts[9:12]),  # r03 as it first was
        ("r05.txt", None),
        ("r21.txt", texts[15:18]),
    ]
    for name, paragraphs in steps:
        if paragraphs is None:
            (archive / name).unlink()
        else:
            (archive / name).write_text(report(name, *paragraphs), encoding="utf-8")
        ingest(archive, index, jobs=1, progress=quiet_progress)
    fresh = tmp_path / "fresh"
    ingest(archive, fresh, rebuild=True, jobs=1, progress=quiet_progress)
    groups, pairs = grouping(index)
    assert len(groups) > 5 and len(pairs) > 10
    assert (groups, pairs) == grouping(fresh)


def stored_rows(index) -> dict[tuple[str, int], tuple[int, list[int], list[int]]]:
    """(digest, signature values' low bits, band keys) of every row of an index's reprint
    table, by (report, paragraph number)."""
    store = reprints.store_of(IndexStore(index).generation_dir())
    found = {}
    for entry in store.manifest()["parts"]:
        part = store.load(entry["name"])
        docs = part["report_doc"][part["row_report"]].tolist()
        keys, low = reprints._row_keys(part).tolist(), part["row_signature"].tolist()
        for i, (doc, n) in enumerate(zip(docs, part["row_n"].tolist(), strict=True)):
            found[(doc, n)] = (int(part["row_digest"][i]), low[i], keys[i])
    return found


def bare(text: str) -> str:
    """A paragraph's text as the reprint table compares it, by the oracle's folding."""
    return "".join(c for c in oracle_fold(text) if c.isalnum())


@pytest.fixture
def built_by_pool(make_archive, tmp_path):
    """An archive with copies and near copies of paragraphs, built by two reading processes."""
    texts = [text + "。" for text in near_copies(24)]
    files = {f"r{i}.txt": report(f"报道{i}", *texts[i * 4 : i * 4 + 4]) for i in range(6)}
    archive = make_archive({**FILES, **files})
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=2, progress=quiet_progress)
    return index


def test_the_reading_processes_sign_every_paragraph_as_minhash_does(built_by_pool):
    with IndexStore(built_by_pool).open().searcher() as searcher:
        blocks = list(searcher.documents(rec="block"))
    texts = {(f["doc_id"], f["n"]): bare(f["text"]) for f in blocks}
    counted = sorted(key for key, text in texts.items() if len(text) >= reprints.MIN_CHARS)
    signed = reprints.signatures([texts[key] for key in counted])  # checked against datasketch
    expected = {
        key: (reprints.digest(texts[key]), (values % 256).tolist(), keys.tolist())
        for key, values, keys in zip(counted, signed, reprints.band_keys(signed).T, strict=True)
    }
    assert len(expected) > 20 and stored_rows(built_by_pool) == expected


def test_a_full_build_finds_the_groups_the_pass_finds_signing_every_paragraph(built_by_pool):
    by_readers, rows = grouping(built_by_pool), stored_rows(built_by_pool)
    store = IndexStore(built_by_pool)
    shutil.rmtree(store.generation_dir() / reprints.FOLDER)
    result = reprints.update_generation(store.generation_dir(), store.open())  # reads the index
    assert result.signed_here == result.signed == len(rows)
    assert len(by_readers[0]) > 3 and len(by_readers[1]) > 3
    assert (grouping(built_by_pool), stored_rows(built_by_pool)) == (by_readers, rows)


def table_texts(index) -> dict[tuple[str, int], str]:
    """The text table's folded texts by (report, paragraph number)."""
    folder = IndexStore(index).generation_dir()
    table = textstore.load_texts(folder)
    blob = (folder / textstore.FOLDER / table.blob).read_bytes()
    spans = zip(table.start.tolist(), table.length.tolist(), strict=True)
    texts = [blob[start : start + length].decode("utf-32-le") for start, length in spans]
    return dict(zip(zip(table.doc.tolist(), table.n.tolist(), strict=True), texts, strict=True))


def test_the_pass_signs_what_an_ingest_analysed_but_did_not_sign(built_by_pool):
    groups, rows, texts = (
        grouping(built_by_pool),
        stored_rows(built_by_pool),
        table_texts(built_by_pool),
    )
    store = IndexStore(built_by_pool)
    inputs = TableInputs()
    with store.open().searcher() as searcher:
        blocks = sorted(searcher.documents(rec="block"), key=lambda f: (f["doc_id"], f["n"]))
    for f in blocks:
        inputs.add(f["doc_id"], f["n"], oracle_fold(f["text"]), [], f.get("kind", ""))
    for name in (reprints.FOLDER, textstore.FOLDER):
        shutil.rmtree(store.generation_dir() / name)
    result = reprints.update_generation(store.generation_dir(), store.open(), inputs)
    assert result.signed_here == result.signed == len(rows) > 20
    assert (grouping(built_by_pool), stored_rows(built_by_pool)) == (groups, rows)
    assert table_texts(built_by_pool) == texts and len(texts) == len(blocks)


def test_a_report_kept_unread_by_a_full_build_is_signed_by_the_pass(built):
    archive, index, client = built
    shared, rows = shared_with(client, "a"), stored_rows(index)
    (archive / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)  # damaged
    result = ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    assert [s.path for s in result.skipped] == ["b.txt"]  # its indexed version kept
    assert "b" in shared and shared_with(client, "a") == shared
    assert stored_rows(index) == rows


def test_bad_option_is_a_400(client):
    response = client.get("/api/search?q=公安&reprints=all")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "reprints"


def test_a_table_mostly_of_changed_reports_is_compacted(make_archive, tmp_path):
    texts = [text + "。" for text in near_copies(12)]  # texts[10]: a near copy of texts[3]
    files = {"b.txt": report("乙", *texts[3:6]), "c.txt": report("丙", texts[10])}
    archive = make_archive({"a.txt": report("甲", *texts[:3]), **files})
    index = tmp_path / "index"
    ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    folder = IndexStore(index).generation_dir()
    for k in range(4):  # each version of a.txt leaves the last one's rows behind
        (archive / "a.txt").write_text(report("甲", texts[6 + k], *texts[:2]), encoding="utf-8")
        ingest(archive, index, jobs=1, progress=quiet_progress)
    store = reprints.store_of(folder)
    parts = [store.load(p["name"]) for p in store.manifest()["parts"]]
    stored = sum(len(p["row_n"]) for p in parts)
    assert stored < 2 * len(current_table(index).doc)  # the dead rows were dropped
    fresh = tmp_path / "fresh"
    ingest(archive, fresh, rebuild=True, jobs=1, progress=quiet_progress)
    groups, pairs = grouping(index)
    assert pairs and (groups, pairs) == grouping(fresh)  # the first pass's pairs kept


def test_the_lookups_are_those_of_the_rows_themselves():
    """Reprints' numpy lookups against dicts built from the same rows, on made-up rows: three
    groups, a report in two groups and twice in one, rows in no group, rows out of order."""
    rows = [  # (report, paragraph number, group)
        ("r2", 4, 0), ("r1", 1, 0), ("r3", 2, 0), ("r1", 7, 1), ("r4", 1, 1), ("r1", 9, 0),
        ("r5", 3, 2), ("r6", 3, 2), ("r2", 5, -1), ("r7", 1, -1),
    ]  # fmt: skip
    table = reprints.Table(
        doc=np.array([r[0] for r in rows], dtype=object),
        n=np.array([r[1] for r in rows], dtype=np.int32),
        digest=np.arange(len(rows), dtype=np.int64),
        group=np.array([r[2] for r in rows], dtype=np.int32),
    )
    found = reprints.Reprints(table)
    docs_of: dict[int, set[str]] = {}
    for doc, _n, group in rows:
        if group >= 0:
            docs_of.setdefault(group, set()).add(doc)
    group_of = {(doc, n): group for doc, n, group in rows if group >= 0}
    for doc, n, _group in [*rows, ("r9", 1, -1), ("r1", 2, -1)]:
        group = group_of.get((doc, n))
        expected = sorted(docs_of[group] - {doc}) if group is not None else []
        assert found.others(doc, n) == expected, (doc, n)
    for doc in ["r1", "r2", "r3", "r4", "r5", "r7", "r9"]:
        shared: dict[str, int] = {}
        for (owner, _n), group in group_of.items():
            if owner == doc:
                for other in docs_of[group] - {doc}:
                    shared[other] = shared.get(other, 0) + 1
        assert found.for_document(doc) == sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))
    assert found and not reprints.Reprints(reprints.Table())


def test_one_of_each_keeps_the_earliest_by_date(make_archive, tmp_path):
    catalogue = "file,title,date\na.txt,甲报道,2021-05-03\nb.txt,乙报道,2019-01-02\n"
    catalogue += "c.txt,丙报道,2020-07-01\nd.txt,丁报道,2018-01-01\n"
    archive = make_archive(FILES | {"catalog.csv": catalogue})
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1, progress=quiet_progress)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    one = client.get("/api/search?" + urlencode({"q": PHRASE, "reprints": "one"})).get_json()
    assert [hit["doc_id"] for hit in one["hits"]] == ["b"]  # 2019, before c (2020) and a (2021)
    titles = client.get("/api/search?" + urlencode({"q": "报道", "reprints": "one"})).get_json()
    assert titles["total"] == 4  # in no group (too short to count): every one stays
