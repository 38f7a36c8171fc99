"""Reading report files: bytes to text (placeholder, replaced by the full reader)."""

from __future__ import annotations

from pathlib import Path


class ReportError(Exception):
    """A report that cannot be read; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def read_report(path: Path) -> str:
    """The decoded text of a report, line endings normalised to newlines."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(path, "not UTF-8") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")
