"""Segmentation: report text to blocks, with layout repair and a kind for every block.

Every non-blank source line is one *piece*. Pieces get a kind in this order, each step only
looking at pieces that have no kind yet:

1. patterns (Simplified or Traditional): e-paper navigation, symbol-only lines, continuation
   notes (``（下转第二版）``, ``上接第1版``) and end marks (``（完）``) (``boilerplate``);
   e-paper date lines and ``时间：…`` lines (``dateline``); photo and editor credits
   (``记者 … 摄``, ``新华社记者 … 摄``, ``责任编辑：…``) (``credit``); captions that say so
   (``▲…``, ``图为…``/``圖為…``, or a sentence followed by its credit:
   ``民警展示收到的锦旗。通讯员供图``, ``…（资料图片）``, ``…照片来源：…``); strong bylines
   (``文/…``, ``记者 … 通讯员 …``, ``…局长 唐文发``, ``作者：… 时间：…``); numbered headings
   without final punctuation (``一、…``, ``（二）…``, ``第一，…``);
2. story headers: the report's header at the top (kickers, title, ``——`` subtitle, byline;
   the first line may be a long title; date lines and page labels above it are skipped; a
   "title" that only repeats part of the first line makes the first line the title) and,
   further down, the header of every story that opens with a news lead (``株洲日报讯(…)``,
   ``本报讯``, ``新华社…电``) or whose title is followed by a ``——`` subtitle or a byline. The
   title is the line just above the subtitle, byline or lead; short lines above it are kickers.
   A bare list of names (``戴鹏 周志军 李志亮 李慧娟``) is a byline only there;
3. captions: the first line after a wide gap (at least two blank lines more than the usual gap
   between paragraphs: where the e-paper had a photo) when it is short enough to describe a
   photo, and the short lines that follow it until body text resumes;
4. short lines without final punctuation: headings when body text follows them (a run of up to
   three makes a two- or three-line heading); a short line directly followed by photos and then
   by body text is rather the first piece of a paragraph cut by the photos, unless it has the
   two-phrase heading form (``深化五大防控 织密派出所主防网络``). Short lines that show they are
   fragments (an open quote or bracket, a trailing ``的``/``和``/comma, two commas, a next line
   starting with ``和``/``”``/a comma) are never headings;
5. a short one-clause sentence between a finished paragraph and a heading or caption is a
   caption (``在株洲城区上空执勤的警用直升机。``); everything else is body.

Then joins, on evidence only (clean text, each paragraph on its own, is the common case and
is left alone). A report is *damaged* when a body line stops mid-sentence after a full sentence
or after two clauses, when it carries a continuation note (``（下转第二版）``), or when lines
prove they were cut (a line followed by one that starts with punctuation, a long line cut
inside a word, two short lines cut inside words), unless its
paragraphs end without punctuation as a matter of style (most unfinished long lines followed by
more of them); its paragraphs are *indented* when most long lines start with white space. A
body piece that stops mid-sentence is joined with the next body piece when

- the evidence is strong, in any report: the next piece cannot open a paragraph (it starts
  with punctuation, with a connective standing as a word: ``与会…`` but not ``与此同时``, or
  with a clause of one character: ``前，…``), the piece ends with a connective or a Chinese
  comma, holds a full sentence before the cut (not in the unpunctuated style), opens a news
  lead (``本台消息（…）：``), or opens a quotation or bracket the next piece closes; in an
  indented report, the next piece is not indented;
- or the evidence is weak (the piece is longer than a heading, or has a clause) and the report
  is damaged, and the piece is not one of several unfinished lines that open alike
  (``五年来，…`` three times: parallel headings) nor a labelled line (``个案一：…``, unless a
  word is cut at its end) nor a headline whose phrases an ideographic space sets apart
  (``选举延期　候选人重新报名``), and the next piece ends its paragraph or is longer than a
  heading (a second half ends where the paragraph ends).

A piece that ends with the closing quote or bracket of one it opened (``…他说，“明年再办”``)
looks exactly like a paragraph end: only a next piece that cannot open a paragraph (or an
unindented one in an indented report) continues it.

Latin text goes on in lower case: a capital after a Latin line starts a new one unless the
line ends with a function word (``…written in`` + ``English…``). Table rows (``| … |``) are
never joined. A speaker's label (``张三：``) is none when the label ends a word or a bracket
cut in two (``…主要措`` + ``施包括：…``, ``本台消息（晚间`` + ``新闻）：…``).

Short unfinished lines are headings unless visibly continued: in an indented report by an
unindented line, by a line that cannot open a paragraph, a Latin line by one in lower case
(``…the Old Ro`` + ``ad to…``), after a line ending with a connective (``…和`` +
``县总工会联合举办``), across a page break (a continuation note, page label or e-paper date
line: headings are kept with their text, never left at the foot of a page) or across a photo's
lines that cannot be its own second half (a credit alone, a caption starting with ``▲`` or
``图为``), or, in a damaged report, when jieba's segmentation of the characters around the
break puts a word across it, not one of jieba's rarest (``…国际广播电`` + ``视信息…``; a word
made only out of context, ``…入场`` + ``面积…``, does not count). A numbered heading is
continued only by a line that cannot open a paragraph, across a page break or, in a damaged
report, by a word cut in two, and its second piece joins nothing more. A line continued by the
caption below it (punctuation, a closed quotation, a first word that jieba tags as a
conjunction, adverb or particle, or, in a damaged report, a word cut in two) is that caption's
first half: the two make one caption block.

Joins skip the lines printed inside a paragraph (captions, credits, page headers and
date lines, continuation notes): they stay blocks of their own and follow the joined
paragraph. A join never happens before a list item (``★``, ``——``, ``一、``, ``- ``,
``1)``), a news lead, a speaker's or labelled line (``村民 王五：``, ``6月9日：``), an indented
line of an indented report, a line that repeats the piece's first words (a heading the
paragraph quotes), nor after a short comma-ended line of verse (a report with four such
lines), nor where a quotation left open by the first piece is never closed by the second
(``深化“放管`` followed by an unrelated sentence is left alone). Joins stop at
``JOIN_MAX_CHARS`` (text without punctuation is not one endless paragraph). Nothing else
moves, nothing is lost: every non-blank line is in exactly one block, stripped of
surrounding white space. A fragment whose continuation was printed *before* it (a page
that ends with ``…你会发现,违`` continued higher up by ``规拖拉机…``) is not repaired: that would
reorder the text.

Everything is linear in the number of lines; lookahead and lookbehind are bounded.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .linekinds import (
    AUTHOR_LABELS,
    credit_label,
    has_credit_tail,
    is_end_mark,
    is_news_opening,
    is_numbered_heading,
    is_page_note,
    is_speaker_line,
    simplified,
    starts_with_connective,
    starts_with_function_word,
    word_across,
)

KINDS = (
    "title",
    "subtitle",
    "kicker",
    "byline",
    "heading",
    "body",
    "caption",
    "credit",
    "dateline",
    "boilerplate",
)

# Punctuation sets.
FINAL_PUNCT = "。！？…⋯!?；;：:."  # a piece ending with one of these ends its paragraph
SENTENCE_PUNCT = "。！？!?"  # marks counted as sentence ends inside a piece
CLAUSE_PUNCT = "，,；;：:"  # clause separators inside a sentence
CLOSERS = "”’」』）)】》〉\"'*＊"  # may follow the final punctuation (also the * of emphasis)
BRACKET_PAIRS = (("“", "”"), ("‘", "’"), ("（", "）"), ("(", ")"), ("《", "》"), ("「", "」"))
BRACKET_PAIRS += (("『", "』"), ("【", "】"), ("〈", "〉"))
CONTINUATION_PUNCT = "，。、；：？！,.;:?!”’）)》」』】…"  # punctuation that cannot start a line
# Characters that may open a paragraph as a clause of their own (``一，`` ``是，`` ``但，``).
ONE_CHARACTER_OPENERS = frozenset(
    "一二三四五六七八九十百千零〇两壹贰叁肆伍陆柒捌玖拾甲乙丙丁"
    "是对好嗯哦噢啊唉哎喂嘿呀哇呵哈咦唔嗨否不错行"
    "但而故可且又则另若如因即总其此今昨明首次再末终先后外"
)
CONNECTIVE_END = "的和与及或，,、"  # cannot end a heading
COMMA_END = "，,、"  # a line ending with one of these stops mid-sentence
DASHES = ("——", "--", "—")

# Lengths, in characters.
HEADING_MAX_CHARS = 32  # headings and image labels are at most this long
TITLE_MAX_CHARS = 40
FIRST_TITLE_MAX_CHARS = 120  # the report's first line may be a long title
SHORT_SENTENCE_MAX_CHARS = 30  # a short one-clause sentence (possible caption)
LONE_CAPTION_MAX_CHARS = 24  # a caption without a wide gap before it is at most this long
CAPTION_MAX_CHARS = 100  # a caption after a wide gap is at most this long
BYLINE_MAX_CHARS = 60
SUBTITLE_MAX_CHARS = 50
DATELINE_MAX_CHARS = 60
MAX_KICKERS = 2
MAX_HEADING_RUN = 3
HEADER_SCAN = 6  # pieces looked at for the report's header
WIDE_GAP_EXTRA = 2  # blank lines beyond the usual gap that mark a photo
JOIN_MAX_CHARS = 10_000  # joins stop before a paragraph grows longer (unpunctuated text)
INDENTED_MIN_LINES = 3  # indented long lines that make a report's paragraphs indented
DAMAGE_MIN_CLAUSES = 2  # an unfinished line with this many clauses shows damage
PROVEN_WORDS_CUT = 2  # short lines cut inside a word that show a report's damage
REPEAT_MIN_CHARS = 8  # a line whose first characters the next paragraph repeats is a heading
UNPUNCTUATED_MIN_LINES = 4  # unfinished long lines that show the author's style
UNPUNCTUATED_SHARE = 0.6  # unfinished lines mostly followed by unfinished ones: style
VERSE_MIN_LINES = 4  # short comma-ended lines that make a report verse (never joined)
OPENING_MIN_CHARS = 2  # an opening clause shared by unfinished lines marks parallel headings
OPENING_MAX_CHARS = 6
PARALLEL_MIN_LINES = 3  # unfinished heading-length lines sharing an opening: parallel headings
PARALLEL_MAX_CHARS = 60
LATIN_TAIL_CHARS = 12  # a line whose last characters are mostly Latin letters is Latin text


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of a constant."""
    return tuple(text.split())


CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

BOILERPLATE_WORDS = frozenset(
    _words(
        "版面导航 上一篇 下一篇 上一版 下一版 上一期 下一期 返回目录 返回首页 返回顶部 回到顶部 "
        "返回 目录 首页 本版导航 版面目录 本版目录 往期回顾 打印 打印本页 关闭 关闭窗口 分享 "
        "分享到 字号 大 中 小 默认 放大 缩小 收藏 复制链接 扫一扫 上一张 下一张 PDF版 pdf版 电子版"
    )
)
_BOILERPLATE_INITIALS = frozenset("|｜/／·•<>«»【】[]：:（）()" + "".join(BOILERPLATE_WORDS))
_BOILERPLATE_SPLIT = re.compile(r"[\s|｜/／·•<>«»【】\[\]：:（）()]+")
_PAGE_LABEL = re.compile(r"^第\s*[A-Za-z]?\d{1,3}\s*版\s*[：:]?.{0,12}$")
_SYMBOLS_ONLY = re.compile(rf"^[^0-9A-Za-z{CJK}]+$")

_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日天]")

_CREDIT_PROVIDED = re.compile(
    r"^[（(【]?\s*(?:本版|本组|本文|文中|以上|上|下|左|右)?(?:图片|照片|图|视频)"
    r"(?:均|皆)?(?:由|来自).{1,40}(?:提供|供图)\s*[）)】]?$"
)
_CREDIT_SOURCE = re.compile(
    r"^[（(【]?\s*(?:图片来源|图源|图片|照片|图|摄影|供图|摄)\s*[:：/／].{1,40}[）)】]?$"
)
_PHOTO_SUFFIX = re.compile(r"\s*(?:摄影|摄|供图)\s*[）)】]?$")
_CREDIT_BARE = re.compile(r"^[（(]?(?:记者|通讯员|本报|资料)?(?:供图|摄|图)[）)]?$")

LEAD_SOURCE = re.compile(
    rf"^(?P<source>本报|[{CJK}A-Za-z]{{2,10}}?(?:日报|晚报|早报|时报|商报|报|新闻网|网|电视台|融媒))讯"
)
AGENCY_LEAD = re.compile(
    rf"^(?P<source>新华社|中新社|中国新闻社|人民网|央视网)[{CJK}]{{0,10}}"
    r"(?:\d{1,2}月\d{1,2}日)?电"
)
_TRAILING_NOTE = re.compile(r"\s*\*?[（(][^（()）]{1,40}[）)]\*?\s*$")  # *(…)*: emphasis
_LIST_MARKER = re.compile(
    r"^(?:[★☆▲△●○■□◆◇※➤►•]|——|--|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|[一二三四五六七八九十]{1,3}、|\d{1,2}[、．.](?!\d)|第[一二三四五六七八九十\d]{1,3}[，,、是]"
    r"|[⬤⚫◎○●\-*＊]\s?|\[\d{1,3}\]|\d{1,2}[）)]"
    r"|[（(][A-Za-z][）)]|[A-Za-z][.．)）]\s)"
)
_TABLE_ROW = re.compile(r"^[|｜].*[|｜]$")  # a row of a table: a line of its own
_CAPTION_MARKER = re.compile(r"^(?:[▲△▼▽↑↓←→◀▶]|(?:上|下|左|右|左上|右上|左下|右下)?图为|图[:：])")
_TWO_PHRASES = re.compile(rf"^\S*[{CJK}]\S*\s+\S*[{CJK}]\S*$")

