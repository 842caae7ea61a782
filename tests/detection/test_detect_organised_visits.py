from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.organised_visits import gatherings, sessions_of

RX = "prescription_id participant_id institution_id doctor_id date visit_type fund_paid"


def _province(with_ring: bool) -> list[tuple[object, ...]]:
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", periods=240)
    rows: list[tuple[object, ...]] = []

    def visit(p: str, inst: str, doc: str, day: pd.Timestamp) -> None:
        rows.append((f"X{len(rows)}", p, inst, doc, day.date().isoformat(), "outpatient", 90.0))

    # Busy clinic: 50 patients a day drawn from a pool of 250 regulars.
    for day in days:
        for p in rng.choice(250, size=50, replace=False):
            visit(f"B{p}", "H1", "D-busy", day)
    # Chronic cohort: 40 patients, monthly refills on their own day at one doctor.
    for p in range(40):
        offset = int(rng.integers(0, 30))
        for month in range(7):
            visit(f"C{p}", "H2", "D-chronic", days[offset + 30 * month])
    # Background: 3000 people, a few random visits to 20 small doctors.
    for p in range(3000):
        for _ in range(int(rng.integers(1, 5))):
            d = int(rng.integers(0, 20))
            visit(f"N{p}", f"H{3 + d // 4}", f"D{d}", days[int(rng.integers(0, len(days)))])
    if with_ring:
        # A recruiter brings the same 7 people to three small doctors on 6 chosen days.
        for trip, offset in enumerate([10, 31, 77, 95, 150, 201]):
            day = days[offset]
            doc = ["D1", "D5", "D9"][trip % 3]
            for p in range(7):
                visit(f"R{p}", "H3", doc, day)
    return rows


def test_ring_found_busy_clinic_and_chronic_cohort_not(
    make_data: Callable[..., GraphData],
) -> None:
    data = make_data(n_people=0, prescriptions=(_province(with_ring=True), RX))
    rings = run_detectors(data, DetectConfig(), "organised_visits").rings
    assert len(rings) == 1
    participants = sorted(m.id for m in rings[0].members if m.kind == "participant")
    assert participants == [f"R{p}" for p in range(7)]
    assert rings[0].period_start is not None and rings[0].amount_at_risk == 7 * 6 * 90.0


def test_no_rings_without_planted_one(make_data: Callable[..., GraphData]) -> None:
    data = make_data(n_people=0, prescriptions=(_province(with_ring=False), RX))
    assert run_detectors(data, DetectConfig(), "organised_visits").rings == []


def test_busy_clinic_and_monthly_rounds_are_not_gatherings(
    make_data: Callable[..., GraphData],
) -> None:
    rows = _province(with_ring=False)
    # A nursing home: 30 residents seen on the doctor's round, the second Tuesday of
    # every month (one schedule slot).
    for month in range(1, 9):
        day = pd.Timestamp(f"2024-{month:02d}-01")
        day += pd.Timedelta(days=(1 - day.weekday()) % 7 + 7)
        for r in range(30):
            rows.append((f"X{len(rows)}", f"NH{r}", "H9", "D-round", day.date().isoformat(),
                         "outpatient", 40.0))  # fmt: skip
    data = make_data(n_people=0, prescriptions=(rows, RX))
    linked, tests = gatherings(sessions_of(data), DetectConfig())
    assert tests > 1000  # the busy clinic's days were examined ...
    providers = {s.split("|")[0] for s in linked["s"]}
    assert "D-busy" not in providers  # ... and its market days share only chance regulars
    assert "D-round" not in providers  # the monthly round repeats one slot
    assert run_detectors(data, DetectConfig(), "organised_visits").rings == []
