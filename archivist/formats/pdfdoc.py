"""PDFs, read from their text layer by pdfminer.six.

pdfminer groups the characters of each page into lines and the lines into text boxes. Boxes are
put in reading order across columns: a box as wide as most of the page (a headline across the
columns) cuts the page into bands; in a band, boxes that share their horizontal extent are one
column, and columns are read left to right, each top to bottom. In a box, a line that starts
indented or follows a line that stops short of the box's right edge starts a new paragraph; the
lines of one paragraph are joined with no space between Chinese characters (a hyphen-free CJK
line wrap) and one space between Latin words. A paragraph cut by a column or page break is
joined here when the last line of the column fills it and ends no sentence and the next column
does not start with an indented line. These paragraphs are final: the segmenter's joins of lines
that end mid-sentence (its repair for plain text, which has no geometry) are undone, so a
sub-heading without punctuation is not glued to the paragraph below it. Each line records its
page, so every block knows the page it starts on.

A PDF whose pages hold no text (a scan without OCR) is refused as such, never indexed as empty;
so is one whose text has no Unicode mapping (pdfminer's ``(cid:N)``) and an encrypted one.

Stated metadata, provenance ``pdf``: the document information's title and authors, when people
wrote them. Its dates say when the file was made, not when the report was published: not used.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..reading import ReportError
from ..segment import ends_sentence
from . import Extracted
from .stated import document_title, join_wrapped, person_names

ORIGIN = "pdf"
WIDE_SHARE = 0.6  # a box wider than this share of the page's text area spans the columns
SAME_COLUMN_SHARE = 0.5  # boxes overlapping horizontally by this share of the narrower: one column
INDENT_CHARS = 1.0  # a line starting this many character widths right of the box: new paragraph
SHORT_CHARS = 1.5  # a line ending this many character widths left of the box's edge: paragraph end
MAX_CID_SHARE = 0.2  # more unmapped glyphs than this share of the text: no usable text layer
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    height: float
    indented: bool  # starts with white space (Chinese paragraphs open with two 　)


@dataclass
class _Box:
    x0: float
    x1: float
    top: float
    lines: list[_Line]


@dataclass
class _Paragraph:
    text: str
    page: int
    indented: bool  # its first line is indented: it starts a paragraph
    open_end: bool  # its last line fills the column and ends no sentence: it goes on


def read_pdf(path: Path, data: bytes) -> Extracted:
    """Paragraphs with their pages, and stated metadata, of a PDF's text layer."""
    found: list[_Paragraph] = []
    for number, boxes in enumerate(_pages(path, data), start=1):
        for box in reading_order(boxes):
            for index, paragraph in enumerate(paragraphs(box, number)):
                previous = found[-1] if found else None
                if index == 0 and previous and previous.open_end and not paragraph.indented:
                    previous.text = join_wrapped(previous.text, paragraph.text)  # column break
                    previous.open_end = paragraph.open_end
                else:
                    found.append(paragraph)
    lines = [line for paragraph in found for line in (paragraph.text, "")]
    line_pages: list[int | None] = [p.page for paragraph in found for p in (paragraph, paragraph)]
    text = "\n".join(lines)
    if not text.strip():
        raise ReportError(
            path, "scanned PDF without a text layer: no text to index (run OCR on it first)"
        )
    unmapped = sum(len(match) for match in _CID.findall(text))
    if unmapped > MAX_CID_SHARE * len(text):
        raise ReportError(
            path, "PDF text without a Unicode mapping (its fonts give no characters): not read"
        )
    return Extracted(text, line_pages, _stated(path, data), paragraphs_marked=True)