# Bylines.
AUTHOR_ROLES = _words(
    "全媒体记者 融媒体记者 本报记者 特约记者 见习记者 首席记者 实习记者 记者 特约通讯员 "
    "通讯员 实习生 撰文 文字 作者 图文 文图 文"
)
PHOTO_ROLES = _words("摄影记者 摄影 摄像 供图 制图 视频 图片 图 摄")
EDITOR_ROLES = _words("责任编辑 责编 编辑 校对 审核 审校")
ROLES = tuple(sorted(AUTHOR_ROLES + PHOTO_ROLES + EDITOR_ROLES, key=len, reverse=True))
ROLE_SUFFIXES = _words(
    "长 书记 主任 委员 主席 记者 通讯员 教授 研究员 政委 编辑 律师 法官 检察官 警官 代表 "
    "作者 专家 顾问 经理 董事 院士 博士 老师"
)
ORG_SUFFIXES = tuple("局会社部委院厅所队报台站处科办室组馆团网厂校省市县区镇乡村")
COMPOUND_SURNAMES = _words(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 独孤 南宫 西门 "
    "端木 轩辕 呼延 申屠 万俟 闻人 澹台 公冶 太史 钟离 宗政 濮阳 淳于 单于"
)
_BYLINE_SPLIT = re.compile(r"[\s/／:：|｜、，,（）()\[\]【】]+")
_NAME = re.compile(rf"^[{CJK}·]{{2,4}}$")
_BRACKETS = re.compile("[" + re.escape("".join(a + b for a, b in BRACKET_PAIRS)) + "]")
_ROLE_INITIALS = frozenset(role[0] for role in ROLES) | frozenset("新中央总本人")
# A role after a news organisation: 新华社记者, 央视记者, 人民日报记者, 本台记者.
_ORG_ROLE = re.compile(
    rf"^(?:新华社|中新社|央视|总台|本台|本报|[{CJK}]{{1,8}}?(?:日报|晚报|报|社|电视台|台|网))"
    r"(?P<role>" + "|".join(sorted(AUTHOR_ROLES + PHOTO_ROLES, key=len, reverse=True)) + ")$"
)
_SPACE_OR_LIST = re.compile(r"[\s、]")
_CREDIT_KEYS = ("图", "摄", "照", "提供")


@dataclass(frozen=True)
class Block:
    """One paragraph-like block of a report, with its original characters."""

    kind: str
    text: str
    story: str = ""
    lines: tuple[int, ...] = ()


@dataclass(slots=True)
class _Piece:
    """One non-blank source line and what the segmenter found out about it."""

    number: int
    text: str
    gap_before: int
    gap_after: int = 0
    kind: str = ""
    wide_before: bool = False
    wide_after: bool = False
    final: bool = False
    shape: str = "L"  # H: short, unfinished; S: short one-clause sentence; L: anything else
    lead: bool = False
    indent: bool = False  # the source line starts with white space
    cut: bool = False  # found to be the first piece of a paragraph cut by photos
    heading_tail: bool = False  # the second piece of a numbered heading cut in two
    caption_head: bool = False  # the first piece of the caption printed right below it


# ---------------------------------------------------------------- punctuation and shape


def ends_sentence(text: str) -> bool:
    """True when the text ends with sentence-final punctuation (closing quotes allowed), or
    with a note in brackets after it (``…。（记者 张三）``, ``…。（本版图片均由…提供）``)."""
    stripped = text.rstrip(CLOSERS + " ")
    if stripped and stripped[-1] in FINAL_PUNCT:
        return True
    note = _TRAILING_NOTE.search(text)
    return bool(note) and ends_sentence(text[: note.start()])


def open_brackets(text: str) -> set[str]:
    """Opening quotes/brackets that the text leaves unclosed."""
    if not _BRACKETS.search(text):
        return set()
    return {
        opener
        for opener, closer in BRACKET_PAIRS
        if text.count(opener) > text.count(closer) and opener != closer
    }


def unopened_closers(text: str) -> set[str]:
    """Openers of the closing quotes/brackets in the text that close something opened before
    it (a closer before the first opener, or more closers than openers)."""
    found: set[str] = set()
    if not _BRACKETS.search(text):
        return found
    for opener, closer in BRACKET_PAIRS:
        first_closer = text.find(closer)
        if first_closer == -1:
            continue
        first_opener = text.find(opener)
        before = first_opener == -1 or first_closer < first_opener
        if before or text.count(closer) > text.count(opener):
            found.add(opener)
    return found


def _counter(chars: str):
    """A function counting the characters of a text that are in ``chars``."""
    pattern = re.compile("[" + re.escape(chars) + "]")
    return lambda text: len(pattern.findall(text))


_sentence_marks = _counter(SENTENCE_PUNCT)
_clause_marks = _counter(CLAUSE_PUNCT)
_cjk_clause_marks = _counter("，；")  # clauses of Chinese text (not Latin commas, not colons)


def _starts_mid(text: str) -> bool:
    """A line that cannot start a paragraph: punctuation or a connective word first, or a
    clause of one character (``前，等着…``: no paragraph opens so, but for a numeral or a
    word such as ``是，`` or ``但，``)."""
    if text[0] in CONTINUATION_PUNCT or starts_with_connective(text):
        return True
    return text[1:2] == "，" and text[0] not in ONE_CHARACTER_OPENERS and _is_cjk(text[0])


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _looks_unfinished(text: str) -> bool:
    """True when a short line shows it is a paragraph fragment rather than a heading."""
    return (
        bool(open_brackets(text))
        or bool(unopened_closers(text))
        or _starts_mid(text)
        or text[-1] in CONNECTIVE_END
        or _clause_marks(text) > 1
    )


def _shape(text: str, final: bool) -> str:
    """H (short, no final punctuation), S (short one-clause sentence) or L (other)."""
    length = len(text)
    sentences = _sentence_marks(text)
    clauses = _clause_marks(text)
    if not final:
        if length <= HEADING_MAX_CHARS and sentences == 0 and not _looks_unfinished(text):
            return "H"
        return "L"
    if length <= SHORT_SENTENCE_MAX_CHARS and sentences <= 1 and clauses == 0:
        return "S"
    return "L"


def _two_phrases(text: str) -> bool:
    """True for the two-phrase heading form ``深化五大防控 织密派出所主防网络``."""
    return bool(_TWO_PHRASES.match(text))


# ---------------------------------------------------------------- patterns


def is_boilerplate(text: str) -> bool:
    """E-paper navigation (``版面导航``, ``上一篇 下一篇``), page labels, symbol-only lines."""
    if _SYMBOLS_ONLY.match(text) or _PAGE_LABEL.match(text):
        return True
    if len(text) > BYLINE_MAX_CHARS or text[0] not in _BOILERPLATE_INITIALS:
        return False
    words = [word for word in _BOILERPLATE_SPLIT.split(text) if word]
    return bool(words) and all(word in BOILERPLATE_WORDS for word in words)


