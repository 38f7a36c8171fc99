"""Document metadata from the catalogue, the file name and the text, each field with provenance.

``provenance[field]`` is ``"catalogue"``, ``"filename"``, ``"text"`` or ``""`` (unknown) for every
field of :data:`FIELDS`. A catalogue value always wins, field by field. Nothing is invented: a
field nobody states stays empty.

- title, subtitle: the first ``title`` / ``subtitle`` block (the subtitle without its dashes);
- authors: names in bylines (``文/刘琼 邱宇松``, ``记者 … 通讯员 …``, ``戴鹏 周志军``,
  ``…局长 唐文发``) and in news leads (``株洲日报讯(全媒体记者/沈全华 通讯员/付强)``), in order,
  each once; photographers and editors are not authors;
- source: the paper of a news lead (``株洲日报讯`` -> 株洲日报) or of an e-paper date line;
- date and year, in this order of trust: the catalogue; the file name (``YYYY-MM-DD`` or
  ``YYYYMMDD`` naming a real day and not glued to other digits, as in ``zzrb20230105``; or a
  lone year ``19xx``/``20xx`` glued to no letter or digit, so that hashes such as ``a2019b`` do
  not count); an e-paper date line (``2024年02月16日 星期五``);
  else the latest plausible year written ``YYYY年`` in the text, marked ``year_inferred`` (the
  date then stays empty);
- city and county: :meth:`Gazetteer.locate` on the text; a catalogue county also gives its city;
- url: the catalogue, or a line of the text holding nothing but an address;
- page (版次, the newspaper page or section): the catalogue, the file name (``第3版``), or an
  e-paper header or page label (``株洲日报 2023年1月11日 第3版``, ``第A3版：要闻``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass, field

from .catalogue import CatalogueRow
from .gazetteer import Gazetteer
from .segment import Block, parse_byline, parse_lead

FIELDS = (
    "title",
    "subtitle",
    "authors",
    "source",
    "date",
    "year",
    "page",
    "city",
    "county",
    "url",
)
PROVENANCES = ("catalogue", "filename", "text", "")
EARLIEST_YEAR = 1900
HEADER_CHARS = 40  # an e-paper header line is short

_NOT_DIGIT = r"(?<!\d){}(?!\d)"
_NOT_ALNUM = r"(?<![0-9A-Za-z]){}(?![0-9A-Za-z])"
_FILENAME_ISO = re.compile(_NOT_DIGIT.format(r"((?:19|20)\d{2})[-_.](\d{2})[-_.](\d{2})"))
_FILENAME_COMPACT = re.compile(_NOT_DIGIT.format(r"((?:19|20)\d{2})(\d{2})(\d{2})"))
_FILENAME_YEAR = re.compile(_NOT_ALNUM.format(r"((?:19|20)\d{2})"))
_TEXT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_TEXT_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?!代)")
_PAPER = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:日报|晚报|早报|时报|商报|报)")
_URL_LINE = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{0,6}\s*[:：]\s*)?(https?://\S+)$", re.I)
_PAGE = re.compile(r"(?<![\w])第\s*([A-Za-z]?\d{1,3})\s*版(?!\w*[本权])")
_DASHES = "—-–－ "


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
    page: str = ""
    city: str = ""
    county: str = ""
    url: str = ""
    provenance: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FIELDS, ""))

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def _latest_plausible_year() -> int:
    """The latest year a report can be about: next year (reports dated ahead of time)."""
    return datetime.date.today().year + 1


def _real_date(year: str, month: str, day: str) -> str:
    """``YYYY-MM-DD`` when the parts name a real day, else ""."""
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return ""


def date_from_filename(name: str) -> tuple[str, int | None]:
    """(date, year) from a file name: ``YYYY-MM-DD``, ``YYYYMMDD`` or a lone year; else ""."""
    for pattern in (_FILENAME_ISO, _FILENAME_COMPACT):
        for match in pattern.finditer(name):
            date = _real_date(*match.groups())
            if date:
                return date, int(date[:4])
    for match in _FILENAME_YEAR.finditer(name):
        year = int(match.group(1))
        if EARLIEST_YEAR <= year <= _latest_plausible_year():
            return str(year), year
    return "", None


def date_from_dateline(text: str) -> str:
    """``YYYY-MM-DD`` from an e-paper date line (``2024年02月16日 星期五``), else ""."""
    for match in _TEXT_DATE.finditer(text):
        date = _real_date(*match.groups())
        if date:
            return date
    return ""


def latest_year(texts: list[str]) -> int | None:
    """The latest plausible year written ``YYYY年`` in the texts, or None."""
    years = [int(match.group(1)) for text in texts for match in _TEXT_YEAR.finditer(text) if text]
    plausible = [y for y in years if EARLIEST_YEAR <= y <= _latest_plausible_year()]
    return max(plausible) if plausible else None


def authors_of(blocks: list[Block]) -> list[str]:
    """Author names from bylines and news leads, in order, each once."""
    names: list[str] = []
    for block in blocks:
        if block.kind == "byline":
            found = parse_byline(block.text, plain=True) or []
        elif block.kind == "body":
            lead = parse_lead(block.text)
            found = lead[1] if lead else []
        else:
            continue
        names += [name for name in found if name not in names]
    return names


def source_of(blocks: list[Block]) -> str:
    """The newspaper named by a news lead or an e-paper date line, or ""."""
    for block in blocks:
        if block.kind == "body":
            lead = parse_lead(block.text)
            if lead and lead[0]:
                return lead[0]
        elif block.kind == "dateline":
            paper = _PAPER.search(_TEXT_DATE.sub(" ", block.text))
            if paper:
                return paper.group()
    return ""


def url_of(blocks: list[Block]) -> str:
    """An address standing alone on a line of the text (``原文链接：https://…``), or ""."""
    for block in blocks:
        match = _URL_LINE.match(block.text)
        if match:
            return match.group(1)
    return ""


def page_in(text: str) -> str:
    """The page (版次) a file name or an e-paper header names: ``第3版`` -> ``3``; else ""."""
    match = _PAGE.search(text)
    return match.group(1).upper() if match else ""


def page_of(blocks: list[Block]) -> str:
    """The page (版次) of the first e-paper header or page label that names one, or "": a
    date line or page label, or a short line holding a date (``株洲日报 2023年1月11日 第3版``,
    which may be read as a kicker)."""
    for block in blocks:
        header = len(block.text) <= HEADER_CHARS and _TEXT_DATE.search(block.text)
        if block.kind in ("dateline", "boilerplate") or header:
            page = page_in(block.text)
            if page:
                return page
    return ""


def _first(blocks: list[Block], kind: str) -> str:
    """The text of the first block of a kind, or ""."""
    return next((block.text for block in blocks if block.kind == kind), "")


def _text_fields(meta: DocMeta, blocks: list[Block], gazetteer: Gazetteer) -> None:
    """Fill the fields the text tells, provenance "text"."""
    text_values = {
        "title": _first(blocks, "title"),
        "subtitle": _first(blocks, "subtitle").lstrip(_DASHES),
        "source": source_of(blocks),
        "url": url_of(blocks),
    }
    for name, value in text_values.items():
        if value:
            setattr(meta, name, value)
            meta.provenance[name] = "text"
    meta.authors = authors_of(blocks)
    if meta.authors:
        meta.provenance["authors"] = "text"
    content = [block.text for block in blocks if block.kind != "boilerplate"]
    meta.city, meta.county = gazetteer.locate("\n".join(content))
    for name in ("city", "county"):
        if getattr(meta, name):
            meta.provenance[name] = "text"


def _dateline_date(blocks: list[Block]) -> str:
    """The date of the first e-paper date line that holds a real date, or ""."""
    for block in blocks:
        if block.kind == "dateline":
            date = date_from_dateline(block.text)
            if date:
                return date
    return ""


def _date_fields(meta: DocMeta, blocks: list[Block]) -> None:
    """Date and year from the file name, an e-paper date line, or a year in the text."""
    date, year = date_from_filename(meta.doc_id.rsplit("/", 1)[-1])
    origin = "filename"
    if not date:
        date = _dateline_date(blocks)
        year, origin = (int(date[:4]), "text") if date else (None, "")
    if date:
        meta.date, meta.year = date, year
        meta.provenance["date"] = meta.provenance["year"] = origin
        return
    inferred = latest_year([b.text for b in blocks if b.kind != "boilerplate"])
    if inferred is not None:
        meta.year, meta.year_inferred = inferred, True
        meta.provenance["year"] = "text"


def _page_field(meta: DocMeta, blocks: list[Block]) -> None:
    """The page (版次) from the file name, else from an e-paper header or page label."""
    from_name = page_in(meta.doc_id.rsplit("/", 1)[-1])
    page, origin = (from_name, "filename") if from_name else (page_of(blocks), "text")
    if page:
        meta.page, meta.provenance["page"] = page, origin


def _catalogue_fields(meta: DocMeta, row: CatalogueRow, gazetteer: Gazetteer) -> None:
    """Every value the catalogue gives replaces the inferred one."""
    for name in ("title", "source", "url", "page"):
        value = getattr(row, name)
        if value:
            setattr(meta, name, value)
            meta.provenance[name] = "catalogue"
    if row.authors:
        meta.authors = list(row.authors)
        meta.provenance["authors"] = "catalogue"
    if row.date:
        meta.date, meta.year, meta.year_inferred = row.date, int(row.date[:4]), False
        meta.provenance["date"] = meta.provenance["year"] = "catalogue"
    if row.county:
        cities = gazetteer.cities_of_county(row.county)
        city = row.city or gazetteer.city_of_county(row.county) or ""
        if city:
            meta.city, meta.provenance["city"] = city, "catalogue"
        elif meta.city not in cities:
            meta.city, meta.provenance["city"] = "", ""
        meta.county, meta.provenance["county"] = row.county, "catalogue"
    elif row.city:
        text_city = meta.city
        meta.city, meta.provenance["city"] = row.city, "catalogue"
        if text_city != row.city:
            meta.county, meta.provenance["county"] = "", ""


def infer_metadata(
    doc_id: str, blocks: list[Block], row: CatalogueRow | None, gazetteer: Gazetteer
) -> DocMeta:
    """Metadata for a report from its catalogue row (if any), its file name and its blocks."""
    meta = DocMeta(doc_id=doc_id)
    _text_fields(meta, blocks, gazetteer)
    _date_fields(meta, blocks)
    _page_field(meta, blocks)
    if row is not None:
        _catalogue_fields(meta, row, gazetteer)
    return meta
