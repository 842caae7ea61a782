"""Referral, family-sharing, pharmacy and hospitalisation detectors on hand-made data."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from graphsvc.detection import DetectConfig, GraphData, run_detectors

RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "diagnosis_code fund_paid account_holder_id account_paid"
)
INST = "institution_id kind level region_code"
REF = "referral_id participant_id from_institution_id from_doctor_id to_institution_id date"
PEOPLE = "participant_id birth_date region_code"


def _ids(rings: list, kind: str | None = None) -> list[list[str]]:
    return [sorted(m.id for m in r.members if kind is None or m.kind == kind) for r in rings]


def test_referral_loop_found_upward_and_returning_flows_not(
    make_data: Callable[..., GraphData],
) -> None:
    rng = np.random.default_rng(5)
    inst = [(f"C{i}", "clinic", 1, "460100") for i in range(10)]
    inst += [("H2a", "hospital", 2, "460100"), ("H2b", "hospital", 2, "460100")]
    inst += [("H2c", "hospital", 2, "460100"), ("H3", "hospital", 3, "460100")]
    refs: list[tuple[object, ...]] = []
    days = pd.date_range("2024-01-01", periods=300)

    def ref(p: str, a: str, doc: str | None, b: str, day: pd.Timestamp) -> None:
        refs.append((f"F{len(refs)}", p, a, doc, b, day.date().isoformat()))

    # Legitimate: clinics refer up; a fifth of patients are referred back down for rehab.
    for p in range(1500):
        clinic = f"C{int(rng.integers(0, 10))}"
        day = days[int(rng.integers(0, 250))]
        target = "H3" if rng.random() < 0.4 else f"H2{'abc'[int(rng.integers(0, 3))]}"
        ref(f"L{p}", clinic, None, target, day)
        if rng.random() < 0.2:
            ref(f"L{p}", target, None, clinic, day + pd.Timedelta(days=int(rng.integers(5, 40))))
    # The ring: two same-level hospitals pass 8 patients back and forth, twice each.
    for p in range(8):
        day = days[int(rng.integers(0, 200))]
        ref(f"R{p}", "H2a", "DA", "H2b", day)
        ref(f"R{p}", "H2b", "DB", "H2a", day + pd.Timedelta(days=6))
        ref(f"R{p}", "H2a", "DA", "H2b", day + pd.Timedelta(days=15))
        ref(f"R{p}", "H2b", "DB", "H2a", day + pd.Timedelta(days=22))
    data = make_data(institutions=(inst, INST), referrals=(refs, REF))
    rings = run_detectors(data, DetectConfig(), "fake_referral").rings
    assert _ids(rings) == [sorted(["H2a", "H2b", "DA", "DB"] + [f"R{p}" for p in range(8)])]
    assert "2 institutions" in rings[0].reasons[0]


def test_family_sharing(make_data: Callable[..., GraphData]) -> None:
    people = [("H", "1970-01-01", "460100"), ("S", "1972-01-01", "460100")]
    people += [("K", "1999-01-01", "460100"), ("M", "1945-01-01", "460100")]
    people += [(f"B{i}", f"19{60 + i}-05-05", "460100") for i in range(6)]
    people += [("G", "1980-01-01", "460100"), ("U1", "1990-01-01", "460100")]
    people += [("U2", "1991-01-01", "460100"), ("U3", "1992-01-01", "460100")]
    links = [("H", "S", "spouse", "2020-01-01"), ("H", "K", "child", "2020-01-01")]
    links += [("H", "M", "parent", "2020-01-01")]
    # G pays for three people without registration who live with G: a household.
    ids = [(p, "address", "文明路 8号") for p in ("G", "U1", "U2", "U3")]
    ids += [(f"B{i}", "address", f"滨海大道 {i}号") for i in range(6)]
    ids += [(p, "address", "海秀路 1号") for p in ("H", "S", "K", "M")]
    rows: list[tuple[object, ...]] = []
    for who in ["S", "K", "M"] + [f"B{i}" for i in range(6)]:
        for n in range(3):
            rows.append(
                (f"X{len(rows)}", who, "S1", None, f"2024-0{n + 1}-10", None, "pharmacy",
                 "J00", 30.0, "H", 25.0)
            )  # fmt: skip
    for who in ("U1", "U2", "U3"):
        rows.append((f"X{len(rows)}", who, "S1", None, "2024-02-01", None, "pharmacy", "J00",
                     30.0, "G", 25.0))  # fmt: skip
    data = make_data(
        participants=(people, PEOPLE),
        identifiers=(ids, "participant_id kind value"),
        family_links=(links, "holder_id member_id relation since"),
        prescriptions=(rows, RX),
    )
    rings = run_detectors(data, DetectConfig(), "family_sharing_abuse").rings
    assert _ids(rings) == [sorted(["H"] + [f"B{i}" for i in range(6)])]
    assert rings[0].members[0].role == "account holder"
    # Fund + personal account on the implicated settlements (all of it 共济 here).
    assert rings[0].amount_at_risk == 6 * 3 * (30.0 + 25.0)
    assert rings[0].money is not None and rings[0].money.shared == 6 * 3 * 25.0


def test_pharmacy_steering_and_resale(make_data: Callable[..., GraphData]) -> None:
    rng = np.random.default_rng(9)
    doctors = [(f"D{i}", "Hosp" if i < 8 else "Other", "内科") for i in range(12)]
    inst = [("Hosp", "hospital", 3, "460100"), ("Other", "hospital", 2, "460100")]
    inst += [(f"S{i}", "pharmacy", 0, "460100") for i in range(6)]
    rows: list[tuple[object, ...]] = []

    def fill(p: str, ph: str, d: str) -> None:
        rows.append((f"X{len(rows)}", p, ph, d, "2024-03-01", None, "pharmacy", "I10", 120.0,
                     None, 0.0))  # fmt: skip

    # Everyone at Hosp sends most patients to S0 next door: popular, not collusion.
    for d in range(12):
        for _ in range(60):
            ph = "S0" if (d < 8 and rng.random() < 0.7) else f"S{int(rng.integers(1, 6))}"
            fill(f"N{int(rng.integers(0, 5000))}", ph, f"D{d}")
    # D9 (at Other) steers 5 recurring patients to S4.
    for k in range(30):
        fill(f"R{k % 5}", "S4", "D9")
    items: list[tuple[object, ...]] = [(x[0], "ATORVA", "阿托伐他汀", 1, 80.0, None) for x in rows]
    # Resale: packs first dispensed to P1/P2 come back through pharmacy S5.
    first = [("Z1", "P1", "S2"), ("Z2", "P2", "S3"), ("Z3", "P1", "S2")]
    again = [("Z4", "Q1", "S5"), ("Z5", "Q2", "S5"), ("Z6", "Q3", "S5")]
    for (rid, p, ph), code in zip(first + again, ["T1", "T2", "T3"] * 2, strict=True):
        rows.append((rid, p, ph, None, "2024-04-01", None, "pharmacy", "I10", 300.0, None, 0.0))
        items.append((rid, "INSULIN", "胰岛素", 1, 300.0, code))
    data = make_data(
        institutions=(inst, INST),
        doctors=(doctors, "doctor_id institution_id department"),
        prescriptions=(rows, RX),
        items=(items, "prescription_id item_code item_name quantity unit_price trace_code"),
    )
    rings = run_detectors(data, DetectConfig(), "pharmacy_collusion").rings
    got = sorted(_ids(rings))
    assert got == sorted([["P1", "P2", "S5"], ["D9", "R0", "R1", "R2", "R3", "R4", "S4"]])


def test_split_stays_found_chemo_cycles_not(make_data: Callable[..., GraphData]) -> None:
    rows: list[tuple[object, ...]] = []

    def stay(p: str, inst: str, doc: str, start: str, days: int, dx: str) -> None:
        end = (pd.Timestamp(start) + pd.Timedelta(days=days)).date().isoformat()
        rows.append((f"X{len(rows)}", p, inst, doc, start, end, "inpatient", dx, 3000.0, None,
                     0.0))  # fmt: skip

    for i in range(300):  # ordinary stays at four hospitals
        stay(f"N{i}", f"H{i % 4}", f"D{i % 4}", f"2024-0{1 + i % 9}-0{1 + i % 9}", 5, "K35")
    for i in range(12):  # oncology: chemo cycles every 21 days at H0
        for c in range(5):
            start = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=21 * c)).date().isoformat()
            stay(f"O{i}", "H0", "D0", start, 3, "C50")
    for i in range(6):  # H3 splits pneumonia stays: discharge, readmit next day
        stay(f"S{i}", "H3", "DX", "2024-05-01", 8, "J18.9")
        stay(f"S{i}", "H3", "DX", "2024-05-10", 8, "J18.0")
    data = make_data(prescriptions=(rows, RX))
    rings = run_detectors(data, DetectConfig(), "split_hospitalisation").rings
    assert _ids(rings) == [sorted(["H3", "DX"] + [f"S{i}" for i in range(6)])]


def _two_way_data(make_data: Callable[..., GraphData], usual_visits: bool) -> GraphData:
    """Chronic patients of clinic C0 sent up to county hospital H2 and back, 3 times."""
    rng = np.random.default_rng(8)
    inst = [(f"C{i}", "clinic", 0, "460100") for i in range(6)] + [("H2", "hospital", 2, "460100")]
    refs: list[tuple[object, ...]] = []
    rows: list[tuple[object, ...]] = []
    days = pd.date_range("2024-01-01", periods=366)

    def ref(p: str, a: str, doc: str, b: str, day: pd.Timestamp) -> None:
        refs.append((f"F{len(refs)}", p, a, doc, b, day.date().isoformat()))

    for p in range(600):  # ordinary upward referrals
        ref(f"L{p}", f"C{int(rng.integers(0, 6))}", "DX", "H2", days[int(rng.integers(0, 300))])
    for p in range(6):
        for c in range(3):
            up = days[20 + 100 * c + p]
            ref(f"T{p}", "C0", "DC", "H2", up)
            ref(f"T{p}", "H2", "DH", "C0", up + pd.Timedelta(days=9))
        if usual_visits:  # monthly follow-up with their clinic doctor
            for month in range(12):
                day = days[int(30.4 * month) + 3 + p].date().isoformat()
                rows.append((f"V{p}-{month}", f"T{p}", "C0", "DC", day, None, "outpatient",
                             "I10", 30.0, None, 0.0))  # fmt: skip
    return make_data(institutions=(inst, INST), referrals=(refs, REF), prescriptions=(rows, RX))


def test_two_way_referrals_from_the_usual_clinic_are_care(
    make_data: Callable[..., GraphData],
) -> None:
    """Up from the patient's own clinic and back down, several times a year: not a ring."""
    assert (
        run_detectors(_two_way_data(make_data, True), DetectConfig(), "fake_referral").rings == []
    )
    # The same referrals for patients never seen at C0 otherwise are a loop ring.
    rings = run_detectors(_two_way_data(make_data, False), DetectConfig(), "fake_referral").rings
    assert _ids(rings, "institution") == [["C0", "H2"]]


