"""Pure rules: each reason fires on its pattern and only on it."""

from __future__ import annotations

from datetime import date

import pytest

from graphsvc.errors import InputError
from graphsvc.screening import ScreenIndex, Settlement, parse_settlement, screen
from graphsvc.screening.rules import RingRef


def _index() -> ScreenIndex:
    ix = ScreenIndex()
    for pid, number in (("P1", "A"), ("P2", "B"), ("P3", "B"), ("P4", None)):
        ix.add_participant(pid, number)
    ix.institutions.update({"H1", "H2"})
    ix.family.add(("P4", "P1"))
    ix.add_settlement(
        Settlement("S0", "P1", "H1", date(2026, 1, 1), None, date(2026, 1, 10), "inpatient", "J18")
    )
    return ix


def test_ordinary_settlement_passes() -> None:
    v = screen(_index(), Settlement("S1", "P1", "H2", date(2026, 3, 1), visit_type="outpatient"))
    assert v.verdict == "pass" and v.reasons == ()


def test_readmission_same_diagnosis_same_hospital_is_review() -> None:
    s = Settlement("S1", "P1", "H1", date(2026, 1, 15), None, None, "inpatient", "J18")
    v = screen(_index(), s)
    assert [r.code for r in v.reasons] == ["readmission"] and v.verdict == "review"
    other = Settlement("S1", "P1", "H2", date(2026, 1, 15), None, None, "inpatient", "J18")
    assert screen(_index(), other).verdict == "pass"


def test_settlement_while_inpatient_elsewhere() -> None:
    v = screen(_index(), Settlement("S1", "P1", "H2", date(2026, 1, 5), visit_type="outpatient"))
    assert [r.code for r in v.reasons] == ["inpatient_elsewhere"]


def test_account_of_non_family_and_duplicate_card() -> None:
    ok = Settlement("S1", "P1", "H2", date(2026, 3, 1), account_holder_id="P4")
    assert screen(_index(), ok).verdict == "pass"
    bad = Settlement("S1", "P2", "H2", date(2026, 3, 1), account_holder_id="P4")
    codes = [r.code for r in screen(_index(), bad).reasons]
    assert codes == ["account_not_family", "duplicate_enrolment"]


def test_ring_member_holds_and_unknowns_review() -> None:
    ix = _index()
    ix.add_ring_member("doctor", "D9", RingRef("run:r1", "organised_visits", "hub doctor", 0.9))
    v = screen(ix, Settlement("S1", "P1", "H2", date(2026, 3, 1), doctor_id="D9"))
    assert v.verdict == "hold" and v.reasons[0].detail["ring"] == "run:r1"
    assert "团伙" in v.reasons[0].zh
    u = screen(ix, Settlement("S1", "PX", "HX", date(2026, 3, 1)))
    assert u.verdict == "review"
    assert [r.code for r in u.reasons] == ["unknown_participant", "unknown_institution"]


def test_settlement_keyed_by_id_is_not_doubled() -> None:
    ix = _index()
    s = Settlement("S0", "P1", "H1", date(2026, 1, 1))
    assert ix.add_settlement(s) is False
    assert len(ix.history("P1")) == 1


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InputError, match="participant_id is required"):
        parse_settlement({"prescription_id": "S1", "institution_id": "H1", "date": "2026-01-01"})
    with pytest.raises(InputError, match="date must be a date"):
        parse_settlement(
            {"prescription_id": "S", "participant_id": "P", "institution_id": "H", "date": "x"}
        )
    s = parse_settlement(
        {
            "prescription_id": "S",
            "participant_id": "P",
            "institution_id": "H",
            "date": "2026-01-02 10:00",
            "account_holder_id": "P",
            "visit_type": "Inpatient",
        }
    )
    assert s.account_holder_id is None and s.visit_type == "inpatient"


def _row(sid: str, pid: str, inst: str, day: str, **extra: object) -> dict[str, object]:
    return {
        "prescription_id": sid,
        "participant_id": pid,
        "institution_id": inst,
        "date": day,
        **extra,
    }


def test_a_batch_sees_its_own_earlier_rows() -> None:
    """Two rows of one batch: the second is screened against the first (a trace code settled
    twice, a readmission and a visit elsewhere during a stay, all sent together), and the
    shared index never learns the batch (a second request sees none of it)."""
    from graphsvc.screening import screen_batch

    ix = _index()
    pack = {"trace_code": "81234567890123456789"}
    rows = [
        _row("B1", "P1", "H2", "2026-03-01", visit_type="pharmacy", items=[pack]),
        _row("B2", "P4", "H2", "2026-03-02", visit_type="pharmacy", items=[pack]),
        _row(
            "B3",
            "P4",
            "H1",
            "2026-04-01",
            visit_type="inpatient",
            diagnosis_code="I63",
            discharge_date="2026-04-09",
        ),
        _row("B4", "P4", "H2", "2026-04-05", visit_type="outpatient"),
        _row("B5", "P4", "H1", "2026-04-11", visit_type="inpatient", diagnosis_code="I63"),
    ]
    verdicts = {v["prescription_id"]: v for v in screen_batch(ix, rows)}
    codes = {sid: [r["code"] for r in v["reasons"]] for sid, v in verdicts.items()}
    assert codes["B1"] == [] and verdicts["B1"]["verdict"] == "pass"
    assert "trace_code_settled" in codes["B2"]
    assert (
        next(r for r in verdicts["B2"]["reasons"] if r["code"] == "trace_code_settled")["detail"][
            "first"
        ]
        == "B1"
    )
    assert codes["B3"] == [] and codes["B4"] == ["inpatient_elsewhere"]
    assert codes["B5"] == ["readmission"]
    # the shared index is untouched: the same rows one by one, each alone, all pass
    for r in rows:
        assert screen_batch(ix, [r])[0]["verdict"] == "pass", r["prescription_id"]
    assert "B1" not in ix.settlements and "81234567890123456789" not in ix.trace_codes
    assert [s.prescription_id for s in ix.history("P4")] == []


def test_remember_refuses_the_shared_index() -> None:
    ix = _index()
    with pytest.raises(TypeError, match="batch view"):
        ix.remember(Settlement("S5", "P1", "H1", date(2026, 5, 1)))
