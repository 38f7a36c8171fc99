"""A paragraph's citation: its CSL-JSON item, and that item in every form users paste or import.

The item is the one source of every form: the styled references come from it through
citeproc-py (:mod:`cslstyles`), BibTeX and RIS from it through :mod:`bibfiles`. Only what the
metadata states goes in (empty beats wrong); a year only inferred from the text is written as
an estimate, ``[2021]``, as GB/T 7714 brackets an estimated year.
"""

from __future__ import annotations

import re
from datetime import date

from . import bibfiles, cslstyles

_JOURNAL = re.compile(r"(?:学报|學報)$")
_NEWSPAPER = re.compile(r"(?:报|報)(?:社)?$|(?:日报|晚报|早报|时报|日報|晚報|時報)")
_MAGAZINE = re.compile(r"(?:杂志|雜誌|期刊|月刊|半月刊|周刊|週刊|旬刊|季刊)$")
_DASHES = "—-－–~～ 　"


def item_type(source: str) -> str:
    """The CSL type of a report: a newspaper article when its source is a newspaper, a
    magazine or journal article for a magazine or journal, a web page for another named
    source, else a document."""
    if not source:
        return "document"
    if _JOURNAL.search(source):
        return "article-journal"
    if _NEWSPAPER.search(source):
        return "article-newspaper"
    if _MAGAZINE.search(source):
        return "article-magazine"
    return "webpage"


def _title(meta: dict) -> str:
    """The title, with its subtitle after a colon as GB/T 7714 writes it (no print dashes)."""
    title = meta.get("title") or meta.get("doc_id", "")
    subtitle = (meta.get("subtitle") or "").strip().lstrip(_DASHES).strip()
    return f"{title}: {subtitle}" if subtitle and subtitle != title else title


def _date_parts(value: str) -> list[int]:
    return [int(part) for part in value.split("-") if part.isdigit()]


def issued(meta: dict) -> dict | None:
    """The publication date as CSL: the date, else the year; an inferred year as ``[YYYY]``."""
    if meta.get("date"):
        return {"date-parts": [_date_parts(meta["date"])]}
    if meta.get("year") and meta.get("year_inferred"):
        return {"literal": f"[{meta['year']}]"}
    if meta.get("year"):
        return {"date-parts": [[int(meta["year"])]]}
    return None


def csl_item(meta: dict, url: str, accessed: date, key: str = "") -> dict:
    """The CSL-JSON item of a report (or of one story of it) at a permalink."""
    source = meta.get("source") or ""
    item: dict = {
        "id": key or bibfiles.citation_key(meta),
        "type": item_type(source),
        "title": _title(meta),
    }
    authors = [{"literal": name} for name in meta.get("authors") or [] if name]
    if authors:
        item["author"] = authors
    if source:
        item["container-title"] = source
    when = issued(meta)
    if when:
        item["issued"] = when
    if source and meta.get("page"):  # a page (版次) of a named newspaper
        item["page"] = str(meta["page"])
    item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    item["URL"] = url
    item["language"] = "zh-CN"
    item["citation-key"] = item["id"]
    return item


def citations(meta: dict, n: int, url: str, accessed: date | None = None) -> dict:
    """Every citation form of paragraph ``n``: the CSL item, each style's reference, the
    in-text citations with the paragraph as locator, BibTeX and RIS."""
    item = csl_item(meta, url, accessed or date.today())
    out: dict = {"csl": item, "in_text": {}}
    for name in cslstyles.STYLES:
        out[name], in_text = cslstyles.cite(item, name, n)
        if name in cslstyles.IN_TEXT_STYLES:
            out["in_text"][name] = in_text
    out["bibtex"] = bibfiles.bibtex([item])
    out["ris"] = bibfiles.ris([item])
    out["url"] = url
    return out


def zotero_tags(item: dict) -> list[dict]:
    """The ``citation_*`` meta tags Zotero's page translator (and Google Scholar) read, from
    the CSL item; an estimated year is left out, as a tag cannot say it is one."""
    tags = [("citation_title", item.get("title", ""))]
    tags += [("citation_author", name.get("literal", "")) for name in item.get("author", [])]
    parts = ((item.get("issued") or {}).get("date-parts") or [[]])[0]
    tags.append(("citation_publication_date", "/".join(f"{p:02d}" for p in parts)))
    if item["type"] == "article-newspaper":
        tags.append(("citation_journal_title", item.get("container-title", "")))
    elif item.get("container-title"):
        tags.append(("citation_publisher", item["container-title"]))
    tags += [
        ("citation_firstpage", item.get("page", "")),
        ("citation_public_url", item.get("URL", "")),
        ("citation_language", item.get("language", "")),
    ]
    return [{"name": name, "content": value} for name, value in tags if value]
