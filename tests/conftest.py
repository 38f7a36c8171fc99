"""Shared fixtures: a real index built from the sample archive, the app, its client, the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from archivist import analysis
from archivist.cli import main
from archivist.indexing import IndexStore, ingest
from archivist.web import create_app

# Property tests check behaviour, never time: a loaded machine must not fail them.
settings.register_profile("archivist", deadline=None)
settings.load_profile("archivist")

PROJECT = Path(__file__).resolve().parent.parent
ARCHIVE = PROJECT / "archive"


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory) -> Path:
    """A copy of the shipped archive (tests never write into the real one)."""
    target = tmp_path_factory.mktemp("archive")
    shutil.copytree(ARCHIVE, target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def sample_index(sample_archive, tmp_path_factory) -> Path:
    """A real Whoosh index of the sample archive, built once per test session."""
    root = tmp_path_factory.mktemp("index")
    result = ingest(sample_archive, root, rebuild=True, jobs=1)
    assert not result.skipped, result.skipped
    return root


@pytest.fixture
def searcher(sample_index):
    """A searcher on the sample index, with the user dictionary it was built with."""
    store = IndexStore(sample_index)
    analysis.use_user_dictionary(store.user_dictionary())
    with store.open().searcher() as s:
        yield s


@pytest.fixture
def sample(searcher):
    """The sample index's searcher, by the name the matching and highlighting tests use."""
    return searcher


@pytest.fixture
def app(sample_index, sample_archive):
    return create_app(
        {"TESTING": True, "INDEX_DIR": str(sample_index), "ARCHIVE_DIR": str(sample_archive)}
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def catalogued(tmp_path_factory):
    """A client over the made-up archive: 株洲市, 永州市, 长沙市; 2019 to 2024."""
    from browser.fixture_archive import write_archive

    archive = write_archive(tmp_path_factory.mktemp("pages-archive"))
    index = tmp_path_factory.mktemp("pages-index")
    assert not ingest(archive, index, rebuild=True, jobs=1).skipped
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive)})
    return app.test_client()


@pytest.fixture
def runner():
    """Runs the real command line (manage.py's click group)."""

    class Runner:
        def invoke(self, *args: str):
            return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return Runner()


@pytest.fixture
def make_archive(tmp_path):
    """Write a small archive of made-up reports: {relative path: text or bytes}."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "archive"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return make


def _skipped_lines(output: str) -> dict[str, str]:
    """file name -> reason, from an ingest's 'skipped <name>: <reason>' lines."""
    found = {}
    for line in output.splitlines():
        if line.startswith("skipped "):
            name, _, reason = line[len("skipped ") :].partition(": ")
            found[name] = reason
    return found


@pytest.fixture
def skipped_files():
    """Reads an ingest's output: file name -> the reason it was skipped."""
    return _skipped_lines
