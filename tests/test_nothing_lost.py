"""Nothing lost: unreadable folders, empty or unmounted archives, catalogue edits, symlinks.

Each ingest that could drop reports by mistake is run for real (in-process, or as the command
line where permissions matter) on a small archive of made-up reports.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import pytest

from archivist.indexing import IndexStore, RemovalsRefused, ingest, quiet_progress

PROJECT = Path(__file__).resolve().parent.parent
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
PR_CAPBSET_DROP = 24


def _ingest(archive: Path, index: Path, **options):
    return ingest(archive, index, jobs=1, progress=quiet_progress, **options)


def _reports(count: int, folder: str = "") -> dict[str, str]:
    prefix = f"{folder}/" if folder else ""
    return {
        f"{prefix}r{i}.txt": f"报告{folder}{i}号\n\n正文第{i}段，记录工作。\n" for i in range(count)
    }


def _indexed(index: Path) -> dict[str, dict]:
    """doc_id -> the stored fields of its report record."""
    with IndexStore(index).open().searcher() as searcher:
        return {fields["doc_id"]: fields for fields in searcher.documents(rec="doc")}


# The catalogue row is part of a report's hash, its line number is not ---------------------------


def test_a_catalogue_edit_reindexes_that_report_only(make_archive, tmp_path):
    archive = make_archive(_reports(3))
    rows = ["file,title", "r0.txt,标题零", "r1.txt,标题一", "r2.txt,标题二"]
    catalogue = archive / "catalog.csv"
    catalogue.write_text("\n".join(rows) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    _ingest(archive, index)
    # a blank line above the rows and the rows reordered: no report changes
    catalogue.write_text("\n".join([rows[0], "", rows[3], rows[1], rows[2]]) + "\n", "utf-8")
    again = _ingest(archive, index)
    assert (again.changed, again.unchanged) == (0, 3)
    # one row edited: that report alone is indexed again, with its new title
    catalogue.write_text("\n".join([rows[0], rows[1], "r1.txt,标题一（更正）", rows[3]]) + "\n")
    edited = _ingest(archive, index)
    assert (edited.changed, edited.unchanged) == (1, 2)
    assert _indexed(index)["r1"]["title"] == "标题一（更正）"


# Symlinks: inside the archive followed, outside refused ------------------------------------------


def test_a_symlink_inside_the_archive_is_a_report(make_archive, tmp_path):
    archive = make_archive(_reports(2) | {"texts/original.txt": "原文标题\n\n内部链接的正文。\n"})
    (archive / "link.txt").symlink_to(archive / "texts" / "original.txt")
    (archive / "relative.txt").symlink_to(Path("texts") / "original.txt")
    outside = tmp_path / "outside.txt"
    outside.write_text("外部\n\n不该收录。\n", encoding="utf-8")
    (archive / "out.txt").symlink_to(outside)
    result = _ingest(archive, tmp_path / "index")
    assert {"link", "relative", "texts/original"} <= set(_indexed(tmp_path / "index"))
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("out.txt", "symlink to outside the archive (not followed)")
    ]


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "full build"])
def test_a_report_that_becomes_unreadable_keeps_its_indexed_version(
    make_archive, tmp_path, rebuild
):
    archive = make_archive(_reports(3))
    index = tmp_path / "index"
    _ingest(archive, index)
    (archive / "r1.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)  # damaged
    result = _ingest(archive, index, rebuild=rebuild)
    assert [s.path for s in result.skipped] == ["r1.txt"]
    assert "the indexed version is kept" in result.skipped[0].reason
    assert set(_indexed(index)) == {"r0", "r1", "r2"}
    with IndexStore(index).open().searcher() as searcher:
        texts = [f["text"] for f in searcher.documents(rec="block", doc_id="r1")]
    assert "正文第1段，记录工作。" in texts  # the text as written before the damage


# Empty or unmounted archives, mass removals ------------------------------------------------------


def test_an_empty_archive_does_not_empty_the_index(make_archive, tmp_path):
    archive = make_archive(_reports(4))
    index = tmp_path / "index"
    _ingest(archive, index)
    generation = IndexStore(index).current_name()
    for path in archive.glob("*.txt"):
        path.unlink()  # an unmounted or empty archive folder looks just like this
    for rebuild in (False, True):
        with pytest.raises(RemovalsRefused, match="would remove 4 of the 4 reports"):
            _ingest(archive, index, rebuild=rebuild)
        assert len(_indexed(index)) == 4 and IndexStore(index).current_name() == generation
    emptied = _ingest(archive, index, allow_removals=True)
    assert (emptied.removed, emptied.documents) == (4, 0)


def test_removing_most_reports_needs_the_flag_and_a_few_do_not(make_archive, tmp_path):
    archive = make_archive(_reports(6))
    index = tmp_path / "index"
    _ingest(archive, index)
    for number in range(3):
        (archive / f"r{number}.txt").unlink()
    assert _ingest(archive, index).removed == 3  # half of them: a plain deletion
    for number in range(3, 5):
        (archive / f"r{number}.txt").unlink()
    with pytest.raises(RemovalsRefused, match="--allow-removals"):
        _ingest(archive, index)  # two of the three left: more than half
    assert _ingest(archive, index, allow_removals=True).removed == 2


def test_the_command_line_refuses_mass_removals_with_exit_code_3(runner, make_archive, tmp_path):
    archive = make_archive(_reports(2))
    index = str(tmp_path / "index")
    assert runner.invoke("ingest", "--archive", str(archive), "--index", index).exit_code == 0
    for path in archive.glob("*.txt"):
        path.unlink()
    refused = runner.invoke("ingest", "--archive", str(archive), "--index", index)
    assert refused.exit_code == 3
    assert "would remove 2 of the 2 reports" in refused.output
    assert "--allow-removals" in refused.output
    allowed = runner.invoke(
        "ingest", "--archive", str(archive), "--index", index, "--allow-removals"
    )
    assert allowed.exit_code == 0 and "2 removed" in allowed.output


# Unreadable folders -------------------------------------------------------------------------------


def _without_root_powers() -> None:
    """In the child, before exec: drop the capabilities that let root read any folder, so
    ``chmod 000`` stops root too (a plain user is not affected)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)


