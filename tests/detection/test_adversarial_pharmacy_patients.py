"""pharmacy_collusion counts patients, not fills (issue #11 item 4).

Two legitimate groups on the 200k province (seed 1) were flagged: a doctor's three
chronic patients filling every prescription at one pharmacy of their own county. Their
12 and 19 fills were tested as independent events, but a patient's pharmacy choice is
one choice repeated. The detector now tests how many of the doctor's recurring patients
fill mainly at the pharmacy against each patient's chance of choosing it (their own
purchases elsewhere, over the counter included, smoothed towards the share of their
region's patients whose main pharmacy it is). Both ways:

* a doctor's few chronic patients using a pharmacy that is as many of the county's
  patients' main pharmacy is not a ring (it was, counted by fills);
* a steered ring whose patients also buy over the counter at the colluding pharmacy,
  to look like its regulars, is still caught.

Pure GraphData built by hand; the county has seven pharmacies S1-S7, each the main
pharmacy of one in seven of its 420 purchasing patients, and S0 beside the hospital.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.rings import Ring

INST = "institution_id kind level region_code"
RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "diagnosis_code fund_paid account_holder_id account_paid"
)
PEOPLE = "participant_id birth_date region_code"
D0 = date(2024, 1, 1)


class _County:
    def __init__(self) -> None:
        self.rx: list[tuple[object, ...]] = []
        self.people: list[tuple[object, ...]] = []
        self.insts: list[tuple[object, ...]] = [
            ("H1", "hospital", 1, "460100"),
            *[(f"S{i}", "pharmacy", 0, "460100") for i in range(8)],
        ]
        for i in range(420):  # each buys at their own pharmacy, by prescription and OTC
            p = f"Q{i}"
            self.person(p)
            for k in range(4):
                self.buy(p, f"S{1 + i % 7}", 7 * i + 30 * k, f"DQ{i % 20}" if k % 2 else None)

    def person(self, pid: str) -> None:
        self.people.append((pid, "1958-01-01", "460100"))

    def buy(self, pid: str, shop: str, day: int, doc: str | None) -> None:
        when = (D0 + timedelta(days=day % 360)).isoformat()
        row = (f"X{len(self.rx)}", pid, shop, doc, when, None, "pharmacy", "I10", 60.0, None, 20.0)
        self.rx.append(row)

    def patients(
        self, tag: str, k: int, shop: str, doc: str, fills: int, otc: dict[str, int]
    ) -> list[str]:
        """``k`` patients of ``doc``: ``fills`` fills each at ``shop``, and ``otc``
        over-the-counter purchases per pharmacy."""
        pids = [f"{tag}{j}" for j in range(k)]
        for j, p in enumerate(pids):
            self.person(p)
            for n in range(fills):
                self.buy(p, shop, 10 + 30 * n + j, doc)
            day = 15 + j
            for where, count in sorted(otc.items()):
                for _ in range(count):
                    self.buy(p, where, day, None)
                    day += 23
        return pids

    def rings(self, make_data: Callable[..., GraphData]) -> list[Ring]:
        data = make_data(
            institutions=(self.insts, INST),
            prescriptions=(self.rx, RX),
            participants=(self.people, PEOPLE),
        )
        return run_detectors(data, DetectConfig(), "pharmacy_collusion").rings


def test_neighbourhood_cohort_is_not_a_ring(make_data: Callable[..., GraphData]) -> None:
    """Three chronic patients of DK fill all 6 of their prescriptions at S1, one in seven
    of the county's patients' pharmacy, and buy there over the counter ("2 of 2 there").
    Counted by fills (18 fills where ~9 were expected) this was flagged; three patients
    each with a fair chance of choosing S1 are no evidence of steering."""
    county = _County()
    county.patients("K", 3, "S1", "DK", 6, {"S1": 2})
    assert county.rings(make_data) == []


def test_steered_ring_buying_otc_at_the_shop_is_caught(
    make_data: Callable[..., GraphData],
) -> None:
    """DR's eight patients fill at S0, which is nobody's pharmacy in the county, and buy
    over the counter there as well as at their own S3 (4 and 5 purchases): the OTC
    purchases at the shop do not make it their habit, and the ring stands."""
    county = _County()
    pids = county.patients("R", 8, "S0", "DR", 6, {"S0": 4, "S3": 5})
    rings = county.rings(make_data)
    assert len(rings) == 1
    ids = {m.id for m in rings[0].members}
    assert {"DR", "S0", *pids} <= ids
    finding = rings[0].findings[0]
    assert finding.observed == 8  # patients, not their 48 fills
    assert "Poisson-binomial" in finding.null_model and "泊松二项分布" in finding.null_model_zh


def test_ring_at_the_popular_pharmacy_is_still_caught(make_data: Callable[..., GraphData]) -> None:
    """The region's share does not excuse a whole practice: ten patients of DR who buy
    everything else at their own pharmacy S3 and fill DR's prescriptions at S1 (one in
    seven patients' pharmacy) are far more than the 10/7 expected."""
    county = _County()
    pids = county.patients("R", 10, "S1", "DR", 6, {"S3": 6})
    rings = county.rings(make_data)
    assert len(rings) == 1 and {"DR", "S1", *pids} <= {m.id for m in rings[0].members}
