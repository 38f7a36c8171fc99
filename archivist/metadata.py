"""Report and story metadata from the catalogue, the file name and the text, with provenance.

``provenance[field]`` says where each field of :data:`FIELDS` came from: ``"catalogue"``,
``"filename"``, ``"header"`` (an e-paper date line at the top of the page), ``"dateline"`` (a
news lead or wire dateline: ``本报讯（记者 … ）2月15日``, ``新华社长沙2月15日电``),
``"text"`` (anything else the text says: a byline, a title, a printed ``时间：2024-02-16``,
place mentions), ``"page"`` (a story's value taken from its page) or ``""`` (unknown). A
catalogue value always wins, field by field. Nothing is invented: a field nobody states stays
empty.

- title, subtitle: the first ``title`` / ``subtitle`` block (the subtitle without its dashes);
- authors: names in bylines (``文/刘琼 邱宇松``, ``记者 … 通讯员 …``, ``戴鹏 周志军``,
  ``…局长 唐文发``) and in news leads (``株洲日报讯(全媒体记者/沈全华 通讯员/付强)``), in order,
  each once; photographers and editors are not authors;
- source: the paper of a news lead (``株洲日报讯`` -> 株洲日报) or of an e-paper date line;
- date and year come only from evidence of publication, in this order of trust: the catalogue;
  the file name (``YYYY-MM-DD`` or ``YYYYMMDD`` naming a real day and not glued to other digits,
  as in ``zzrb20230105``; or a lone year ``19xx``/``20xx`` glued to no letter or digit); an
  e-paper date line (``2024年02月16日 星期五``); a printed ``时间：YYYY-MM-DD``; a dateline
  with its year (``新华社北京2024年5月3日电``). A dateline with month and day only
  (``1月3日``) gives a date marked *inferred* (``date_inferred``, ``year_inferred``): its year
  is the one that puts it at or within :data:`DATELINE_WINDOW_DAYS` after the latest full date
  the story mentions; with no such date it gives nothing. A year merely written in the text
  (a target, a history) is never the report's year;
- city and county: set only when one place clearly dominates the text
  (:meth:`Gazetteer.locate`, with the archive's home region); a catalogue county also gives its
  city;
- url: the catalogue, or a line of the text holding nothing but an address;
- page (版次, the newspaper page or section): the catalogue, what the original states (an
  e-paper web page's ``第A03版：要闻``), the file name (``第3版``), or an e-paper header or page
  label (``株洲日报 2023年1月11日 第3版``, ``第A3版：要闻``), stored as ``3``/``A3``.

A page may hold several stories (blocks of one ``story``): each gets its own title, authors,
dateline, date, year, city and county (:class:`StoryMeta`). A story's date comes from the page
when the page's date is certain, else from its own dateline; its place from its own mentions,
or from the page when it names no place at all. On a one-story report the story's facts are the
report's.

Values an original states about itself (``stated``: a web page's ``<meta>`` tags, a Word
document's or a PDF's properties, see :mod:`archivist.formats`) come in with their provenance
(``html``, ``docx``, ``pdf``): they replace what the text and the file name suggest, and the
catalogue replaces them.
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
STORY_FIELDS = ("title", "authors", "source", "date", "year", "city", "county")
STATED_PROVENANCES = ("html", "docx", "pdf")  # metadata the original file states about itself
PROVENANCES = (
    "catalogue",
    *STATED_PROVENANCES,
    "filename",
    "header",
    "dateline",
    "text",
    "page",
    "",
)
STATED_FIELDS = ("title", "authors", "source", "date", "url", "page")
EARLIEST_YEAR = 1900
DATELINE_WINDOW_DAYS = 62  # a month-day dateline is at most this long after the latest full date
HEADER_CHARS = 40  # an e-paper header line is short

_NOT_DIGIT = r"(?<!\d){}(?!\d)"
_NOT_ALNUM = r"(?<![0-9A-Za-z]){}(?![0-9A-Za-z])"
_FILENAME_ISO = re.compile(_NOT_DIGIT.format(r"((?:19|20)\d{2})[-_.](\d{2})[-_.](\d{2})"))
_FILENAME_COMPACT = re.compile(_NOT_DIGIT.format(r"((?:19|20)\d{2})(\d{2})(\d{2})"))
_FILENAME_YEAR = re.compile(_NOT_ALNUM.format(r"((?:19|20)\d{2})"))
_TEXT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_PRINTED_DATE = re.compile(
    r"^(?:发布|发表|刊发|出版|更新)?(?:时间|日期)\s*[:：]\s*"
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)"
)
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_AGENCY_DATE = re.compile(
    r"^(?:新华社|中新社|中国新闻社|人民网|央视网)[\u4e00-\u9fff]{0,10}?"
    r"(?:((?:19|20)\d{2})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*电"
)
_LEAD_NOTE = re.compile(r"^\s*[（(][^（）()]{0,60}[）)]")
_PAPER = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:日报|晚报|早报|时报|商报|报)")
_URL_LINE = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{0,6}\s*[:：]\s*)?(https?://\S+)$", re.I)
_PAGE = re.compile(r"(?<![\w])第\s*([A-Za-z]?\d{1,3})\s*版(?!\w*[本权])")
_DASHES = "—-–－ "


@dataclass
class Evidence:
    """A date with where it came from; ``inferred`` when its year was deduced."""

    date: str = ""
    year: int | None = None
    origin: str = ""
    inferred: bool = False


@dataclass
class StoryMeta:
    """One story of a page: its own title, authors, dateline, date and place."""

    title: str = ""
    first: int = 1  # numbers of its first and last block (1-based)
    last: int = 1
    authors: list[str] = field(default_factory=list)
    source: str = ""
    dateline: str = ""  # the news lead or wire dateline as printed, up to its date
    date: str = ""
    year: int | None = None
    date_inferred: bool = False
    year_inferred: bool = False
    city: str = ""
    county: str = ""
    provenance: dict[str, str] = field(default_factory=lambda: dict.fromkeys(STORY_FIELDS, ""))


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
    date_inferred: bool = False
    year_inferred: bool = False
    page: str = ""
    city: str = ""
    county: str = ""
    url: str = ""
    provenance: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FIELDS, ""))
    stories: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def _latest_plausible_year() -> int:
    """The latest year a report can be about: next year (reports dated ahead of time)."""
    return datetime.date.today().year + 1


def _real_date(year: str | int, month: str | int, day: str | int) -> str:
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


def printed_date(text: str) -> str:
    """``YYYY-MM-DD`` from a printed ``时间：2024-02-16`` (or ``日期：2024年2月16日``) line."""
    match = _PRINTED_DATE.match(text.strip())
    return _real_date(*match.groups()) if match else ""


def full_dates(texts: list[str]) -> list[datetime.date]:
    """Every real date written ``YYYY年M月D日`` in the texts, up to next year."""
    found = []
    for text in texts:
        for match in _TEXT_DATE.finditer(text):
            date = _real_date(*match.groups())
            if date and int(date[:4]) <= _latest_plausible_year():
                found.append(datetime.date.fromisoformat(date))
    return found


def year_for_month_day(month: int, day: int, texts: list[str]) -> int | None:
    """The year of a month-day dateline: the one that puts it at, or at most
    DATELINE_WINDOW_DAYS after, the latest full date the texts mention; None without one."""
    dates = full_dates(texts)
    if not dates:
        return None
    latest = max(dates)
    for year in (latest.year, latest.year + 1):
        text = _real_date(year, month, day)
        if text:
            gap = (datetime.date.fromisoformat(text) - latest).days
            if 0 <= gap <= DATELINE_WINDOW_DAYS:
                return year
    return None


def lead_dateline(text: str) -> tuple[str, int, int, int | None] | None:
    """(the dateline as printed, month, day, year or None) of a news lead or wire dateline
    that starts the text (``株洲日报讯(…)1月4日``, ``新华社北京2024年5月3日电``), else None."""
    agency = _AGENCY_DATE.match(text)
    if agency:
        year, month, day = agency.groups()
        return text[: agency.end()], int(month), int(day), int(year) if year else None
    if parse_lead(text) is None:
        return None
    head = re.match(r"^[^（()）]{2,16}?讯", text)
    if not head:
        return None
    rest = text[head.end() :]
    note = _LEAD_NOTE.match(rest)
    after = rest[note.end() :] if note else rest
    match = _MONTH_DAY.match(after)
    if not match:
        return None
    printed = text[: head.end() + (note.end() if note else 0) + match.end()]
    return printed, int(match.group(1)), int(match.group(2)), None


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


def _content(blocks: list[Block]) -> str:
    return "\n".join(block.text for block in blocks if block.kind != "boilerplate")


# Dates -----------------------------------------------------------------------------------------


def page_date(doc_id: str, blocks: list[Block]) -> Evidence:
    """The page's date: from the file name, an e-paper date line or a printed date line."""
    date, year = date_from_filename(doc_id.rsplit("/", 1)[-1])
    if date:
        return Evidence(date, year, "filename")
    for block in blocks:
        if block.kind == "dateline":
            date = date_from_dateline(block.text)
            if date:
                return Evidence(date, int(date[:4]), "header")
    for block in blocks:
        date = printed_date(block.text)
        if date:
            return Evidence(date, int(date[:4]), "text")
    return Evidence()


