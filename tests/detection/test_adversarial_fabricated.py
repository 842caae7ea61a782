"""Adversarial fabricated-services cases (Art. 23(9), 24(5)), pure GraphData via ``make_data``.

Every exemption and threshold both ways: the legitimate group it names is not flagged,
and the ring that imitates it is caught. The province: 300 people of region 460100
settling at home (clinic CA, pharmacy SA) on 20 days each, a few travelling once; a far
clinic CF (460200, doctor DF) with 60 local patients and 30 visitors from 460100 on
days they settle nowhere else (the base rate a clinic of visitors has).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphsvc.detection import DetectConfig, GraphData
from graphsvc.detection import card_lending as cl
from graphsvc.detection import fabricated_services as fs
from graphsvc.detection.config import config_from_dict

RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "fund_paid account_holder_id account_paid"
)
PEOPLE = "participant_id region_code"
INST = "institution_id kind region_code"


def _day(d: int) -> str:
    return f"2025-{1 + d // 28:02d}-{1 + d % 28:02d}"


class Province:
    def __init__(self, far_region: str = "460200") -> None:
        self.people: list[tuple[Any, ...]] = []
        self.rx: list[tuple[Any, ...]] = []
        self.family: list[tuple[Any, ...]] = []
        self.inst = [
            ("HA", "hospital", "460100"),
            ("CA", "clinic", "460100"),
            ("SA", "pharmacy", "460100"),
            ("CF", "clinic", far_region),
            ("CB", "clinic", "460200"),
            ("SB", "pharmacy", "460200"),
            ("CC", "clinic", "469005"),
        ]
        for i in range(300):
            p = f"N{i:04d}"
            self.people.append((p, "460100"))
            for d in range(0, 20 * 15, 15):
                self.settle(p, "CA" if d % 2 else "SA", d + i % 5, "DA" if d % 2 else None)
        for i in range(60):  # the far clinic's own patients
            self.people.append((f"L{i:03d}", far_region))
            for d in range(3):
                self.settle(f"L{i:03d}", "CF", 7 + 100 * d + i, "DF", kind="outpatient")
                self.settle(f"L{i:03d}", "CB", 9 + 100 * d + i, "DB", kind="outpatient")
        # 100 visitors at each far institution on days they settle nowhere else, and
        # three ordinary trips (home and away on one day), one at each of SB, CB, CC
        for off, (inst, doc) in enumerate([("CF", "DF"), ("SB", None), ("CB", "DB"), ("CC", "DC")]):
            kind = "pharmacy" if doc is None else "outpatient"
            for i in range(100):
                self.settle(
                    f"N{(3 * i + off) % 300:04d}", inst, 5 + i % 10 + 15 * (i % 19), doc, kind=kind
                )
            if off:
                self.settle(f"N{100 * off - 99:04d}", inst, 15 * off + 1, doc, kind=kind)

    def settle(
        self,
        p: str,
        inst: str,
        day: int,
        doc: str | None = None,
        *,
        kind: str = "pharmacy",
        until: int | None = None,
    ) -> None:
        dis = _day(until) if until is not None else None
        self.rx.append((f"X{len(self.rx)}", p, inst, doc, _day(day), dis, kind, 40.0, None, 5.0))

    def bill(self, patients: list[str], *, bed: bool = False, times: int = 1) -> None:
        """CF's doctor DF bills each patient on ``times`` days the patient was at home
        (settling at SA that day), or lying in hospital HA (``bed``)."""
        for j, p in enumerate(patients):
            if bed:
                self.settle(p, "HA", 150 + j, "DH", kind="inpatient", until=165 + j)
            for t in range(times):
                day = 152 + j + 3 * t if bed else 2 + j + 15 * (2 * t + 1)  # a home day
                if not bed:
                    self.settle(p, "SA", day)
                self.settle(p, "CF", day, "DF", kind="outpatient")

    def data(self, make_data: Callable[..., GraphData]) -> GraphData:
        tables: dict[str, tuple[list[tuple[Any, ...]], str]] = {
            "participants": (self.people, PEOPLE),
            "institutions": (self.inst, INST),
            "prescriptions": (self.rx, RX),
        }
        if self.family:
            tables["family_links"] = (self.family, "holder_id member_id relation")
        return make_data(n_people=0, **tables)


def _flagged(rings: list[Any], config: DetectConfig) -> list[set[str]]:
    cut = config.scoring.min_adjusted_surprise
    return [{m.id for m in r.members} for r in rings if r.adjusted_surprise >= cut]


RING = [f"N{i:04d}" for i in range(100, 108)]


def test_patients_billed_while_at_home_are_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.bill(RING)
    cfg = DetectConfig()
    rings = fs.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"CF", "DF", *RING}]
    f = rings[0].findings[0]
    assert f.observed == 8 and rings[0].typology == "fabricated_services"
    roles = {m.id: m.role for m in rings[0].members}
    assert roles["CF"] == "billing institution" and roles["DF"] == "billing doctor"
    assert rings[0].money is not None and rings[0].money.settlements == 8
    assert len(rings[0].reasons) == len(rings[0].reasons_zh)
    assert any("虚构医药服务" in r for r in rings[0].reasons_zh)
    # the far clinic's ordinary visitors (no alibi) are not members
    assert "N0003" not in roles


def test_patients_billed_while_inpatients_elsewhere(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.bill(RING[:6], bed=True)
    cfg = DetectConfig()
    rings = fs.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"CF", "DF", *RING[:6]}]
    assert "inpatient" in rings[0].findings[0].unit
    assert "HA" not in {m.id for m in rings[0].members}  # the hospital is the alibi


def test_ordinary_visitors_and_trips_are_not_flagged(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.bill(RING[:1])  # one alibied visitor is a trip, whatever its cause
    cfg = DetectConfig()
    assert _flagged(fs.detect(prov.data(make_data), cfg), cfg) == []


def test_min_patients_both_ways(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.bill(RING)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(fs.detect(data, cfg), cfg) == [{"CF", "DF", *RING}]
    high = config_from_dict({"fabricated_services": {"min_patients": 9}})
    assert _flagged(fs.detect(data, high), high) == []  # 8 patients < 9
    prov = Province()
    prov.bill(RING[:3])  # three alibied patients among a clinic's 100 visitors: chance
    low = config_from_dict({"fabricated_services": {"min_patients": 1}})
    assert _flagged(fs.detect(prov.data(make_data), low), low) == []


def test_region_digits_both_ways(make_data: Callable[..., GraphData]) -> None:
    """A clinic in another district of the same city (4601xx) is near enough to be at
    both on one day when only 4 digits are compared; another city still is not."""
    prov = Province(far_region="460105")
    prov.bill(RING)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(fs.detect(data, cfg), cfg) == [{"CF", "DF", *RING}]
    city = config_from_dict({"fabricated_services": {"region_digits": 4}})
    assert _flagged(fs.detect(data, city), city) == []
    prov = Province()  # the ring in another city is caught at 4 digits too
    prov.bill(RING)
    assert _flagged(fs.detect(prov.data(make_data), city), city) == [{"CF", "DF", *RING}]


def test_several_days_per_patient_is_card_lending(make_data: Callable[..., GraphData]) -> None:
    """More alibied days of one card at one institution than card_lending's
    min_conflict_days is a card with a life of its own elsewhere: card_lending's ring,
    not this one. At exactly that many days card_lending (which tests the days beyond
    them) cannot see it, so this detector keeps it: no ring escapes both."""
    prov = Province()
    prov.bill(RING, times=3)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(fs.detect(data, cfg), cfg) == []
    assert _flagged(cl.detect(data, cfg), cfg) == [{"CF", *RING}]
    four = config_from_dict({"card_lending": {"min_conflict_days": 3}})
    assert _flagged(fs.detect(data, four), four) == [{"CF", "DF", *RING}]
    prov = Province()
    prov.bill(RING, times=2)
    data = prov.data(make_data)
    assert _flagged(cl.detect(data, cfg), cfg) == []
    assert _flagged(fs.detect(data, cfg), cfg) == [{"CF", "DF", *RING}]
    # a ring hiding two of its patients behind more billings is still caught
    prov = Province()
    prov.bill(["N0098", "N0099"], times=3)
    prov.bill(RING)
    rings = fs.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"CF", "DF", *RING}]
    assert any("card lending" in r for r in rings[0].reasons)


def _relatives(prov: Province, registered: bool) -> None:
    """Each patient is treated at CF while a relative buys at home with both IDs."""
    for j, p in enumerate(RING):
        kin = f"K{j}"
        prov.people.append((kin, "460100"))
        if registered:
            prov.family.append((kin, p, "parent"))
    prov.bill(RING)
    home_days = {(r[1], r[4]) for r in prov.rx if r[2] == "SA" and r[1] in RING}
    for p, day in sorted(home_days):
        kin = f"K{RING.index(p)}"
        prov.rx.append((f"X{len(prov.rx)}", kin, "SA", None, day, None, "pharmacy", 40.0, None, 5))


def test_proxy_purchase_both_ways(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    _relatives(prov, registered=True)
    data = prov.data(make_data)
    cfg = DetectConfig()
    assert _flagged(fs.detect(data, cfg), cfg) == []
    off = config_from_dict({"fabricated_services": {"proxy_purchase": False}})
    rings = fs.detect(data, off)
    assert _flagged(rings, off) == [{"CF", "DF", *RING}]
    # an unregistered "relative" explains nothing
    prov = Province()
    _relatives(prov, registered=False)
    rings = fs.detect(prov.data(make_data), cfg)
    assert _flagged(rings, cfg) == [{"CF", "DF", *RING}]


def test_exemption_records_what_it_removed(make_data: Callable[..., GraphData]) -> None:
    prov = Province()
    prov.bill(RING)
    prov.people.append(("K9", "460100"))
    prov.family.append(("K9", "N0110", "spouse"))
    prov.bill(["N0110"])
    home = [r for r in prov.rx if r[1] == "N0110" and r[2] == "SA" and r[4] == _day(2 + 15)]
    prov.rx.append(
        (f"X{len(prov.rx)}", "K9", "SA", None, home[0][4], None, "pharmacy", 40.0, None, 5)
    )
    cfg = DetectConfig()
    rings = fs.detect(prov.data(make_data), cfg)
    ex = {e.name: e.removed for e in rings[0].findings[0].exemptions}
    assert ex == {"proxy_purchase": 1, "multi_site_doctor": 0}
    assert any("family member" in r for r in rings[0].reasons)
    assert "N0110" not in {m.id for m in rings[0].members}


@pytest.mark.parametrize("site", ["CA", "CC"])
def test_multi_site_doctor_both_ways(site: str, make_data: Callable[..., GraphData]) -> None:
    """DF also practises at ``site``: at CA (the patients' region) the remote consultations
    are explained; at CC (a third region) they are not, the ring is caught."""
    prov = Province()
    for i in range(5):
        prov.settle(f"Q{i}", site, 20 + 30 * i, "DF", kind="outpatient")
    prov.bill(RING)
    data = prov.data(make_data)
    cfg = DetectConfig()
    if site == "CA":
        assert _flagged(fs.detect(data, cfg), cfg) == []
        off = config_from_dict({"fabricated_services": {"multi_site_doctor": False}})
        assert _flagged(fs.detect(data, off), off) == [{"CF", "DF", *RING}]
    else:
        assert _flagged(fs.detect(data, cfg), cfg) == [{"CF", "DF", *RING}]
