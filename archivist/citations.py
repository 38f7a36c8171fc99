"""Links and citations: document and paragraph URLs, permalink resolution, GB/T 7714, BibTeX."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

MAX_GBT_AUTHORS = 3


def quote_doc_id(doc_id: str) -> str:
    """A doc_id as a URL path (slashes kept, everything else percent-encoded)."""
    return quote(doc_id, safe="/")


def document_url(doc_id: str, q: str = "", n: int | None = None) -> str:
    """The document page, opened at a paragraph and with a query's matches marked."""
    url = f"/doc/{quote_doc_id(doc_id)}"
    if q:
        params = [("q", q)] + ([("hit", str(n))] if n is not None else [])
        url += "?" + urlencode(params)
    if n is not None:
        url += f"#p{n}"
    return url


def permalink_url(doc_id: str, n: int, fp: str = "") -> str:
    """The permalink of a paragraph; the fingerprint lets it survive re-segmentation."""
    url = f"/p/{quote_doc_id(doc_id)}/{n}"
    return url + (f"?v={fp}" if fp else "")


@dataclass(frozen=True)
class Resolution:
    """Where a permalink lands: the block number, and whether it moved or its text changed."""

    n: int
    status: str  # "ok", "moved" (same text elsewhere) or "changed" (cited text not found)


def resolve(fingerprints: dict[int, str], n: int, v: str) -> Resolution | None:
    """Resolve a permalink against a document's block fingerprints; None when there is no
    block to show at all."""
    if not fingerprints:
        return None
    if not v or fingerprints.get(n) == v:
        return Resolution(n, "ok") if n in fingerprints else _closest(fingerprints, n, "changed")
    matches = [k for k, fp in fingerprints.items() if fp == v]
    if matches:
        return Resolution(min(matches, key=lambda k: (abs(k - n), k)), "moved")
    return _closest(fingerprints, n, "changed")


def _closest(fingerprints: dict[int, str], n: int, status: str) -> Resolution:
    return Resolution(min(fingerprints, key=lambda k: (abs(k - n), k)), status)


def _gbt_authors(authors: list[str]) -> str:
    if len(authors) > MAX_GBT_AUTHORS:
        return ", ".join(authors[:MAX_GBT_AUTHORS]) + ", 等"
    return ", ".join(authors)


def gbt7714(meta: dict, n: int, url: str, accessed: date) -> str:
    """A GB/T 7714-2015 reference for a newspaper paragraph; unknown parts left out.

    Form: ``作者. 题名: 副题名[N/OL]. 报纸名, 日期: 第n段[引用日期]. URL.`` The paragraph number
    stands where the standard puts the cited page; the date falls back to the year (unless
    the year was only inferred from the text).
    """
    parts = []
    authors = _gbt_authors(list(meta.get("authors") or []))
    if authors:
        parts.append(f"{authors}. ")
    title = meta.get("title") or meta.get("doc_id", "")
    subtitle = _subtitle(meta.get("subtitle") or "")
    if subtitle and subtitle != title:
        title = f"{title}: {subtitle}"
    parts.append(f"{title}[N/OL]. ")
    year = "" if meta.get("year_inferred") else str(meta.get("year") or "")
    when = meta.get("date") or year
    where = ", ".join(x for x in (meta.get("source", ""), when) if x)
    where = f"{where}: 第{n}段" if where else f"第{n}段"
    parts.append(f"{where}[{accessed.isoformat()}]. ")
    parts.append(f"{url}.")
    return "".join(parts)


def _subtitle(text: str) -> str:
    """A subtitle without the dashes that introduce it in print (``——``)."""
    return text.strip().lstrip("—-－–").strip()


def bibtex_key(meta: dict, n: int) -> str:
    """A BibTeX key made of ASCII letters and digits from the doc_id and year."""
    base = re.sub(r"[^A-Za-z0-9]+", "", meta.get("doc_id", "")) or "report"
    year = str(meta.get("year") or "")
    return f"{base[:24]}{year}p{n}"


def _bib_escape(value: str) -> str:
    return re.sub(r"([{}\\&%$#_])", r"\\\1", value)


def bibtex(meta: dict, n: int, url: str, accessed: date) -> str:
    """A biblatex entry for the paragraph (``@article`` in a newspaper, or ``@misc``); the URL
    stays verbatim, as biblatex reads it."""
    fields = [
        ("author", " and ".join(meta.get("authors") or [])),
        ("title", meta.get("title") or meta.get("doc_id", "")),
        ("subtitle", _subtitle(meta.get("subtitle") or "")),
        ("journal", meta.get("source", "")),
        ("date", meta.get("date", "")),
        ("year", "" if meta.get("year_inferred") else str(meta.get("year") or "")),
        ("note", f"第{n}段"),
        ("url", url),
        ("urldate", accessed.isoformat()),
        ("language", "chinese"),
    ]
    kind = "article" if meta.get("source") else "misc"
    body = ",\n".join(
        f"  {name} = {{{v if name == 'url' else _bib_escape(v)}}}" for name, v in fields if v
    )
    return f"@{kind}{{{bibtex_key(meta, n)},\n{body}\n}}"


def citations(meta: dict, n: int, url: str, accessed: date | None = None) -> dict[str, str]:
    """Every citation form of a paragraph."""
    accessed = accessed or date.today()
    return {
        "gbt7714": gbt7714(meta, n, url, accessed),
        "bibtex": bibtex(meta, n, url, accessed),
        "url": url,
    }
