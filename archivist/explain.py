"""How a query was read, said in plain Chinese: terms, phrases, OR, NOT, fields, folding."""

from __future__ import annotations

from .folding import fold
from .querylang import FieldTerm, ParsedQuery, QueryTerm

FIELD_NAMES_ZH = {"title": "报道标题（含副标题）", "author": "作者", "source": "报纸"}


def _quote(text: str) -> str:
    return f"“{text}”"


def term_reading(term: QueryTerm) -> str:
    """One term as the search reads it."""
    if term.quoted:
        return f"{_quote(term.folded)}：一字不差地出现（加了引号）"
    if term.words:
        words = "、".join(_quote(w) for w in term.words)
        return (
            f"{_quote(term.folded)}：整串出现的段落排在前面；"
            f"也找 {words} 分别出现的段落，排在后面并标为“词语分散”"
        )
    return f"{_quote(term.folded)}：段落中出现这串字"


def folding_note(term: QueryTerm | FieldTerm) -> str:
    """What folding changed in a term (traditional to simplified, full to half width), or ""."""
    raw = term.text.strip()
    folded = fold(raw)
    if folded == raw:
        if not isinstance(term, QueryTerm) or term.quoted or folded == term.folded:
            return ""
        return f"{_quote(raw)} 两端的标点不算在内，按 {_quote(term.folded)} 查找"
    return f"{_quote(raw)} 按 {_quote(folded)} 查找（繁体、全角字符统一成简体、半角）"


def field_reading(term: FieldTerm) -> str:
    verb = "不含" if term.negated else "含有"
    return f"{FIELD_NAMES_ZH[term.field]}{verb} {_quote(term.folded)}"


def explain(parsed: ParsedQuery) -> dict:
    """The reading of a parsed query: one line per condition, then the folding notes."""
    lines = []
    for group in parsed.groups:
        if len(group) == 1:
            lines.append(term_reading(group[0]))
        else:
            lines.append("以下任一（OR）：" + "；".join(term_reading(term) for term in group))
    lines.extend(f"排除含有 {_quote(term.folded)} 的段落" for term in parsed.excluded)
    lines.extend(field_reading(term) for term in parsed.fields)
    terms = [*parsed.positive_terms(), *parsed.excluded, *parsed.fields]
    notes = list(dict.fromkeys(note for term in terms if (note := folding_note(term))))
    both = len(parsed.groups) + len(parsed.excluded) + len(parsed.fields) > 1
    return {
        "lines": lines,
        "notes": notes,
        "joined": "段落须同时满足以上各条" if both else "",
    }
