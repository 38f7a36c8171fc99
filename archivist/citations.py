"""Links and citations: document and paragraph URLs, permalink resolution, GB/T 7714, BibTeX."""

from __future__ import annotations

import difflib
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


def resolve(
    fingerprints: dict[int, str], n: int, v: str, lineage: dict[str, str] | None = None
) -> Resolution | None:
    """Resolve a permalink against a document's block fingerprints; None when there is no
    block to show at all. ``lineage`` maps fingerprints of text that was corrected to the
    fingerprint of the block that replaced it."""
    if not fingerprints:
        return None
    if not v or fingerprints.get(n) == v:
        return Resolution(n, "ok") if n in fingerprints else _closest(fingerprints, n, "changed")
    matches = [k for k, fp in fingerprints.items() if fp == v]
    if matches:
        return Resolution(min(matches, key=lambda k: (abs(k - n), k)), "moved")
    successor = (lineage or {}).get(v)
    replaced = [k for k, fp in fingerprints.items() if successor and fp == successor]
    if replaced:
        return Resolution(min(replaced, key=lambda k: (abs(k - n), k)), "changed")
    return _closest(fingerprints, n, "changed")


def successors(
    old: list[tuple[str, str]], new: list[tuple[str, str]], carried: dict[str, str]
) -> dict[str, str]:
    """Where the text of a re-ingested report went: old fingerprint -> new fingerprint.

    ``old`` and ``new`` are the report's blocks as (fingerprint, text) in reading order. The
    two sequences are aligned; each old block whose text is gone maps to the most similar new
    block of the span that replaced it (or, when it was deleted, of its neighbours). Earlier
    maps (``carried``) are followed through this one, so old permalinks keep their way.
    """
    old_fps = [fp for fp, _ in old]
    new_fps = [fp for fp, _ in new]
    present = set(new_fps)
    mapping: dict[str, str] = {}
    aligned = difflib.SequenceMatcher(a=old_fps, b=new_fps, autojunk=False)
    for tag, i1, i2, j1, j2 in aligned.get_opcodes():
        if tag == "equal":
            continue
        candidates = new[j1:j2] or new[max(0, j1 - 1) : j1 + 1]
        for fp, text in old[i1:i2]:
            if fp in present or not candidates:
                continue
            best = max(candidates, key=lambda c: difflib.SequenceMatcher(None, text, c[1]).ratio())
            mapping[fp] = best[0]
    for earlier, target in carried.items():
        followed = target if target in present else mapping.get(target)
        if followed and earlier not in present:
            mapping.setdefault(earlier, followed)
    return mapping


def _closest(fingerprints: dict[int, str], n: int, status: str) -> Resolution:
    return Resolution(min(fingerprints, key=lambda k: (abs(k - n), k)), status)


def _gbt_authors(authors: list[str]) -> str:
    if len(authors) > MAX_GBT_AUTHORS:
        return ", ".join(authors[:MAX_GBT_AUTHORS]) + ", 等"
    return ", ".join(authors)


def gbt7714(meta: dict, n: int, url: str, accessed: date) -> str:
    """A GB/T 7714-2015 reference for a newspaper paragraph; unknown parts left out.

    Form: ``作者. 题名: 副题名[N/OL]. 报纸名, 日期: 第n段[引用日期]. URL.`` The paragraph number
    stands where the standard puts the cited page; the date falls back to the year, and an
    inferred year is printed in brackets (``[2023]``), an inferred date not at all.
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
    year = str(meta.get("year") or "")
    if year and meta.get("year_inferred"):
        year = f"[{year}]"  # GB/T 7714 brackets an estimated year
    when = ("" if meta.get("date_inferred") else meta.get("date")) or year
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
