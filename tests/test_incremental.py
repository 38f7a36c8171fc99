"""Incremental ingest, analysis-settings changes, and permalinks that survive re-ingest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archivist.indexing import IndexStore, ingest, quiet_progress
from archivist.web import create_app

PROJECT = Path(__file__).resolve().parent.parent
SEED = "002_4bcea7a16599077f"


def _ingest(archive: Path, index: Path, **options):
    return ingest(archive, index, jobs=1, progress=quiet_progress, **options)


def _texts(index: Path) -> dict[str, str]:
    with IndexStore(index).open().searcher() as searcher:
        return {f"{f['doc_id']}/{f['n']}": f["text"] for f in searcher.documents(rec="block")}


def _client(index: Path, archive: Path | None = None):
    """A test client of the app serving ``index`` (and raw files from ``archive``)."""
    config = {"INDEX_DIR": str(index)} | ({"ARCHIVE_DIR": str(archive)} if archive else {})
    return create_app(config).test_client()


def _api(permalink: str) -> str:
    """The JSON API address of a permalink."""
    return "/api" + permalink.replace("/p/", "/paragraphs/", 1)


def _verbatim_body_block(client, source: str, skip: int = 0) -> dict:
    """A body block of SEED whose text stands in the source as it is (not a joined paragraph)."""
    blocks = client.get(f"/api/documents/{SEED}").get_json()["blocks"]
    return next(b for b in blocks[skip:] if b["kind"] == "body" and b["text"] in source)


@pytest.fixture
def archive(tmp_path) -> Path:
    target = tmp_path / "archive"
    shutil.copytree(PROJECT / "archive", target)
    return target


def test_unchanged_reports_are_not_reindexed(archive, tmp_path):
    index = tmp_path / "index"
    first = _ingest(archive, index)
    assert first.rebuilt and first.added == 5
    generation = IndexStore(index).current_name()
    again = _ingest(archive, index)
    assert not again.rebuilt
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert IndexStore(index).current_name() == generation
    assert again.paragraphs == first.paragraphs


def test_changed_added_and_deleted_reports(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    path = archive / f"{SEED}.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\n新增一段独一无二的文字甲乙丙。\n", "utf-8"
    )
    (archive / "new" / "added.txt").parent.mkdir()
    (archive / "new" / "added.txt").write_text("新报告\n\n这是新报告的正文丁戊己。\n", "utf-8")
    (archive / "000_1393866c2a5a9400.txt").unlink()
    result = _ingest(archive, index)
    assert (result.added, result.changed, result.removed, result.unchanged) == (1, 1, 1, 3)
    texts = _texts(index)
    assert any("甲乙丙" in t for t in texts.values())
    assert any(key.startswith("new/added/") for key in texts)
    assert not any(key.startswith("000_1393866c2a5a9400/") for key in texts)
    assert result.documents == 5


def test_a_changed_user_dictionary_forces_a_full_build(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    before = IndexStore(index).current_name()
    (archive / "userdict.txt").write_text("董家段公安分局 50 nt\n", encoding="utf-8")
    result = _ingest(archive, index)
    assert result.rebuilt
    store = IndexStore(index)
    assert store.current_name() != before
    assert "董家段公安分局" in store.user_dictionary()


def test_rebuild_flag_builds_a_new_generation(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    before = IndexStore(index).current_name()
    result = _ingest(archive, index, rebuild=True)
    assert result.rebuilt and IndexStore(index).current_name() != before
    generations = sorted(p.name for p in index.glob("gen-*"))
    assert len(generations) == 2  # the live one and the one readers may still hold


def test_every_permalink_survives_a_paragraph_inserted_at_the_top(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    client = _client(index, archive)
    document = client.get(f"/api/documents/{SEED}").get_json()
    old = {b["permalink"]: b["text"] for b in document["blocks"]}

    path = archive / f"{SEED}.txt"
    path.write_text("编者按：本文有更正。\n\n" + path.read_text(encoding="utf-8"), "utf-8")
    assert _ingest(archive, index).changed == 1

    for permalink, text in old.items():
        response = client.get(permalink, follow_redirects=True)
        assert response.status_code == 200, permalink
        page = client.get(_api(permalink), follow_redirects=True).get_json()
        assert page["paragraph"]["text"] == text, permalink
        assert page["status"] == "ok"


def test_a_permalink_to_changed_text_says_so(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    client = _client(index, archive)
    path = archive / f"{SEED}.txt"
    source = path.read_text(encoding="utf-8")
    block = _verbatim_body_block(client, source)
    path.write_text(source.replace(block["text"], "改写后的段落。"), "utf-8")
    _ingest(archive, index)
    page = client.get(_api(block["permalink"])).get_json()
    assert page["status"] == "changed"
    assert page["n"] == block["n"]
    html = client.get(block["permalink"]).get_data(as_text=True)
    assert "引用的文字已经改动" in html


def test_the_server_picks_up_a_new_index_without_restart(archive, tmp_path):
    index = tmp_path / "index"
    _ingest(archive, index)
    client = _client(index, archive)
    assert client.get("/api/search?q=庚辛壬癸").get_json()["total"] == 0
    (archive / "late.txt").write_text("迟到的报告\n\n庚辛壬癸出现在这里。\n", "utf-8")
    _ingest(archive, index)
    assert client.get("/api/search?q=庚辛壬癸").get_json()["total"] == 1
    (archive / "later.txt").write_text("又一篇\n\n庚辛壬癸再次出现。\n", "utf-8")
    _ingest(archive, index, rebuild=True)
    assert client.get("/api/search?q=庚辛壬癸").get_json()["total"] == 2


def test_raw_files_come_from_the_archive_the_index_was_built_from(archive, tmp_path):
    index = tmp_path / "index"
    (archive / "only-here.txt").write_text("只在这里\n\n这份报告只在临时档案里。\n", "utf-8")
    _ingest(archive, index)
    client = _client(index)  # no ARCHIVE_DIR given
    raw = client.get("/raw/only-here")
    assert raw.status_code == 200
    assert raw.data == (archive / "only-here.txt").read_bytes()
    moved = tmp_path / "moved"
    archive.rename(moved)
    _ingest(moved, index)  # an incremental update records the folder it now mirrors
    assert client.get("/raw/only-here").data == (moved / "only-here.txt").read_bytes()


def test_a_permalink_to_corrected_and_shifted_text_lands_on_its_correction(archive, tmp_path):
    """A paragraph inserted above and the cited one corrected: the old permalink must show the
    corrected paragraph (now one further down), saying that its text changed."""
    index = tmp_path / "index"
    _ingest(archive, index)
    client = _client(index, archive)
    path = archive / f"{SEED}.txt"
    source = path.read_text(encoding="utf-8")
    cited = _verbatim_body_block(client, source, skip=10)
    corrected = cited["text"][:-1] + "（本句已更正）" + cited["text"][-1]
    path.write_text("编者按：本文有更正。\n\n" + source.replace(cited["text"], corrected), "utf-8")
    _ingest(archive, index)
    api = _api(cited["permalink"])
    page = client.get(api).get_json()
    assert page["status"] == "changed"
    assert page["paragraph"]["text"] == corrected
    assert page["n"] == cited["n"] + 1
    # a second correction elsewhere keeps the way: lineage is carried from version to version
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace(corrected, corrected + "再次修订。"), "utf-8")
    _ingest(archive, index)
    assert client.get(api).get_json()["paragraph"]["text"] == corrected + "再次修订。"


def _correct_and_shift(archive: Path, client) -> tuple[dict, str]:
    """Insert an editor's note above a body paragraph of SEED and correct that paragraph; the
    cited block (as indexed before) and its corrected text."""
    path = archive / f"{SEED}.txt"
    source = path.read_text(encoding="utf-8")
    cited = _verbatim_body_block(client, source, skip=10)
    corrected = cited["text"][:-1] + "（本句已更正）" + cited["text"][-1]
    edited = source.replace(cited["text"], "编者按：下段已更正。\n\n" + corrected)
    path.write_text(edited, "utf-8")
    return cited, corrected


def _rebuild(archive: Path, index: Path):
    return _ingest(archive, index, rebuild=True)


def _new_user_dictionary(archive: Path, index: Path):
    with open(archive / "userdict.txt", "a", encoding="utf-8") as handle:
        handle.write("\n党建引领\n")
    return _ingest(archive, index)


def _analysis_upgrade(archive: Path, index: Path):
    """The live generation is made to look built by an older analysis, as after an upgrade."""
    path = IndexStore(index).generation_dir() / "settings.json"
    settings = json.loads(path.read_text(encoding="utf-8"))
    settings.update(analysis_version="0", settings="an older analysis")
    path.write_text(json.dumps(settings), encoding="utf-8")
    return _ingest(archive, index)


FULL_BUILDS = {"rebuild": _rebuild, "userdict": _new_user_dictionary, "upgrade": _analysis_upgrade}


@pytest.fixture
def seed_archive(tmp_path) -> Path:
    """An archive of SEED alone (and the user dictionary): quicker to build again and again."""
    target = tmp_path / "seed-archive"
    target.mkdir()
    for name in (f"{SEED}.txt", "userdict.txt"):
        shutil.copy(PROJECT / "archive" / name, target / name)
    return target


@pytest.mark.parametrize(
    ("full_build", "corrected_in"),
    [(kind, "the update before") for kind in FULL_BUILDS] + [("rebuild", "the full build")],
)
def test_permalink_lineage_survives_every_kind_of_full_build(
    seed_archive, tmp_path, full_build, corrected_in
):
    """A correction made before (or by) a full build: the old permalink still lands on the
    corrected paragraph, not on whatever now holds its number."""
    archive, index = seed_archive, tmp_path / "index"
    _ingest(archive, index)
    client = _client(index, archive)
    cited, corrected = _correct_and_shift(archive, client)
    if corrected_in == "the update before":
        assert _ingest(archive, index).changed == 1
    assert FULL_BUILDS[full_build](archive, index).rebuilt
    page = client.get(_api(cited["permalink"])).get_json()
    assert (page["status"], page["n"]) == ("changed", cited["n"] + 1)
    assert page["paragraph"]["text"] == corrected
    # and it keeps surviving: another full build carries the lineage over again
    assert _rebuild(archive, index).rebuilt
    assert client.get(_api(cited["permalink"])).get_json()["paragraph"]["text"] == corrected
