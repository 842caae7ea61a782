"""Loading into the real embedded FalkorDB (the ``store`` fixture): never a mock."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from loader_fixtures import Tables, contract_tables, write_csv
from loader_rules import CASES, apply

from graphsvc.errors import InputError, StoreError
from graphsvc.store import Store
from loaders import load_directory, rollback
from loaders.report import REJECT_COLUMNS

NATIONAL = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "national.yaml"
MakeDir = Callable[..., Path]


def snapshot(store: Store) -> dict[str, Any]:
    """Every count a load could change: nodes per label, relationships per type."""
    rels = store.query("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n ORDER BY t")
    return {"nodes": store.counts(), "rels": dict(rels.rows)}


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_load_builds_the_graph_of_the_model(
    store: Store, make_dir: MakeDir, tmp_path: Path
) -> None:
    report = load_directory(store, make_dir(), rejects_path=tmp_path / "r.csv")
    doc = report.to_json()
    assert set(doc) >= {"tables", "rejects_file", "elapsed_s"}
    assert doc["tables"]["participants"] == {"read": 4, "loaded": 4, "rejected": 0}
    assert doc["rejects_file"] == str(tmp_path / "r.csv")
    assert read_rejects(tmp_path / "r.csv") == []
    snap = snapshot(store)
    assert {k: v for k, v in snap["nodes"].items() if v} == {
        "Participant": 4,
        "Doctor": 2,
        "Institution": 3,
        "Prescription": 3,
        "Identifier": 3,
        "Item": 2,
        "Referral": 1,
    }
    assert snap["rels"] == {
        "AT": 3,
        "CONTAINS": 3,
        "HAS_IDENTIFIER": 4,
        "PAID_BY_ACCOUNT": 1,
        "PATIENT": 3,
        "PRESCRIBED_BY": 2,
        "REFERRED_BY": 1,
        "REFERRED_FROM": 1,
        "REFERRED_TO": 1,
        "REFERS": 1,
        "SHARES_ACCOUNT": 2,
        "WORKS_AT": 2,
    }
    # the same phone written two ways is one Identifier shared by P1 and P2, whose id is
    # the keyed pseudonym of the normalised number (issue #14), never the number itself
    from graphsvc.security.vault import pii_for_store

    ident = "phone:" + pii_for_store(store).key("phone", "13800138000")
    shared = store.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(x:Identifier {id: $id}) "
        "RETURN p.id ORDER BY p.id",
        {"id": ident},
    )
    assert shared.column("p.id") == ["P1", "P2"]
    s2 = store.query(
        "MATCH (s:Prescription {id: 'S2'})-[r:PAID_BY_ACCOUNT]->(h) "
        "RETURN s.date, s.datetime, r.amount, h.id"
    ).rows
    assert s2 == [["2024-03-02", "2024-03-02T10:15:00", 300.0, "P1"]]
    lv = store.query("MATCH (i:Institution {id: 'H1'}) RETURN i.level, i.load_id").rows[0]
    assert lv == [3, report.load_id]


def test_reload_changes_nothing(store: Store, make_dir: MakeDir) -> None:
    d = make_dir()
    load_directory(store, d)
    before = snapshot(store)
    again = load_directory(store, d)
    assert snapshot(store) == before
    doc = again.to_json()
    assert doc["tables"]["prescriptions"] == {"read": 3, "loaded": 3, "rejected": 0}
    assert doc["unchanged"]["prescriptions"] == 3
    assert doc["unchanged"]["prescription_items"] == 3
    assert again.created == {}


def test_incremental_load_adds_to_what_is_there(store: Store, make_dir: MakeDir) -> None:
    load_directory(store, make_dir())
    before = snapshot(store)
    later: Tables = {
        "participants": [
            {"participant_id": "P5", "name": "新人", "gender": "F", "birth_date": "1990-05-05"},
        ],
        "identifiers": [  # a new person sharing P1's phone; an old person's new email
            {"participant_id": "P5", "kind": "phone", "value": "138 0013 8000"},
            {"participant_id": "P4", "kind": "email", "value": "p4@example.com"},
        ],
        "prescriptions": [
            {
                "prescription_id": "S9",
                "participant_id": "P5",
                "institution_id": "PH1",
                "doctor_id": "D1",
                "date": "2024-05-01",
                "visit_type": "pharmacy",
                "total_amount": "50",
                "fund_paid": "10",
                "account_holder_id": "P1",
                "account_paid": "40",
            },
        ],
        "prescription_items": [
            {
                "prescription_id": "S9",
                "item_code": "XB02",
                "quantity": "1",
                "unit_price": "50",
                "trace_code": "81234567890123456789",
            },
            {"prescription_id": "S1", "item_code": "XD04", "quantity": "3", "unit_price": "2"},
        ],
    }
    report = load_directory(store, make_dir(later))
    assert report.rejected == 0
    after = snapshot(store)
    grew = {k: after["nodes"][k] - before["nodes"][k] for k in after["nodes"]}
    assert {k: v for k, v in grew.items() if v} == {
        "Participant": 1,
        "Prescription": 1,
        "Identifier": 1,
        "Item": 1,
    }
    rel_grew = {k: after["rels"].get(k, 0) - before["rels"].get(k, 0) for k in after["rels"]}
    assert {k: v for k, v in rel_grew.items() if v} == {
        "HAS_IDENTIFIER": 2,
        "PATIENT": 1,
        "AT": 1,
        "PRESCRIBED_BY": 1,
        "PAID_BY_ACCOUNT": 1,
        "CONTAINS": 2,
    }
    # and loading the later directory again changes nothing either
    load_directory(store, make_dir(later))
    assert snapshot(store) == after


def test_conflicting_reload_is_rejected_not_overwritten(
    store: Store, make_dir: MakeDir, tmp_path: Path
) -> None:
    load_directory(store, make_dir())
    tables = contract_tables()
    tables["participants"][0]["region_code"] = "460300"
    report = load_directory(store, make_dir(tables), rejects_path=tmp_path / "r.csv")
    [row] = read_rejects(tmp_path / "r.csv")
    assert (row["file"], row["line"], row["column"]) == ("participants.csv", "2", "participant_id")
    assert "already in the store with different values" in row["reason"]
    assert report.tables["participants"].rejected == 1
    region = store.query("MATCH (p:Participant {id: 'P1'}) RETURN p.region_code").scalar()
    assert region == "460100"


def test_every_rule_rejects_in_a_real_load(store: Store, make_dir: MakeDir, tmp_path: Path) -> None:
    tables = apply(contract_tables(), CASES)
    d = make_dir(tables)
    with (d / "participants.csv").open("a", encoding="utf-8") as fh:
        fh.write("PRAGGED,x\n")  # a row with fewer fields than the header
    rejects_path = tmp_path / "out" / "rejects.csv"
    report = load_directory(store, d, rejects_path=rejects_path)
    rows = read_rejects(rejects_path)
    assert list(rows[0]) == list(REJECT_COLUMNS)
    expected = sum(len(c.expect) for c in CASES) + 1
    assert len(rows) == expected == report.rejected
    for name, t in report.tables.items():
        assert t.read == t.loaded + t.rejected, name
    got = {(r["file"], r["column"], r["reason"]) for r in rows}
    for case in CASES:
        for table, column, fragment in case.expect:
            assert any(
                f == f"{table}.csv" and col == column and fragment in reason
                for f, col, reason in got
            ), (case.name, fragment)
    ragged = next(r for r in rows if r["reason"].startswith("row has 2 fields"))
    assert ragged["line"] == str(len(tables["participants"]) + 2)
    assert json.loads(ragged["raw"])["participant_id"] == "PRAGGED"
    # only the good rows are in the store
    base = contract_tables()
    assert store.count("Participant") == len(base["participants"])
    assert store.count("Prescription") == len(base["prescriptions"])
    assert store.count("Referral") == len(base["referrals"])
    assert rejects_path.stat().st_mode & 0o077 == 0  # raw rows hold personal data


def test_unparseable_file_writes_nothing(store: Store, make_dir: MakeDir) -> None:
    d = make_dir()
    (d / "referrals.csv").write_bytes(
        b'referral_id,participant_id,from_institution_id,to_institution_id\nR1,"P3\n'
    )
    with pytest.raises(InputError, match=r"referrals\.csv: line 2: malformed CSV"):
        load_directory(store, d)
    assert sum(store.counts().values()) == 0
    load_directory(store, make_dir())
    before = snapshot(store)
    with pytest.raises(InputError, match=r"referrals\.csv"):
        load_directory(store, d)
    assert snapshot(store) == before


class Boom(RuntimeError):
    pass


def test_failure_mid_load_leaves_no_half_state(store: Store, make_dir: MakeDir) -> None:
    load_directory(store, make_dir())
    before = snapshot(store)
    tables = contract_tables()
    tables["participants"].append({"participant_id": "P7", "gender": "M"})
    tables["identifiers"].append({"participant_id": "P4", "kind": "phone", "value": "139"})
    tables["family_links"].append({"holder_id": "P4", "member_id": "P7"})
    tables["prescriptions"] += [
        {
            "prescription_id": f"N{i}",
            "participant_id": "P7",
            "institution_id": "H1",
            "doctor_id": "D1",
            "date": "2024-06-01",
            "visit_type": "outpatient",
        }
        for i in range(5)
    ]
    tables["prescription_items"].append(
        {"prescription_id": "S1", "item_code": "NEW1", "quantity": "1"}
    )
    sent: list[str] = []

    def fail_late(query: str, rows: int) -> None:
        sent.append(query)
        if query == "load_contains":
            raise Boom("store went away")

    with pytest.raises(Boom):
        load_directory(store, make_dir(tables), on_batch=fail_late, batch_size=2)
    assert "load_prescriptions" in sent  # it failed after real writes
    assert snapshot(store) == before
    leftovers = store.query(
        "MATCH (n) WHERE n.load_id <> $first RETURN count(n)",
        {"first": store.query("MATCH (n:Participant {id: 'P1'}) RETURN n.load_id").scalar()},
    ).scalar()
    assert leftovers == 0


def test_store_refusal_mid_load_rolls_back_only_this_load(store: Store, make_dir: MakeDir) -> None:
    """Another writer creates S2 between validation and writing: the unique constraint
    refuses our CREATE; our load disappears, the other writer's node stays."""
    load_directory(
        store,
        make_dir(
            {k: v for k, v in contract_tables().items() if k in ("institutions", "participants")}
            | {"prescriptions": []}
        ),
    )
    before = snapshot(store)

    def other_writer(query: str, rows: int) -> None:
        if query == "load_doctors":
            store.query("CREATE (:Prescription {id: 'S2'})", write=True)

    with pytest.raises(StoreError, match="unique constraint"):
        load_directory(store, make_dir(), on_batch=other_writer, batch_size=1)
    after = snapshot(store)
    assert after["nodes"]["Prescription"] == 1  # only the other writer's
    assert after["rels"] == before["rels"]
    assert {k: v for k, v in after["nodes"].items() if k != "Prescription"} == {
        k: v for k, v in before["nodes"].items() if k != "Prescription"
    }


