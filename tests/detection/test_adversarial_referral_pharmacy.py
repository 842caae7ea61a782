"""Adversarial fake_referral and pharmacy_collusion cases (issue #11).

Pure GraphData built by hand (no store). Every threshold and exemption these two
detectors weigh is tested both ways: the legitimate group it names is not flagged,
and a ring imitating it is still caught.

The referral background is a small county: 300 upward referrals from five clinics
to the county hospital, 90 of them sent on to the tertiary hospital, and every
fourth of those (24) sent back to their clinic after the stay (escalation and return, one
pass per patient, spread over the clinics as care is).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import pairwise

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.rings import Ring

REF = "referral_id participant_id from_institution_id from_doctor_id to_institution_id date"
INST = "institution_id kind level region_code"
RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "diagnosis_code fund_paid account_holder_id account_paid"
)
PEOPLE = "participant_id birth_date region_code"
IDS = "participant_id kind value"

D0 = date(2024, 1, 1)


def _day(k: int) -> str:
    return (D0 + timedelta(days=k % 360)).isoformat()


class _Province:
    """Rows of a hand-made province, with helpers that add patterns to it."""

    def __init__(self) -> None:
        self.refs: list[tuple[object, ...]] = []
        self.rx: list[tuple[object, ...]] = []
        self.people: list[tuple[object, ...]] = []
        self.ids: list[tuple[object, ...]] = []
        self.insts: list[tuple[object, ...]] = [
            *[(f"C{i}", "clinic", 0, "460100") for i in range(12)],
            ("H1", "hospital", 1, "460100"),
            ("H2", "hospital", 1, "460100"),
            ("H3", "hospital", 2, "460100"),
            ("T", "hospital", 3, "460100"),
            *[(f"S{i}", "pharmacy", 0, "460100") for i in range(8)],
        ]

    def refer(self, pid: str, src: str, dst: str, day: int, doc: str | None = None) -> None:
        self.refs.append((f"R{len(self.refs)}", pid, src, doc or f"D{src}", dst, _day(day)))

    def settle(
        self,
        pid: str,
        inst: str,
        day: int,
        visit: str = "outpatient",
        doc: str | None = None,
        stay: int = 0,
    ) -> None:
        dis = _day(day + stay) if visit == "inpatient" else None
        self.rx.append(
            (f"X{len(self.rx)}", pid, inst, doc, _day(day), dis, visit, "I10", 60.0, None, 20.0)
        )

    def person(self, pid: str, address: str | None = None) -> None:
        self.people.append((pid, "1960-01-01", "460100"))
        if address:
            self.ids.append((pid, "address", address))

    def referral_background(self) -> None:
        for i in range(300):
            p, c = f"B{i}", f"C{i % 5}"
            self.person(p)
            self.settle(p, c, i)
            self.refer(p, c, "H1", i)
            self.settle(p, "H1", i + 2)
            if i % 10 < 3:  # sent on to the tertiary hospital
                self.refer(p, "H1", "T", i + 10)
                self.settle(p, "T", i + 11, "inpatient", "DT", stay=5)
                if (i // 10) % 4 == 0:  # ... and back to the clinic after the stay
                    self.refer(p, "T", c, i + 16)
                    self.settle(p, c, i + 20)

    def loop_ring(
        self, route: list[str], patients: int, passes: int = 1, start: int = 0, tag: str = "L"
    ) -> None:
        """Fresh patients round ``route`` (and back to its start) ``passes`` times each."""
        for j in range(patients):
            p = f"{tag}{j}"
            self.person(p)
            day = start + 5 * j
            for _ in range(passes):
                hops = [*route, route[0]]
                self.settle(p, hops[0], day)
                for a, b in pairwise(hops):
                    day += 3
                    self.refer(p, a, b, day)
                    self.settle(p, b, day + 1)
                day += 30

    def pharmacy_background(self) -> None:
        """400 people buying at their own neighbourhood pharmacy (S1-S7), some by
        prescription of their clinic doctor, some over the counter."""
        for i in range(400):
            p = f"Q{i}"
            self.person(p)
            shop = f"S{1 + i % 7}"
            for k in range(4):
                doc = f"DQ{i % 20}" if k % 2 else None
                self.settle(p, shop, 7 * i + 30 * k, "pharmacy", doc)

    def data(self, make_data: Callable[..., GraphData]) -> GraphData:
        return make_data(
            referrals=(self.refs, REF),
            institutions=(self.insts, INST),
            prescriptions=(self.rx, RX),
            participants=(self.people, PEOPLE),
            identifiers=(self.ids, IDS),
        )


def _rings(data: GraphData, typology: str) -> list[Ring]:
    return run_detectors(data, DetectConfig(), typology).rings


def _ids(ring: Ring) -> set[str]:
    return {m.id for m in ring.members}


# -- fake_referral -----------------------------------------------------------------------


def test_background_care_is_not_flagged(make_data: Callable[..., GraphData]) -> None:
    """Escalation and return, one pass each, at the base rate: care, not a ring."""
    prov = _Province()
    prov.referral_background()
    assert _rings(prov.data(make_data), "fake_referral") == []


def test_one_pass_ring_of_fresh_patients_is_found(make_data: Callable[..., GraphData]) -> None:
    """30 fresh patients round H1 -> H2 -> H3 -> H1 once each (issue #11, item 1)."""
    prov = _Province()
    prov.referral_background()
    prov.loop_ring(["H1", "H2", "H3"], 30)
    rings = _rings(prov.data(make_data), "fake_referral")
    assert len(rings) == 1
    ring = rings[0]
    assert {"H1", "H2", "H3"} <= _ids(ring)
    assert {f"L{j}" for j in range(30)} <= _ids(ring)
    f = ring.findings[0]
    assert f.observed == 30 and f.expected < 5 and f.log10_p_corrected < -2
    # Money at risk: fund and personal account on the ring's settlements.
    assert ring.money is not None and ring.money.account > 0 and ring.money.fund > 0
    assert ring.amount_at_risk == ring.money.total


def test_ring_imitating_escalation_and_return_is_found(
    make_data: Callable[..., GraphData],
) -> None:
    """A ring shaped like care (clinic -> county -> tertiary -> clinic), once per patient,
    is caught by its concentration on one cycle far above the base rate."""
    prov = _Province()
    prov.referral_background()
    prov.loop_ring(["C9", "H2", "T"], 30)
    rings = _rings(prov.data(make_data), "fake_referral")
    assert len(rings) == 1 and {"C9", "H2", "T"} <= _ids(rings[0])


def test_few_one_pass_returns_are_not_a_candidate(make_data: Callable[..., GraphData]) -> None:
    """Below min_one_pass_patients a loop nobody repeated is not examined; at it, it is."""
    cfg = DetectConfig().fake_referral
    below = _Province()
    below.referral_background()
    below.loop_ring(["H1", "H2", "H3"], cfg.min_one_pass_patients - 1)
    assert _rings(below.data(make_data), "fake_referral") == []
    at = _Province()
    at.referral_background()
    at.loop_ring(["H1", "H2", "H3"], cfg.min_one_pass_patients + 1)
    rings = _rings(at.data(make_data), "fake_referral")
    assert len(rings) == 1 and {"H1", "H2", "H3"} <= _ids(rings[0])


def test_repeat_passes_are_extra_evidence(make_data: Callable[..., GraphData]) -> None:
    """Three patients round twice each: below min_one_pass_patients, found by repeats."""
    prov = _Province()
    prov.referral_background()
    prov.loop_ring(["H1", "H2", "H3"], 3, passes=2)
    rings = _rings(prov.data(make_data), "fake_referral")
    assert len(rings) == 1
    assert sum(m.role == "patient" for m in rings[0].members) == 3


def test_two_way_care_is_spared_and_recorded(make_data: Callable[..., GraphData]) -> None:
    """Chronic patients of clinic C7 sent up to H2 and back, three times a year: the
    two-way care exemption removes their loops (and says so if a ring is there)."""
    prov = _Province()
    prov.referral_background()
    for j in range(12):
        p = f"W{j}"
        prov.person(p)
        for k in range(6):  # their usual clinic
            prov.settle(p, "C7", 200 + 25 * k + j)
        for c in range(3):
            day = 20 + 60 * c + j
            prov.refer(p, "C7", "H2", day)
            prov.settle(p, "H2", day + 1)
            prov.refer(p, "H2", "C7", day + 5)
            prov.settle(p, "C7", day + 7)
    assert _rings(prov.data(make_data), "fake_referral") == []


# -- pharmacy_collusion ------------------------------------------------------------------


def _doctor_fills(
    prov: _Province, pids: list[str], shop: str, doc: str, n: int, consult: str | None = None
) -> None:
    for j, p in enumerate(pids):
        for k in range(n):
            day = 10 + 30 * k + j
            if consult == "outpatient":
                prov.settle(p, "H1", day, "outpatient", doc)
            elif consult == "stay":
                prov.settle(p, "H1", day - 3, "inpatient", doc, stay=2)
            prov.settle(p, shop, day, "pharmacy", doc)


def test_neighbourhood_pharmacy_is_not_steering(make_data: Callable[..., GraphData]) -> None:
    """Patients who buy everything at S0 (next to H1), over the counter too."""
    prov = _Province()
    prov.pharmacy_background()
    pids = [f"N{j}" for j in range(10)]
    for p in pids:
        prov.person(p)
    _doctor_fills(prov, pids, "S0", "DH1", 6)
    for j, p in enumerate(pids):
        for k in range(12):
            prov.settle(p, "S0", 5 + 25 * k + j, "pharmacy", None)
    assert _rings(prov.data(make_data), "pharmacy_collusion") == []


def test_ring_without_the_habit_is_steering(make_data: Callable[..., GraphData]) -> None:
    """The same fills at S0, but the patients buy everything else at S3: a ring."""
    prov = _Province()
    prov.pharmacy_background()
    pids = [f"N{j}" for j in range(10)]
    for p in pids:
        prov.person(p)
    _doctor_fills(prov, pids, "S0", "DH1", 6)
    for j, p in enumerate(pids):
        for k in range(12):
            prov.settle(p, "S3", 5 + 25 * k + j, "pharmacy", None)
    rings = _rings(prov.data(make_data), "pharmacy_collusion")
    assert len(rings) == 1 and {"DH1", "S0", *pids} <= _ids(rings[0])
    ring = rings[0]
    assert ring.money is not None and ring.money.account == 10 * 6 * 20.0
    assert ring.amount_at_risk == ring.money.total > 0
    assert ring.findings[0].observed == 10  # patients, not their 60 fills


def test_one_token_purchase_does_not_make_a_habit(make_data: Callable[..., GraphData]) -> None:
    """Each ring patient buys one item over the counter at the colluding shop to look
    like a regular: with so few purchases the regional share decides, not the one buy."""
    prov = _Province()
    prov.pharmacy_background()
    pids = [f"N{j}" for j in range(10)]
    for p in pids:
        prov.person(p)
    _doctor_fills(prov, pids, "S0", "DH1", 6)
    for j, p in enumerate(pids):
        prov.settle(p, "S0", 3 + j, "pharmacy", None)
    rings = _rings(prov.data(make_data), "pharmacy_collusion")
    assert len(rings) == 1 and set(pids) <= _ids(rings[0])


def test_consultation_before_each_fill_is_still_steering(
    make_data: Callable[..., GraphData],
) -> None:
    """A short outpatient consultation the same day as each fill is no alibi."""
    prov = _Province()
    prov.pharmacy_background()
    pids = [f"N{j}" for j in range(10)]
    for p in pids:
        prov.person(p)
    _doctor_fills(prov, pids, "S0", "DH1", 6, consult="outpatient")
    rings = _rings(prov.data(make_data), "pharmacy_collusion")
    assert len(rings) == 1 and {"DH1", "S0"} <= _ids(rings[0])


def test_fills_after_each_stay_are_care(make_data: Callable[..., GraphData]) -> None:
    """A designated pharmacy dispensing after each chemotherapy stay is care."""
    prov = _Province()
    prov.pharmacy_background()
    pids = [f"N{j}" for j in range(10)]
    for p in pids:
        prov.person(p)
    _doctor_fills(prov, pids, "S0", "DH1", 6, consult="stay")
    assert _rings(prov.data(make_data), "pharmacy_collusion") == []


def test_care_home_round_excuses_fills_only_for_residents(
    make_data: Callable[..., GraphData],
) -> None:
    """Staff fetch residents' medicines after the doctor's round: care. The same pattern
    from people at their own addresses is the consultation ring above."""
    cfg = DetectConfig().pharmacy_collusion
    home = _Province()
    home.pharmacy_background()
    pids = [f"N{j}" for j in range(cfg.care_home_min_residents + 2)]
    for p in pids:
        home.person(p, address="椰风路 8号 颐养院")
    _doctor_fills(home, pids, "S0", "DH1", 6, consult="outpatient")
    assert _rings(home.data(make_data), "pharmacy_collusion") == []
    apart = _Province()
    apart.pharmacy_background()
    for j, p in enumerate(pids):
        apart.person(p, address=f"海甸路 {j}号")
    _doctor_fills(apart, pids, "S0", "DH1", 6, consult="outpatient")
    rings = _rings(apart.data(make_data), "pharmacy_collusion")
    assert len(rings) == 1
    assert not any("care home" in r for r in rings[0].reasons)