def is_dateline(text: str) -> bool:
    """An e-paper date line: ``2024年02月16日 星期五`` (maybe with paper name and page)."""
    if len(text) > DATELINE_MAX_CHARS or "年" not in text or _sentence_marks(text):
        return False
    if "，" in text or "," in text:
        return False
    match = _DATE.search(text)
    if not match:
        return False
    rest = (text[: match.start()] + text[match.end() :]).strip()
    return bool(_WEEKDAY.search(text)) or not rest


def is_credit(text: str) -> bool:
    """A photo credit alone: ``（本版图片均由…提供）``, ``记者/沈全华 通讯员/付强 摄``."""
    if len(text) > BYLINE_MAX_CHARS or not any(key in text for key in _CREDIT_KEYS):
        return False
    if _sentence_marks(text):
        return False
    if any(pattern.match(text) for pattern in (_CREDIT_PROVIDED, _CREDIT_SOURCE, _CREDIT_BARE)):
        return True
    return _photographers(text)


def _photographers(text: str) -> bool:
    """Names and roles followed by 摄/供图: ``记者/沈全华 通讯员/付强 摄``, ``通讯员供图``."""
    match = _PHOTO_SUFFIX.search(text)
    if not match:
        return False
    tokens = _byline_tokens(text[: match.start()])
    return bool(tokens) and all(t in ROLES or _is_name(t, plain=True) for t in tokens)


def is_credited_caption(text: str) -> bool:
    """A caption with its credit: ``民警展示收到的锦旗。通讯员供图``, ``▲民警巡逻``."""
    if len(text) > CAPTION_MAX_CHARS:
        return False
    if _CAPTION_MARKER.match(text):
        return True
    end = max(text.rfind(mark) for mark in SENTENCE_PUNCT)
    tail = text[end + 1 :].strip()
    return end > 0 and bool(tail) and _sentence_marks(text[:end]) == 0 and is_credit(tail)


def _is_name(token: str, plain: bool = False) -> bool:
    """A person's name: 2-4 Chinese characters (4 only after a compound surname in a plain list)."""
    if not _NAME.match(token) or token.endswith(ORG_SUFFIXES) or token in ROLES:
        return False
    return not (plain and len(token) == 4 and not token.startswith(COMPOUND_SURNAMES))


def _byline_tokens(text: str) -> list[str]:
    """Tokens of a byline, a role glued to a name (``记者沈全华``) split in two."""
    tokens: list[str] = []
    for token in _BYLINE_SPLIT.split(text.strip("（）() ")):
        if not token:
            continue
        org_role = _ORG_ROLE.match(token) if token not in ROLES else None
        if org_role:
            tokens.append(org_role.group("role"))
            continue
        role = next((r for r in ROLES if token.startswith(r) and token != r), "")
        if role and _is_name(token[len(role) :]):
            tokens += [role, token[len(role) :]]
        else:
            tokens.append(token)
    return tokens


def _role_byline(tokens: list[str]) -> list[str] | None:
    """Names of a byline that starts with a role (``文/刘琼 邱宇松 供图/株洲市公安局``)."""
    names: list[str] = []
    photo = False
    for token in tokens:
        if token in ROLES:
            photo = token in PHOTO_ROLES or token in EDITOR_ROLES
        elif _is_name(token):
            if not photo:
                names.append(token)
        elif not photo:
            return None
    return names or None


def _titled_byline(text: str, tokens: list[str]) -> list[str] | None:
    """Names after an office (``市人民政府副市长、市公安局局长 唐文发``)."""
    if not re.search(r"\s", text):
        return None
    count = 0
    while count < len(tokens) and _is_name(tokens[-1 - count]):
        count += 1
    offices = tokens[: len(tokens) - count]
    if not count or count > 3 or not offices:
        return None
    if all(office.endswith(ROLE_SUFFIXES) for office in offices):
        return tokens[len(tokens) - count :]
    return None


def _may_be_byline(text: str) -> bool:
    """Cheap test: a byline starts with a role or has names separated by spaces."""
    return text.lstrip("（(")[:1] in _ROLE_INITIALS or bool(_SPACE_OR_LIST.search(text))


def parse_byline(text: str, plain: bool = False) -> list[str] | None:
    """The author names of a byline, or None when the text is no byline.

    With ``plain`` a bare list of names (``戴鹏 周志军 李志亮 李慧娟``) also counts: it is
    only a byline where a byline is expected, below a title.
    """
    if len(text) > BYLINE_MAX_CHARS or not _may_be_byline(text):
        return None
    if ends_sentence(text) or _sentence_marks(text):
        return None
    tokens = _byline_tokens(text)
    if not tokens:
        return None
    if tokens[0] in ROLES:
        return _role_byline(tokens)
    titled = _titled_byline(text, tokens)
    if titled:
        return titled
    if plain and len(tokens) >= 2 and all(_is_name(token, plain=True) for token in tokens):
        return tokens
    return None


def parse_lead(text: str) -> tuple[str, list[str]] | None:
    """(source, author names) of a news lead (``株洲日报讯(全媒体记者/沈全华 通讯员/付强)``).

    The source is "" for ``本报讯``; None when the text is not a news lead.
    """
    if "讯" not in text[:16] and "电" not in text[:32]:
        return None
    match = LEAD_SOURCE.match(text) or AGENCY_LEAD.match(text)
    if not match:
        return None
    source = match.group("source")
    rest = text[match.end() :]
    names: list[str] = []
    inner = re.match(r"\s*[（(]([^（）()]{1,60})[）)]", rest)
    if inner:
        names = parse_byline(inner.group(1)) or []
    return ("" if source == "本报" else source), names


def is_subtitle(text: str) -> bool:
    """A ``——`` subtitle line: short, starts with a dash, no sentence inside."""
    return (
        text.startswith(DASHES)
        and len(text) <= SUBTITLE_MAX_CHARS
        and not _sentence_marks(text)
        and len(text.lstrip("—-")) > 0
    )


def _title_like(piece: _Piece, first: bool = False) -> bool:
    """A line that could be a title or kicker: short, no full stop, no kind yet (the report's
    first line may be longer)."""
    text = piece.text
    longest = FIRST_TITLE_MAX_CHARS if first else TITLE_MAX_CHARS
    if piece.kind or piece.lead or len(text) > longest or "。" in text:
        return False
    unfinished = (
        bool(open_brackets(text)) or text[-1] in COMMA_END if first else _looks_unfinished(text)
    )
    if unfinished:
        return False
    return not ends_sentence(text) or text.rstrip(CLOSERS)[-1] in "！？!?…⋯"


# ---------------------------------------------------------------- pieces


