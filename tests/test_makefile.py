"""The Makefile's plans (``make -n``, nothing run): serving installs only what serving needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def plan(target: str, tmp_path: Path, *variables: str) -> str:
    """The commands ``make`` would run for a target, with a venv that does not exist yet."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={tmp_path / 'venv'}", *variables],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_only_what_serving_needs(tmp_path):
    commands = plan("run", tmp_path)
    assert "pip install --quiet -e ." in commands
    assert "[dev]" not in commands and "npm" not in commands
    assert "manage.py serve --host 127.0.0.1 --port 5000" in commands


def test_make_run_takes_another_port(tmp_path):
    assert "--port 5001" in plan("run", tmp_path, "PORT=5001")


def test_make_test_installs_the_test_tools(tmp_path):
    commands = plan("test", tmp_path)
    assert "-e '.[dev]'" in commands and "npm install" in commands
    assert commands.rstrip().endswith("-m pytest")