def test_manual_rollback_removes_a_load(store: Store, make_dir: MakeDir) -> None:
    first = load_directory(
        store,
        make_dir(
            {k: v for k, v in contract_tables().items() if k in ("institutions", "participants")}
            | {"prescriptions": []}
        ),
    )
    before = snapshot(store)
    second = load_directory(store, make_dir())
    assert snapshot(store) != before
    assert rollback(store, second.load_id) > 0
    assert snapshot(store) == before
    assert first.load_id != second.load_id


def test_national_field_codes_load_with_the_shipped_mapping(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "national"
    d.mkdir()
    write_csv(
        d / "institutions.csv",
        [
            {
                "fixmedins_code": "H46010000001",
                "fixmedins_name": "省人民医院",
                "fixmedins_type": "1",
                "hosp_lv": "02",
                "admdvs": "460100",
            },
            {
                "fixmedins_code": "P46010000002",
                "fixmedins_name": "大药房",
                "fixmedins_type": "2",
                "hosp_lv": "11",
                "admdvs": "460100",
            },
        ],
    )
    write_csv(
        d / "doctors.csv",
        [
            {
                "dr_codg": "D460100000001",
                "dr_name": "王医生",
                "fixmedins_code": "H46010000001",
                "dept_name": "内科",
            },
        ],
    )
    write_csv(
        d / "participants.csv",
        [
            {
                "psn_no": "46000000000000000001",
                "certno": "460100198001010014",
                "psn_name": "张三",
                "gend": "1",
                "brdy": "1980-01-01",
                "insutype": "310",
                "insuplc_admdvs": "460100",
            },
            {
                "psn_no": "46000000000000000002",
                "certno": "460100198502020026",
                "psn_name": "李四",
                "gend": "2",
                "brdy": "1985-02-02",
                "insutype": "390",
                "insuplc_admdvs": "460100",
            },
        ],
    )
    write_csv(
        d / "prescriptions.csv",
        [
            {
                "setl_id": "SETL1",
                "mdtrt_id": "MD1",
                "psn_no": "46000000000000000001",
                "fixmedins_code": "H46010000001",
                "atddr_no": "D460100000001",
                "setl_time": "2024-03-01 09:30:00",
                "begndate": "",
                "enddate": "",
                "med_type": "11",
                "dise_codg": "J06.9",
                "medfee_sumamt": "120.00",
                "fund_pay_sumamt": "80.00",
                "acct_pay": "40.00",
                "acct_psn_no": "",
            },
            {
                "setl_id": "SETL2",
                "mdtrt_id": "MD2",
                "psn_no": "46000000000000000002",
                "fixmedins_code": "H46010000001",
                "atddr_no": "D460100000001",
                "setl_time": "2024-03-09 10:00:00",
                "begndate": "2024-03-05 08:00:00",
                "enddate": "2024-03-09",
                "med_type": "21",
                "dise_codg": "K35.8",
                "medfee_sumamt": "8000",
                "fund_pay_sumamt": "6000",
                "acct_pay": "500",
                "acct_psn_no": "46000000000000000001",
            },
            {
                "setl_id": "SETL3",
                "mdtrt_id": "MD3",
                "psn_no": "46000000000000000002",
                "fixmedins_code": "P46010000002",
                "atddr_no": "",
                "setl_time": "2024-03-10 11:00:00",
                "begndate": "",
                "enddate": "",
                "med_type": "41",
                "dise_codg": "",
                "medfee_sumamt": "35",
                "fund_pay_sumamt": "0",
                "acct_pay": "35",
                "acct_psn_no": "",
            },
            {
                "setl_id": "SETL4",
                "mdtrt_id": "MD4",
                "psn_no": "46000000000000000002",
                "fixmedins_code": "P46010000002",
                "atddr_no": "",
                "setl_time": "2024-03-11 11:00:00",
                "begndate": "",
                "enddate": "",
                "med_type": "9901",
                "dise_codg": "",
                "medfee_sumamt": "35",
                "fund_pay_sumamt": "0",
                "acct_pay": "35",
                "acct_psn_no": "",
            },
        ],
    )
    write_csv(
        d / "prescription_items.csv",
        [
            {
                "setl_id": "SETL3",
                "hilist_code": "XA01",
                "hilist_name": "阿莫西林",
                "cnt": "2",
                "pric": "17.5",
                "drug_trac_codg": "81234567890123456789",
            },
        ],
    )
    report = load_directory(store, d, mapping=NATIONAL, rejects_path=tmp_path / "r.csv")
    assert {n: (t.read, t.loaded, t.rejected) for n, t in report.tables.items()} == {
        "institutions": (2, 2, 0),
        "doctors": (1, 1, 0),
        "participants": (2, 2, 0),
        "prescriptions": (4, 3, 1),
        "prescription_items": (1, 1, 0),
    }
    [rej] = read_rejects(tmp_path / "r.csv")
    assert (rej["column"], rej["value_excerpt"]) == ("visit_type", "9901")
    people = store.query(
        "MATCH (p:Participant) RETURN p.id, p.gender, p.insurance_type, p.mdtrt_id ORDER BY p.id"
    ).rows
    assert people == [
        ["46000000000000000001", "M", "employee", None],
        ["46000000000000000002", "F", "resident", None],
    ]
    rows = store.query(
        "MATCH (s:Prescription)-[:AT]->(i:Institution) OPTIONAL MATCH (s)-[r:PAID_BY_ACCOUNT]->(h) "
        "RETURN s.id, s.visit_type, s.date, s.discharge_date, s.total_amount, s.mdtrt_id, "
        "i.kind, i.level, h.id ORDER BY s.id"
    ).rows
    assert rows == [
        ["SETL1", "outpatient", "2024-03-01", None, 120.0, "MD1", "hospital", 3, None],
        [
            "SETL2",
            "inpatient",
            "2024-03-05",
            "2024-03-09",
            8000.0,
            "MD2",
            "hospital",
            3,
            "46000000000000000001",
        ],
        ["SETL3", "pharmacy", "2024-03-10", None, 35.0, "MD3", "pharmacy", 0, None],
    ]
    line = store.query(
        "MATCH (:Prescription {id: 'SETL3'})-[c:CONTAINS]->(t:Item) "
        "RETURN t.id, t.name, c.quantity, c.unit_price, c.trace_code"
    ).rows
    assert line == [["XA01", "阿莫西林", 2.0, 17.5, "81234567890123456789"]]


def test_generated_province_loads_and_reloads_unchanged(
    store: Store, province_dir: Path, tmp_path: Path
) -> None:
    report = load_directory(store, province_dir, rejects_path=tmp_path / "r.csv")
    for name, t in report.tables.items():
        assert t.read == t.loaded + t.rejected, name
    assert report.tables["participants"].loaded == store.count("Participant")
    assert report.tables["prescriptions"].loaded == store.count("Prescription")
    assert len(read_rejects(tmp_path / "r.csv")) == report.rejected
    before = snapshot(store)
    again = load_directory(store, province_dir)
    assert snapshot(store) == before
    assert again.tables["prescriptions"].unchanged == report.tables["prescriptions"].loaded


def test_unwritable_rejects_file_stops_before_writing(
    store: Store, make_dir: MakeDir, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="cannot write the rejects file"):
        load_directory(store, make_dir(), rejects_path=blocker / "rejects.csv")
    assert sum(store.counts().values()) == 0


@pytest.mark.parametrize(
    "rel_type", ["PRESCRIBED_BY", "PAID_BY_ACCOUNT", "WORKS_AT", "REFERRED_BY"]
)
def test_rerun_links_rows_whose_relationships_a_crash_lost(
    store: Store, province_dir: Path, rel_type: str
) -> None:
    """Issue #19: a loader killed between a node batch and its relationship batch left
    settlements (doctors, referrals) stored without their links; the re-run must add
    them, not count the rows as unchanged and stop there."""
    load_directory(store, province_dir)
    clean = snapshot(store)
    assert clean["rels"][rel_type] > 0
    store.query(f"MATCH ()-[r:{rel_type}]->() DELETE r", write=True)  # the crash's state
    assert rel_type not in snapshot(store)["rels"]
    again = load_directory(store, province_dir)
    assert snapshot(store) == clean
    assert again.created == {rel_type: clean["rels"][rel_type]}  # repaired links reported
