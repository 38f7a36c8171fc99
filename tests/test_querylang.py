"""The query language: terms, quotes, OR, exclusion, limits; and the q parameter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archivist.query import ParamError, parse_search_args
from archivist.querylang import (
    MAX_QUERY_CHARS,
    MAX_TERM_CHARS,
    MAX_TERMS,
    MAX_WORDS,
    QuerySyntaxError,
    parse,
)


def shape(q: str) -> tuple[list[list[str]], list[str]]:
    """(groups of folded terms, excluded folded terms), quoted terms in quotes."""
    parsed = parse(q)

    def show(term):
        return f'"{term.folded}"' if term.quoted else term.folded

    return [[show(t) for t in group] for group in parsed.groups], [show(t) for t in parsed.excluded]


@pytest.mark.parametrize(
    ("q", "groups", "excluded"),
    [
        ("治安 交通", [["治安"], ["交通"]], []),
        ("治安 OR 交通", [["治安", "交通"]], []),
        ("治安 交通 OR 道路", [["治安"], ["交通", "道路"]], []),
        ("治安 -交通", [["治安"]], ["交通"]),
        ("-交通", [], ["交通"]),
        ('"社会 治理" 公安', [['"社会 治理"'], ["公安"]], []),
        ('-"社会 治理"', [], ['"社会 治理"']),
        ('"社会治理', [['"社会治理"']], []),  # unbalanced: the quote runs to the end
        ('""', [], []),
        ("OR", [], []),
        ("OR 治安", [["治安"]], []),
        ("治安 OR", [["治安"]], []),
        ("治安 OR OR 交通", [["治安", "交通"]], []),
        ("治安 -交通 OR 道路", [["治安", "道路"]], ["交通"]),
        ("or 治安", [["or"], ["治安"]], []),  # only upper-case OR is an operator
        ("-", [], []),
        ("，。！ …… ——", [], []),  # punctuation alone is ignored
        ('"，"', [['","']], []),  # but quoted punctuation is searched (， folds to ,)
        ('" "', [['" "']], []),
        ('" 治 "', [['" 治 "']], []),  # quotes keep spaces
        ("--治安", [], ["治安"]),  # punctuation around a plain term is dropped
        ("ＡＢＣ Ｈ125 １１０", [["abc"], ["h125"], ["110"]], []),
        ("掃黑除惡", [["扫黑除恶"]], []),
        ("＂社会＂", [["社会"]], []),  # full-width quotes are not operators: dropped as edges
        ("－交通", [["交通"]], []),
        ("ＯＲ", [["or"]], []),
        ("治*安 (治安) [a-z]+ .*", [["治*安"], ["治安"], ["a-z"]], []),  # no wildcards
    ],
)
def test_query_shapes(q, groups, excluded):
    assert shape(q) == (groups, excluded)


def test_plain_terms_carry_their_jieba_words():
    parsed = parse('社会治理 治安 "社会治理" -社会治理')
    plain, single, quoted = (group[0] for group in parsed.groups)
    assert plain.words == ("社会", "治理")
    assert single.words == ()
    assert quoted.words == ()
    assert parsed.excluded[0].words == ()


def test_limits_are_clear_errors():
    with pytest.raises(QuerySyntaxError, match=f"检索式超过 {MAX_QUERY_CHARS} 个字符"):
        parse("治" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QuerySyntaxError, match=f"检索词多于 {MAX_TERMS} 个"):
        parse(" ".join(["治安"] * (MAX_TERMS + 1)))
    with pytest.raises(QuerySyntaxError, match=f"检索词超过 {MAX_TERM_CHARS} 个字符"):
        parse("治" * (MAX_TERM_CHARS + 1))
    parse("治" * MAX_TERM_CHARS)
    parse(" ".join(["治安"] * MAX_TERMS))


def test_word_expansion_has_a_budget():
    term = "全省公安机关深入开展扫黑除恶专项斗争"  # many jieba words
    parsed = parse(" ".join([term] * MAX_TERMS))
    words = [len(t.words) for t in parsed.positive_terms()]
    assert words[0] > 3
    assert sum(words) <= MAX_WORDS
    assert words[-1] == 0  # over the budget: the whole string only


def test_the_q_parameter_reports_limits_as_param_errors():
    with pytest.raises(ParamError) as caught:
        parse_search_args({"q": "治" * 10_000})
    assert caught.value.param == "q"
    assert "检索式超过 500 个字符（10000）" in caught.value.message


def test_request_strings_are_valid_text():
    assert parse_search_args({"q": "\ud800治安"}).q == "\ufffd治安"


def test_needles_are_what_made_a_term_match():
    parsed = parse("社会治理 公安")
    assert parsed.needles("加强社会治理，公安机关") == ["社会治理", "公安"]
    assert parsed.needles("治理社会，公安") == ["社会", "治理", "公安"]
    assert parsed.is_exact("加强社会治理，公安机关")
    assert not parsed.is_exact("治理社会，公安")


ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=MAX_QUERY_CHARS)
QUERY_TEXT = st.lists(
    st.one_of(st.sampled_from(['"', "-", "OR", " ", "治安", "，", "*", "\x00"]), ANY_TEXT),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, QUERY_TEXT))
def test_any_string_parses_or_is_over_a_limit(q):
    try:
        parsed = parse(q)
    except QuerySyntaxError as error:
        assert str(error)
        return
    for term in [*parsed.positive_terms(), *parsed.excluded]:
        assert term.folded and len(term.folded) <= MAX_TERM_CHARS
    assert sum(len(t.words) for t in parsed.positive_terms()) <= MAX_WORDS


@pytest.mark.parametrize(
    ("query", "folded", "quoted"),
    [
        ("扫黑除恶。", "扫黑除恶", False),
        ("（H125）", "h125", False),
        ("“道路交通”", "道路交通", True),
        ("「社会治理」", "社会治理", True),
        ("理，加", "理,加", False),  # punctuation inside a term stays
    ],
)
def test_chinese_quotes_and_punctuation_around_terms(query, folded, quoted):
    (group,) = parse(query).groups
    assert [(t.folded, t.quoted) for t in group] == [(folded, quoted)]
