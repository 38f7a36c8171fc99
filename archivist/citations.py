"""Links: document and paragraph URLs, and permalink resolution by fingerprint.

The citations of a paragraph are made in :mod:`references`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlencode


@lru_cache(maxsize=1 << 12)
def quote_doc_id(doc_id: str) -> str:
    """A doc_id as a URL path (slashes kept, everything else percent-encoded)."""
    return quote(doc_id, safe="/")


@lru_cache(maxsize=1 << 8)
def _query_param(q: str) -> str:
    return urlencode([("q", q)])


def document_url(doc_id: str, q: str = "", n: int | None = None) -> str:
    """The document page, opened at a paragraph and with a query's matches marked."""
    url = f"/doc/{quote_doc_id(doc_id)}"
    if q:
        url += "?" + _query_param(q) + (f"&hit={n}" if n is not None else "")
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
