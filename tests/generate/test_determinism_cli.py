"""Byte-identical reruns, Parquet output, planted bad rows, and the command line."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from gen_helpers import TABLES, Province

from graphsvc.errors import InputError
from graphsvc.generate import generate_province
from graphsvc.generate.idnumber import is_valid

ROOT = Path(__file__).resolve().parents[2]
GRAPHSVC = ROOT / ".venv" / "bin" / "graphsvc"


def digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_province(a, participants=1_000, seed=21)
    generate_province(b, participants=1_000, seed=21)
    generate_province(c, participants=1_000, seed=22)
    da, db, dc = digests(a), digests(b), digests(c)
    assert set(da) == {f"{t}.csv" for t in TABLES} | {"ground_truth.json"}
    assert da == db
    assert da["prescriptions.csv"] != dc["prescriptions.csv"]
    assert da["ground_truth.json"] != dc["ground_truth.json"]


def test_parquet_holds_the_same_rows(tmp_path: Path) -> None:
    generate_province(tmp_path / "csv", participants=1_000, seed=4)
    generate_province(tmp_path / "pq", participants=1_000, seed=4, fmt="parquet")
    for name in ("participants", "prescriptions", "prescription_items"):
        a = pd.read_csv(tmp_path / "csv" / f"{name}.csv", dtype=str, keep_default_na=False)
        b = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert list(a.columns) == list(b.columns)
        assert len(a) == len(b)
        assert list(a.iloc[:, 0]) == list(b.iloc[:, 0])
    rx = pd.read_parquet(tmp_path / "pq" / "prescriptions.parquet")
    assert rx["total_amount"].dtype.kind == "f"


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        generate_province(tmp_path, participants=10, seed=1)
    with pytest.raises(InputError):
        generate_province(tmp_path, participants=1_000, seed=1, fmt="xlsx")


def _rule_broken(table: str, row: pd.Series, pids: set[str]) -> str | None:
    """Which contract rule this row breaks (None if it is a good row)."""
    if table == "participants":
        if not is_valid(row["id_number"]):
            return "bad_check_digit"
        if row["birth_date"] > "2026-12-31":
            return "future_birth_date"
        if row["gender"] not in ("M", "F"):
            return "bad_enum"
    if table == "prescriptions":
        if float(row["fund_paid"]) > float(row["total_amount"]):
            return "fund_paid_gt_total"
        if row["participant_id"] not in pids:
            return "unknown_reference"
        if row["visit_type"] not in ("outpatient", "inpatient", "pharmacy"):
            return "bad_enum"
    if table == "identifiers":
        if row["participant_id"] not in pids:
            return "unknown_reference"
        if row["kind"] not in ("phone", "address", "bank_account", "device", "email"):
            return "bad_enum"
    return None


def test_with_errors_rows_are_really_bad(province_with_errors: Province) -> None:
    prov = province_with_errors
    bad = prov.truth.bad_rows
    assert {b.reason for b in bad} == {
        "bad_check_digit",
        "future_birth_date",
        "fund_paid_gt_total",
        "unknown_reference",
        "bad_enum",
    }
    good_pids = set(prov["participants"]["participant_id"]) - {
        b.key for b in bad if b.table == "participants"
    }
    by_line = {(b.table, b.line): b for b in bad}
    for table in ("participants", "prescriptions", "identifiers"):
        df = prov[table]
        n_bad = sum(1 for b in bad if b.table == table)
        assert 0 < n_bad <= max(3, 0.003 * len(df)), table
        for i, row in df.iterrows():
            line = int(i) + 2
            broken = _rule_broken(table, row, good_pids)
            planted = by_line.get((table, line))
            assert broken == (planted.reason if planted else None), (table, line)
            if planted:
                key = row["participant_id"] if table == "identifiers" else row.iloc[0]
                assert key == planted.key
    # nothing references a bad participant row
    bad_pids = {b.key for b in bad if b.table == "participants"}
    assert not bad_pids & set(prov["prescriptions"]["participant_id"])


def test_default_has_no_bad_rows(province: Province) -> None:
    assert province.truth.bad_rows == []


@pytest.mark.skipif(not (ROOT / "graphsvc" / "cli.py").exists(), reason="no CLI yet")
def test_command_line(tmp_path: Path) -> None:
    exe = [str(GRAPHSVC)] if GRAPHSVC.exists() else [sys.executable, "-m", "graphsvc.cli"]
    out = tmp_path / "prov"
    r = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [*exe, "generate", str(out), "--participants", "1000", "--seed", "2", "--with-errors"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "planted rings" in r.stdout and "bad rows" in r.stdout
    assert "generate" in r.stderr  # the progress bar
    assert (out / "prescriptions.csv").exists() and (out / "ground_truth.json").exists()
    r = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [*exe, "generate", str(tmp_path / "x"), "--participants", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 1
    assert r.stderr.startswith("graphsvc: error:")


def test_the_loaders_validation_rejects_exactly_the_bad_rows(
    province_with_errors: Province, province: Province
) -> None:
    """The real loader rules (no store needed) agree with ground_truth bad_rows."""
    import datetime as dt

    from loaders.mapping import ColumnMapping
    from loaders.read import read_directory
    from loaders.validate import validate

    for prov in (province_with_errors, province):
        checked = validate(read_directory(prov.path, ColumnMapping()), today=dt.date.today())
        got = {(name, r.line, r.column) for name, c in checked.items() for r in c.rejects}
        want = {(b.table, b.line, b.column) for b in prov.truth.bad_rows}
        assert got == want
