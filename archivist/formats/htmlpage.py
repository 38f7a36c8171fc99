"""Web pages (``.html``/``.htm``): e-paper article pages and news-site pages.

The main content is found by trafilatura (the page's navigation, adverts and footer left out);
its paragraphs (``<p>``, headings, list items, quotations, table rows) become lines, and a
``<br>`` inside a paragraph starts a new line; the page's single ``<h1>`` leads them when the
extractor left it out. These paragraphs are kept as they are (never joined by the segmenter).
A line wrap in the HTML source between two Chinese characters is removed before anything else
reads the page (browsers show no space there either). When trafilatura finds no main content,
every block of the page's body is read.

Stated metadata, provenance ``html``: the title (``og:title``, ``<meta name="title">`` or
``ArticleTitle``, else the single ``<h1>``, else the first part of ``<title>``); the authors
(``<meta name="author">``, ``article:author``, ``dc.creator``: people's names only); the publish
date (``article:published_time``, ``PubDate``, ``publishdate``, ``dc.date.issued``, …); the
source (``ContentSource``/``source`` meta, a ``来源：…`` line, the newspaper of an e-paper page,
else ``og:site_name``); the canonical address (``<link rel="canonical">``, ``og:url``); and on an
e-paper page (one that names its 版次, ``第A03版：要闻``) the 版次, the newspaper and the date line.
"""

from __future__ import annotations

import codecs
import copy
import re
from pathlib import Path

import lxml.html
from lxml import etree

from ..reading import ReportError, report_text
from . import Extracted
from .stated import _CJK, _HAN, document_title, person_names, stated_date, web_address

ORIGIN = "html"
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SOURCE_WRAP = re.compile(rf"(?<=[{_CJK}])[ \t\r]*\n\s*(?=[{_CJK}])")
_EDITION = re.compile(rf"第\s*([A-Za-z]?\d{{1,3}})\s*版(?:\s*[:：]\s*([{_HAN}]{{1,8}}))?")
_PAPER_NAME = re.compile(rf"[{_HAN}]{{2,8}}?(?:日报|晚报|早报|时报|商报|都市报|法治报|法制报|导报)")
_SOURCE_LINE = re.compile(rf"来源\s*[:：]\s*([{_HAN}A-Za-z]{{2,20}}?(?:报|网|社|台|刊|杂志))")
_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_TITLE_PARTS = re.compile(r"\s*[|｜_]\s*|\s+[-–—]+\s+")
_EPAPER_WORDS = re.compile(r"数字报|电子报|电子版|数字版|e-?paper", re.I)
_DROPPED = ("script", "style", "noscript", "template", "svg")
_BLOCKS = {"p", "head", "item", "quote", "code"}
_BODY_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "pre",
                "blockquote", "div", "section", "article", "td", "th", "caption", "br"}  # fmt: skip
MAX_HEADER_LINE = 40  # 版次 is read from a short line of the page's header, not from body text
DATE_META = (
    "article:published_time",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish_date",
    "publication_date",
    "publishtime",
    "firstpublishedtime",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "citation_publication_date",
    "datepublished",
)
AUTHOR_META = ("author", "article:author", "dc.creator", "citation_author")
TITLE_META = ("og:title", "title", "articletitle", "headline", "dc.title", "citation_title")
SOURCE_META = ("contentsource", "source", "dc.publisher", "citation_publisher")


def read_html(path: Path, data: bytes) -> Extracted:
    """Paragraphs and stated metadata of a saved web page."""
    tree = _parse(path, data)
    meta = _meta_tags(tree)
    page_text = _text_lines(tree)
    stated = _stated(tree, meta, page_text)
    lines = [line for line in _content_lines(tree) or page_text if line]
    heading = _heading(tree)
    if heading and heading not in lines:
        lines.insert(0, heading)  # the main-content extractor keeps the headline as metadata
    if not lines:
        raise ReportError(path, "no text in the web page")
    return Extracted("\n\n".join(lines) + "\n", stated=stated, paragraphs_marked=True)


