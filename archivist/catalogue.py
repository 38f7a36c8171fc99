"""The archive's catalogue, ``archive/catalog.csv``: metadata that overrides what the text says.

Format: UTF-8 CSV (a BOM is accepted), header
``file,title,source,date,page,city,county,authors,url`` (columns may come in any order; only
``file`` is required). ``file`` is the report's path under ``archive/`` with ``/`` separators
(``001_x.txt`` or ``2024/report.txt``); every other column may be blank. ``date`` is ``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD``; ``page`` is the newspaper page or section (版次: ``3``, ``A3`` or
``第3版``, stored as ``3``/``A3``); ``authors`` are separated by ``;``; ``city`` and ``county``
are full or short names, Simplified or Traditional (``株洲``, ``茶陵縣``), stored as full names;
``url`` is an ``http(s)://`` address.

A row with a problem is ignored, with one message per problem naming the line
(``catalog.csv line 4: bad date '2024-13-01' (use YYYY, YYYY-MM or YYYY-MM-DD)``); the ingest
goes on. The first ``MAX_LISTED_ERRORS`` messages are kept, the rest only counted. The file is
read a line at a time (memory grows with the valid rows, not with the file), and reading never
raises, whatever the bytes.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .gazetteer import Gazetteer, default_gazetteer

CATALOGUE_NAME = "catalog.csv"
COLUMNS = ("file", "title", "source", "date", "page", "city", "county", "authors", "url")
AUTHOR_SEPARATORS = re.compile(r"[;；]")
DATE_HELP = "(use YYYY, YYYY-MM or YYYY-MM-DD)"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PAGE = re.compile(r"^(?:第\s*)?([A-Za-z]?\d{1,3})(?:\s*版)?$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept as surrogates
MAX_LISTED_ERRORS = 50


@dataclass(frozen=True)
class CatalogueRow:
    """One valid row of the catalogue; blank values are empty strings."""

    doc_id: str
    line: int
    title: str = ""
    source: str = ""
    date: str = ""
    page: str = ""
    city: str = ""
    county: str = ""
    authors: tuple[str, ...] = ()
    url: str = ""


@dataclass
class Catalogue:
    """Valid rows by doc_id, and one message per problem found (the first
    ``MAX_LISTED_ERRORS`` of them; ``more_errors`` counts the others)."""

    rows: dict[str, CatalogueRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    more_errors: int = 0

    def add_error(self, message: str) -> None:
        """Record one problem: listed while there are few, counted after that."""
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(message)
        else:
            self.more_errors += 1


def valid_date(value: str) -> bool:
    """True for ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real month and day."""
    match = _DATE.match(value)
    if not match:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def doc_id_of(file: str) -> str | None:
    """The doc_id for a ``file`` value (path under archive/, ``.txt`` dropped), None if bad."""
    path = file.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    parts = PurePosixPath(path).parts
    if not path or path.startswith("/") or ".." in parts or not parts:
        return None
    return "/".join(parts).removesuffix(".txt") or None


class _RowReader:
    """Checks one catalogue row at a time and collects the messages."""

    def __init__(self, name: str, gazetteer: Gazetteer, known: set[str] | None) -> None:
        self.name = name
        self.gazetteer = gazetteer
        self.known = known
        self.catalogue = Catalogue()

    def error(self, line: int, message: str) -> None:
        """Record one problem."""
        self.catalogue.add_error(f"{self.name} line {line}: {message}")

    def place(self, line: int, values: dict[str, str]) -> tuple[str, str] | None:
        """(city, county) as full names, or None after recording the problems."""
        city, county = values.get("city", ""), values.get("county", "")
        ok = True
        if city:
            full_city = self.gazetteer.canonical_city(city)
            if full_city is None:
                self.error(line, f"unknown city '{city}'")
                ok = False
            city = full_city or city
        if county:
            full_county = self.gazetteer.canonical_county(county)
            if full_county is None:
                self.error(line, f"unknown county '{county}'")
                ok = False
            elif city and ok and city not in self.gazetteer.cities_of_county(full_county):
                self.error(line, f"county '{county}' is not in {city}")
                ok = False
            county = full_county or county
        return (city, county) if ok else None

    def add(self, line: int, values: dict[str, str]) -> None:
        """Check a row and keep it when it has no problem."""
        file = values.get("file", "")
        if not file:
            self.error(line, "no file given")
            return
        doc_id = doc_id_of(file)
        ok = True
        if doc_id is None or (self.known is not None and doc_id not in self.known):
            self.error(line, f"unknown file '{file}'")
            ok = False
        elif doc_id in self.catalogue.rows:
            self.error(line, f"duplicate row for '{file}'")
            ok = False
        date = values.get("date", "")
        if date and not valid_date(date):
            self.error(line, f"bad date '{date}' {DATE_HELP}")
            ok = False
        page = _PAGE.match(values.get("page", ""))
        if values.get("page") and not page:
            self.error(line, f"bad page '{values['page']}' (use 3, A3 or 第3版)")
            ok = False
        url = values.get("url", "")
        if url and not _URL.match(url):
            self.error(line, f"bad url '{url}' (use an http:// or https:// address)")
            ok = False
        place = self.place(line, values)
        if not ok or place is None or doc_id is None:
            return
        authors = tuple(
            a.strip() for a in AUTHOR_SEPARATORS.split(values.get("authors", "")) if a.strip()
        )
        self.catalogue.rows[doc_id] = CatalogueRow(
            doc_id=doc_id,
            line=line,
            title=values.get("title", ""),
            source=values.get("source", ""),
            date=date,
            page=page.group(1).upper() if page else "",
            city=place[0],
            county=place[1],
            authors=authors,
            url=url,
        )


def _header(reader: _RowReader, cells: list[str]) -> list[str] | None:
    """Column names of the header row, or None (after an error) when it cannot be used."""
    names = [cell.strip().lower() for cell in cells]
    if names:
        names[0] = names[0].lstrip("\ufeff")
    unknown = [name for name in names if name and name not in COLUMNS]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    expected = ",".join(COLUMNS)
    if "file" not in names:
        reader.error(1, f"bad header, no 'file' column (expected {expected})")
        return None
    if unknown:
        shown = ", ".join(f"'{name}'" for name in unknown)
        reader.error(1, f"bad header, unknown column {shown} ignored (expected {expected})")
    if repeated:
        shown = ", ".join(f"'{name}'" for name in repeated)
        reader.error(1, f"bad header, repeated column {shown} (expected {expected})")
        return None
    return names


def _lines(handle) -> Iterator[str]:
    """The catalogue's lines as text, NUL characters dropped (they would stop the CSV reader)."""
    for line in handle:
        yield line.replace("\x00", "")


