"""CSL items rendered by citeproc-py with the official styles shipped in ``archivist/csl/``.

Each style is parsed once; citeproc-py keeps rendering state on the parsed style, so one lock
per style serialises its use across the server's threads. What citeproc-py 0.11 does not do
as the CSL specification says is corrected on our side, never by writing a reference by hand:

- a name given as family and given name is written with a space between them, which is wrong
  for Chinese names (``余 建斌``): such names are passed as one literal name (``余建斌``);
- ``second-field-align`` is not implemented, so a numbered entry comes out as ``[1]余建斌…``:
  the number is split off as the entry's label, which is what the style's alignment means;
- a literal date is printed once for every date element that shows a part of it (APA shows
  the year and the month and day apart: ``([2021], [2021])``): for the styles that do that, an
  estimated year written ``[2021]`` is passed as an uncertain year (APA: ``ca. 2021``);
- a ``cs:label`` whose variable is empty is printed all the same (GB/T 7714-2025 writes a
  stray ``V.`` for a version nobody gave): :class:`Label` prints nothing then, as the
  specification says;
- variables a ``cs:substitute`` rendered through a macro are not suppressed in the rest of the
  entry (APA and MLA print an author-less item's title twice): :class:`Substitute` suppresses
  them, as the specification says.

:class:`Label`, :class:`Text` and :class:`Substitute` replace citeproc-py's elements of those
names when a style is parsed (citeproc-py looks its element classes up by name).
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc import model as csl_model
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON

STYLE_DIR = Path(__file__).resolve().parent / "csl"
STYLES = {
    "gbt7714": "china-national-standard-gb-t-7714-2015-numeric.csl",
    "gbt7714_2025": "china-national-standard-gb-t-7714-2025-numeric.csl",
    "apa": "apa.csl",
    "mla": "modern-language-association.csl",
}
STYLE_LABELS = {
    "gbt7714": "GB/T 7714—2015",
    "gbt7714_2025": "GB/T 7714—2025",
    "apa": "APA (7th ed.)",
    "mla": "MLA (9th ed.)",
}
CACHED_CITATIONS = 4096  # (item, style, paragraph) answers kept: a permalink seen again is free
IN_TEXT_STYLES = ("apa", "mla")  # the GB/T numeric styles print no locator in a citation
ESTIMATED_AS_UNCERTAIN = ("apa",)  # styles given an estimated year as an uncertain one
UNSUPPORTED = ("citation-key",)  # CSL-JSON keys citeproc-py warns about and does not use
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ESTIMATED_YEAR = re.compile(r"^\[(\d{4})\]$")
_NUMBER_LABEL = re.compile(r"^(\[\d+\])\s*(.*)$", re.S)


class Label(csl_model.Label, csl_model.CitationStylesElement):
    """``cs:label``, printed only when its variable has a value (CSL 1.0.2, "Label")."""

    def process(self, item, variable=None, plural=None, context=None, **kwargs):
        name = variable or self.get("variable")
        if name not in (None, "locator") and not _has_variable(item, name):
            return None
        return super().process(item, variable, plural, context, **kwargs)


def _has_variable(item, name: str) -> bool:
    try:
        return bool(item.reference.get(name.replace("-", "_")))
    except (AttributeError, KeyError, TypeError):
        return True  # not an item we can look into: leave the decision to citeproc-py


_substituted = threading.local()  # the variables the current cs:substitute has rendered


class Text(csl_model.Text, csl_model.CitationStylesElement):
    """``cs:text``, noting the variables it renders while a ``cs:substitute`` is at work."""

    def _variable(self, item, context):
        text = super()._variable(item, context)
        rendered = getattr(_substituted, "variables", None)
        if text and rendered is not None:
            rendered.append((self.tag, self.get("variable")))
        return text


class Substitute(csl_model.Substitute, csl_model.CitationStylesElement):
    """``cs:substitute``: what it rendered is suppressed in the rest of the entry (CSL 1.0.2,
    "Substitute")."""

    def render(self, item, context=None, **kwargs):
        outer = getattr(_substituted, "variables", None)
        _substituted.variables = []
        try:
            text = super().render(item, context=context, **kwargs)
            rendered = _substituted.variables
        finally:
            _substituted.variables = outer
        if text and context is not None:
            repressed = context.get_layout().repressed
            for tag, variable in rendered:
                repressed.setdefault(tag, []).append(variable)
        return text


@dataclass(frozen=True)
class Entry:
    """One bibliography entry: its number label for numeric styles (``[1]``), and its text."""

    label: str
    text: str

    def __str__(self) -> str:
        return f"{self.label} {self.text}" if self.label else self.text


class _Style:
    """A parsed style and the lock its (stateful) rendering needs."""

    def __init__(self, name: str) -> None:
        self.name = name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.style = CitationStylesStyle(str(STYLE_DIR / STYLES[name]), validate=False)
        bibliography = self.style.root.bibliography
        self.numbered = bibliography.get("second-field-align") is not None
        self.lock = threading.Lock()


_styles_lock = threading.Lock()


@cache
def _parsed(name: str) -> _Style:
    return _Style(name)


def style(name: str) -> _Style:
    """The parsed style of a name in :data:`STYLES` (parsed once, whatever the thread)."""
    with _styles_lock:
        return _parsed(name)


def for_processor(item: dict, key: str, name: str = "") -> dict:
    """A copy of a CSL-JSON item as citeproc-py renders it right in a style (see the notes)."""
    copy = {k: v for k, v in item.items() if k not in UNSUPPORTED}
    copy["id"] = key
    estimated = _ESTIMATED_YEAR.match(str((copy.get("issued") or {}).get("literal", "")))
    if estimated and name in ESTIMATED_AS_UNCERTAIN:
        copy["issued"] = {"date-parts": [[int(estimated.group(1))]], "circa": True}
    for role in ("author", "editor", "translator", "container-author"):
        if role in copy:
            copy[role] = [_whole_name(name) for name in copy[role]]
    return copy


def _whole_name(name: dict) -> dict:
    """A Chinese name as one literal name (family then given, no space)."""
    family, given = name.get("family", ""), name.get("given", "")
    if "literal" not in name and family and _CJK.search(family + given):
        return {"literal": family + given}
    return name


def _render(items: list[dict], name: str, locator: str = "") -> tuple[list[Entry], list[str]]:
    """The bibliography of items in the style's order, and each item's in-text citation."""
    keys = [f"item{i}" for i in range(len(items))]
    source = CiteProcJSON(
        [for_processor(item, key, name) for item, key in zip(items, keys, strict=True)]
    )
    parsed = style(name)
    with parsed.lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(parsed.style, source, formatter.plain)
        where = {"locator": Locator("paragraph", locator)} if locator else {}
        citations = [Citation([CitationItem(key, **where)]) for key in keys]
        for citation in citations:
            bibliography.register(citation)
        bibliography.sort()
        in_text = [str(bibliography.cite(citation, lambda _item: None)) for citation in citations]
        texts = [str(entry) for entry in bibliography.bibliography()]
    return [_entry(text, parsed.numbered) for text in texts], in_text


def _entry(text: str, numbered: bool) -> Entry:
    match = _NUMBER_LABEL.match(text) if numbered else None
    return Entry(match.group(1), match.group(2)) if match else Entry("", text)


def bibliography(items: list[dict], name: str) -> list[Entry]:
    """The items' bibliography in a style, in the style's order (numbered for GB/T)."""
    return _render(items, name)[0] if items else []


def reference(item: dict, name: str) -> str:
    """One item's reference in a style, without a number: ready to paste into a list."""
    return bibliography([item], name)[0].text


def cite(item: dict, name: str, paragraph: int) -> tuple[str, str]:
    """One item's reference (as :func:`reference`) and the in-text citation of its paragraph
    ``paragraph``, the paragraph as the locator, rendered together. citeproc-py takes tens of
    milliseconds for APA or MLA, so the last few thousand answers are kept."""
    return _cite(json.dumps(item, ensure_ascii=False, sort_keys=True), name, paragraph)


@lru_cache(maxsize=CACHED_CITATIONS)
def _cite(item_json: str, name: str, paragraph: int) -> tuple[str, str]:
    entries, in_text = _render([json.loads(item_json)], name, str(paragraph))
    return entries[0].text, in_text[0]