def test_same_card_resettled_packs_are_not_resale(make_data: Callable[..., GraphData]) -> None:
    """A pack refunded and settled again (or split) on the same card at the same shop."""
    inst = [(f"S{i}", "pharmacy", 0, "460100") for i in range(3)]
    rows: list[tuple[object, ...]] = []
    items: list[tuple[object, ...]] = []

    def sale(rid: str, p: str, ph: str, day: str, code: str | None) -> None:
        rows.append((rid, p, ph, None, day, None, "pharmacy", "I10", 50.0, None, 0.0))
        items.append((rid, "INSULIN", "胰岛素", 1, 50.0, code))

    for i in range(300):  # ordinary traced sales
        sale(f"N{i}", f"N{i}", f"S{i % 3}", "2024-02-01", f"C{i}")
    for i in range(6):  # six entry errors at S0: same patient, same pack, same day
        sale(f"E{i}a", f"P{i}", "S0", "2024-03-01", f"E{i}")
        sale(f"E{i}b", f"P{i}", "S0", "2024-03-01", f"E{i}")
    data = make_data(institutions=(inst, INST), prescriptions=(rows, RX),
                     items=(items, "prescription_id item_code item_name quantity unit_price "
                            "trace_code"))  # fmt: skip
    assert run_detectors(data, DetectConfig(), "pharmacy_collusion").rings == []
    # The same packs settled again on other cards at S0 are resale.
    for i in range(6):
        sale(f"R{i}", f"Q{i}", "S0", "2024-03-09", f"E{i}")
    data = make_data(institutions=(inst, INST), prescriptions=(rows, RX),
                     items=(items, "prescription_id item_code item_name quantity unit_price "
                            "trace_code"))  # fmt: skip
    rings = run_detectors(data, DetectConfig(), "pharmacy_collusion").rings
    assert _ids(rings) == [sorted(["S0"] + [f"P{i}" for i in range(6)])]


