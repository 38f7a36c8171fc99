"""An oracle for counts: the sample index's stored texts folded with OpenCC and unicodedata
directly (not the project's folding), and plain ``in``/``count`` over them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import opencc

_T2S = opencc.OpenCC("t2s")


def oracle_fold(text: str) -> str:
    """NFKC, Traditional to Simplified, lower case, runs of white space as one space."""
    text = _T2S.convert(unicodedata.normalize("NFKC", text)).lower()
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class Paragraph:
    doc_id: str
    n: int
    year: str
    city: str
    county: str
    folded: str


def paragraphs(searcher) -> list[Paragraph]:
    """Every paragraph of the index, with its facet values and oracle-folded text."""
    return [
        Paragraph(
            f["doc_id"],
            f["n"],
            f.get("year", ""),
            f.get("city", ""),
            f.get("county", ""),
            oracle_fold(f["text"]),
        )
        for f in searcher.documents(rec="block")
    ]
