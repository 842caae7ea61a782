"""The screening index built from the real store: each pattern rule catches its ring
settlement and lets its ordinary look-alike pass; the index follows the store's data
version; a settlement screened and later loaded is held once.

The data is a small hand-made contract directory (every table, valid ID numbers)
loaded through the loader, so the index reads exactly what a real load writes.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from graphsvc.contract.normalise import gb11643_check_digit
from graphsvc.screening import IndexHolder, Settlement, build_index, parse_settlement, screen
from graphsvc.screening.rules import ScreenIndex
from graphsvc.store import Store

Tables = dict[str, list[dict[str, str]]]


def _id(seq: int, birth: str) -> str:
    first17 = f"460100{birth.replace('-', '')}{seq:03d}"
    return first17 + gb11643_check_digit(first17)


def _person(pid: str, birth: str, seq: int, number: str | None = None) -> dict[str, str]:
    return {
        "participant_id": pid,
        "name": f"参保人{pid}",
        "id_number": number or _id(seq, birth),
        "gender": "F",
        "birth_date": birth,
        "insurance_type": "employee",
        "region_code": "460100",
    }


def _rx(sid: str, pid: str, inst: str, day: str, **extra: str) -> dict[str, str]:
    row = {
        "prescription_id": sid,
        "participant_id": pid,
        "institution_id": inst,
        "doctor_id": "D1",
        "date": day,
        "discharge_date": "",
        "visit_type": "outpatient",
        "diagnosis_code": "J06.9",
        "total_amount": "100",
        "fund_paid": "60",
        "account_holder_id": "",
        "account_paid": "0",
    }
    row.update(extra)
    return row


def _tables() -> Tables:
    people = [
        _person("P1", "1980-01-01", 1),  # holder
        _person("P2", "1982-05-05", 2),  # registered spouse
        _person("P3", "2010-03-03", 3),  # registered child, ages fit
        _person("P4", "1950-04-04", 4),  # lives with P6
        _person("P5", "1990-06-06", 5),  # a stranger elsewhere
        _person("P6", "1976-07-07", 6),  # P4's unregistered co-resident (a plausible child)
        _person("P7", "1970-07-01", 7),  # enrolled twice: P9 is the second card
        _person("P8", "1978-08-08", 8),  # registered as P1's "child", yet older
    ]
    people.append(_person("P9", "1970-07-01", 7, number=people[6]["id_number"]))
    return {
        "institutions": [
            {
                "institution_id": i,
                "name": f"机构{i}",
                "kind": kind,
                "level": "2",
                "region_code": "460100",
            }
            for i, kind in (("H1", "hospital"), ("H2", "hospital"), ("PH1", "pharmacy"))
        ],
        "doctors": [
            {"doctor_id": d, "name": f"医生{d}", "institution_id": "H1", "department": "内科"}
            for d in ("D1", "D2", "D3")
        ],
        "participants": people,
        "identifiers": [
            {"participant_id": "P4", "kind": "address", "value": "海口市龙华路1号"},
            {"participant_id": "P6", "kind": "address", "value": "海口市龙华路1号"},
            {"participant_id": "P1", "kind": "address", "value": "海口市美兰路9号"},
            {"participant_id": "P5", "kind": "address", "value": "三亚市河东路3号"},
        ],
        "family_links": [
            {"holder_id": "P1", "member_id": "P2", "relation": "spouse", "since": "2020-01-01"},
            {"holder_id": "P1", "member_id": "P3", "relation": "child", "since": "2020-01-01"},
            {"holder_id": "P1", "member_id": "P8", "relation": "child", "since": "2020-01-01"},
        ],
        "prescriptions": [
            _rx("S1", "P1", "PH1", "2024-03-01", visit_type="pharmacy"),
            _rx(
                "S2",
                "P3",
                "H1",
                "2024-03-05",
                discharge_date="2024-03-09",
                visit_type="inpatient",
                diagnosis_code="K35.8",
            ),
        ],
        "prescription_items": [
            {
                "prescription_id": "S1",
                "item_code": "XB02",
                "item_name": "胰岛素",
                "quantity": "1",
                "unit_price": "150",
                "trace_code": "81234567890123456789",
            },
        ],
        "referrals": [],
    }


def _write(directory: Path, tables: Tables) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        header = list(rows[0]) if rows else _REFERRAL_HEADER
        with (directory / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
    return directory


_REFERRAL_HEADER = [
    "referral_id",
    "participant_id",
    "from_institution_id",
    "from_doctor_id",
    "to_institution_id",
    "date",
]


def _load(store: Store, tmp_path: Path, tables: Tables) -> None:
    from loaders import load_directory

    report = load_directory(store, _write(tmp_path / "src", tables))
    assert report.rejected == 0


def _codes(index: ScreenIndex, s: Settlement) -> list[str]:
    return [r.code for r in screen(index, s).reasons]


def _s(sid: str, pid: str, inst: str, day: str, **kw: object) -> Settlement:
    return parse_settlement(
        {"prescription_id": sid, "participant_id": pid, "institution_id": inst, "date": day, **kw}
    )


def test_pattern_rules_catch_rings_and_spare_look_alikes(store: Store, tmp_path: Path) -> None:
    _load(store, tmp_path, _tables())
    ix = build_index(store)
    # stays are kept as objects (S2); every participant's last settled day (S1 too)
    assert sorted(ix.settlements) == ["S2"] and ix.trace_codes == {"81234567890123456789": "S1"}
    assert ix.last_day["P1"] == date(2024, 3, 1) and ix.last_day["P3"] == date(2024, 3, 9)
    day = "2024-04-01"
    # A trace code already settled (回流药) vs a fresh pack, and vs its own settlement.
    resold = _s("N1", "P2", "PH1", day, items=[{"trace_code": "81234567890123456789"}])
    assert _codes(ix, resold) == ["trace_code_settled"]
    assert screen(ix, resold).reasons[0].detail["first"] == "S1"
    fresh = _s("N2", "P2", "PH1", day, items=[{"trace_code": "89999999999999999999"}])
    assert _codes(ix, fresh) == []
    again = _s("S1", "P1", "PH1", "2024-03-01", items=[{"trace_code": "81234567890123456789"}])
    assert _codes(ix, again) == []
    # Account paying for a stranger vs for a plausible family member.
    assert _codes(ix, _s("N3", "P5", "PH1", day, account_holder_id="P1")) == ["account_not_family"]
    for member in ("P2", "P3"):  # registered, ages fit
        assert _codes(ix, _s("N4", member, "PH1", day, account_holder_id="P1")) == []
    # unregistered, but a co-resident of a plausible household: family beyond the register
    assert _codes(ix, _s("N5", "P6", "PH1", day, account_holder_id="P4")) == []
    contradicted = screen(ix, _s("N6", "P8", "PH1", day, account_holder_id="P1"))
    assert [r.code for r in contradicted.reasons] == ["account_not_family"]
    assert "registered as child but only" in contradicted.reasons[0].en
    assert "登记为子女" in contradicted.reasons[0].zh
    # A settlement while an inpatient elsewhere vs the day after discharge.
    assert _codes(ix, _s("N7", "P3", "H2", "2024-03-07")) == ["inpatient_elsewhere"]
    assert _codes(ix, _s("N8", "P3", "H2", "2024-03-10")) == []
    # A duplicate enrolment's second card vs the first person's ordinary neighbour.
    dup = screen(ix, _s("N9", "P9", "H2", day))
    assert [r.code for r in dup.reasons] == ["duplicate_enrolment"]
    assert dup.reasons[0].detail["others"] == ["P7"]
    assert _codes(ix, _s("N10", "P5", "H2", day)) == []


def _ring(store: Store, ring: str, doctor: str, score: float, amount: float) -> None:
    store.query(
        "MERGE (r:DetectionRun {id: 'run1', current: true}) "
        "CREATE (g:Ring {id: $ring, ring_id: $hash, typology: 'organised_visits', "
        "score: $score, amount_at_risk: $amount})-[:IN_RUN]->(r) "
        "WITH g MATCH (d:Doctor {id: $doctor}) CREATE (g)-[:HAS_MEMBER {role: 'hub doctor'}]->(d)",
        {"ring": f"run1:{ring}", "hash": ring, "doctor": doctor, "score": score, "amount": amount},
        write=True,
    )


def test_risk_grade_reason_and_dismissed_case_clears(store: Store, tmp_path: Path) -> None:
    _load(store, tmp_path, _tables())
    _ring(store, "r-live", "D2", 0.9, 200_000.0)  # 0.9 x 1.0 x (1 + 4) = 4.5 points: C
    _ring(store, "r-gone", "D3", 0.9, 200_000.0)
    store.query(
        "CREATE (:Case {id: 'C1', ring_id: 'r-gone', status: 'dismissed', "
        "updated_at: '2026-01-01'})",
        write=True,
    )
    ix = build_index(store)
    held = screen(ix, _s("N1", "P5", "H2", "2024-04-01", doctor_id="D2"))
    assert [r.code for r in held.reasons] == ["ring_member", "risk_grade"]
    assert held.reasons[1].detail == {"kind": "doctor", "id": "D2", "grade": "C"}
    assert "C" in held.reasons[1].zh and held.verdict == "hold"
    # The look-alike: same ring shape, but its case was dismissed -- grade A, no ring.
    cleared = screen(ix, _s("N2", "P5", "H2", "2024-04-01", doctor_id="D3"))
    assert cleared.verdict == "pass" and cleared.reasons == ()
    assert ix.grades[("doctor", "D3")].grade == "A"


def test_index_follows_data_version_and_never_doubles(store: Store, tmp_path: Path) -> None:
    tables = _tables()
    _load(store, tmp_path, tables)
    holder = IndexHolder(store, check_every_s=0.0)
    first = holder.get()
    assert holder.get() is first, "no write: the same index serves"
    # A settlement screened now (an inpatient stay with a trace code) ...
    row = _rx(
        "S9",
        "P2",
        "H1",
        "2024-04-01",
        discharge_date="2024-04-05",
        visit_type="inpatient",
        diagnosis_code="K35.8",
    )
    items = [{"trace_code": "87777777777777777777"}]
    before = screen(first, parse_settlement({**row, "items": items}))
    assert before.verdict == "pass" and "S9" not in first.settlements
    # ... then loaded: the load moves the data version, the holder rebuilds.
    tables["prescriptions"].append(row)
    tables["prescription_items"].append(
        {
            "prescription_id": "S9",
            "item_code": "XB02",
            "item_name": "胰岛素",
            "quantity": "1",
            "unit_price": "150",
            "trace_code": "87777777777777777777",
        }
    )
    _load(store, tmp_path, tables)
    second = holder.get()
    assert second is not first and second.version != first.version
    assert sorted(second.settlements) == ["S2", "S9"]
    assert [s.prescription_id for s in second.history("P2")] == ["S9"]
    # Screened again after the load, it is not its own readmission nor its own resale.
    after = screen(second, parse_settlement({**row, "items": items}))
    assert after.verdict == "pass" and after.reasons == ()
    assert second.trace_codes["87777777777777777777"] == "S9"
    # A detection run writes too: the next index sees its rings.
    from graphsvc.detection import run_detection

    run_detection(store)
    third = holder.get()
    assert third is not second and third.version != second.version
    assert len(third.settlements) == 2


def test_items_field_errors_are_named() -> None:
    import pytest

    from graphsvc.errors import InputError

    base = {"prescription_id": "S", "participant_id": "P", "institution_id": "H"}
    with pytest.raises(InputError, match=r"items\[1\]\.trace_code must be a string"):
        parse_settlement(
            {**base, "date": "2024-01-01", "items": [{"trace_code": "A"}, {"trace_code": 5}]}
        )
    with pytest.raises(InputError, match="items must be a list"):
        parse_settlement({**base, "date": "2024-01-01", "items": "A"})
    s = parse_settlement({**base, "date": date(2024, 1, 1).isoformat(), "items": [{}]})
    assert s.trace_codes == ()