def test_referral_ring_measured_against_rates_outside_the_other_rings(
    make_data: Callable[..., GraphData],
) -> None:
    """A small ring inside a busy clinic-hospital flow, in a province with many rings.

    Ten large rings hold most of the province's loops. Measured leave-one-out, their
    loops set the base rate (0.19 loops per referred patient, against 0.04 for
    ordinary patients) and the small ring's 17 loops among the 69 patients referred
    between its two institutions look like chance. Taken out of the base rates once
    flagged, they no longer hide it.
    """
    rng = np.random.default_rng(11)
    inst = [(f"C{i}", "clinic", 0, "460100") for i in range(10)]
    inst += [("H2a", "hospital", 2, "460100"), ("H2b", "hospital", 2, "460100")]
    inst += [("H3", "hospital", 3, "460100")]
    inst += [(f"X{k}{s}", "hospital", 1, "460100") for k in range(10) for s in "ab"]
    refs: list[tuple[object, ...]] = []
    days = pd.date_range("2024-01-01", periods=366)

    def ref(p: str, a: str, doc: str | None, b: str, day: pd.Timestamp) -> None:
        refs.append((f"F{len(refs)}", p, a, doc, b, day.date().isoformat()))

    # Ordinary flows: clinics refer up; one patient in 25 is sent back down once.
    for p in range(2000):
        clinic = f"C{int(rng.integers(0, 10))}"
        day = days[int(rng.integers(0, 250))]
        target = ("H3", "H2a", "H2b")[int(rng.integers(0, 3))]
        ref(f"L{p}", clinic, None, target, day)
        if rng.random() < 0.04:
            ref(f"L{p}", target, None, clinic, day + pd.Timedelta(days=int(rng.integers(5, 40))))
    # Ten large rings, each two hospitals of their own: 10 patients round 3 times.
    for k in range(10):
        for p in range(10):
            day = days[int(rng.integers(0, 150))]
            for loop in range(3):
                start = day + pd.Timedelta(days=40 * loop)
                ref(f"R{k}-{p}", f"X{k}a", f"D{k}a", f"X{k}b", start)
                ref(f"R{k}-{p}", f"X{k}b", f"D{k}b", f"X{k}a", start + pd.Timedelta(days=4))
    # The small ring: clinic C0 and county hospital H2a pass 5 patients round 3 times.
    for p in range(5):
        day = days[int(rng.integers(0, 150))]
        for loop in range(3):
            start = day + pd.Timedelta(days=40 * loop)
            ref(f"S{p}", "C0", "DS0", "H2a", start)
            ref(f"S{p}", "H2a", "DS2", "C0", start + pd.Timedelta(days=5))
    data = make_data(institutions=(inst, INST), referrals=(refs, REF))
    rings = run_detectors(data, DetectConfig(), "fake_referral").rings
    assert len(rings) == 11  # the ten large rings and the small one, nothing else
    small = [r for r in rings if "C0" in {m.id for m in r.members}]
    assert _ids(small, "institution") == [["C0", "H2a"]]
    assert _ids(small, "doctor") == [["DS0", "DS2"]]
    assert {f"S{p}" for p in range(5)} <= set(_ids(small, "participant")[0])
    # The loop rate it is measured against is the one outside every flagged ring.
    assert "at the rate elsewhere, 0.04" in small[0].findings[0].null_model
    # Legitimate patients whose one return happens to close the same loop are listed
    # apart from the ones sent round again and again.
    roles = {m.id: m.role for m in small[0].members if m.kind == "participant"}
    assert len(roles) > 5, "the busy flow puts some one-off returns on the ring's loop"
    assert {p for p, r in roles.items() if r == "patient"} == {f"S{p}" for p in range(5)}
    assert all(r == "patient (one loop)" for p, r in roles.items() if not p.startswith("S"))
    assert "5 of them more than once" in small[0].reasons[0]
