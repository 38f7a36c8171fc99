"""The archive folder: which files are reports, their identifiers, and reading one into blocks."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import USERDICT_NAME
from .catalogue import CATALOGUE_NAME, Catalogue, CatalogueRow, load_catalogue
from .formats import (
    UNREAD_SUFFIXES,
    Extracted,
    extract,
    format_of,
    keep_marked_paragraphs,
    suffix_of,
)
from .gazetteer import Gazetteer, default_gazetteer
from .metadata import DocMeta, infer_metadata
from .reading import ReportError
from .segment import Block, segment

REPORT_SUFFIX = ".txt"  # the one suffix a doc_id leaves out (exactly this spelling)
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
    name: str = ""  # its path under the archive, ``/``-separated

    @property
    def media_type(self) -> str:
        fmt = format_of(self.path.name)
        return fmt.media_type if fmt else "application/octet-stream"


@dataclass
class Report:
    """A report read, repaired, segmented and described."""

    doc_id: str
    meta: DocMeta
    blocks: list[Block]
    content_hash: str
    size: int
    places: list[list[tuple[str, str]]] = field(default_factory=list)  # per block: mentioned
    pages: list[int | None] = field(default_factory=list)  # the page each block starts on
    file: str = ""  # the original's path under the archive
    media_type: str = "text/plain"
    analysed: list[tuple[str, list[str]]] = field(default_factory=list)  # per block: folded, words
    signed: bytes | None = None  # its reprint rows (``reprints.sign``), from the reading process


def doc_id_for(archive_dir: Path, path: Path) -> str:
    """The report's identifier: its path under the archive, ``/``-separated, without the suffix
    ``.txt`` (exactly so spelled); any other report keeps its suffix (``a.pdf`` beside ``a.txt``
    is ``a.pdf``, ``NOTES.TXT`` is ``NOTES.TXT``)."""
    relative = path.relative_to(archive_dir).as_posix()
    return relative.removesuffix(REPORT_SUFFIX) if relative.endswith(REPORT_SUFFIX) else relative


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
    """Every report under the archive (sub-folders too), sorted, and the files refused.

    Reports are the files of a format :mod:`archivist.formats` reads, by suffix in any case
    (``.txt``, ``.html``, ``.htm``, ``.docx``, ``.pdf``), file names starting with dots included;
    folders whose name starts with a dot (``.git``) are not entered. Symbolic links are followed
    only when they stay inside the archive; only regular files with a UTF-8 name free of control
    characters are reports. Formats that are not read (``.doc``) are refused with what to do.
    A folder that cannot be listed is refused as an ``UnreadableFolder`` (``os.walk`` alone
    would pass over it in silence).
    """
    root = archive_dir.resolve()
    found: dict[str, ReportFile] = {}
    refused: list[ReportError] = []

    def unreadable(exc: OSError) -> None:
        relative = Path(exc.filename or root).relative_to(root).as_posix()
        reason = f"folder cannot be read: {exc.strerror or exc}"
        refused.append(UnreadableFolder(_printable(relative) + "/", reason))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name == USERDICT_NAME and Path(folder) == root:
                continue  # the word segmenter's user dictionary, not a report
            path = Path(folder) / name
            unread = UNREAD_SUFFIXES.get(suffix_of(name))
            if format_of(name) is None and not unread:
                continue
            problem = unread or _refusal(path, root)
            doc_id = doc_id_for(root, path)
            problem = problem or _id_problem(doc_id, found)
            if problem:
                refused.append(ReportError(_printable(path.relative_to(root)), problem))
                continue
            found[doc_id] = ReportFile(doc_id, path, path.relative_to(root).as_posix())
    return sorted(found.values(), key=lambda r: r.doc_id), refused


def _id_problem(doc_id: str, found: dict[str, ReportFile]) -> str:
    """Why a report's identifier cannot be used, or "" when it can."""
    last = doc_id.rsplit("/", 1)[-1]
    if last in ("", ".", ".."):
        return f"the file name gives the identifier {doc_id!r}, which no web address can carry"
    if doc_id in found:
        return f"same identifier {doc_id!r} as {found[doc_id].name} (rename one of them)"
    return ""


def _refusal(path: Path, root: Path) -> str:
    """Why a file with a report suffix is not a report, or "" when it is one."""
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
    home: str = "",
) -> Report:
    """Read, segment and describe one report; raises ReportError when it cannot be read.
    ``home`` is the archive's home region (:mod:`archivist.settings`)."""
    name = file.name or file.doc_id + REPORT_SUFFIX
    data = _read_bytes(file, name)
    extracted = extract(Path(name), data)
    row = catalogue.rows.get(file.doc_id)
    blocks = keep_marked_paragraphs(segment(extracted.text), extracted)
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
    gazetteer = gazetteer or default_gazetteer()
    meta = infer_metadata(file.doc_id, blocks, row, gazetteer, home, stated=extracted.stated)
    return Report(
        file.doc_id,
        meta,
        blocks,
        report_hash(data, row, settings),
        len(data),
        places=[gazetteer.places_in(block.text, home) for block in blocks],
        pages=block_pages(blocks, extracted),
        file=file.name,
        media_type=file.media_type,
    )


def _read_bytes(file: ReportFile, name: str) -> bytes:
    """The file's bytes; refuses a file over its format's size limit before reading it."""
    fmt = format_of(file.path.name)
    limit = fmt.max_bytes if fmt else 0
    try:
        if file.path.stat().st_size > limit:
            raise ReportError(name, f"larger than {limit // (1024 * 1024)} MiB")
        return file.path.read_bytes()
    except OSError as exc:
        raise ReportError(name, f"cannot read: {exc.strerror or exc}") from exc


def block_pages(blocks: list[Block], extracted: Extracted) -> list[int | None]:
    """The page each block starts on (its first line's), None where the format has no pages."""
    return [extracted.page_of_line(min(block.lines)) if block.lines else None for block in blocks]


def _line_span(block: Block) -> str:
    lines = block.lines or (0,)
    return f"{min(lines)}-{max(lines)}" if len(lines) > 1 else str(lines[0])


def hash_file(file: ReportFile, catalogue: Catalogue, settings: str) -> str | None:
    """The report hash of a file without reading it as text; None when it cannot be read (or
    is too large to be a report)."""
    try:
        data = _read_bytes(file, file.doc_id)
    except ReportError:
        return None
    return report_hash(data, catalogue.rows.get(file.doc_id), settings)


def open_catalogue(archive_dir: Path, doc_ids: set[str]) -> Catalogue:
    """The archive's catalogue checked against the reports present."""
    return load_catalogue(archive_dir / CATALOGUE_NAME, default_gazetteer(), doc_ids)


def iter_blocks(report: Report) -> Iterator[tuple[int, Block]]:
    """The blocks of a report with their 1-based numbers."""
    return enumerate(report.blocks, start=1)
