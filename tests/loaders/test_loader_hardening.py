"""Issue #19 input hardening: NUL bytes, length limits and future dates, per row.

Against the real embedded store where the point is that the store never sees the
bad value (a second load asks the store about the ids it reads).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

from loader_fixtures import contract_tables, write_dir
from test_loader_cli import run_load

from graphsvc.config import Settings
from graphsvc.contract.schema import SPECS, max_length
from graphsvc.store import Store
from loaders import load_directory
from loaders.mapping import ColumnMapping
from loaders.read import read_directory
from loaders.validate import validate

MakeDir = Callable[..., Path]


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_contract_column_has_a_limit_of_its_own() -> None:
    """The documented table covers the contract: no column silently on the default."""
    from graphsvc.contract.schema import MAX_LENGTHS

    missing = {c for spec in SPECS.values() for c in spec.columns} - set(MAX_LENGTHS)
    assert missing == set()
    assert (max_length("name"), max_length("participant_id"), max_length("value")) == (
        200,
        64,
        500,
    )


def test_length_limit_is_inclusive(tmp_path: Path) -> None:
    tables = contract_tables()
    tables["doctors"][0]["name"] = "医" * 200
    tables["doctors"][1]["name"] = "医" * 201
    tables["doctors"][1]["department"] = "x"
    checked = validate(
        read_directory(write_dir(tmp_path, tables), ColumnMapping()), today=date(2025, 1, 1)
    )
    doctors = checked["doctors"]
    assert [r.values["doctor_id"] for r in doctors.rows] == [tables["doctors"][0]["doctor_id"]]
    (reject,) = doctors.rejects
    assert (reject.file, reject.line, reject.column) == ("doctors.csv", 3, "name")
    assert reject.value_excerpt == "<201 characters>"  # a name is personal: length only


def test_extra_columns_are_limited_and_checked_for_nul(tmp_path: Path) -> None:
    tables = contract_tables()
    for row in tables["institutions"]:
        row["note"] = "ok"
    tables["institutions"][1]["note"] = "n" * 1001
    tables["institutions"][2]["note"] = "a\x00b"
    checked = validate(
        read_directory(write_dir(tmp_path, tables), ColumnMapping()), today=date(2025, 1, 1)
    )
    got = sorted((r.line, r.column, r.reason) for r in checked["institutions"].rejects)
    assert got == [
        (3, "note", "note is 1,001 characters long, more than the 1,000 allowed"),
        (4, "note", "note contains a NUL byte (character 2 of the field)"),
    ]


def test_as_of_date_moves_the_future(tmp_path: Path) -> None:
    """Dates after the as-of day are rejected; the same files pass with a later one."""
    directory = write_dir(tmp_path, contract_tables())
    latest = max(
        r[c][:10] for r in contract_tables()["prescriptions"] for c in ("date", "discharge_date")
    )
    as_of = date.fromisoformat(latest).replace(day=1)
    early = validate(read_directory(directory, ColumnMapping()), today=as_of)
    late = validate(read_directory(directory, ColumnMapping()), today=date.fromisoformat(latest))
    assert late["prescriptions"].rejected == 0
    reasons = [r.reason for r in early["prescriptions"].rejects]
    assert reasons and all(f"in the future (after {as_of.isoformat()})" in r for r in reasons)


def test_nul_in_a_key_on_a_second_load_is_a_reject_not_a_store_error(
    store: Store, make_dir: MakeDir, tmp_path: Path
) -> None:
    load_directory(store, make_dir(), rejects_path=tmp_path / "first.csv")
    tables = contract_tables()
    bad = {**tables["prescriptions"][0], "prescription_id": "S\x00NUL"}
    long_ref = {**tables["prescriptions"][0], "prescription_id": "SLONG", "doctor_id": "D" * 65}
    tables["prescriptions"] += [bad, long_ref]
    rejects_path = tmp_path / "second.csv"
    report = load_directory(store, make_dir(tables), rejects_path=rejects_path)
    rows = read_rejects(rejects_path)
    got = sorted((r["file"], r["line"], r["column"], r["reason"]) for r in rows)
    n = len(contract_tables()["prescriptions"])
    assert got == [
        (
            "prescriptions.csv",
            str(n + 2),
            "prescription_id",
            "prescription_id contains a NUL byte (character 2 of the field)",
        ),
        (
            "prescriptions.csv",
            str(n + 3),
            "doctor_id",
            "doctor_id is 65 characters long, more than the 64 allowed",
        ),
    ]
    assert report.rejected == 2
    assert store.count("Prescription") == n


def test_cli_as_of_rejects_later_settlements(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    directory = write_dir(tmp_path / "in", contract_tables())
    report_path = tmp_path / "out" / "load.json"
    r = run_load([str(directory), "--as-of", "2000-01-01", "--report", str(report_path)], settings)
    assert r.returncode == 0, r.stderr
    rows = read_rejects(report_path.with_name("load.rejects.csv"))
    futures = [row for row in rows if "in the future (after 2000-01-01)" in row["reason"]]
    assert {row["file"] for row in futures} >= {"prescriptions.csv", "referrals.csv"}
    assert store.count("Prescription") == 0
