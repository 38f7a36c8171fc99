"""CSL-JSON items as the files reference managers import: BibTeX, RIS and CSL-JSON.

Keys are ASCII, made with pypinyin from the newspaper, the year and the title's first two
characters (``zhuzhou2021chengqi``); keys repeated in one file get ``a``, ``b``… appended.
"""

from __future__ import annotations

import json
import re

from pypinyin import Style, lazy_pinyin

MEDIA_TYPES = {
    "ris": "application/x-research-info-systems",
    "bib": "application/x-bibtex",
    "json": "application/vnd.citationstyles.csl+json",
}
BIBTEX_TYPES = {
    "article-newspaper": "article",
    "article-magazine": "article",
    "article-journal": "article",
}
RIS_TYPES = {
    "article-newspaper": "NEWS",
    "article-magazine": "MGZN",
    "article-journal": "JOUR",
    "webpage": "ELEC",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_PAPER_SUFFIX = re.compile(r"(?:日报|晚报|早报|时报|商报|日報|晚報|時報|报社|报|報)$")
_HAN = re.compile(r"[\u3400-\u9fff]")
_BIB_SPECIAL = re.compile(r"([{}\\&%$#_~^])")


def _ascii(text: str, syllables: int) -> str:
    """Up to ``syllables`` pinyin syllables (or one Latin word) of a text, lowercase ASCII."""
    han = _HAN.findall(text)
    if han:
        words = lazy_pinyin("".join(han[:syllables]), style=Style.NORMAL)
    else:
        words = re.findall(r"[A-Za-z0-9]+", text)[:1]
    return re.sub(r"[^a-z0-9]", "", "".join(words).lower())


def citation_key(meta: dict) -> str:
    """An ASCII key: the newspaper's place (or the first author), the year, the title's start."""
    source = _PAPER_SUFFIX.sub("", meta.get("source") or "")
    authors = meta.get("authors") or []
    who = _ascii(source, 4) or (_ascii(authors[0], 3) if authors else "")
    year = str(meta.get("year") or "")
    title = _ascii(meta.get("title") or "", 2)
    key = f"{who}{year}{title}" or "report"
    return key if key[0].isalpha() else f"r{key}"


def unique_keys(items: list[dict]) -> list[dict]:
    """The items with ids made unique (``key``, ``keya``, ``keyb``…), in order."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        key = item["id"]
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key = f"{key}{_letters(count)}"
            item = item | {"id": key, "citation-key": key}
        out.append(item)
    return out


def _letters(count: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa."""
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _parts(item: dict, variable: str) -> list[int]:
    parts = (item.get(variable) or {}).get("date-parts") or [[]]
    return [int(p) for p in parts[0]]


def _estimated_year(item: dict) -> str:
    """``2021`` when the item's date is an estimated year (``[2021]``), else ""."""
    literal = str((item.get("issued") or {}).get("literal", ""))
    return literal.strip("[]") if re.fullmatch(r"\[\d{4}\]", literal) else ""


def _names(item: dict) -> list[str]:
    return [
        a.get("literal") or f"{a.get('family', '')}{a.get('given', '')}"
        for a in item.get("author", [])
    ]


def _bib_value(value: str) -> str:
    return _BIB_SPECIAL.sub(r"\\\1", value)


def _bibtex_entry(item: dict) -> str:
    kind = BIBTEX_TYPES.get(item["type"], "misc")
    issued = _parts(item, "issued")
    accessed = _parts(item, "accessed")
    container = "journal" if kind == "article" else "howpublished"
    estimated = _estimated_year(item)
    fields = [
        ("author", " and ".join("{" + _bib_value(n) + "}" for n in _names(item))),
        ("title", _bib_value(item.get("title", ""))),
        (container, _bib_value(item.get("container-title", ""))),
        ("year", f"[{estimated}]" if estimated else (str(issued[0]) if issued else "")),
        ("month", MONTHS[issued[1] - 1] if len(issued) > 1 else ""),
        ("date", "-".join(f"{p:02d}" for p in issued) if len(issued) > 1 else ""),
        ("pages", _bib_value(item.get("page", ""))),
        ("url", item.get("URL", "")),
        ("urldate", "-".join(f"{p:02d}" for p in accessed)),
        ("language", "chinese"),
    ]
    lines = [
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
        if value
    ]
    return f"@{kind}{{{item['id']},\n" + ",\n".join(lines) + ",\n}\n"


def bibtex(items: list[dict]) -> str:
    """A BibTeX file (``@article`` for newspapers, with journal, year, month and date)."""
    return "\n".join(_bibtex_entry(item) for item in unique_keys(items))


def _ris_date(parts: list[int]) -> str:
    """RIS dates are ``YYYY/MM/DD`` with the unknown parts left blank (``2021//``)."""
    padded = [f"{p:02d}" if i else str(p) for i, p in enumerate(parts)] + ["", "", ""]
    return "/".join(padded[:3])


def _ris_entry(item: dict) -> str:
    issued = _parts(item, "issued")
    estimated = _estimated_year(item)
    tags = [("TY", RIS_TYPES.get(item["type"], "GEN")), ("ID", item["id"])]
    tags += [("AU", name) for name in _names(item)]
    tags += [
        ("TI", item.get("title", "")),
        ("T2", item.get("container-title", "")),
        ("PY", estimated or (str(issued[0]) if issued else "")),
        ("DA", _ris_date(issued) if len(issued) > 1 else ""),
        ("SP", item.get("page", "")),
        ("UR", item.get("URL", "")),
        ("Y2", _ris_date(_parts(item, "accessed"))),
        ("LA", item.get("language", "")),
        ("N1", f"出版年为估计（[{estimated}]）" if estimated else ""),
    ]
    lines = [f"{tag}  - {' '.join(str(value).split())}" for tag, value in tags if value]
    return "\r\n".join([*lines, "ER  - "]) + "\r\n"


def ris(items: list[dict]) -> str:
    """An RIS file (``TY  - NEWS`` for newspapers), CRLF line ends as the format says."""
    return "\r\n".join(_ris_entry(item) for item in unique_keys(items))


def csl_json(items: list[dict]) -> str:
    """A CSL-JSON file: the list of items."""
    return json.dumps(unique_keys(items), ensure_ascii=False, indent=2) + "\n"
