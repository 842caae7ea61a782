"""Fixtures of the loader tests: hand-made contract directories (see loader_fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from loader_fixtures import Tables, contract_tables, write_dir


@pytest.fixture
def tables() -> Tables:
    return contract_tables()


@pytest.fixture
def make_dir(tmp_path: Path) -> Callable[..., Path]:
    counter = {"n": 0}

    def make(tables: Tables | None = None, name: str | None = None) -> Path:
        counter["n"] += 1
        return write_dir(
            tmp_path / (name or f"dir{counter['n']}"),
            contract_tables() if tables is None else tables,
        )

    return make