def load_catalogue(
    path: Path,
    gazetteer: Gazetteer | None = None,
    known_doc_ids: set[str] | None = None,
) -> Catalogue:
    """Read the catalogue; a missing file is an empty catalogue. Never raises on bad content."""
    path = Path(path)
    reader = _RowReader(path.name, gazetteer or default_gazetteer(), known_doc_ids)
    try:
        # surrogateescape: bytes that are not UTF-8 stay in the text, and only their row is refused
        handle = open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")  # noqa: SIM115
    except FileNotFoundError:
        return reader.catalogue
    except OSError as exc:
        reader.catalogue.add_error(f"{path.name}: cannot read ({exc.strerror or exc})")
        return reader.catalogue
    with handle:
        columns = _read_rows(reader, csv.reader(_lines(handle)))
    if columns is None and not reader.catalogue.errors:
        reader.error(1, f"bad header, the file is empty (expected {','.join(COLUMNS)})")
    return reader.catalogue


def _read_rows(reader: _RowReader, rows) -> list[str] | None:
    """Check every row of the CSV after its header; the header's columns (None when unusable)."""
    columns: list[str] | None = None
    line = 1
    try:
        for cells in rows:
            start, line = line, rows.line_num + 1
            if columns is None:
                columns = _header(reader, cells)
                if columns is None:
                    return None
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if any(_UNDECODED.search(cell) for cell in cells):
                reader.error(start, "not UTF-8 text; save the catalogue as UTF-8 (row ignored)")
                continue
            if len(cells) > len(columns):
                reader.error(start, f"{len(cells)} fields, the header has {len(columns)}")
                continue
            values = {
                name: cell.strip() for name, cell in zip(columns, cells, strict=False) if name
            }
            reader.add(start, {k: v for k, v in values.items() if k in COLUMNS})
    except (csv.Error, OSError) as exc:
        reader.error(line, f"bad CSV ({exc}); the rest of the file was not read")
    return columns