def story_date(blocks: list[Block]) -> tuple[Evidence, str]:
    """A story's date from its news lead or wire dateline, and the dateline as printed."""
    texts = [block.text for block in blocks if block.kind != "boilerplate"]
    for block in blocks:
        if block.kind != "body":
            continue
        found = lead_dateline(block.text)
        if found is None:
            continue
        printed, month, day, year = found
        if year is not None:
            date = _real_date(year, month, day)
            return (Evidence(date, year, "dateline") if date else Evidence()), printed
        year = year_for_month_day(month, day, texts)
        if year is None:
            return Evidence(), printed
        return Evidence(_real_date(year, month, day), year, "dateline", inferred=True), printed
    return Evidence(), ""


# Places ----------------------------------------------------------------------------------------

HEAD_KINDS = ("title", "subtitle", "kicker", "dateline")
LEAD_BLOCKS = 2  # body blocks that open a story, where its place is named


def located(blocks: list[Block], gazetteer: Gazetteer, home: str) -> tuple[str, str]:
    """The (city, county) that dominates the blocks' text, when the story's head (title,
    subtitle, kicker, its first body blocks) also names it; else empty. A digest of short
    items (``国内联播快讯``) or a national story naming one city only further down stays empty."""
    city, county = gazetteer.locate(_content(blocks), home)
    if not city:
        return "", ""
    body = [block.text for block in blocks if block.kind == "body"][:LEAD_BLOCKS]
    head = [block.text for block in blocks if block.kind in HEAD_KINDS] + body
    named = {place_city for place_city, _ in gazetteer.places_in("\n".join(head), home)}
    return (city, county) if city in named else ("", "")


