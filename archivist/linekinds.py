"""Lines that say what they are by themselves: notes, end marks, credits, captions, speakers.

Used by :mod:`archivist.segment` before it looks at a line's neighbours. Every test here reads
one stripped line, in Simplified or Traditional script (a few Traditional characters are mapped
to Simplified first, so one pattern serves both), and is cheap enough to run on every line.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jieba

from .folding import fold_char

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# The Traditional characters of the words below and their Simplified forms.
_TRADITIONAL = "攝圖記編輯為資實習訊電報臺責審務視網聞轉續終畢來檔聯發佈時間傳劃稱說隨製頁頻"
_SIMPLIFIED = "摄图记编辑为资实习讯电报台责审务视网闻转续终毕来档联发布时间传划称说随制页频"
_TO_SIMPLIFIED = dict(zip(_TRADITIONAL, _SIMPLIFIED, strict=True))
_TRADITIONAL_CHAR = re.compile(f"[{_TRADITIONAL}]")

# jieba frequency of a word that proves a line was cut inside it: 2 to 4 are the floor of
# jieba's dictionary (some 200,000 rare compounds and names), 5 and up some 120,000 words
WORD_ACROSS_MIN_FREQ = 5
WORD_ACROSS_CONTEXT = 6  # characters on each side of a line break segmented together
NOTE_MAX_CHARS = 24
CREDIT_LINE_MAX_CHARS = 80
CAPTION_MAX_CHARS = 120
CREDIT_TAIL_MAX_CHARS = 24
SOURCE_TAIL_MAX_CHARS = 60  # a tail naming its source (照片来源：…) may be this long
NUMBERED_HEADING_MAX_CHARS = 60

_NUMBER = r"[A-Za-z]?[\d一二三四五六七八九十零〇两]{1,3}"
# A continuation note: （下转第二版）, 上接第1版, （转第4版）, (接A2版), （续前页）.
_PAGE_NOTE = re.compile(
    rf"^[（(【\[]?\s*(?:下转|上接|接上|转至|转|接|续|见)\s*(?:第\s*)?{_NUMBER}\s*(?:版|页|面)"
    r"(?:[^（()）]{0,8})?\s*[）)】\]]?$"
    r"|^[（(【\[]?\s*(?:续前页|续上页|上接前页|下转后页|接上页|转下页|接上版|转下版)\s*[）)】\]]?$"
)
# An end mark: （完）, (全文完), 【终】, （待续）.
_END_MARK = re.compile(
    r"^[（(【\[〔]?\s*(?:完|全文完|本文完|终|毕|待续|未完待续|未完|续完)\s*[）)】\]〕]?$"
)
# A line of credits: 作者：… 时间：…, 责任编辑：…, 来源：…, 【撰文：…】.
_CREDIT_LABEL = re.compile(
    r"^[（(【\[]?\s*(?P<label>作者|撰文|撰稿|文字|记者|通讯员|文|图|图文|摄影|摄像|视频|"
    r"责任编辑|责编|编辑|本版编辑|值班编辑|实习编辑|校对|审核|审校|终审|二审|三审|美编|"
    r"监制|制片|编导|翻译|来源|稿源|出处|时间|发布时间|日期|发表时间|更新时间)\s*[:：]"
)
AUTHOR_LABELS = frozenset(("作者", "撰文", "撰稿", "文字", "记者", "通讯员", "文", "图文"))
# A photo credit at the end of a caption: …摄, …供图, 资料图片, 网上截图, 美联社, 官网,
# 某某Facebook, a paper (某某日报, 《某某报》 with or without its date).
_CREDIT_TAIL = re.compile(
    r"(?:摄影?|供图|图片|照片|相片|截图|资料图|档案图|提供|制图|制作|文件|网页|网站|官网|图表|视频|"
    r"(?:新华|中新|美联|路透|法新|共同|塔斯|美国之音|法广|中央)社|AP|AFP|Reuters|Getty Images|"
    r"维基百科|Wikipedia|Wikimedia Commons|Facebook|facebook|Twitter|Instagram|YouTube|"
    r"[^\s，,。]{2,10}(?:日报|时报|晚报|早报|周报|邮报|电台|通讯社)|"
    r"《[^《》]{1,15}》(?:\s*\d{4}年\d{1,2}月\d{1,2}日)?)\s*[）)】]?$"
)
# A credit that names its source: 照片来源：…, 图片来源：…, 图：…, 图源：…
_SOURCE_TAIL = re.compile(
    r"^(?:(?:照片|图片|相片|影片|视频|资料)?来源|图源|图|照片由|截取自|截图自|取自"
    r"|(?:Photo|Image|Picture)\s*(?:by|from|credit|:))\s*[:：]?",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[。！？!?][”’」』）)]*")
_BRACKETED_TAIL = re.compile(r"[（(【]([^（()）【】]{1,30})[）)】]\s*$")
# A speaker's line in a transcript or a labelled item: 快递员 李四：…, 记者：…, 张三：…, 6月9日：…
_SPEAKER = re.compile(
    rf"^(?:[{CJK}A-Za-z·]{{1,14}}[ \u3000]+[{CJK}·]{{2,5}}|[^，。：:\s,]{{1,8}})\s*[:：]"
)
_NEWS_OPENING = re.compile(
    rf"^(?:[{CJK}A-Za-z]{{2,12}}消息\s*(?:[（(][^（()）]{{1,12}}[）)])?\s*[：:]|据[{CJK}]{{2,12}}报道[，,])"
)
# Numbered headings: 一、 （二） (3) 第一， 第二部分 1. 2、
NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|第[一二三四五六七八九十\d]{1,3}(?:[，,、：:]|部分|章|节|条|是)|\d{1,2}[、．.](?!\d))"
)


def simplified(text: str) -> str:
    """The text with the Traditional characters of the words above made Simplified."""
    if not _TRADITIONAL_CHAR.search(text):
        return text
    return _TRADITIONAL_CHAR.sub(lambda match: _TO_SIMPLIFIED[match.group()], text)


def is_page_note(text: str) -> bool:
    """A continuation note printed where a page break cut a report: ``（下转第二版）``."""
    return len(text) <= NOTE_MAX_CHARS and bool(_PAGE_NOTE.match(simplified(text)))


def is_end_mark(text: str) -> bool:
    """A report's end mark: ``（完）``, ``（全文完）``, ``（待续）``."""
    return len(text) <= NOTE_MAX_CHARS and bool(_END_MARK.match(simplified(text)))


