"""What an original says about itself: checks shared by the readers before a value is kept.

Document properties are often filled by software, not by people (``Administrator``,
``Microsoft Word - 报告.docx``): such values are dropped, since empty beats wrong.
"""

from __future__ import annotations

import datetime
import re

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Characters that wrap without a space: Han, kana, hangul, full-width forms and CJK punctuation.
_CJK = rf"{_HAN}\u3000-\u303f\u3040-\u30ff\uac00-\ud7af\uff00-\uffef\u2018-\u201d\u2026\u2014"
CJK_CHAR = re.compile(f"[{_CJK}]")
_NAME_SPLIT = re.compile(r"\s*[,，、;；/]\s*|\s{2,}")
_HAN_NAME = re.compile(rf"[{_HAN}]{{2,4}}(?:·[{_HAN}]{{1,6}})?")
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+)+")
_NOT_A_PERSON = re.compile(r"(?:报|网|社|台|局|部|厅|委|办|站|中心|公司|用户|作者|编辑|记者)$")
SOFTWARE_AUTHORS = frozenset(
    name.casefold()
    for name in (
        "Administrator",
        "Admin",
        "User",
        "Windows User",
        "Microsoft Office User",
        "Microsoft",
        "Unknown",
        "Author",
        "微软用户",
        "微软中国",
        "Windows 用户",
        "雨林木风",
        "番茄花园",
        "深度技术",
        "系统之家",
        "匿名",
    )
)
_FILE_NAME = re.compile(r"\.(?:docx?|wps|pdf|txt|html?|indd|qxd|rtf|xlsx?|pptx?|ps)$", re.I)
_SOFTWARE_TITLE = re.compile(
    r"^(?:Microsoft (?:Word|PowerPoint|Excel) - |untitled|无标题|新建|文档\d*$|Document\d*$"
    r"|PowerPoint 演示文稿|幻灯片)",
    re.I,
)
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT_DATE = re.compile(r"^(?:D:)?((?:19|20)\d{2})(\d{2})(\d{2})")


def person_names(value: str) -> list[str]:
    """The names of people in an author property, each once; software defaults, offices and
    newspapers are not people."""
    names: list[str] = []
    for part in _NAME_SPLIT.split(value.strip()):
        part = part.strip()
        if not part or part.casefold() in SOFTWARE_AUTHORS or _NOT_A_PERSON.search(part):
            continue
        if (_HAN_NAME.fullmatch(part) or _LATIN_NAME.fullmatch(part)) and part not in names:
            names.append(part)
    return names


def document_title(value: str) -> str:
    """A title property as a title, or "" when software wrote it (a file name, ``无标题``)."""
    title = " ".join(value.split())
    if not title or _FILE_NAME.search(title) or _SOFTWARE_TITLE.search(title):
        return ""
    if not re.search(rf"[{_HAN}A-Za-z]", title):
        return ""
    return title


def stated_date(value: str) -> str:
    """``YYYY-MM-DD`` from a stated date (``2024-02-16T08:00``, ``2024年2月16日``,
    ``20240216``, PDF's ``D:20240216…``) when it names a real day, else ""."""
    value = value.strip()
    match = _ISO_DATE.search(value) or _COMPACT_DATE.match(value)
    if not match:
        return ""
    try:
        return datetime.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return ""


def web_address(value: str) -> str:
    """An absolute http(s) address, or ""."""
    value = value.strip()
    return value if re.fullmatch(r"https?://[^\s<>\"]+", value, re.I) else ""


def join_wrapped(left: str, right: str) -> str:
    """Two pieces of one paragraph cut by a line wrap: nothing between CJK characters, nothing
    after a hyphen, else one space."""
    if not left or not right:
        return left + right
    if CJK_CHAR.match(left[-1]) or CJK_CHAR.match(right[0]) or left.endswith("-"):
        return left + right
    return f"{left} {right}"
