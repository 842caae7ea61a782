"""Adversarial cases of over_prescription and duplicate_charging (issue #12 part B).

Every exemption and threshold both ways, on hand-made GraphData: a province of ordinary
fills / visits, then one institution that does (or nearly does) the scheme.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.duplicate_charging import detect as detect_dup
from graphsvc.detection.duplicate_charging import visits
from graphsvc.detection.over_prescription import detect as detect_over
from graphsvc.detection.over_prescription import fills

RX = "prescription_id participant_id institution_id doctor_id date visit_type diagnosis_code"
IT = "prescription_id item_code quantity"
Row = tuple[Any, ...]
Make = Callable[..., GraphData]

# -- over_prescription --------------------------------------------------------------------


def _day(d: int) -> str:
    return str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)).date())


def base_fills() -> tuple[list[Row], list[Row]]:
    """40 doctors at 4 hospitals; each patient 2 packs of X every 20 days (10 days a pack)."""
    rx: list[Row] = []
    it: list[Row] = []
    for doc in range(40):
        for j in range(8):
            p = f"Q{doc}-{j}"
            for k in range(12):
                sid = f"B{doc}-{j}-{k}"
                rx.append(
                    (sid, p, f"H{doc % 4}", f"D{doc}", _day(j + 20 * k), "outpatient", "J06.9")
                )
                it.append((sid, "X", 2))
    return rx, it


def scheme(
    qty: int,
    *,
    patients: int = 5,
    times: int = 3,
    every: int = 60,
    dx: str = "M54.5",
    doctors: tuple[str, ...] = ("DX",),
    where: str = "H9",
    vt: str = "outpatient",
) -> tuple[list[Row], list[Row]]:
    rx: list[Row] = []
    it: list[Row] = []
    for i in range(patients):
        for k in range(times):
            sid = f"R{i}-{k}"
            doc = doctors[k % len(doctors)]
            rx.append((sid, f"P{i}", where, doc, _day(5 + every * k), vt, dx))
            it.append((sid, "X", qty))
    return rx, it


def over(make_data: Make, extra: tuple[list[Row], list[Row]]) -> GraphData:
    rx, it = base_fills()
    return make_data(prescriptions=(rx + extra[0], RX), items=(it + extra[1], IT))


def flagged_doctors(data: GraphData) -> set[str]:
    return {
        m.id for r in detect_over(data, DetectConfig()) for m in r.members if m.kind == "doctor"
    }


def test_excess_threshold_both_ways(make_data: Make) -> None:
    # norm of X: median 2, spread floored at one pack: excess above 2 + 4 x 1 = 6 packs.
    assert flagged_doctors(over(make_data, scheme(7))) == {"DX"}
    assert flagged_doctors(over(make_data, scheme(6))) == set()


def test_a_ring_needs_recurring_patients(make_data: Make) -> None:
    assert flagged_doctors(over(make_data, scheme(20, patients=3))) == {"DX"}
    assert flagged_doctors(over(make_data, scheme(20, patients=2))) == set()
    # once each is not a recurring set of patients
    assert flagged_doctors(over(make_data, scheme(20, patients=8, times=1))) == set()


def test_long_prescription_both_ways(make_data: Make) -> None:
    # 8 packs = 80 days of supply (10 days a pack, learned), a chronic diagnosis, no overlap
    data = over(make_data, scheme(8, dx="E11.9", every=100))
    f = fills(data, DetectConfig())
    assert int(f["long_ex"].sum()) == 15
    assert flagged_doctors(data) == set()
    # 9 packs = 90 days: longer than 12 weeks
    assert flagged_doctors(over(make_data, scheme(9, dx="E11.9", every=100))) == {"DX"}
    # 80 days every 30 days: the supplies overlap
    assert flagged_doctors(over(make_data, scheme(8, dx="E11.9", every=30))) == {"DX"}
    # not a chronic diagnosis
    assert flagged_doctors(over(make_data, scheme(8, dx="M54.5", every=100))) == {"DX"}


def test_specialist_both_ways(make_data: Make) -> None:
    # the matching diagnosis (J06 carries X's other fills), collected in clinic: exempt
    data = over(make_data, scheme(20, dx="J06.9"))
    assert int(fills(data, DetectConfig())["specialist_ex"].sum()) == 15
    assert flagged_doctors(data) == set()
    # the same prescriptions, all filled at one pharmacy: recurring there, not exempt
    ph = scheme(20, dx="J06.9", where="S1", vt="pharmacy")
    assert flagged_doctors(over(make_data, ph)) == {"DX"}
    rings = detect_over(over(make_data, scheme(8)), DetectConfig())
    names = {e.name for e in rings[0].findings[0].exemptions}
    assert names == {"long_prescription", "specialist"}


def test_doctor_shopping_both_ways(make_data: Make) -> None:
    # 2 packs (20 days) from three doctors in turn every 4 days: overlapping supplies
    shop = scheme(2, patients=5, times=9, every=4, dx="J06.9", doctors=("DA", "DB", "DC"))
    data = over(make_data, shop)
    rings = detect_over(data, DetectConfig())
    assert {m.id for r in rings for m in r.members if m.kind == "doctor"} >= {"DA", "DB"}
    roles = {m.role for r in rings for m in r.members if m.kind == "participant"}
    assert roles == {"doctor-shopping patient"}
    # the same fills from one doctor: repeat prescribing, not shopping (and within norm)
    same = scheme(2, patients=5, times=9, every=4, dx="J06.9", doctors=("DA",))
    assert flagged_doctors(over(make_data, same)) == set()
    # two doctors taking turns is not three doctors in a row
    pair = scheme(2, patients=5, times=9, every=4, dx="J06.9", doctors=("DA", "DB"))
    assert flagged_doctors(over(make_data, pair)) == set()


def test_over_prescription_reasons_are_bilingual(make_data: Make) -> None:
    (ring,) = detect_over(over(make_data, scheme(20)), DetectConfig())
    assert ring.bilingual and ring.money is not None
    assert "far above the item's norm" in ring.reasons[1]
    assert "超量" in ring.reasons_zh[0]


# -- duplicate_charging -------------------------------------------------------------------

VRX = "prescription_id participant_id institution_id doctor_id date"
VIT = "prescription_id item_code"


def base_visits() -> tuple[list[Row], list[Row]]:
    """20 institutions x 100 visits: a consultation, a test on some, and on a fifth of the
    visits two infusion lines (normal everywhere)."""
    rx: list[Row] = []
    it: list[Row] = []
    for inst in range(20):
        for j in range(100):
            sid = f"V{inst}-{j}"
            rx.append((sid, f"Q{inst}-{j}", f"H{inst}", f"D{inst}", _day(j)))
            it.append((sid, "CONSULT"))
            if j % 3 == 0:
                it.append((sid, "T1"))
            if j % 5 == 0:
                it += [(sid, "INF"), (sid, "INF")]
    return rx, it


def billing(
    items: tuple[str, ...],
    *,
    patients: int = 5,
    times: int = 2,
    second: tuple[str, ...] = (),
) -> tuple[list[Row], list[Row]]:
    rx: list[Row] = []
    it: list[Row] = []
    for i in range(patients):
        for k in range(times):
            sid = f"R{i}-{k}"
            rx.append((sid, f"P{i}", "H9X", "DX", _day(10 + 30 * k)))
            it += [(sid, "CONSULT"), *((sid, c) for c in items)]
            if second:
                rx.append((sid + "b", f"P{i}", "H9X", "DX", _day(10 + 30 * k)))
                it += [(sid + "b", c) for c in second]
    return rx, it


def dup(make_data: Make, extra: tuple[list[Row], list[Row]], base: bool = True) -> GraphData:
    rx, it = base_visits() if base else ([], [])
    return make_data(prescriptions=(rx + extra[0], VRX), items=(it + extra[1], VIT))


def flagged_insts(data: GraphData) -> set[str]:
    return {
        m.id for r in detect_dup(data, DetectConfig()) for m in r.members if m.kind == "institution"
    }


def test_same_item_twice_both_ways(make_data: Make) -> None:
    assert flagged_insts(dup(make_data, billing(("T1", "T1")))) == {"H9X"}
    assert flagged_insts(dup(make_data, billing(("T1",)))) == set()


def test_normal_repetition_both_ways(make_data: Make) -> None:
    # two infusion lines are normal at the median institution: exempt, and recorded
    data = dup(make_data, billing(("INF", "INF")))
    assert flagged_insts(data) == set()
    v = visits(data, DetectConfig())
    assert int(v.loc[v["institution_id"] == "H9X", "normal_ex"].sum()) == 10
    # where no other institution repeats infusions, they are not normal
    rx, it = base_visits()
    it = [r for r in it if r[1] != "INF"]
    extra = billing(("INF", "INF"))
    data = make_data(prescriptions=(rx + extra[0], VRX), items=(it + extra[1], VIT))
    assert flagged_insts(data) == {"H9X"}


def test_split_bundle_both_ways(make_data: Make) -> None:
    two = ("250101002000000", "250101003000000")
    assert flagged_insts(dup(make_data, billing(two))) == {"H9X"}
    one = ("250101002000000",)
    assert flagged_insts(dup(make_data, billing(one))) == set()
    # components of two different bundles, one each: no bundle is split
    mixed = ("250101002000000", "250401002000000")
    assert flagged_insts(dup(make_data, billing(mixed))) == set()


def test_second_settlement_both_ways(make_data: Make) -> None:
    # a second settlement of the visit bills the test again
    assert flagged_insts(dup(make_data, billing(("T1",), second=("T1",)))) == {"H9X"}
    # a second consultation the same day with its own test: two encounters, exempt
    data = dup(make_data, billing(("T1",), second=("CONSULT", "T1")))
    assert flagged_insts(data) == set()
    v = visits(data, DetectConfig())
    assert int(v.loc[v["institution_id"] == "H9X", "fee_ex"].sum()) == 10


def test_duplicate_ring_size_both_ways(make_data: Make) -> None:
    assert flagged_insts(dup(make_data, billing(("T1", "T1"), patients=3, times=3))) == {"H9X"}
    assert flagged_insts(dup(make_data, billing(("T1", "T1"), patients=2, times=5))) == set()


def test_duplicate_reasons_are_bilingual(make_data: Make) -> None:
    (ring,) = detect_dup(dup(make_data, billing(("T1", "T1"))), DetectConfig())
    assert ring.bilingual and ring.money is not None
    assert "bill the same item twice" in ring.reasons[0]
    assert "重复收费" in ring.reasons_zh[0]
    names = {e.name for e in ring.findings[0].exemptions}
    assert names == {"normal_repetition", "per_settlement_fee"}
