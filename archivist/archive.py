"""The archive folder: which files are reports, their identifiers, and reading one into blocks."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .catalogue import CATALOGUE_NAME, Catalogue, CatalogueRow, load_catalogue
from .gazetteer import Gazetteer, default_gazetteer
from .metadata import DocMeta, infer_metadata
from .reading import ReportError, read_report
from .segment import Block, segment

REPORT_SUFFIX = ".txt"


@dataclass(frozen=True)
class ReportFile:
    """A report file of the archive and its identifier."""

    doc_id: str
    path: Path


@dataclass
class Report:
    """A report read, repaired, segmented and described."""

    doc_id: str
    meta: DocMeta
    blocks: list[Block]
    content_hash: str
    size: int


def doc_id_for(archive_dir: Path, path: Path) -> str:
    """The report's path under the archive without ``.txt``, ``/``-separated."""
    relative = path.relative_to(archive_dir)
    return relative.with_suffix("").as_posix()


def list_reports(archive_dir: Path) -> tuple[list[ReportFile], list[ReportError]]:
    """Every ``*.txt`` under the archive (sub-folders too), sorted, and the files refused.

    Symbolic links are followed only when they stay inside the archive.
    """
    root = archive_dir.resolve()
    found: list[ReportFile] = []
    refused: list[ReportError] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(REPORT_SUFFIX) or name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_symlink() and not _inside(path.resolve(), root):
                refused.append(ReportError(path.relative_to(root), "symlink to outside the archive"))
                continue
            found.append(ReportFile(doc_id_for(root, path), path))
    found.sort(key=lambda r: r.doc_id)
    return found, refused


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def report_hash(data: bytes, row: CatalogueRow | None, settings: str) -> str:
    """A digest of what a report's index entries depend on: its bytes, its catalogue row and
    the analysis settings."""
    digest = hashlib.sha1(data)
    digest.update(repr(row).encode("utf-8"))
    digest.update(settings.encode("utf-8"))
    return digest.hexdigest()


def load_report(
    file: ReportFile,
    catalogue: Catalogue,
    settings: str,
    gazetteer: Gazetteer | None = None,
) -> Report:
    """Read, segment and describe one report; raises ReportError when it cannot be read."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        raise ReportError(file.doc_id + REPORT_SUFFIX, f"cannot read: {exc.strerror}") from exc
    row = catalogue.rows.get(file.doc_id)
    text = read_report(file.path)
    blocks = segment(text)
    if not blocks:
        raise ReportError(file.doc_id + REPORT_SUFFIX, "no text in the file")
    meta = infer_metadata(file.doc_id, blocks, row, gazetteer or default_gazetteer())
    return Report(file.doc_id, meta, blocks, report_hash(data, row, settings), len(data))


def hash_file(file: ReportFile, catalogue: Catalogue, settings: str) -> str | None:
    """The report hash of a file without reading it as text; None when it cannot be read."""
    try:
        data = file.path.read_bytes()
    except OSError:
        return None
    return report_hash(data, catalogue.rows.get(file.doc_id), settings)


def open_catalogue(archive_dir: Path, doc_ids: set[str]) -> Catalogue:
    """The archive's catalogue checked against the reports present."""
    return load_catalogue(archive_dir / CATALOGUE_NAME, default_gazetteer(), doc_ids)


def iter_blocks(report: Report) -> Iterator[tuple[int, Block]]:
    """The blocks of a report with their 1-based numbers."""
    return enumerate(report.blocks, start=1)