def _pieces(text: str) -> list[_Piece]:
    """Non-blank lines with their line numbers and the blank lines around them."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[_Piece] = []
    blank = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            blank += 1
            continue
        if pieces:
            pieces[-1].gap_after = blank
        pieces.append(_Piece(number, stripped, blank, indent=line[:1].isspace()))
        blank = 0
    return pieces


def _measure(pieces: list[_Piece]) -> None:
    """Shapes, wide gaps and news leads."""
    gaps = Counter(piece.gap_before for piece in pieces[1:])
    usual = gaps.most_common(1)[0][0] if gaps else 0
    wide = usual + WIDE_GAP_EXTRA
    for index, piece in enumerate(pieces):
        piece.final = ends_sentence(piece.text)
        piece.shape = _shape(piece.text, piece.final)
        piece.wide_before = index > 0 and piece.gap_before >= wide
        piece.wide_after = index + 1 < len(pieces) and piece.gap_after >= wide
        piece.lead = parse_lead(piece.text) is not None
    for piece, following in itertools.pairwise(pieces):
        if piece.shape == "H" and _starts_mid(following.text):
            piece.shape = "L"


def _mark_patterns(pieces: list[_Piece]) -> None:
    """Kinds told by the line alone."""
    for piece in pieces:
        piece.kind = _pattern_kind(piece)


_LABEL_KINDS = {label: "dateline" for label in ("时间", "发布时间", "发表时间", "更新时间", "日期")}


def _pattern_kind(piece: _Piece) -> str:
    """The kind a line shows by itself, or ""."""
    text = piece.text
    if is_boilerplate(text) or is_page_note(text) or is_end_mark(text):
        return "boilerplate"
    if is_dateline(text):
        return "dateline"
    label = credit_label(text)
    if label:
        return _LABEL_KINDS.get(label, "byline" if label in AUTHOR_LABELS else "credit")
    plain = simplified(text)
    if is_credit(plain):
        return "credit"
    if is_credited_caption(plain) or has_credit_tail(text):
        return "caption"
    if not piece.lead and parse_byline(text) is not None:
        return "byline"
    if is_numbered_heading(text, piece.final):
        return "heading"
    return ""


# ---------------------------------------------------------------- stories


@dataclass
class _Story:
    """A story: the index of its first piece and its title."""

    start: int
    title: str


def _mark_header(pieces: list[_Piece], title: int, kickers: list[int]) -> None:
    """Give the title and kicker kinds."""
    pieces[title].kind = "title"
    for index in kickers:
        pieces[index].kind = "kicker"


def _mark_after_title(pieces: list[_Piece], index: int) -> int:
    """Subtitles and bylines right below a title; returns the index after them."""
    while index < len(pieces):
        piece = pieces[index]
        if piece.kind in ("", "byline") and is_subtitle(piece.text):
            piece.kind = "subtitle"
        elif piece.kind == "byline" or (
            not piece.kind and parse_byline(piece.text, plain=True) is not None
        ):
            piece.kind = "byline"
        else:
            break
        index += 1
    return index


def _kickers_above(pieces: list[_Piece], title: int, floor: int) -> list[int]:
    """Title-like lines right above a title (at most MAX_KICKERS), not above ``floor``."""
    kickers: list[int] = []
    index = title - 1
    while index >= floor and len(kickers) < MAX_KICKERS and _title_like(pieces[index]):
        kickers.insert(0, index)
        index -= 1
    return kickers


def _is_anchor(pieces: list[_Piece], index: int) -> bool:
    """A line that follows a title: a ``——`` subtitle, a byline or a news lead."""
    piece = pieces[index]
    if piece.lead or piece.kind == "byline":
        return True
    if piece.kind:
        return False
    return is_subtitle(piece.text) or parse_byline(piece.text, plain=True) is not None


_PAGE_KINDS = ("boilerplate", "dateline")  # may stand above a report's title


def _report_header(pieces: list[_Piece]) -> tuple[_Story, int] | None:
    """Kickers, title, subtitle and byline at the top of the report; the story and the index
    of the first piece after the header."""
    top = [i for i, p in enumerate(pieces[: HEADER_SCAN * 2]) if p.kind not in _PAGE_KINDS]
    top = top[:HEADER_SCAN]
    if not top or not _title_like(pieces[top[0]], first=True):
        return None
    title = top[0]
    for position, index in enumerate(top[1:], start=1):
        if _is_anchor(pieces, index):
            title = top[position - 1]
            break
        if not _title_like(pieces[index]):
            break
    title = _title_not_repeated(pieces, top, title)
    kickers = [i for i in top if i < title][-MAX_KICKERS:]
    if any(not _title_like(pieces[i]) for i in kickers):
        kickers = []
    _mark_header(pieces, title, kickers)
    return _Story(0, pieces[title].text), _mark_after_title(pieces, title + 1)


def _title_not_repeated(pieces: list[_Piece], top: list[int], title: int) -> int:
    """The first line when the line found as the title only repeats part of it (a report
    titled ``2021年政府工作报告`` that starts again with ``政府工作报告``): that is no kicker."""
    first = top[0]
    if title != first and pieces[title].text in pieces[first].text:
        return first
    return title


def _story_headers(pieces: list[_Piece], after: int) -> list[_Story]:
    """Stories further down: a title above a news lead, a ``——`` subtitle or a byline."""
    stories: list[_Story] = []
    index = after
    while index < len(pieces):
        if not (index > after and _title_like(pieces[index - 1]) and _is_anchor(pieces, index)):
            index += 1
            continue
        title = index - 1
        kickers = _kickers_above(pieces, title, after)
        _mark_header(pieces, title, kickers)
        stories.append(_Story(kickers[0] if kickers else title, pieces[title].text))
        index = max(_mark_after_title(pieces, index), index + 1)
    return stories


def _find_stories(pieces: list[_Piece]) -> list[_Story]:
    """Mark the headers of the report and of its stories; the stories in reading order."""
    header = _report_header(pieces)
    first, header_end = header if header else (_Story(0, ""), 0)
    return [first, *_story_headers(pieces, header_end)]


# ---------------------------------------------------------------- captions and headings


def _caption_like(piece: _Piece) -> bool:
    """Short enough, and at most one sentence, to describe a photo."""
    text = piece.text
    if piece.kind or piece.lead or len(text) > CAPTION_MAX_CHARS:
        return False
    if _CAPTION_MARKER.match(text):
        return True
    return _sentence_marks(text) <= 1 and not _starts_mid(text)


def _next_is_body(pieces: list[_Piece], index: int) -> bool:
    """True when the piece at ``index`` is body text: a long line, or a short sentence
    followed by a long line."""
    if index >= len(pieces) or pieces[index].kind or pieces[index].wide_before:
        return False
    piece = pieces[index]
    if piece.shape == "L":
        return True
    if piece.shape == "S" and index + 1 < len(pieces):
        following = pieces[index + 1]
        return not following.kind and following.shape == "L" and not following.wide_before
    return False


def _heading_run(pieces: list[_Piece], index: int) -> int:
    """The index after the run of short unfinished lines starting at ``index``."""
    end = index + 1
    while (
        end < len(pieces)
        and end - index < MAX_HEADING_RUN
        and not pieces[end].kind
        and pieces[end].shape == "H"
        and not pieces[end].wide_before
    ):
        end += 1
    return end


def _mark_captions(pieces: list[_Piece]) -> None:
    """Captions: the first line after a wide gap and the short lines that follow it."""
    for index, piece in enumerate(pieces):
        if not piece.wide_before or not _caption_like(piece):
            continue
        previous = pieces[index - 1]
        section_break = previous.kind == "" and previous.final and previous.shape == "L"
        if piece.shape == "H" and section_break and _next_is_body(pieces, index + 1):
            continue  # a heading after a wide gap, not a photo label
        piece.kind = "caption"
        _extend_caption_zone(pieces, index + 1)


def _extend_caption_zone(pieces: list[_Piece], index: int) -> None:
    """Short lines right after a caption are captions too, until body text resumes."""
    while index < len(pieces):
        piece = pieces[index]
        if piece.wide_before:
            return
        if piece.kind == "credit":
            index += 1
            continue
        if piece.kind or piece.lead or piece.shape == "L":
            return
        if piece.shape == "H" and _next_is_body(pieces, _heading_run(pieces, index)):
            return
        if piece.shape == "S" and _next_is_body(pieces, index + 1):
            return
        piece.kind = "caption"
        index += 1


def _after_photos(pieces: list[_Piece], index: int) -> int:
    """The index of the first piece after the captions and credits starting at ``index``."""
    while index < len(pieces) and pieces[index].kind in ("caption", "credit"):
        index += 1
    return index


def _mark_continued(pieces: list[_Piece], layout: _Layout) -> None:
    """Short unfinished lines and numbered headings that a paragraph visibly continues are
    body, not headings (see :func:`_continued_by`)."""
    for index, piece in enumerate(pieces):
        if not _may_be_cut(piece):
            continue
        following = _after_inserts(pieces, index + 1)
        if following >= len(pieces) or pieces[following].kind:
            continue
        after = pieces[following]
        between = pieces[index + 1 : following]
        if _continued_by(piece, after, layout, between):
            after.heading_tail = piece.kind == "heading"
            piece.kind = "body"
            piece.cut = True
            after.kind = "body"


def _after_page_break(pieces: list[_Piece], index: int) -> int:
    """The index of the first piece after the page-break lines starting at ``index``."""
    while index < len(pieces) and is_page_break(pieces[index].text):
        index += 1
    return index


def _mark_cut_captions(pieces: list[_Piece], layout: _Layout) -> None:
    """An unfinished line visibly continued by the caption below it (the caption's second
    half, with its credit: ``…中`` + ``国队夺冠。记者 摄``) is that caption's first half."""
    for index, piece in enumerate(pieces):
        if piece.kind or piece.final:
            continue
        following = _after_page_break(pieces, index + 1)
        if following >= len(pieces) or pieces[following].kind != "caption":
            continue
        caption = pieces[following]
        if _CAPTION_MARKER.match(simplified(caption.text)):
            continue  # a caption that starts with its mark is whole
        if _caption_continues(piece, caption, layout):
            piece.kind = "caption"
            piece.caption_head = True


