"""Word documents (``.docx``), read by python-docx.

Every paragraph of the body, in order, is one line; a line break inside a paragraph starts a
new line; a table gives one line per row (its cells' paragraphs joined by a space). Word keeps
no page numbers in the file (they depend on the printer), so blocks have none. Paragraphs are
kept as Word has them (never joined by the segmenter).

Stated metadata, provenance ``docx``: the title and the authors of the core properties, when
people wrote them (``Administrator`` and titles that are file names are software's, dropped).
The core properties' dates say when the file was made or saved, not when the report was
published, so they are not used.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..reading import ReportError
from . import Extracted
from .stated import document_title, person_names

ORIGIN = "docx"
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a larger unpacked size is a zip bomb, not a report
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path, data: bytes) -> Extracted:
    """Paragraphs and stated metadata of a Word document."""
    document = _open(path, data)
    lines: list[str] = []
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            lines += _paragraph_lines(element)
        elif element.tag == f"{_W}tbl":
            lines += _table_lines(element)
    lines = [line for line in lines if line]
    if not lines:
        raise ReportError(path, "no text in the Word document")
    return Extracted("\n\n".join(lines) + "\n", stated=_stated(document), paragraphs_marked=True)


def _open(path: Path, data: bytes):
    """The python-docx document; ReportError when the file is not one."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ReportError(path, "not a Word document (.docx): not a zip package") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ReportError(path, "Word document unpacks to more than 256 MiB: not read")
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReportError(path, f"not a readable Word document (.docx): {exc}") from exc
    except Exception as exc:  # lxml's XMLSyntaxError and python-docx's own errors
        raise ReportError(path, f"not a readable Word document (.docx): {exc}") from exc


def _paragraph_lines(element) -> list[str]:
    """The lines of one ``w:p``: its text split at line breaks, tabs as spaces."""
    from docx.text.paragraph import Paragraph

    text = Paragraph(element, None).text
    return [" ".join(line.split()) for line in text.split("\n")]


def _table_lines(element) -> list[str]:
    """One line per table row: the text of its cells joined by a space."""
    lines = []
    for row in element.iterchildren(f"{_W}tr"):
        cells = []
        for cell in row.iterchildren(f"{_W}tc"):
            texts = [" ".join(p) for p in map(_paragraph_lines, cell.iter(f"{_W}p"))]
            cells.append(" ".join(text for text in texts if text))
        lines.append(" ".join(cell for cell in cells if cell))
    return lines


def _stated(document) -> dict[str, tuple[object, str]]:
    properties = document.core_properties
    values = {
        "title": document_title(properties.title or ""),
        "authors": person_names(properties.author or ""),
    }
    return {name: (value, ORIGIN) for name, value in values.items() if value}