# Stories ---------------------------------------------------------------------------------------


def story_spans(blocks: list[Block]) -> list[tuple[int, int]]:
    """(first, last) block numbers (1-based) of each story: runs of blocks of one story."""
    spans: list[tuple[int, int]] = []
    for n, block in enumerate(blocks, start=1):
        if spans and blocks[spans[-1][0] - 1].story == block.story:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return spans


def _set(target, name: str, value, origin: str) -> None:
    if value not in ("", None, []):
        setattr(target, name, value)
        target.provenance[name] = origin


def _story(blocks: list[Block], span, page: Evidence, gazetteer: Gazetteer, home: str):
    """The facts of one story (page-level fallbacks are applied by the caller)."""
    own = blocks[span[0] - 1 : span[1]]
    story = StoryMeta(title=own[0].story, first=span[0], last=span[1])
    story.provenance["title"] = "text" if story.title else ""
    _set(story, "authors", authors_of(own), "text")
    _set(story, "source", source_of(own), "text")
    evidence, story.dateline = story_date(own)
    chosen = page if page.date else evidence
    _date_into(story, chosen)
    content = _content(own)
    if gazetteer.mentions(content, home):
        city, county = located(own, gazetteer, home)
        _set(story, "city", city, "text")
        _set(story, "county", county, "text")
    else:
        story.provenance["city"] = story.provenance["county"] = "page"  # filled from the page
    return story


def _date_into(target, evidence: Evidence) -> None:
    """Write a date's evidence into a story or report."""
    if not evidence.year:
        return
    target.date, target.year = evidence.date, evidence.year
    target.date_inferred = target.year_inferred = evidence.inferred
    target.provenance["date" if evidence.date else "year"] = evidence.origin
    target.provenance["year"] = evidence.origin
    if not evidence.date:
        target.provenance["date"] = ""


# Reports ---------------------------------------------------------------------------------------


def _text_fields(meta: DocMeta, blocks: list[Block], gazetteer: Gazetteer, home: str) -> None:
    """Fill the fields the text tells."""
    text_values = {
        "title": _first(blocks, "title"),
        "subtitle": _first(blocks, "subtitle").lstrip(_DASHES),
        "source": source_of(blocks),
        "url": url_of(blocks),
        "authors": authors_of(blocks),
    }
    for name, value in text_values.items():
        _set(meta, name, value, "text")
    city, county = located(blocks, gazetteer, home)
    _set(meta, "city", city, "text")
    _set(meta, "county", county, "text")


