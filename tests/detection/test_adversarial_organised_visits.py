"""Adversarial organised_visits cases (issue #11): each exemption tested both ways.

Pure GraphData built by hand (no store): a background of ordinary visits to small
doctors, plus a group that imitates what an exemption spares.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from graphsvc.detection import DetectConfig, GraphData, run_detectors

RX = (
    "prescription_id participant_id institution_id doctor_id date visit_type diagnosis_code "
    "fund_paid"
)


def _background() -> list[tuple[object, ...]]:
    """3000 people with a few random visits each to 20 small doctors over 300 days."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-01-01", periods=300)
    rows: list[tuple[object, ...]] = []
    for p in range(3000):
        for _ in range(int(rng.integers(1, 5))):
            d = int(rng.integers(0, 20))
            day = days[int(rng.integers(0, len(days)))].date().isoformat()
            rows.append((f"X{len(rows)}", f"N{p}", f"H{3 + d // 4}", f"D{d}", day,
                         "outpatient", "J06.9", 90.0))  # fmt: skip
    return rows


def _group_every(rows: list[tuple[object, ...]], every: int, diagnosis: str) -> None:
    """Eight people at doctor D1 together every ``every`` days, eight times."""
    start = pd.Timestamp("2024-01-10")
    for trip in range(8):
        day = (start + pd.Timedelta(days=every * trip)).date().isoformat()
        for p in range(8):
            rows.append((f"X{len(rows)}", f"G{p}", "H3", "D1", day, "outpatient", diagnosis,
                         120.0))  # fmt: skip


def _rings(make_data: Callable[..., GraphData], rows: list[tuple[object, ...]]) -> list[object]:
    data = make_data(n_people=0, prescriptions=(rows, RX))
    return list(run_detectors(data, DetectConfig(), "organised_visits").rings)


def test_monthly_cadence_is_not_a_treatment_cycle_without_treatment(
    make_data: Callable[..., GraphData],
) -> None:
    """Meetings every 30 days with a physiotherapy pretext: regular cadence alone is
    not care, the group is caught."""
    rows = _background()
    _group_every(rows, 30, "M54.5")
    rings = _rings(make_data, rows)
    assert len(rings) == 1
    ids = sorted(m.id for m in rings[0].members if m.kind == "participant")  # type: ignore[attr-defined]
    assert ids == [f"G{p}" for p in range(8)]


def test_chemotherapy_cycle_is_explained(make_data: Callable[..., GraphData]) -> None:
    """The same cadence with chemotherapy diagnoses (Z51.1) is a treatment cycle."""
    rows = _background()
    _group_every(rows, 30, "Z51.1")
    assert _rings(make_data, rows) == []
