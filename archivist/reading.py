"""Reading report files: bytes to text, whatever the encoding.

Order of attempts:

1. a byte order mark decides (UTF-8, UTF-16, UTF-32);
2. NUL bytes mean UTF-16 without a mark when they sit on one side of the byte pairs, else the
   file is binary;
3. strict UTF-8, which most files are (one C-level decode, no per-character Python work);
4. GB18030 (superset of GBK and GB2312), CP950 (Windows Big5) and Big5-HKSCS, strictly; of
   those that decode, the one whose text reads most like Chinese wins (share of the 3,755 most
   common characters, Traditional folded to Simplified first), which tells Big5 from GBK even
   on a few words, where detectors hesitate;
5. when no Chinese decoding reads as Chinese, charset-normalizer's guesses in its order;
6. failing that, a Chinese decoding that worked at all; else the file cannot be decoded.

The text is refused when it is mostly control characters (a binary file that happens to decode).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path

import charset_normalizer

from .folding import fold

MAX_REPORT_BYTES = 16 * 1024 * 1024
CONTROL_SAMPLE_CHARS = 65_536
MAX_CONTROL_SHARE = 0.05  # more control characters than this share of the text: binary
MIN_NUL_SIDE_SHARE = 0.75  # UTF-16 without BOM: most NUL bytes at odd (or even) offsets

# Control characters other than the usual white space (tab, newlines, form feed) and ESC/SUB.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Chinese encodings tried on bytes that are not UTF-8, best first on a tie: GB18030 (superset
# of GBK and GB2312), then CP950 (Windows Big5) and Big5-HKSCS.
CHINESE_ENCODINGS = ("gb18030", "cp950", "big5hkscs")
MIN_CHINESE_SCORE = 0.5
SCORE_SAMPLE_CHARS = 4096
GB2312_LEVEL1 = (0xB0, 0xD7)  # lead bytes of the 3,755 most common characters
CHINESE_PUNCTUATION = frozenset("，。、“”‘’：；！？（）《》【】…—·％")


class ReportError(Exception):
    """A report that cannot be read; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self) -> tuple:
        # Reports are read in worker processes: the error must survive pickling back.
        return (type(self), (self.path, self.reason))


def read_report(path: Path) -> str:
    """The decoded text of a report, BOM removed, line endings normalised to newlines."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise ReportError(path, "larger than 16 MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not data:
        raise ReportError(path, "empty file")
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(path, "larger than 16 MiB")
    return report_text(data, path)


def report_text(data: bytes, path: Path | str = "<bytes>") -> str:
    """The text of a report's bytes, BOM removed, line endings normalised to newlines."""
    text = decode_report(data, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def decode_report(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode the bytes of a report; raise ReportError when they are binary or undecodable."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), path)
            except UnicodeDecodeError as exc:
                raise ReportError(
                    path, f"cannot decode: invalid {encoding} ({exc.reason})"
                ) from exc
    if b"\x00" in data:
        return _checked(_decode_utf16_without_bom(data, path), path)
    try:
        return _checked(data.decode("utf-8"), path)
    except UnicodeDecodeError:
        pass
    return _decode_unknown(data, path)


def _decode_utf16_without_bom(data: bytes, path: Path | str) -> str:
    """UTF-16 text without a byte order mark, told by where its NUL bytes sit; else binary."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    total = even + odd
    if len(data) % 2 == 0:
        if odd >= MIN_NUL_SIDE_SHARE * total:
            encoding = "utf-16-le"
        elif even >= MIN_NUL_SIDE_SHARE * total:
            encoding = "utf-16-be"
        else:
            encoding = ""
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    raise ReportError(path, "binary file, not text")


def _decode_unknown(data: bytes, path: Path | str) -> str:
    """Bytes that are not UTF-8: the best-scoring Chinese decoding when it reads as Chinese,
    else charset-normalizer's first guess that decodes, else any Chinese decoding that worked."""
    chinese: list[tuple[float, str]] = []
    for encoding in CHINESE_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _is_binary(text):
            chinese.append((chinese_score(text), text))
    best = max(chinese, key=lambda scored: scored[0], default=None)  # first wins a tie
    if best is not None and best[0] >= MIN_CHINESE_SCORE:
        return best[1]
    for match in charset_normalizer.from_bytes(data):
        try:
            text = data.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _is_binary(text):
            return text
    if best is not None:
        return best[1]
    raise ReportError(path, "cannot decode: not UTF-8, GB18030, Big5 or any encoding detected")


@lru_cache(maxsize=1 << 14)
def _common_char(char: str) -> bool:
    """True for punctuation of Chinese text and for the 3,755 most common Chinese characters
    (GB2312 level 1), Traditional forms included."""
    if char in CHINESE_PUNCTUATION:
        return True
    simplified = fold(char)
    try:
        encoded = simplified.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and GB2312_LEVEL1[0] <= encoded[0] <= GB2312_LEVEL1[1]


def chinese_score(text: str) -> float:
    """Share of common Chinese characters among the non-ASCII characters of the text's start:
    high for real Chinese, low for Big5 read as GBK or GBK read as Big5."""
    sample = [char for char in text[:SCORE_SAMPLE_CHARS] if ord(char) > 0x7F]
    if not sample:
        return 0.0
    return sum(_common_char(char) for char in sample) / len(sample)


def _is_binary(text: str) -> bool:
    """True when the start of the text is mostly control characters."""
    sample = text[:CONTROL_SAMPLE_CHARS]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) > MAX_CONTROL_SHARE * len(sample)


def _checked(text: str, path: Path | str) -> str:
    """The text itself, or ReportError when it is binary content."""
    if "\x00" in text or _is_binary(text):
        raise ReportError(path, "binary file, not text")
    return text