def _report_date(meta: DocMeta, page: Evidence, stories: list[StoryMeta]) -> None:
    """The page's date, else the one date all dated stories agree on."""
    if page.year:
        _date_into(meta, page)
        return
    dated = [s for s in stories if s.year]
    if not dated:
        return
    dates = {s.date for s in dated}
    years = {s.year for s in dated}
    if len(years) != 1:
        return
    first = dated[0]
    inferred = any(s.year_inferred for s in dated)
    date = first.date if len(dates) == 1 and len(dated) == len(stories) else ""
    _date_into(meta, Evidence(date, first.year, first.provenance["year"], inferred))


def _page_field(meta: DocMeta, blocks: list[Block]) -> None:
    """The page (版次) from the file name, else from an e-paper header or page label."""
    from_name = page_in(meta.doc_id.rsplit("/", 1)[-1])
    page, origin = (from_name, "filename") if from_name else (page_of(blocks), "text")
    if page:
        meta.page, meta.provenance["page"] = page, origin


def _catalogue_fields(meta: DocMeta, row: CatalogueRow, gazetteer: Gazetteer) -> None:
    """Every value the catalogue gives replaces the inferred one."""
    for name in ("title", "source", "url", "page"):
        _set(meta, name, getattr(row, name), "catalogue")
    _set(meta, "authors", list(row.authors), "catalogue")
    if row.date:
        meta.date, meta.year = row.date, int(row.date[:4])
        meta.date_inferred = meta.year_inferred = False
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


def _from_page(story: StoryMeta, meta: DocMeta, single: bool) -> None:
    """Fill a story from its page: what the catalogue says, the page's date when the story has
    none, the page's place when the story names no place; a one-story page is its report."""
    takes_date = meta.provenance["date"] == "catalogue" or single or not story.year
    if takes_date and meta.year:
        story.date, story.year = meta.date, meta.year
        story.date_inferred, story.year_inferred = meta.date_inferred, meta.year_inferred
        story.provenance["date"] = meta.provenance["date"] and "page"
        story.provenance["year"] = "page"
        _dateline_day(story)
    if meta.provenance["city"] == "catalogue" or single or story.provenance["city"] == "page":
        story.city, story.county = meta.city, meta.county
        story.provenance["city"] = "page" if meta.city else ""
        story.provenance["county"] = "page" if meta.county else ""
    if single:
        for name in ("title", "authors", "source"):
            value = getattr(meta, name)
            setattr(story, name, list(value) if name == "authors" else value)
            story.provenance[name] = "page" if value else ""
        for name in ("date", "year", "city", "county"):
            story.provenance[name] = meta.provenance[name] if getattr(story, name) else ""


def _dateline_day(story: StoryMeta) -> None:
    """A story dated by its page's year alone takes the day of its month-day dateline, the
    date then inferred (``1月4日`` on a page of 2023: 2023-01-04)."""
    found = lead_dateline(story.dateline) if story.dateline and not story.date else None
    if found is None or story.year is None:
        return
    date = _real_date(story.year, found[1], found[2])
    if date:
        story.date, story.date_inferred = date, True
        story.provenance["date"] = "dateline"


def _stated_fields(meta: DocMeta, stated: dict[str, tuple[object, str]]) -> None:
    """Values the original states about itself replace those of the text and the file name."""
    for name, (value, origin) in stated.items():
        if name == "edition":  # an e-paper page's 版次 as printed (第A03版：要闻) is its page
            name, value = "page", page_in(str(value)) or value
        if name not in STATED_FIELDS or not value:
            continue
        if name == "date":
            meta.year, meta.year_inferred = int(str(value)[:4]), False
            meta.date_inferred = False
            meta.provenance["year"] = origin
        setattr(meta, name, list(value) if name == "authors" else value)
        meta.provenance[name] = origin


def infer_metadata(
    doc_id: str,
    blocks: list[Block],
    row: CatalogueRow | None,
    gazetteer: Gazetteer,
    home: str = "",
    stated: dict[str, tuple[object, str]] | None = None,
) -> DocMeta:
    """Metadata for a report and its stories from its catalogue row (if any), what the original
    states about itself (``stated``: field -> (value, provenance)), its file name and its blocks;
    ``home`` is the archive's home region (see :mod:`archivist.settings`)."""
    meta = DocMeta(doc_id=doc_id)
    _text_fields(meta, blocks, gazetteer, home)
    page = page_date(doc_id, blocks)
    stories = [_story(blocks, span, page, gazetteer, home) for span in story_spans(blocks)]
    _report_date(meta, page, stories)
    _page_field(meta, blocks)
    _stated_fields(meta, stated or {})
    if row is not None:
        _catalogue_fields(meta, row, gazetteer)
    single = len(stories) == 1
    for story in stories:
        _from_page(story, meta, single)
    meta.stories = [asdict(story) for story in stories]
    return meta