def credit_label(text: str) -> str:
    """The label of a credit line (``作者：张三  时间：2011-12-20`` -> ``作者``), or ""."""
    if len(text) > CREDIT_LINE_MAX_CHARS or _SENTENCE_END.search(text):
        return ""
    match = _CREDIT_LABEL.match(simplified(text))
    return match.group("label") if match else ""


def has_credit_tail(text: str) -> bool:
    """A caption with its credit after it: ``市民参观展览。（资料图片）``, ``…到庭。 何明摄``."""
    if len(text) > CAPTION_MAX_CHARS:
        return False
    plain = simplified(text)
    note = _BRACKETED_TAIL.search(plain)
    if note and _CREDIT_TAIL.search(note.group(1)) and note.start() > 0:
        return True
    ends = list(_SENTENCE_END.finditer(plain))
    if not ends:
        return False
    tail = plain[ends[-1].end() :].strip()
    if not tail or len(tail) > SOURCE_TAIL_MAX_CHARS:
        return False
    if _SOURCE_TAIL.match(tail) and len(tail) > 3:
        return True
    return len(tail) <= CREDIT_TAIL_MAX_CHARS and bool(_CREDIT_TAIL.search(tail))


def is_news_opening(text: str) -> bool:
    """A paragraph opening with its source: ``央视网消息（新闻联播）：…``, ``据新华社报道，…``."""
    return bool(_NEWS_OPENING.match(text))


def is_speaker_line(text: str) -> bool:
    """A line that starts with a speaker's name or role and a colon: a new paragraph."""
    return bool(_SPEAKER.match(text))


def is_numbered_heading(text: str, final: bool) -> bool:
    """A numbered heading (``一、总体要求``, ``（二）加强领导``, ``第一，全国动员，大办农业``):
    a number, no sentence inside, no final punctuation, not too long."""
    if final or len(text) > NUMBERED_HEADING_MAX_CHARS or not NUMBERED.match(text):
        return False
    return not _SENTENCE_END.search(text)


@lru_cache(maxsize=1)
def _word_frequencies() -> dict[str, int]:
    """jieba's stock dictionary (loaded once, on first use; read only afterwards)."""
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def word_across(left: str, right: str) -> str:
    """The word (not one of jieba's rarest) that jieba's segmentation of the two lines'
    meeting ends puts across the line break (a line cut inside a word: ``…国际广播电`` +
    ``视信息…``), or ""."""
    left = "".join(fold_char(char) for char in left[-WORD_ACROSS_CONTEXT:])  # Traditional read
    right = "".join(fold_char(char) for char in right[:WORD_ACROSS_CONTEXT])  # as Simplified
    frequencies = _word_frequencies()
    start = 0
    for word in jieba.dt.cut(left + right, HMM=False):
        end = start + len(word)
        if start < len(left) < end:
            return word if frequencies.get(word, 0) >= WORD_ACROSS_MIN_FREQ else ""
        start = end
    return ""


CONNECTIVE_STARTS = "的和与及并或等"  # a line starting with one of these as a word goes on


def starts_with_connective(text: str) -> bool:
    """True when the line starts with a connective standing as a word (``与会议…`` is cut,
    ``与此同时，…`` and ``和平…`` open a paragraph): jieba segments its first characters."""
    if not text or text[0] not in CONNECTIVE_STARTS:
        return False
    first = next(iter(jieba.dt.cut(fold_char(text[0]) + text[1:WORD_ACROSS_CONTEXT], HMM=False)))
    return len(first) == 1


FUNCTION_WORD_TAGS = ("c", "d", "u")  # jieba's tags of conjunctions, adverbs and particles


def starts_with_function_word(text: str) -> bool:
    """True when the line's first word, as jieba tags it, is a conjunction, an adverb or a
    particle (``并冠上…``, ``也不想…``, ``的回应``): no caption or sentence opens so."""
    head = "".join(fold_char(char) for char in text[:WORD_ACROSS_CONTEXT])
    if not head or not ("\u3400" <= head[0] <= "\u9fff"):
        return False
    from jieba import posseg  # its tables take 50 MB: loaded by ingest's first use, not by serve

    first = next(iter(posseg.dt.cut(head, HMM=True)))  # HMM: names (曾某某) are names
    return first.flag.startswith(FUNCTION_WORD_TAGS)
