"""The archive's catalogue, ``archive/catalog.csv`` (placeholder, replaced by the full reader)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE_NAME = "catalog.csv"
COLUMNS = ("file", "title", "source", "date", "city", "county", "authors", "url")


@dataclass(frozen=True)
class CatalogueRow:
    """One valid row of the catalogue; blank values are empty strings."""

    doc_id: str
    line: int
    title: str = ""
    source: str = ""
    date: str = ""
    city: str = ""
    county: str = ""
    authors: tuple[str, ...] = ()
    url: str = ""


@dataclass
class Catalogue:
    """Valid rows by doc_id, and one message per rejected row."""

    rows: dict[str, CatalogueRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def load_catalogue(path: Path, gazetteer=None, known_doc_ids=None) -> Catalogue:
    """Read the catalogue; a missing file is an empty catalogue."""
    catalogue = Catalogue()
    if not path.exists():
        return catalogue
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            doc_id = (row.get("file") or "").strip().removesuffix(".txt")
            if doc_id:
                authors = tuple(a.strip() for a in (row.get("authors") or "").split(";") if a.strip())
                values = {k: (row.get(k) or "").strip() for k in COLUMNS[1:] if k != "authors"}
                catalogue.rows[doc_id] = CatalogueRow(doc_id, line, authors=authors, **values)
    return catalogue