def _caption_continues(piece: _Piece, caption: _Piece, layout: _Layout) -> bool:
    """True when the caption starts mid-sentence where ``piece`` stops: with punctuation, with
    the closing quote of a quotation ``piece`` opens, with a conjunction, adverb or particle,
    or (in a damaged report) with the end of a word ``piece`` begins."""
    if caption.text[0] in CONTINUATION_PUNCT:
        return True
    if open_brackets(piece.text) & unopened_closers(caption.text):
        return True
    if starts_with_function_word(caption.text):
        return True  # ``…在当地`` + ``也举行了示威。记者 摄``
    return layout.damaged and bool(word_across(piece.text, caption.text))


def _mark_connective_ends(pieces: list[_Piece]) -> None:
    """A short line right after a line that ends with a connective (``…和``, ``…与``, ``…、``)
    is that line's continuation, not a heading."""
    for index, piece in enumerate(pieces):
        if piece.kind or piece.final or piece.shape != "L" or piece.text[-1] not in "和与及或、":
            continue
        following = _after_inserts(pieces, index + 1)
        if following < len(pieces) and not pieces[following].kind:
            after = pieces[following]
            if after.shape == "H" and _may_continue(open_brackets(piece.text), after.text):
                after.kind = "body"


def _may_be_cut(piece: _Piece) -> bool:
    """A short unfinished line not yet told apart, or a numbered heading: either may be the
    first piece of a paragraph that a page break cut."""
    return (not piece.kind and piece.shape == "H") or (piece.kind == "heading" and not piece.final)


def is_page_break(text: str) -> bool:
    """A line printed where a page ends or starts: a continuation note (``（下转第二版）``), a
    page label (``第A03版 综合新闻``) or an e-paper date line (``2031年5月6日 星期二``)."""
    return is_page_note(text) or bool(_PAGE_LABEL.match(text)) or is_dateline(text)


def _whole_photo_line(piece: _Piece) -> bool:
    """A photo's line that cannot be the second half of the line above it: a credit alone
    (``记者 王五 摄``) or a caption that starts with its mark (``▲…``, ``图为…``)."""
    return piece.kind == "credit" or (
        piece.kind == "caption" and bool(_CAPTION_MARKER.match(simplified(piece.text)))
    )


def _continued_by(piece: _Piece, after: _Piece, layout: _Layout, between: list[_Piece]) -> bool:
    """True when a short unfinished line (or a numbered heading) is visibly continued by
    ``after``: the next line starts with punctuation, or a page break stands between them
    (headings are kept with the text below them, never left at the foot of a page). For a
    short line, also: an indented line followed by an unindented one in a report with indented
    paragraphs, a news opening, or, in a damaged report, a word made by its last
    characters and the next line's first ones (``…国际广播电`` + ``视信息…``)."""
    if after.text[0] in CONTINUATION_PUNCT:
        return True
    if _latin_edge(piece.text, after.text) and after.text[0].islower():
        return True  # a Latin word or sentence cut in two: ``…The Hong K`` + ``ong Way``
    if between and all(is_page_break(line.text) for line in between):
        return True
    if layout.indented and piece.indent and not after.indent:
        return True
    if layout.damaged and word_across(piece.text, after.text):
        return True  # a word cut in two where the report shows page breaks
    if piece.kind == "heading":
        return False  # a numbered heading needs the evidence above
    photos = bool(between) and all(_whole_photo_line(line) for line in between)
    if photos and after.shape != "H" and not _two_phrases(piece.text):
        return True  # cut by photos
    return is_news_opening(piece.text)


def _mark_headings(pieces: list[_Piece]) -> None:
    """Short unfinished lines: headings, or the first piece of a paragraph cut by photos."""
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        if piece.kind or piece.shape != "H":
            index += 1
            continue
        end = _heading_run(pieces, index)
        last = pieces[end - 1]
        if (
            last.wide_after
            and end < len(pieces)
            and pieces[end].kind == "caption"
            and not _two_phrases(last.text)
        ):
            resumed = _after_photos(pieces, end)
            resumed_piece = pieces[resumed] if resumed < len(pieces) else None
            if resumed_piece and not resumed_piece.kind and resumed_piece.shape != "H":
                last.kind = "body"  # cut by the photos; joined later
                last.cut = True
                end -= 1
        for heading in pieces[index:end]:
            heading.kind = "heading"
        index = max(end, index + 1)


_BEFORE_LONE_CAPTION = ("heading", "title", "kicker", "subtitle", "caption", "credit")


