"""``graphsvc export-import``: neo4j-admin import files that hold the loader's graph."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphsvc.errors import InputError
from graphsvc.exporters.neo4j_import import export_directory
from graphsvc.model import LABELS, REL_TYPES
from graphsvc.store import Store

ID_P1 = "460100198001010014"
ID_P2 = "460100198502020026"
ID_P3 = "46010020100303003X"


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    write_csv(
        d / "institutions.csv",
        [
            {"institution_id": "H1", "name": "省人民医院", "kind": "hospital", "level": "3"},
            {"institution_id": "C1", "name": "社区诊所", "kind": "clinic", "level": "1"},
        ],
    )
    write_csv(
        d / "doctors.csv",
        [{"doctor_id": "D1", "name": "王医生", "institution_id": "H1", "department": "内科"}],
    )
    write_csv(
        d / "participants.csv",
        [
            {"participant_id": "P1", "name": "张三", "id_number": ID_P1, "note": "a,b"},
            {"participant_id": "P2", "name": "李四", "id_number": ID_P2, "note": ""},
            {"participant_id": "P3", "name": "王五", "id_number": ID_P3, "note": "x"},
        ],
    )
    write_csv(
        d / "identifiers.csv",
        [  # the same phone written two ways: one Identifier, two edges
            {"participant_id": "P1", "kind": "phone", "value": "+86 138-0013-8000"},
            {"participant_id": "P2", "kind": "phone", "value": "13800138000"},
        ],
    )
    write_csv(
        d / "family_links.csv",
        [{"holder_id": "P1", "member_id": "P2", "relation": "spouse", "since": "2020-01-01"}],
    )
    write_csv(
        d / "prescriptions.csv",
        [
            {"prescription_id": "S1", "participant_id": "P1", "institution_id": "H1",
             "doctor_id": "D1", "date": "2024-03-01", "visit_type": "outpatient",
             "total_amount": "120.50", "fund_paid": "80", "account_holder_id": "P2",
             "account_paid": "40.5"},
            {"prescription_id": "S2", "participant_id": "P3", "institution_id": "C1",
             "doctor_id": "", "date": "2024-03-02", "visit_type": "outpatient",
             "total_amount": "10", "fund_paid": "20", "account_holder_id": "",
             "account_paid": ""},  # fund_paid > total: rejected
        ],
    )  # fmt: skip
    write_csv(
        d / "prescription_items.csv",
        [
            {"prescription_id": "S1", "item_code": "X01", "item_name": "阿莫西林",
             "quantity": "2", "unit_price": "10.25"},
            {"prescription_id": "S1", "item_code": "X01", "item_name": "阿莫西林",
             "quantity": "1", "unit_price": "10.25"},
            {"prescription_id": "S2", "item_code": "X02", "item_name": "x",
             "quantity": "1", "unit_price": "1"},  # its settlement was rejected
        ],
    )  # fmt: skip
    write_csv(
        d / "referrals.csv",
        [{"referral_id": "R1", "participant_id": "P1", "from_institution_id": "C1",
          "from_doctor_id": "", "to_institution_id": "H1", "date": "2024-03-03"}],
    )  # fmt: skip
    return d


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_headers_rows_and_typed_properties(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = export_directory(small_dir, out, load_id="L1")
    participants = read(out / "nodes" / "Participant.csv")
    assert participants[0] == [
        "id:ID(Participant)", ":LABEL", "name", "name_key", "surname_key", "name_fold_key",
        "name_pinyin_key", "name_surname_key", "id_number",
        "id_number_key", "id_bucket", "gender", "birth_date",
        "insurance_type", "region_code", "note", "row_hash", "load_id",
    ]  # fmt: skip
    assert [r[0] for r in participants[1:]] == ["P1", "P2", "P3"]
    note = participants[0].index("note")
    assert participants[1][note] == "a,b" and participants[2][note] == ""  # empty = no property
    assert all(r[1] == "Participant" and r[-1] == "L1" for r in participants[1:])

    rx = read(out / "nodes" / "Prescription.csv")
    header = rx[0]
    assert header[:2] == ["id:ID(Prescription)", ":LABEL"]
    assert {"total_amount:double", "fund_paid:double", "account_paid:double"} <= set(header)
    assert [r[0] for r in rx[1:]] == ["S1"]
    assert rx[1][header.index("total_amount:double")] == "120.5"
    assert read(out / "nodes" / "Institution.csv")[0][4] == "level:int"

    ident = read(out / "nodes" / "Identifier.csv")
    assert ident == [
        ["id:ID(Identifier)", ":LABEL", "kind", "value", "key", "load_id"],
        ["phone:13800138000", "Identifier", "phone", "13800138000", "", "L1"],
    ]  # without pii (a test of the format): raw values; the CLI always pseudonymises
    has = read(out / "relationships" / "HAS_IDENTIFIER.csv")
    assert has[0] == [":START_ID(Participant)", ":END_ID(Identifier)", ":TYPE", "load_id"]
    assert [r[:3] for r in has[1:]] == [
        ["P1", "phone:13800138000", "HAS_IDENTIFIER"],
        ["P2", "phone:13800138000", "HAS_IDENTIFIER"],
    ]
    contains = read(out / "relationships" / "CONTAINS.csv")
    assert contains[0] == [
        ":START_ID(Prescription)", ":END_ID(Item)", ":TYPE", "line_id", "quantity:double",
        "unit_price:double", "trace_code", "load_id",
    ]  # fmt: skip
    assert len(contains) == 3 and len(read(out / "nodes" / "Item.csv")) == 2
    paid = read(out / "relationships" / "PAID_BY_ACCOUNT.csv")
    assert paid == [
        [":START_ID(Prescription)", ":END_ID(Participant)", ":TYPE", "amount:double"],
        ["S1", "P2", "PAID_BY_ACCOUNT", "40.5"],
    ]
    assert read(out / "relationships" / "REFERRED_FROM.csv")[1] == ["R1", "C1", "REFERRED_FROM"]
    assert not (out / "relationships" / "REFERRED_BY.csv").exists()  # no referring doctor

    # Counts: what was read = exported + rejected, and the rejects file says why.
    assert report.tables["prescriptions"] == {"read": 2, "exported": 1, "rejected": 1}
    assert report.tables["prescription_items"] == {"read": 3, "exported": 2, "rejected": 1}
    rejects = read(out / "rejects.csv")
    assert any("fund_paid" in " ".join(r) for r in rejects[1:])
    manifest = json.loads((out / "manifest.json").read_text())
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    assert rows["nodes/Participant.csv"] == 3 and rows["relationships/PATIENT.csv"] == 1


def test_import_script_and_schema(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = export_directory(small_dir, out, database="fund")
    script = (out / "import.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash")
    assert "neo4j-admin database import full" in script
    assert 'DATABASE="${1:-fund}"' in script
    for s in report.files:
        assert f"--{s.kind}={s.path.relative_to(out)}" in script
    assert "--bad-tolerance=0" in script and "--multiline-fields" not in script
    subprocess.run(["bash", "-n", str(out / "import.sh")], check=True)  # noqa: S603, S607  fixed argv, no shell; the tool is found on PATH on purpose
    assert (out / "import.sh").stat().st_mode & 0o111
    schema = (out / "schema.cypher").read_text().splitlines()
    assert len(schema) >= len(LABELS)
    assert all(line.startswith("CREATE ") and line.endswith(";") for line in schema)


def test_refuses_a_non_empty_output(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("x\n")
    with pytest.raises(InputError, match="not an empty directory"):
        export_directory(small_dir, out)


def test_unreadable_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "participants.csv").write_text("participant_id\nP1\n")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="prescriptions"):
        export_directory(bad, out)
    assert not out.exists()


def test_export_holds_the_loaded_graph(
    province_dir: Path, loaded_store: Store, tmp_path: Path
) -> None:
    """Every label and relationship type: as many import rows as the loader stored."""
    out = tmp_path / "out"
    report = export_directory(province_dir, out)
    exported = {s.name: s.rows for s in report.files}
    stored = {label: n for label, n in loaded_store.counts().items() if n}
    for rel in REL_TYPES:
        n = loaded_store.query(f"MATCH ()-[r:`{rel}`]->() RETURN count(r)").scalar()
        if n:
            stored[rel] = int(n)
    assert exported == stored
    assert exported["Prescription"] > 10_000 and exported["CONTAINS"] > 10_000


def test_cli_writes_files_and_summary(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-out"
    proc = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", "export-import", str(small_dir), str(out),
         "--no-progress"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "nodes/Participant.csv" in proc.stdout and "rejected rows" in proc.stdout
    assert (out / "import.sh").exists()
    again = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", "export-import", str(small_dir), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 1 and "not an empty directory" in again.stderr


def test_with_pii_the_import_files_hold_no_raw_value(small_dir: Path, tmp_path: Path) -> None:
    """Issue #14: the bulk path pseudonymises like the loader; raw values go to the vault."""
    from graphsvc.security.vault import open_pii

    pii = open_pii(tmp_path / "keys", tmp_path, "import_test")
    out = tmp_path / "out"
    export_directory(small_dir, out, load_id="L1", pii=pii)
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.csv")))
    assert "13800138000" not in text
    ident = read(out / "nodes" / "Identifier.csv")
    key = pii.key("phone", "13800138000")
    assert ident[1][:5] == [f"phone:{key}", "Identifier", "phone", "138****8000", key]
    assert pii.vault.get("Identifier", f"phone:{key}") == {"value": "13800138000"}