def _run_ingest(archive: Path, index: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(PROJECT / "manage.py"), "ingest", "--jobs", "1"]
    return subprocess.run(
        [*command, "--archive", str(archive), "--index", str(index), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_without_root_powers,
    )


def _unreadable_is_possible(folder: Path) -> bool:
    probe = subprocess.run(
        ["ls", str(folder)], capture_output=True, preexec_fn=_without_root_powers
    )
    return probe.returncode != 0


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "full build"])
def test_an_unreadable_folder_is_named_and_its_reports_kept(make_archive, tmp_path, rebuild):
    archive = make_archive(_reports(2) | _reports(2, "2024") | _reports(1, "2024/deep"))
    index = tmp_path / "index"
    _ingest(archive, index)
    (archive / "new.txt").write_text("新报告\n\n新增的正文。\n", encoding="utf-8")
    locked = archive / "2024"
    locked.chmod(0)
    try:
        if not _unreadable_is_possible(locked):
            pytest.skip("cannot make a folder unreadable here (capabilities cannot be dropped)")
        result = _run_ingest(archive, index, *(["--rebuild"] if rebuild else []))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1, result.stderr  # something was skipped
    assert "skipped 2024/: folder cannot be read: Permission denied" in result.stderr
    assert "0 removed" in result.stdout and "3 kept unread" in result.stdout
    indexed = _indexed(index)
    assert {"r0", "r1", "new", "2024/r0", "2024/r1", "2024/deep/r0"} == set(indexed)
    with IndexStore(index).open().searcher() as searcher:  # kept whole, still searchable
        found = {f["doc_id"] for f in searcher.documents(rec="block") if "报告2024" in f["text"]}
    assert found == {"2024/r0", "2024/r1", "2024/deep/r0"}