def _mark_lone_captions(pieces: list[_Piece]) -> None:
    """A short one-clause sentence between a finished paragraph and a heading or a caption
    (at the end of a report it stays body: a closing sentence is more likely than a photo)."""
    for index, piece in enumerate(pieces):
        if piece.kind or piece.shape != "S" or len(piece.text) > LONE_CAPTION_MAX_CHARS:
            continue
        if index == 0:
            continue
        previous = pieces[index - 1]
        if previous.kind not in ("", "body", "caption", "credit") or not previous.final:
            continue
        if index + 1 < len(pieces) and pieces[index + 1].kind in _BEFORE_LONE_CAPTION:
            piece.kind = "caption"


# ---------------------------------------------------------------- joins


def _joiner(left: str, right: str) -> str:
    """ " " between two Latin letters or digits, else nothing."""
    a, b = left[-1], right[0]
    return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""


_INSERT_KINDS = ("caption", "credit", "boilerplate", "dateline")  # printed inside a paragraph


def _after_inserts(pieces: list[_Piece], index: int) -> int:
    """The index of the first piece after the inserted lines starting at ``index``."""
    while index < len(pieces) and pieces[index].kind in _INSERT_KINDS:
        index += 1
    return index


@dataclass(frozen=True)
class _Layout:
    """What a whole report shows about its layout."""

    damaged: bool  # a line stops mid-sentence after a sentence, or a continuation note
    indented: bool  # paragraphs start with an indent, so an unindented line continues one
    verse: bool  # many short lines end with a comma: verse or a list, never joined
    unpunctuated: bool = False  # most paragraphs end without punctuation: the author's style
    parallel: frozenset[str] = frozenset()  # openings shared by unfinished lines: headings


def _layout(pieces: list[_Piece]) -> _Layout:
    """Damage, indentation and verse of a report, from its body lines."""
    body = [piece for piece in pieces if piece.kind in ("", "body")]
    long_lines = [piece for piece in body if len(piece.text) > HEADING_MAX_CHARS]
    unpunctuated = _unpunctuated(long_lines)
    damaged = (
        any(not piece.final and _looks_cut(piece.text) for piece in body)
        or any(piece.kind == "boilerplate" and is_page_note(piece.text) for piece in pieces)
        or _proven_break(body)
    )
    damaged = damaged and not unpunctuated
    indents = sum(piece.indent for piece in long_lines)
    indented = indents >= INDENTED_MIN_LINES and indents * 2 >= len(long_lines)
    verse_lines = sum(
        1
        for line, following in itertools.pairwise(body)
        if len(line.text) <= SHORT_SENTENCE_MAX_CHARS
        and line.text[-1] in COMMA_END
        and len(following.text) <= SHORT_SENTENCE_MAX_CHARS
    )
    openings = Counter(
        _opening(piece.text)
        for piece in body
        if not piece.final and len(piece.text) <= PARALLEL_MAX_CHARS
    )
    parallel = frozenset(
        opening for opening, count in openings.items() if opening and count >= PARALLEL_MIN_LINES
    )
    return _Layout(damaged, indented, verse_lines >= VERSE_MIN_LINES, unpunctuated, parallel)


def _proven_break(body: list[_Piece]) -> bool:
    """True when lines show they were cut: a line followed by one that starts with
    punctuation, a long line cut inside a word (``…新修的农村公路一直通到每个行政`` +
    ``村…``), or two short lines cut inside words (one may be a headline over its story)."""
    words_cut = 0
    for piece, following in itertools.pairwise(body):
        if piece.final:
            continue
        if following.text[0] in CONTINUATION_PUNCT:
            return True
        if word_across(piece.text, following.text):
            if len(piece.text) > HEADING_MAX_CHARS:
                return True
            words_cut += 1
    return words_cut >= PROVEN_WORDS_CUT


def _opening(text: str) -> str:
    """A line's opening clause (``五年来``) when it is short, else ""."""
    comma = text.find("，")
    return text[:comma] if OPENING_MIN_CHARS <= comma <= OPENING_MAX_CHARS else ""


def _unpunctuated(long_lines: list[_Piece]) -> bool:
    """True when paragraphs end without punctuation as a matter of style: most long lines
    that stop unfinished are followed by another that does (where a page break cut a
    paragraph, the second half ends it with punctuation)."""
    followers = [b.final for a, b in itertools.pairwise(long_lines) if not a.final]
    unfinished = followers.count(False)
    return len(followers) >= UNPUNCTUATED_MIN_LINES and unfinished >= UNPUNCTUATED_SHARE * len(
        followers
    )


def _looks_cut(text: str) -> bool:
    """A line that stops mid-sentence after a full sentence, or after several clauses."""
    if _sentence_marks(text):
        return True
    return _cjk_clause_marks(text) >= DAMAGE_MIN_CLAUSES


def _connective_end(text: str) -> bool:
    """Ends with a connective or a comma of Chinese text (a Latin comma after a Latin word
    ends many a line of verse)."""
    return text[-1] in CONNECTIVE_END and not (text[-1] == "," and text[-2:-1].isascii())


LATIN_CONNECTIVES = frozenset(
    _words(
        "a an the and or but nor of in on at to for from by with without into onto about as "
        "than that which who whose whom is are was were be been has have had will would can "
        "could shall should may might must not their its his her our your my this these those"
    )
)


def _latin_edge(text: str, second: str) -> bool:
    """True when a Latin-script line (ending with a letter, digit or Latin punctuation) meets
    a line starting with a Latin letter: capitals there tell a new line from a continued one."""
    start = second[0]
    if not (start.isascii() and start.isalpha()):
        return False
    tail = text[-LATIN_TAIL_CHARS:]
    return sum(char.isascii() and char.isalpha() for char in tail) * 2 > len(tail)


def _repeated_below(text: str, second: str) -> bool:
    """True when ``second`` repeats the first words of ``text``: anywhere for a line of a
    heading's length, at its start for a longer one (a long paragraph may well name the same
    office or body twice)."""
    if len(text) < REPEAT_MIN_CHARS:
        return False
    if len(text) <= TITLE_MAX_CHARS:
        return text[:REPEAT_MIN_CHARS] in second
    return second.startswith(text[:REPEAT_MIN_CHARS])


