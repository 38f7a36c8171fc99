"""The query language: words, "quoted strings", OR, -exclusion.

``A B`` means both, ``A OR B`` either, ``-A`` not A, ``"A B"`` the exact string. OR binds tighter
than the implicit AND, so ``A B OR C`` is A and (B or C). Anything else is text: there are no
syntax errors, only limits on size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import cut, is_wordlike
from .folding import fold

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_TERM_CHARS = 120

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class QuerySyntaxError(ValueError):
    """A query over the limits; the message says which."""


@dataclass(frozen=True)
class QueryTerm:
    """One thing to look for: the folded string, and how it may match."""

    text: str
    folded: str
    quoted: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        """The jieba words of a plain term (empty for a quoted term or a single word)."""
        if self.quoted:
            return ()
        words = tuple(dict.fromkeys(cut(self.folded)))
        return words if len(words) > 1 else ()


@dataclass
class ParsedQuery:
    """A conjunction of disjunctions of terms, minus excluded terms."""

    groups: list[list[QueryTerm]] = field(default_factory=list)
    excluded: list[QueryTerm] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def positive_terms(self) -> list[QueryTerm]:
        return [term for group in self.groups for term in group]

    def highlight_strings(self) -> list[str]:
        """The folded strings to mark in matching text: each term and the words of plain ones."""
        strings: dict[str, None] = {}
        for term in self.positive_terms():
            strings[term.folded] = None
            for word in term.words:
                strings[word] = None
        return list(strings)


def _term(raw: str, quoted: bool) -> QueryTerm | None:
    folded = fold(raw).strip()
    if not folded or (not quoted and not is_wordlike(folded)):
        return None
    if len(folded) > MAX_TERM_CHARS:
        raise QuerySyntaxError(f"a search term is longer than {MAX_TERM_CHARS} characters")
    return QueryTerm(raw, folded, quoted)


def parse(text: str) -> ParsedQuery:
    """Parse a user's query string; raises QuerySyntaxError only for over-long queries."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"longer than {MAX_QUERY_CHARS} characters")
    parsed = ParsedQuery()
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(text):
        negated, quoted_text, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare == "OR":
                pending_or = bool(parsed.groups)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            term = _term(bare[1:] if negated else bare, quoted=False)
        else:
            term = _term(quoted_text, quoted=True)
        if term is None:
            continue
        count += 1
        if count > MAX_TERMS:
            raise QuerySyntaxError(f"more than {MAX_TERMS} search terms")
        if negated:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        pending_or = False
    return parsed
