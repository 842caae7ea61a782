"""Validation rules on hand-made tables: pure, no store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from loader_fixtures import ID_P1, Tables, contract_tables, write_dir
from loader_rules import CASES, Case, apply

from loaders.mapping import ColumnMapping
from loaders.read import read_directory
from loaders.rows import to_rows
from loaders.validate import Checked, KnownIds, row_hash, validate

TODAY = date(2025, 1, 1)


def check(tmp_path: Path, tables: Tables, known: KnownIds | None = None) -> dict[str, Checked]:
    directory = write_dir(tmp_path / "in", tables)
    return validate(read_directory(directory, ColumnMapping()), known, today=TODAY)


def test_hand_made_tables_are_all_valid(tmp_path: Path) -> None:
    checked = check(tmp_path, contract_tables())
    assert {n: (c.read, c.loaded, c.rejected) for n, c in checked.items()} == {
        "institutions": (3, 3, 0),
        "doctors": (2, 2, 0),
        "participants": (4, 4, 0),
        "identifiers": (4, 4, 0),
        "family_links": (2, 2, 0),
        "prescriptions": (3, 3, 0),
        "prescription_items": (3, 3, 0),
        "referrals": (1, 1, 0),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_rule_rejects_its_row(tmp_path: Path, case: Case) -> None:
    base = contract_tables()
    checked = check(tmp_path, apply(contract_tables(), (case,)))
    got = sorted(
        (r.file.removesuffix(".csv"), r.column, r.reason)
        for c in checked.values()
        for r in c.rejects
    )
    assert len(got) == len(case.expect), got
    for (table, column, fragment), (g_table, g_column, g_reason) in zip(
        sorted(case.expect), got, strict=True
    ):
        assert (g_table, g_column) == (table, column)
        assert fragment in g_reason
    for name, c in checked.items():
        assert c.read == c.loaded + c.rejected
        assert c.loaded == len(base[name])  # every good row still loads


def test_reject_reasons_and_excerpts_hold_no_personal_data(tmp_path: Path) -> None:
    tables = contract_tables()
    bad_id = ID_P1[:-1] + "9"
    tables["participants"].append(
        {**tables["participants"][0], "participant_id": "PZ", "id_number": bad_id}
    )
    tables["identifiers"].append(
        {"participant_id": "NOPE", "kind": "phone", "value": "13912345678"}
    )
    checked = check(tmp_path, tables)
    rejects = [r for c in checked.values() for r in c.rejects]
    assert len(rejects) == 2
    for r in rejects:
        assert bad_id not in r.reason + r.value_excerpt
        assert "13912345678" not in r.reason + r.value_excerpt
    by_col = {r.column: r for r in rejects}
    assert by_col["id_number"].value_excerpt == "<18 characters>"
    assert by_col["id_number"].raw["id_number"] == bad_id  # kept for repair in the file
    assert by_col["id_number"].line == 6


def test_rejected_parent_reason_names_file_and_line(tmp_path: Path) -> None:
    tables = contract_tables()
    tables["participants"][0]["gender"] = "?"
    checked = check(tmp_path, tables)
    reasons = {r.reason for r in checked["prescriptions"].rejects}
    why = "P1 was rejected (participants.csv line 2: gender must be one of M, F)"
    assert reasons == {f"participant_id {why}", f"account_holder_id {why}"}
    # P1's family links, identifier, prescription S1, its item and S2 (holder P1) go too
    assert checked["family_links"].rejected == 2
    assert checked["prescriptions"].rejected == 2
    assert checked["prescription_items"].rejected == 3  # S1 and S2 lines


def test_normalisation_of_values(tmp_path: Path) -> None:
    tables = contract_tables()
    tables["participants"][0].update(gender="m", insurance_type="Employee", participant_id=" P1 ")
    tables["identifiers"][0]["value"] = "００８６ １３８ ００１３ ８０００"
    checked = check(tmp_path, tables)
    p1 = checked["participants"].rows[0].values
    assert (p1["participant_id"], p1["gender"], p1["insurance_type"]) == ("P1", "M", "employee")
    ids = {r.values["identifier_id"] for r in checked["identifiers"].rows}
    assert ids == {
        "phone:13800138000",
        "email:wang.wu@example.com",
        "address:海南省海口市龙华路1号",
    }
    addr = next(r for r in checked["identifiers"].rows if r.values["kind"] == "address")
    assert addr.extra["written_address"] == "海口市 龙华路1号"  # the spelling as written is kept
    s2 = next(
        r for r in checked["prescriptions"].rows if r.values["prescription_id"] == "S2"
    ).values
    assert (s2["date"], s2["datetime"]) == ("2024-03-02", "2024-03-02T10:15:00")
    s3 = next(
        r for r in checked["prescriptions"].rows if r.values["prescription_id"] == "S3"
    ).values
    assert s3["account_holder_id"] is None  # own account: no 共济 edge


def test_store_knowledge_references_conflicts_and_unchanged(tmp_path: Path) -> None:
    first = check(tmp_path / "a", contract_tables())
    p1 = first["participants"].rows[0]
    known = KnownIds(
        hashes={
            "Participant": {"P1": p1.row_hash, "P2": "something else", "P9": None},
            "Institution": {"H9": None},
        }
    )
    tables = contract_tables()
    tables["prescriptions"].append(
        {
            **tables["prescriptions"][0],
            "prescription_id": "S9",
            "participant_id": "P9",
            "institution_id": "H9",
            "doctor_id": "",
        }
    )
    checked = check(tmp_path / "b", tables, known)
    assert checked["participants"].rows[0].unchanged
    [conflict] = checked["participants"].rejects
    assert conflict.column == "participant_id"
    assert "already in the store with different values" in conflict.reason
    loaded = {r.values["prescription_id"] for r in checked["prescriptions"].rows}
    assert "S9" in loaded  # parents found in the store


def test_line_ids_are_deterministic_and_repeat_aware(tmp_path: Path) -> None:
    a = check(tmp_path / "a", contract_tables())["prescription_items"].rows
    b = check(tmp_path / "b", contract_tables())["prescription_items"].rows
    ids = [r.values["line_id"] for r in a]
    assert ids == [r.values["line_id"] for r in b]
    assert len(set(ids)) == 3  # two identical packs on S2 are two lines
    known = KnownIds(line_ids=set(ids[:2]))
    c = check(tmp_path / "c", contract_tables(), known)["prescription_items"].rows
    assert [r.unchanged for r in c] == [True, True, False]


def test_row_hash_ignores_key_order() -> None:
    assert row_hash({"a": 1, "b": 2}, {"x": "1"}) == row_hash({"b": 2, "a": 1}, {"x": "1"})
    assert row_hash({"a": 1}, {}) != row_hash({"a": 2}, {})


def test_to_rows_skips_unchanged_and_dedupes_facts(tmp_path: Path) -> None:
    tables = contract_tables()
    tables["identifiers"].append(
        {"participant_id": "P1", "kind": "phone", "value": "138 0013 8000"}
    )
    tables["family_links"].append(dict(tables["family_links"][0]))
    checked = check(tmp_path, tables)
    checked["participants"].rows[0].unchanged = True
    batches = {b.query: list(b.rows) for b in to_rows(checked)}
    assert [r["id"] for r in batches["load_participants"]] == ["P2", "P3", "P4"]
    assert len(batches["load_identifiers"]) == 4  # the repeated phone of P1 is one edge
    assert len(batches["load_family_links"]) == 2
    assert batches["load_paid_by_account"] == [{"id": "S2", "holder_id": "P1", "amount": 300.0}]
    assert [(r["item_code"], r["item_name"]) for r in batches["load_contains"]] == [
        ("XA01", "阿莫西林"),
        ("XB02", "胰岛素"),
        ("XB02", "胰岛素"),
    ]
    for rows in batches.values():
        for row in rows:
            assert None not in row.get("props", {}).values()