def _pages(path: Path, data: bytes) -> list[list[_Box]]:
    """The text boxes of every page; ReportError when the file is not a readable PDF."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBoxHorizontal
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pages: list[list[_Box]] = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            boxes = [_box(item) for item in page if isinstance(item, LTTextBoxHorizontal)]
            pages.append([box for box in boxes if box.lines])
    except PDFPasswordIncorrect as exc:
        raise ReportError(path, "encrypted PDF (needs a password): not read") from exc
    except Exception as exc:  # pdfminer raises many types on damaged files
        reason = str(exc) or type(exc).__name__
        if "encrypt" in reason.lower():
            raise ReportError(path, f"encrypted PDF: not read ({reason})") from exc
        raise ReportError(path, f"not a readable PDF: {reason}") from exc
    if not pages:
        raise ReportError(path, "not a readable PDF: no pages")
    return pages


def _box(item) -> _Box:
    lines = []
    for line in item:
        raw = line.get_text()
        text = " ".join(raw.split())
        if text:
            lines.append(_Line(text, line.x0, line.x1, line.height, raw[:1].isspace()))
    return _Box(item.x0, item.x1, item.y1, lines)


def reading_order(boxes: list[_Box]) -> list[_Box]:
    """Boxes in reading order: bands cut by boxes across the columns, columns left to right."""
    if not boxes:
        return []
    width = max(b.x1 for b in boxes) - min(b.x0 for b in boxes)
    ordered: list[_Box] = []
    band: list[_Box] = []
    for box in sorted(boxes, key=lambda b: -b.top):
        if box.x1 - box.x0 >= WIDE_SHARE * width:
            ordered += _columns(band)
            ordered.append(box)
            band = []
        else:
            band.append(box)
    return ordered + _columns(band)


def _columns(band: list[_Box]) -> list[_Box]:
    """The boxes of a band, column by column (left to right), each column top to bottom."""
    columns: list[list[_Box]] = []
    for box in sorted(band, key=lambda b: b.x0):
        for column in columns:
            left, right = min(b.x0 for b in column), max(b.x1 for b in column)
            overlap = min(right, box.x1) - max(left, box.x0)
            if overlap >= SAME_COLUMN_SHARE * min(right - left, box.x1 - box.x0):
                column.append(box)
                break
        else:
            columns.append([box])
    columns.sort(key=lambda column: min(b.x0 for b in column))
    return [box for column in columns for box in sorted(column, key=lambda b: -b.top)]


def paragraphs(box: _Box, page: int = 1) -> list[_Paragraph]:
    """The paragraphs of a text box, its wrapped lines joined: a paragraph starts at an indented
    line, or after a line that ends a sentence short of the box's right edge."""
    left = min(line.x0 for line in box.lines)
    right = max(line.x1 for line in box.lines)
    found: list[_Paragraph] = []
    previous: _Line | None = None
    for line in box.lines:
        size = line.height or 10.0
        indented = line.indented or line.x0 - left >= INDENT_CHARS * size
        short = previous is not None and right - previous.x1 >= SHORT_CHARS * size
        if previous is None or indented or (short and ends_sentence(previous.text)):
            found.append(_Paragraph(line.text, page, indented, False))
        else:
            found[-1].text = join_wrapped(found[-1].text, line.text)
        previous = line
    last = box.lines[-1]
    full = right - last.x1 < SHORT_CHARS * (last.height or 10.0)
    found[-1].open_end = full and not ends_sentence(last.text)
    return found


def _stated(path: Path, data: bytes) -> dict[str, tuple[object, str]]:
    """Title and authors from the document information dictionary."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        info = document.info[0] if document.info else {}
    except Exception:  # the text was read; damaged information is no reason to refuse it
        return {}
    values = {
        "title": document_title(_string(info.get("Title"))),
        "authors": person_names(_string(info.get("Author"))),
    }
    return {name: (value, ORIGIN) for name, value in values.items() if value}


def _string(value) -> str:
    """A PDF text string as text (UTF-16 with a byte order mark, else PDFDocEncoding)."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16", "replace")
        return decode_text(value)
    return value if isinstance(value, str) else ""
