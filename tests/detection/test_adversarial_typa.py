"""Adversarial duplicate-enrolment (Art. 11, 24(3)) and card-lending (Art. 24(1)(2))
cases, pure GraphData via the ``make_data`` fixture.

Every exemption and threshold both ways: the legitimate group it names is not flagged,
and the ring that imitates it is caught. Each province has an ordinary population (300
cards settling at home on 20 days each, a few travelling once) as the base rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphsvc.detection import DetectConfig, GraphData
from graphsvc.detection import card_lending as cl
from graphsvc.detection import duplicate_enrolment as de
from graphsvc.detection.config import config_from_dict

RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "fund_paid account_holder_id account_paid"
)
PEOPLE = "participant_id id_number insurance_type region_code"
INST = "institution_id kind region_code"
IDN = "460100198001011234"  # valid GB 11643 shape; check digit irrelevant to detection


def _day(d: int) -> str:
    return f"2025-{1 + d // 28:02d}-{1 + d % 28:02d}"


class Province:
    def __init__(self) -> None:
        self.people: list[tuple[Any, ...]] = []
        self.rx: list[tuple[Any, ...]] = []
        self.family: list[tuple[Any, ...]] = []
        self.ids: list[tuple[Any, ...]] = []
        self.inst = [
            ("HA", "hospital", "460100"),
            ("CA", "clinic", "460100"),
            ("SA", "pharmacy", "460100"),
            ("HB", "hospital", "460200"),
            ("CB", "clinic", "460200"),
            ("SB", "pharmacy", "460200"),
            ("SC", "pharmacy", "469005"),
        ]
        for i in range(300):
            p = f"N{i:04d}"
            self.person(p, f"46010019{50 + i % 40}0{1 + i % 9}1{i % 10}{i % 7}{i % 10}{i % 3}")
            for d in range(0, 20 * 15, 15):
                self.settle(p, "CA" if d % 2 else "SA", d + i % 5, "DA" if d % 2 else None)
            if i % 30 == 0:  # an ordinary trip: home and away on one day, once, spread out
                self.settle(p, "SB", i // 30 * 15 + i % 5)

    def person(
        self, p: str, idn: str | None, scheme: str = "employee", reg: str = "460100"
    ) -> None:
        self.people.append((p, idn, scheme, reg))

    def settle(
        self,
        p: str,
        inst: str,
        day: int,
        doc: str | None = None,
        *,
        kind: str = "pharmacy",
        until: int | None = None,
        holder: str | None = None,
    ) -> None:
        dis = _day(until) if until is not None else None
        self.rx.append((f"X{len(self.rx)}", p, inst, doc, _day(day), dis, kind, 40.0, holder, 5.0))

    def data(self, make_data: Callable[..., GraphData]) -> GraphData:
        tables: dict[str, tuple[list[tuple[Any, ...]], str]] = {
            "participants": (self.people, PEOPLE),
            "institutions": (self.inst, INST),
            "prescriptions": (self.rx, RX),
        }
        if self.family:
            tables["family_links"] = (self.family, "holder_id member_id relation")
        if self.ids:
            tables["identifiers"] = (self.ids, "participant_id kind value")
        return make_data(n_people=0, **tables)


def _flagged(rings: list[Any], config: DetectConfig) -> list[set[str]]:
    """Member ids of rings that pass the report threshold."""
    cut = config.scoring.min_adjusted_surprise
    return [{m.id for m in r.members} for r in rings if r.adjusted_surprise >= cut]


# -- duplicate enrolment ---------------------------------------------------------------------
def _twins(prov: Province, *, months_a: range, months_b: range, phone: bool = True) -> None:
    prov.person("A", IDN, "employee", "460100")
    prov.person("B", IDN.lower()[:-1] + "4", "resident", "460200")  # normalised: the same
    for m in months_a:
        prov.settle("A", "CA", m * 28 + 3, "DA", kind="outpatient")
    for m in months_b:
        prov.settle("B", "CB", m * 28 + 10, "DB", kind="outpatient")
    if phone:
        prov.ids += [("A", "phone", "13912345678"), ("B", "phone", "139-1234-5678")]


def test_two_records_settling_together_are_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _twins(prov, months_a=range(0, 6), months_b=range(2, 8))
    cfg = DetectConfig()
    rings = de.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"A", "B"}]
    f = rings[0].findings[0]
    assert f.observed == 2 and f.tests == 1
    assert IDN not in " ".join(rings[0].reasons + rings[0].reasons_zh)  # masked
    assert "*1234" in rings[0].reasons[0]
    assert rings[0].money is not None and rings[0].money.settlements == 8  # months 2-5


def test_rekeyed_after_move_is_exempt_and_recorded(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    # old record to month 4, new one from month 4 (one common month, no overlapping use)
    _twins(prov, months_a=range(0, 5), months_b=range(5, 10))
    prov.rx = [r for r in prov.rx if not (r[1] == "B" and r[4] < "2025-06-01")]
    prov.person("C", "460100197002021235", "employee")
    prov.person("D", "460100197002021235", "resident", "460200")
    for m in range(3):
        prov.settle("C", "CA", m * 28 + 2, kind="outpatient")
        prov.settle("D", "CB", m * 28 + 9, kind="outpatient")
    prov.ids += [("C", "phone", "13700000001"), ("D", "phone", "13700000001")]
    cfg = DetectConfig()
    rings = de.detect(prov.data(make_data), cfg)
    assert [{m.id for m in r.members} for r in rings] == [{"C", "D"}]
    ex = rings[0].findings[0].exemptions[0]
    assert (ex.name, ex.removed) == ("rekeyed_after_move", 1)
    assert any("re-keyed" in r for r in rings[0].reasons)


def test_rekeyed_exemption_off_still_needs_common_months(
    make_data: Callable[..., GraphData],
) -> None:
    prov = Province()
    _twins(prov, months_a=range(0, 5), months_b=range(4, 9))  # the move month is shared
    prov.rx = [r for r in prov.rx if not (r[1] == "A" and r[4] >= "2025-05-10")]
    prov.rx = [r for r in prov.rx if not (r[1] == "B" and r[4] < "2025-05-10")]
    data = prov.data(make_data)
    assert de.detect(data, DetectConfig()) == []  # disjoint periods: re-keyed
    off = config_from_dict({"duplicate_enrolment": {"rekeyed_after_move": False}})
    assert [{m.id for m in r.members} for r in de.detect(data, off)] == [{"A", "B"}]
    strict = config_from_dict(
        {"duplicate_enrolment": {"rekeyed_after_move": False, "min_overlap_months": 2}}
    )
    assert de.detect(data, strict) == []


def test_one_record_never_settling_is_not_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _twins(prov, months_a=range(0, 6), months_b=range(0))
    assert de.detect(prov.data(make_data), DetectConfig()) == []


def test_overlapping_stays_are_the_stronger_evidence(make_data: Callable[..., GraphData]) -> None:
    """Without a shared phone the coincidence term alone (1 in 500) is weak; one person in
    two hospitals at once adds the chance of two independent stays overlapping."""
    cfg = DetectConfig()
    prov = Province()
    _twins(prov, months_a=range(0, 3), months_b=range(0, 3), phone=False)
    weak_ring = de.detect(prov.data(make_data), cfg)[0]
    prov.settle("A", "HA", 100, "DA", kind="inpatient", until=110)
    prov.settle("B", "HB", 104, "DB", kind="inpatient", until=112)
    strong_ring = de.detect(prov.data(make_data), cfg)[0]
    assert strong_ring.surprise > weak_ring.surprise + 1
    assert any("at once" in r for r in strong_ring.reasons)
    assert {m.id for m in strong_ring.members} == {"A", "B"}


def test_gb11643_sequence_codes_threshold_both_ways(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _twins(prov, months_a=range(0, 3), months_b=range(0, 3), phone=False)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(de.detect(data, cfg), cfg) == [{"A", "B"}]  # 1 in 500, one group
    few = config_from_dict({"duplicate_enrolment": {"sequence_codes": 50}})
    assert _flagged(de.detect(data, few), few) == []  # 1 in 50: a coincidence is plausible


# -- card lending ----------------------------------------------------------------------------
def _lenders(prov: Province, cards: list[str], days: int = 4) -> None:
    for j, c in enumerate(cards):
        prov.person(c, None)
        for d in range(days):
            prov.settle(c, "CA", 40 * d + j, "DA", kind="outpatient")
            prov.settle(c, "SB", 40 * d + j)


def test_cards_in_two_regions_on_one_day_are_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _lenders(prov, ["L1", "L2", "L3"])
    cfg = DetectConfig()
    rings = cl.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"SB", "L1", "L2", "L3"}]
    f = rings[0].findings[0]
    assert f.observed == 12 - 3 * 2 and f.tests == 303  # days beyond each card's first two
    roles = {m.id: m.role for m in rings[0].members}
    assert roles["L1"] == "card holder" and roles["SB"] == "institution"


def test_min_conflict_days_both_ways(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _lenders(prov, ["L1", "L2"], days=1)  # one far day each: an ordinary trip
    cfg = DetectConfig()
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == []
    loose = config_from_dict({"card_lending": {"min_conflict_days": 1}})
    rings = cl.detect(prov.data(make_data), loose)
    # the two cards plus the 10 ordinary travellers make one group at SB: the base rate
    # includes the group itself (conservative), so ordinary trips are no surprise
    assert _flagged(rings, loose) == []


def test_far_purchases_during_a_stay_are_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    for j, c in enumerate(["I1", "I2", "I3"]):
        prov.person(c, None)
        prov.settle(c, "HA", 50 + j, "DH", kind="inpatient", until=65 + j)
        for d in (53, 56, 60):
            prov.settle(c, "SC", d + j)
    cfg = DetectConfig()
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == [{"SC", "I1", "I2", "I3"}]


def test_purchases_nearby_during_a_stay_are_not_card_lending(
    make_data: Callable[..., GraphData],
) -> None:
    """A relative buying at the home pharmacy mid-stay is ghost_hospitalisation's
    concern (concentration), not a card in two places."""
    prov = Province()
    for j, c in enumerate(["I1", "I2", "I3"]):
        prov.person(c, None)
        prov.settle(c, "HA", 50 + j, "DH", kind="inpatient", until=65 + j)
        for d in (53, 56, 60):
            prov.settle(c, "SA", d + j)
    cfg = DetectConfig()
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == []


@pytest.mark.parametrize("how", ["proxy_purchase", "family_account"])
def test_family_exemptions_both_ways(how: str, make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    for j in range(3):
        member, holder = f"M{j}", f"K{j}"
        prov.person(member, None)
        prov.person(holder, None)
        prov.family.append((holder, member, "child"))
        for d in range(4):
            day = 40 * d + j
            prov.settle(member, "CA", day, "DA", kind="outpatient")
            if how == "proxy_purchase":
                prov.settle(member, "SB", day)
                prov.settle(holder, "SB", day)
            else:
                prov.settle(member, "SB", day, holder=holder)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(cl.detect(data, cfg), cfg) == []
    off = config_from_dict({"card_lending": {how: False}})
    rings = cl.detect(data, off)
    assert _flagged(rings, off) == [{"SB", "M0", "M1", "M2"}]
    # with the exemption on, an unregistered "relative" is no exemption
    prov.family = []
    rings = cl.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"SB", "M0", "M1", "M2"}]
    assert all(e.removed == 0 for e in rings[0].findings[0].exemptions)


def test_exemption_records_what_it_removed(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _lenders(prov, ["L1", "L2", "L3"])
    prov.person("K1", None)
    prov.family.append(("K1", "L1", "spouse"))
    prov.settle("L1", "CA", 200, "DA", kind="outpatient")
    prov.settle("L1", "SB", 200, holder="K1")  # one far day paid by the registered spouse
    cfg = DetectConfig()
    rings = cl.detect(prov.data(make_data), cfg)
    ex = {e.name: e.removed for e in rings[0].findings[0].exemptions}
    assert ex == {"family_account": 1, "proxy_purchase": 0}
    assert any("shared account" in r for r in rings[0].reasons)


def test_many_cards_at_one_counter_both_ways(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.inst.append(("CX", "clinic", "469005"))
    for d in range(0, 200, 5):  # the counter's ordinary days: local patients, a visitor
        prov.person(f"Q{d}", None, reg="469005")
        prov.settle(f"Q{d}", "CX", d, "DX", kind="outpatient")
        if d % 20 == 0:
            prov.settle(f"N{d + 2:04d}", "CX", d, "DX", kind="outpatient")  # not a home day
    base = len(prov.rx)
    for j in range(8):  # eight out-of-region cards in one afternoon
        prov.settle(f"N{j + 100:04d}", "CX", 77, "DX", kind="outpatient")
    cfg = DetectConfig()
    rings = cl.detect(prov.data(make_data), cfg)
    want = {"CX", "DX"} | {f"N{j + 100:04d}" for j in range(8)}
    assert _flagged(rings, cfg) == [want]
    prov.rx = prov.rx[: base + 4]  # four cards: under counter_min_cards
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == []
    low = config_from_dict({"card_lending": {"counter_min_cards": 3}})
    rings = cl.detect(prov.data(make_data), low)
    assert len(rings) == 1 and rings[0].findings[0].observed == 4


def test_region_digits_both_ways(make_data: Callable[..., GraphData]) -> None:
    """Cards settled in two districts of one city (4601xx) on one day: two regions at 6
    digits, one place at 4 (a day in town, not a card in two places); cards used in
    another city are caught at 4 digits too."""
    prov = Province()
    prov.inst.append(("SN", "pharmacy", "460105"))
    for j, c in enumerate(["T1", "T2", "T3"]):
        prov.person(c, None)
        for d in range(4):
            prov.settle(c, "CA", 40 * d + j, "DA", kind="outpatient")
            prov.settle(c, "SN", 40 * d + j)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(cl.detect(data, cfg), cfg) == [{"SN", "T1", "T2", "T3"}]
    city = config_from_dict({"card_lending": {"region_digits": 4}})
    assert _flagged(cl.detect(data, city), city) == []
    _lenders(prov, ["L1", "L2", "L3"])  # SB is in 460200: another city
    assert _flagged(cl.detect(prov.data(make_data), city), city) == [{"SB", "L1", "L2", "L3"}]


def test_min_cards_both_ways(make_data: Callable[..., GraphData]) -> None:
    """One card settled far away on six days: a lone card is under min_cards (one
    person's double life is weak ground for a ring); at min_cards 1 it is reported."""
    prov = Province()
    _lenders(prov, ["L1"], days=6)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(cl.detect(data, cfg), cfg) == []
    one = config_from_dict({"card_lending": {"min_cards": 1}})
    assert _flagged(cl.detect(data, one), one) == [{"SB", "L1"}]
    _lenders(prov, ["L2"], days=6)  # a second card at the same far pharmacy: a ring
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == [{"SB", "L1", "L2"}]


def test_a_coach_that_comes_back_is_not_cards_collected(
    make_data: Callable[..., GraphData],
) -> None:
    """``recurring_group`` both ways. Eight out-of-region people at counter CX on five
    trips: they come again, a group that comes (organised visits judges it), not cards
    collected. Cards used once on two days, different cards each day, stay card lending;
    with the exemption off the coach is flagged here too."""
    prov = Province()
    prov.inst.append(("CX", "clinic", "469005"))
    for d in range(0, 200, 5):
        prov.person(f"Q{d}", None, reg="469005")
        prov.settle(f"Q{d}", "CX", d, "DX", kind="outpatient")
    coach = [f"N{j + 100:04d}" for j in range(8)]
    for day in (21, 28, 35, 42, 49):
        for c in coach:
            prov.settle(c, "CX", day, "DX", kind="outpatient")
    cfg = DetectConfig()
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == []
    # ... and the coach is still caught, as organised visits (with a pretext diagnosis on
    # its visits: without any diagnosis a weekly timetable is taken as a treatment cycle)
    from graphsvc.detection import organised_visits

    rows = [(*r, "M54.5") for r in prov.rx]
    coached = make_data(
        n_people=0,
        participants=(prov.people, PEOPLE),
        institutions=(prov.inst, INST),
        prescriptions=(rows, RX + " diagnosis_code"),
    )
    groups = [
        {m.id for m in r.members if m.kind == "participant"}
        for r in organised_visits.detect(coached, cfg)
    ]
    assert set(coach) in groups, groups
    off = config_from_dict({"card_lending": {"recurring_group": False}})
    assert _flagged(cl.detect(prov.data(make_data), off), off) == [{"CX", "DX", *coach}]
    # collected cards: eight on day 77 and eight others on day 91, each used once
    prov = Province()
    prov.inst.append(("CX", "clinic", "469005"))
    for d in range(0, 200, 5):
        prov.person(f"Q{d}", None, reg="469005")
        prov.settle(f"Q{d}", "CX", d, "DX", kind="outpatient")
    batch = [f"N{j + 200:04d}" for j in range(16)]
    for j, c in enumerate(batch):
        prov.settle(c, "CX", 77 if j < 8 else 91, "DX", kind="outpatient")
    assert _flagged(cl.detect(prov.data(make_data), cfg), cfg) == [{"CX", "DX", *batch}]
