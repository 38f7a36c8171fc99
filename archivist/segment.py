"""Segmentation: report text to blocks (placeholder, replaced by layout repair)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Block:
    """One paragraph-like block of a report, with its original characters."""

    kind: str
    text: str
    story: str = ""
    lines: tuple[int, ...] = ()


def segment(text: str) -> list[Block]:
    """Split a report into blocks in reading order."""
    blocks = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            kind = "title" if not blocks else "body"
            blocks.append(Block(kind, line.strip(), "", (number,)))
    title = blocks[0].text if blocks else ""
    return [Block(b.kind, b.text, title, b.lines) for b in blocks]
