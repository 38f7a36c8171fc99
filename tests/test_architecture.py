"""The import table of docs/architecture.md is the code's: every module's imports within the
package, read from the source with ``ast``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "archivist"


def imports_of(path: Path) -> set[str]:
    """The package modules a module imports (``from . import x``, ``from .x import y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def documented() -> dict[str, set[str]]:
    text = (PROJECT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = text.split("| module | imports (within `archivist`) |", 1)[1].split("\n\n", 1)[0]
    table: dict[str, set[str]] = {}
    for line in rows.strip().splitlines()[1:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`(\w+)`", cells[0])
        used = set() if cells[1] == "nothing" else set(re.findall(r"`(\w+)`", cells[1]))
        table.update({name: used for name in names})
    return table


def test_the_documented_imports_are_the_real_ones():
    actual = {
        path.stem: imports_of(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"
    }
    table = documented()
    differ = {m: (table.get(m), actual.get(m)) for m in table.keys() | actual.keys()}
    differ = {m: pair for m, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"update the import table of docs/architecture.md: {differ}"


def test_the_search_layer_builds_no_urls():
    assert "citations" not in imports_of(PACKAGE / "search.py")


def test_the_server_does_not_load_what_only_ingest_needs():
    """jieba's part-of-speech tables (50 MB) serve layout repair at ingest: importing the web
    app, in a fresh interpreter, leaves them unloaded."""
    import subprocess
    import sys

    code = "import sys, archivist.web; print('jieba.posseg' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"
