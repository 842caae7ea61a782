"""ruff (lint and format) and mypy strict are part of the test run, so CI (which runs
``./dev test``) fails on them like on any other broken test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "graphsvc", "loaders", "viz"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_clean(command: list[str]) -> None:
    exe = BIN / command[0]
    assert exe.exists(), f"{command[0]} is not installed in {BIN} (pip install -e .[dev])"
    res = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [str(exe), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
