"""Every CSV the project writes for people neutralises formula cells (issue #14).

A cell like ``=cmd|' /C calc'!A0`` in a source file must reach a spreadsheet as text:
checked on each writer (case evidence, loader rejects, grade exports); the console's
CSV is checked in tests/cli/test_cli.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from graphsvc.cases.evidence import csv_bytes
from graphsvc.contract.cells import inert
from graphsvc.supervision.history import safe_cell
from loaders.report import write_rejects
from loaders.validate import Reject

EVIL = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", '@HYPERLINK("x")', "\t=1", "＝1+1"]


@pytest.mark.parametrize("cell", EVIL)
def test_inert_prefixes_formulas(cell: str) -> None:
    out = inert(cell)
    assert out == "'" + cell


@pytest.mark.parametrize("cell", ["-3", "12.5", "+1e3", "张三", "P0000291", ""])
def test_inert_keeps_plain_values(cell: str) -> None:
    assert inert(cell) == cell


def test_case_evidence_csv() -> None:
    data = csv_bytes(["name", "amount"], [{"name": c, "amount": -12.5} for c in EVIL])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert all(r[0].startswith("'") for r in rows), rows
    assert {r[1] for r in rows} == {"-12.5"}


def test_loader_rejects_csv(tmp_path: Path) -> None:
    rejects = [
        Reject("participants.csv", 2 + i, "name", c, "too long", {"name": c})
        for i, c in enumerate(EVIL)
    ]
    path = tmp_path / "rejects.csv"
    assert write_rejects(path, rejects) == len(EVIL)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    assert all(r[5].startswith("'") for r in rows)  # value_excerpt
    assert [r[1] for r in rows] == [str(2 + i) for i in range(len(EVIL))]  # lines stay numbers


def test_grade_csv_cell() -> None:
    assert all(safe_cell(c).startswith("'") for c in EVIL)
