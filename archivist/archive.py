"""The archive folder: which files are reports, their identifiers, and reading one into blocks."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .analysis import USERDICT_NAME
from .catalogue import CATALOGUE_NAME, Catalogue, CatalogueRow, load_catalogue
from .gazetteer import Gazetteer, default_gazetteer
from .metadata import DocMeta, infer_metadata
from .reading import MAX_REPORT_BYTES, ReportError, read_report
from .segment import Block, segment

REPORT_SUFFIX = ".txt"
# A longer paragraph (a file on one line, say) is refused: indexing 4 million characters as one
# paragraph took 28 s and 700 MB, for a paragraph no page could show; splitting it would change
# the paragraph numbers permalinks cite. 100,000 characters is 20 times a whole usual report.
MAX_BLOCK_CHARS = 100_000
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


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


class UnreadableFolder(ReportError):
    """A folder of the archive that cannot be listed: its reports are unknown, not deleted."""

    @property
    def folder(self) -> str:
        """The folder under the archive, ``/``-separated ("" for the archive itself)."""
        return "" if self.path == "./" else self.path.removesuffix("/")

    def holds(self, doc_id: str) -> bool:
        """True when the report ``doc_id`` lies under this folder."""
        return not self.folder or doc_id.startswith(self.folder + "/")


def list_reports(archive_dir: Path) -> tuple[list[ReportFile], list[ReportError]]:
    """Every ``*.txt`` under the archive (sub-folders too), sorted, and the files refused.

    Symbolic links are followed only when they stay inside the archive; only regular files
    with a UTF-8 name free of control characters are reports. A folder that cannot be listed
    is refused as an ``UnreadableFolder`` (``os.walk`` alone would pass over it in silence).
    """
    root = archive_dir.resolve()
    found: list[ReportFile] = []
    refused: list[ReportError] = []

    def unreadable(exc: OSError) -> None:
        relative = Path(exc.filename or root).relative_to(root).as_posix()
        reason = f"folder cannot be read: {exc.strerror or exc}"
        refused.append(UnreadableFolder(_printable(relative) + "/", reason))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(REPORT_SUFFIX) or name.startswith("."):
                continue
            if name == USERDICT_NAME and Path(folder) == root:
                continue  # the word segmenter's user dictionary, not a report
            path = Path(folder) / name
            problem = _refusal(path, root)
            if problem:
                refused.append(ReportError(_printable(path.relative_to(root)), problem))
                continue
            found.append(ReportFile(doc_id_for(root, path), path))
    found.sort(key=lambda r: r.doc_id)
    return found, refused


def _refusal(path: Path, root: Path) -> str:
    """Why a ``*.txt`` file is not a report, or "" when it is one."""
    relative = str(path.relative_to(root))
    if os.fsencode(relative).decode("utf-8", "replace") != relative:
        return "file name is not valid UTF-8"
    if _CONTROL_CHARS.search(relative):
        return "file name contains control characters"
    try:
        if path.is_symlink() and not _inside(path.resolve(), root):
            return "symlink to outside the archive (not followed)"
        mode = path.stat().st_mode
    except RuntimeError:  # Python 3.11's Path.resolve() on a loop
        return "cannot be opened: symlink loop"
    except OSError as exc:
        return f"cannot be opened: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return ""


def _printable(path: Path | str) -> str:
    """A path as text that prints on one line: undecodable bytes and control characters of
    its name shown as ``\\xNN``."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return _CONTROL_CHARS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def report_hash(data: bytes, row: CatalogueRow | None, settings: str) -> str:
    """A digest of what a report's index entries depend on: its bytes, the values of its
    catalogue row (not where the row stands in the file) and the analysis settings."""
    digest = hashlib.sha1(data)
    digest.update(catalogue_values(row).encode("utf-8"))
    digest.update(settings.encode("utf-8"))
    return digest.hexdigest()


def catalogue_values(row: CatalogueRow | None) -> str:
    """A catalogue row's values as text, without its line number: moving a row, or adding a
    blank line above it, changes nothing in the index."""
    if row is None:
        return "null"
    values = dataclasses.asdict(row)
    del values["line"]
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def load_report(
    file: ReportFile,
    catalogue: Catalogue,
    settings: str,
    gazetteer: Gazetteer | None = None,
) -> Report:
    """Read, segment and describe one report; raises ReportError when it cannot be read."""
    name = file.doc_id + REPORT_SUFFIX
    text = read_report(file.path)  # refuses files too large before reading them
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        raise ReportError(name, f"cannot read: {exc.strerror}") from exc
    row = catalogue.rows.get(file.doc_id)
    blocks = segment(text)
    if not blocks:
        raise ReportError(name, "no text in the file")
    longest = max(blocks, key=lambda block: len(block.text))
    if len(longest.text) > MAX_BLOCK_CHARS:
        raise ReportError(
            name,
            f"a paragraph of {len(longest.text):,} characters (lines {_line_span(longest)}), "
            f"more than the {MAX_BLOCK_CHARS:,} one paragraph may have: not indexed; "
            "break the text into lines",
        )
    meta = infer_metadata(file.doc_id, blocks, row, gazetteer or default_gazetteer())
    return Report(file.doc_id, meta, blocks, report_hash(data, row, settings), len(data))


def _line_span(block: Block) -> str:
    lines = block.lines or (0,)
    return f"{min(lines)}-{max(lines)}" if len(lines) > 1 else str(lines[0])


def hash_file(file: ReportFile, catalogue: Catalogue, settings: str) -> str | None:
    """The report hash of a file without reading it as text; None when it cannot be read (or
    is too large to be a report)."""
    try:
        if file.path.stat().st_size > MAX_REPORT_BYTES:
            return None
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