def _parse(path: Path, data: bytes) -> lxml.html.HtmlElement:
    """The page's element tree, decoded by its declared charset, else as a report is."""
    text = None
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            text = data.decode(codecs.lookup(declared.group(1).decode("ascii")).name)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = report_text(data, path)
    text = _SOURCE_WRAP.sub("", _XML_DECLARATION.sub("", text.lstrip("\ufeff")))
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReportError(path, f"not a readable web page: {exc}") from exc
    for element in list(tree.iter(*_DROPPED)):
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def _meta_tags(tree) -> dict[str, str]:
    """``<meta>`` values by lower-case name or property (the first of each), and the canonical
    link as ``canonical``."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        value = (element.get("content") or "").strip()
        if key and value:
            found.setdefault(key.strip().lower(), value)
    for element in tree.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split() and element.get("href"):
            found.setdefault("canonical", element.get("href").strip())
    return found


def _first(meta: dict[str, str], names: tuple[str, ...], check=lambda v: v) -> object:
    for name in names:
        value = check(meta.get(name, ""))
        if value:
            return value
    return ""


def _stated(tree, meta: dict[str, str], page_text: list[str]) -> dict[str, tuple[object, str]]:
    """The metadata the page states about itself."""
    values: dict[str, object] = {}
    epaper = _epaper(page_text, _title_text(tree))
    values["title"] = _title(tree, meta, epaper.get("source", ""))
    values["authors"] = _first(meta, AUTHOR_META, person_names)
    values["date"] = _first(meta, DATE_META, stated_date) or epaper.get("date", "")
    values["source"] = (
        _first(meta, SOURCE_META, _source_name)
        or epaper.get("source", "")
        or _source_line(page_text)
        or meta.get("og:site_name", "").strip()
    )
    values["url"] = _first(meta, ("canonical", "og:url"), web_address)
    values["edition"] = epaper.get("edition", "")
    return {name: (value, ORIGIN) for name, value in values.items() if value}


def _source_name(value: str) -> str:
    value = value.strip()
    return value if 2 <= len(value) <= 30 and not web_address(value) else ""


def _source_line(page_text: list[str]) -> str:
    for line in page_text:
        match = _SOURCE_LINE.search(line)
        if match:
            return match.group(1)
    return ""


def _title_text(tree) -> str:
    element = tree.find(".//title")
    return " ".join((element.text_content() if element is not None else "").split())


def _title(tree, meta: dict[str, str], paper: str) -> str:
    """The article's title as the page states it."""
    title = _first(meta, TITLE_META, document_title)
    if title:
        return str(title)
    heading = _heading(tree)
    if heading:
        return heading
    parts = [part for part in _TITLE_PARTS.split(_title_text(tree)) if part]
    if not parts:
        return ""
    first = document_title(parts[0])
    if first == paper or _EPAPER_WORDS.search(first) or _PAPER_NAME.fullmatch(first):
        return ""
    return first


def _heading(tree) -> str:
    """The text of the page's single ``<h1>``, or "" when it has none or several."""
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    headings = [h for h in headings if h]
    return headings[0] if len(headings) == 1 else ""


def _epaper(page_text: list[str], title: str) -> dict[str, str]:
    """版次, newspaper and date of an e-paper page (one that names its 版次), else {}."""
    found: dict[str, str] = {}
    for line in page_text:
        match = _EDITION.search(line) if len(line) <= MAX_HEADER_LINE else None
        if match:
            number, name = match.groups()
            found["edition"] = f"第{number}版" + (f"：{name}" if name else "")
            break
    if not found:
        return found
    for line in page_text:
        if "date" not in found and _DATE_LINE.search(line):
            found["date"] = stated_date(_DATE_LINE.search(line).group())
        paper = _PAPER_NAME.search(line)
        if "source" not in found and paper and (_DATE_LINE.search(line) or _EDITION.search(line)):
            found["source"] = paper.group()
    if "source" not in found:
        paper = _PAPER_NAME.search(title)
        if paper:
            found["source"] = paper.group()
    return found


def _content_lines(tree) -> list[str]:
    """The main content's paragraphs, by trafilatura; [] when it finds none."""
    import trafilatura

    document = trafilatura.bare_extraction(
        copy.deepcopy(tree),
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
        include_images=False,
        deduplicate=False,
        favor_recall=True,
    )
    body = getattr(document, "body", None)
    if body is None:
        return []
    return [line for line in _lines_of(body) if line]


def _lines_of(element) -> list[str]:
    """Lines of trafilatura's output tree: one per paragraph, heading, item or table row."""
    lines: list[str] = []
    if element.text and element.text.strip():
        lines.append(element.text.strip())
    for child in element:
        if child.tag in _BLOCKS:
            lines += _broken_lines(child)
        elif child.tag == "row":
            cells = [" ".join(cell.itertext()).strip() for cell in child]
            lines.append(" ".join(cell for cell in cells if cell))
        elif child.tag != "lb":
            lines += _lines_of(child)
        if child.tail and child.tail.strip():
            lines.append(child.tail.strip())
    return lines


def _broken_lines(element) -> list[str]:
    """The text of a paragraph, split where it has ``<br>`` (``<lb/>``)."""
    return _lines(element, {"lb"})


def _lines(element, breaks: set[str]) -> list[str]:
    """The non-blank lines of an element's text, broken before and after every descendant whose
    tag is in ``breaks``, white space collapsed."""
    parts: list[str] = []

    def walk(node) -> None:
        if not isinstance(node.tag, str):
            return  # a comment or processing instruction (its tail is read by the parent)
        block = node.tag.lower() in breaks
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(element)
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


def _text_lines(tree) -> list[str]:
    """Every line of the page's body as a browser would break it at block elements."""
    body = tree.find(".//body")
    return _lines(tree if body is None else body, _BODY_BLOCKS)
