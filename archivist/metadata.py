"""Document metadata inferred from catalogue, file name and text (placeholder)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .catalogue import CatalogueRow
from .gazetteer import Gazetteer
from .segment import Block

FIELDS = ("title", "subtitle", "authors", "source", "date", "year", "city", "county", "url")


@dataclass
class DocMeta:
    """A report's metadata; ``provenance`` says where each field came from."""

    doc_id: str
    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    source: str = ""
    date: str = ""
    year: int | None = None
    year_inferred: bool = False
    city: str = ""
    county: str = ""
    url: str = ""
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def infer_metadata(
    doc_id: str, blocks: list[Block], row: CatalogueRow | None, gazetteer: Gazetteer
) -> DocMeta:
    """Metadata for a report from its catalogue row (if any), its file name and its blocks."""
    meta = DocMeta(doc_id=doc_id)
    titles = [b.text for b in blocks if b.kind == "title"]
    if titles:
        meta.title = titles[0]
    meta.provenance = {name: ("text" if getattr(meta, name) else "") for name in FIELDS}
    return meta