def _joins(first: _Piece, second: _Piece, unclosed: set[str], layout: _Layout) -> bool:
    """True when the evidence says ``second`` continues the paragraph that ``first`` leaves
    unfinished: strong evidence anywhere, weaker evidence only in a report showing damage."""
    text = first.text
    starts_mid = _starts_mid(second.text)
    if _TABLE_ROW.match(text) or _TABLE_ROW.match(second.text):
        return False
    if layout.indented and second.indent and not starts_mid:
        return False  # an indented line starts a paragraph
    closes = bool(unclosed & unopened_closers(second.text))
    if is_speaker_line(second.text) and not (
        starts_mid or closes or word_across(text, second.text)
    ):
        return False  # a speaker's line, unless its "label" ends a word or a bracket cut in two
    if _repeated_below(text, second.text):
        return False  # a heading or caption the paragraph below repeats (a pull quote)
    if layout.verse and len(text) <= SHORT_SENTENCE_MAX_CHARS and text[-1] in COMMA_END:
        return False
    if _latin_edge(text, second.text):
        if text.rsplit(maxsplit=1)[-1].lower() in LATIN_CONNECTIVES:
            return True  # ``…was written in`` + ``English by…``
        lower = second.text[0].islower()  # Latin text goes on in lower case
        return lower and (layout.damaged or first.cut)
    if _ends_closing_own_quote(text) and not first.cut:
        return starts_mid or (layout.indented and not second.indent)  # looks like an end
    strong = (
        starts_mid
        or first.cut
        or _connective_end(text)
        or (_sentence_marks(text) > 0 and not layout.unpunctuated)
        or is_news_opening(text)
        or closes
        or (layout.indented and not second.indent)
    )
    if strong:
        return True
    if first.heading_tail:
        return False  # a numbered heading ends where its second piece ends
    if _opening(text) in layout.parallel:
        return False  # one of several headings that open alike (``五年来，…``)
    weak = len(text) > HEADING_MAX_CHARS or _cjk_clause_marks(text) > 0
    if is_speaker_line(text) and not word_across(text, second.text):
        return False  # a labelled line is whole, unless a word is cut at its end
    if _spaced_phrases(text):
        return False  # a headline's phrases set apart by wide spaces
    if not second.final and len(second.text) <= HEADING_MAX_CHARS:
        return False  # a second half ends its paragraph, or is long enough to be cut again
    return weak and layout.damaged


def _ends_closing_own_quote(text: str) -> bool:
    """True when the line ends with the closing quote or bracket of one it opened itself
    (``…他说，“我们明天再来”``): a paragraph may well end so, and a break there looks
    exactly like a paragraph end."""
    closer = text[-1]
    opener = _OPENER_OF.get(closer)
    return bool(opener) and opener in text and text.count(opener) == text.count(closer)


_OPENER_OF = {closer: opener for opener, closer in BRACKET_PAIRS}
_SPACED_PHRASES = re.compile(rf"[{CJK}]\u3000+[{CJK}]")


def _spaced_phrases(text: str) -> bool:
    """True when phrases of Chinese text are set apart by an ideographic space outside
    quotations (``区议会选举延期　候选人重新报名``): the style of headlines, not of body text."""
    return bool(_SPACED_PHRASES.search(_QUOTED.sub("", text)))


_QUOTED = re.compile(r"「[^「」]*」|“[^“”]*”|《[^《》]*》|『[^『』]*』")


def _bracket_balance(text: str) -> dict[str, int]:
    """For each opening quote/bracket, how many more openers than closers the text has."""
    return {
        opener: text.count(opener) - text.count(closer)
        for opener, closer in BRACKET_PAIRS
        if opener in text or closer in text
    }


def _may_continue(unclosed: set[str], second: str) -> bool:
    """True when ``second`` may continue a paragraph that left ``unclosed`` quotes open."""
    if _LIST_MARKER.match(second) or parse_lead(second) is not None:
        return False
    return not unclosed or bool(unclosed & unopened_closers(second))


def continues(first: str, second: str) -> bool:
    """True when ``second`` may continue the unfinished paragraph ``first``."""
    return _may_continue(open_brackets(first), second)


def _join_group(
    pieces: list[_Piece], index: int, used: list[bool], layout: _Layout
) -> tuple[list, list]:
    """The pieces of the paragraph starting at ``index`` and the inserted lines (captions,
    credits, page headers, continuation notes) its joins skipped."""
    group = [pieces[index]]
    skipped: list[_Piece] = []
    balance = Counter(_bracket_balance(pieces[index].text))
    length = len(pieces[index].text)
    cursor = index + 1
    while not group[-1].final:
        following = _after_inserts(pieces, cursor)
        if following >= len(pieces) or used[following]:
            break
        candidate = pieces[following]
        unclosed = {opener for opener, open_count in balance.items() if open_count > 0}
        if candidate.kind != "body" or not _may_continue(unclosed, candidate.text):
            break
        if not _joins(group[-1], candidate, unclosed, layout):
            break

        length += len(candidate.text)
        if length > JOIN_MAX_CHARS:
            break
        for between in range(cursor, following):
            if not used[between]:
                used[between] = True
                skipped.append(pieces[between])
        used[following] = True
        group.append(candidate)
        balance.update(_bracket_balance(candidate.text))
        cursor = following + 1
    return group, skipped


def _caption_group(pieces: list[_Piece], index: int, used: list[bool]) -> tuple[list, list]:
    """A caption cut in two: its first piece, its second piece, the page break between."""
    following = _after_page_break(pieces, index + 1)
    for between in range(index + 1, following + 1):
        used[between] = True
    return [pieces[index], pieces[following]], pieces[index + 1 : following]


def _blocks(pieces: list[_Piece], layout: _Layout) -> Iterator[list[_Piece]]:
    """The pieces of every block in reading order; lines skipped by a join follow it."""
    used = [False] * len(pieces)
    for index, piece in enumerate(pieces):
        if used[index]:
            continue
        used[index] = True
        if piece.caption_head:
            group, skipped = _caption_group(pieces, index, used)
        elif piece.kind == "body":
            group, skipped = _join_group(pieces, index, used, layout)
        else:
            group, skipped = [piece], []
        yield group
        for between in skipped:
            yield [between]


def _story_titles(pieces: list[_Piece], stories: list[_Story]) -> dict[int, str]:
    """The story title of every source line number."""
    starts = {story.start: story.title for story in stories}
    titles: dict[int, str] = {}
    current = stories[0].title
    for index, piece in enumerate(pieces):
        current = starts.get(index, current)
        titles[piece.number] = current
    return titles


def _block(group: list[_Piece], story: str) -> Block:
    """A block from its pieces, joined with nothing (a space between Latin letters/digits)."""
    if len(group) == 1:
        return Block(group[0].kind, group[0].text, story, (group[0].number,))
    parts = [group[0].text]
    for left, right in itertools.pairwise(group):
        parts.append(_joiner(left.text, right.text))
        parts.append(right.text)
    kind = "caption" if group[-1].kind == "caption" else "body"
    return Block(kind, "".join(parts), story, tuple(piece.number for piece in group))


def segment(text: str) -> list[Block]:
    """Split a report into blocks in reading order, paragraphs cut by page breaks joined."""
    pieces = _pieces(text)
    if not pieces:
        return []
    _measure(pieces)
    _mark_patterns(pieces)
    stories = _find_stories(pieces)
    _mark_captions(pieces)
    layout = _layout(pieces)
    _mark_cut_captions(pieces, layout)
    _mark_continued(pieces, layout)
    _mark_connective_ends(pieces)
    _mark_headings(pieces)
    _mark_lone_captions(pieces)
    for piece in pieces:
        if not piece.kind:
            piece.kind = "body"
    titles = _story_titles(pieces, stories)
    return [_block(group, titles[group[0].number]) for group in _blocks(pieces, layout)]
