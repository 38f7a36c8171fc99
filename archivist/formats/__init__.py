"""Report files in the formats people keep them: plain text, web pages, Word documents, PDFs.

Each reader turns one file into an :class:`Extracted`: the text, one paragraph per line with a
blank line between paragraphs (so the segmenter sees the format's own paragraphs), the page each
line came from when the format has pages, and the metadata the original states about itself,
each value with its provenance (``html``, ``docx`` or ``pdf``). ``infer_metadata`` merges those
stated values below the catalogue and above what the text and file name suggest.

Which reader reads a file is decided by its suffix, case-insensitively (``REPORT_SUFFIXES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..reading import MAX_REPORT_BYTES, ReportError, report_text
from ..segment import Block

# Originals in a binary format carry images and fonts beside their text: allowed to be larger.
MAX_ORIGINAL_BYTES = 64 * 1024 * 1024


@dataclass
class Extracted:
    """The text of a report file, the page of each of its lines, and its stated metadata."""

    text: str
    line_pages: list[int | None] = field(default_factory=list)  # line i+1 -> its page
    stated: dict[str, tuple[object, str]] = field(default_factory=dict)  # field -> (value, origin)
    # True when the reader found the paragraphs (web pages, Word, PDF): the segmenter's joins of
    # lines that stop mid-sentence (its repair of page breaks in plain text) are undone.
    paragraphs_marked: bool = False

    def page_of_line(self, number: int) -> int | None:
        """The page of a 1-based line number, or None when unknown."""
        if 0 < number <= len(self.line_pages):
            return self.line_pages[number - 1]
        return None


def keep_marked_paragraphs(blocks: list[Block], extracted: Extracted) -> list[Block]:
    """The blocks with every join undone when the format marks its paragraphs: each line of the
    text is then its own block (only body lines are ever joined, so each stays body)."""
    if not extracted.paragraphs_marked:
        return blocks
    lines = extracted.text.split("\n")
    kept: list[Block] = []
    for block in blocks:
        if len(block.lines) < 2:
            kept.append(block)
            continue
        kept += [
            Block(block.kind, lines[number - 1].strip(), block.story, (number,))
            for number in block.lines
        ]
    return kept


@dataclass(frozen=True)
class Format:
    """One file format: how to read it, its media type, its size limit."""

    name: str
    media_type: str
    read: Callable[[Path, bytes], Extracted]
    max_bytes: int


def _read_text(path: Path, data: bytes) -> Extracted:
    return Extracted(report_text(data, path))


def _read_html(path: Path, data: bytes) -> Extracted:
    from .htmlpage import read_html

    return read_html(path, data)


def _read_docx(path: Path, data: bytes) -> Extracted:
    from .worddoc import read_docx

    return read_docx(path, data)


def _read_pdf(path: Path, data: bytes) -> Extracted:
    from .pdfdoc import read_pdf

    return read_pdf(path, data)


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TEXT = Format("text", "text/plain", _read_text, MAX_REPORT_BYTES)
_HTML = Format("html", "text/html", _read_html, MAX_REPORT_BYTES)
_DOCX = Format("docx", DOCX_MEDIA_TYPE, _read_docx, MAX_ORIGINAL_BYTES)
_PDF = Format("pdf", "application/pdf", _read_pdf, MAX_ORIGINAL_BYTES)

FORMATS = {".txt": _TEXT, ".html": _HTML, ".htm": _HTML, ".docx": _DOCX, ".pdf": _PDF}
REPORT_SUFFIXES = tuple(FORMATS)
# Formats people keep reports in that are not read, and what to do about them.
UNREAD_SUFFIXES = {
    ".doc": "old Word format (.doc) is not read: save it as .docx",
    ".wps": "WPS format is not read: save it as .docx",
}


def suffix_of(name: str) -> str:
    """A file name's suffix in lower case; a name that is only a suffix (``.txt``) has it too."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def format_of(name: str) -> Format | None:
    """The format of a file by its suffix (any case), or None when it is not a report."""
    return FORMATS.get(suffix_of(name))


def extract(path: Path, data: bytes) -> Extracted:
    """The text, pages and stated metadata of a report file; raises ReportError."""
    fmt = format_of(path.name)
    if fmt is None:  # pragma: no cover - callers pass report files only
        raise ReportError(path, "not a report format")
    if len(data) > fmt.max_bytes:
        raise ReportError(path, f"larger than {fmt.max_bytes // (1024 * 1024)} MiB")
    if not data:
        raise ReportError(path, "empty file")
    return fmt.read(path, data)
