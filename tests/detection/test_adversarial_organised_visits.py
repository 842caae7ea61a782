"""Adversarial organised_visits cases (issue #11): each exemption tested both ways.

Pure GraphData built by hand (no store): a background of ordinary visits to small
doctors, plus a group that imitates what an exemption spares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.common import PYTHON_CLUSTERING

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


@dataclass(frozen=True)
class _ShreddingClustering:
    """Components as usual; "Leiden" cuts every gathering into pairs of sessions, the
    worst split a sparse gathering can get."""

    backend: str = "test"

    @property
    def components(self) -> Any:
        return PYTHON_CLUSTERING.components

    @property
    def leiden_communities(self) -> Any:
        def shred(edges: pd.DataFrame, *_: object, **__: object) -> list[list[str]]:
            nodes = sorted(set(edges["a"]) | set(edges["b"]))
            return [nodes[i : i + 2] for i in range(0, len(nodes), 2)]

        return shred


def test_a_split_that_finds_no_group_is_not_kept(make_data: Callable[..., GraphData]) -> None:
    """One group on 8 outings, with a gathering that gets split (``split_below_density =
    1`` splits anything short of a full clique, and the split shreds it): the split
    finds no group that stands out, so the gathering stays whole and the ring is found.
    On seed 3 the default density cut a real ring into three untestable pieces."""
    rows = _background()
    _group_every(rows, 11, "M54.5")
    rows.append((f"X{len(rows)}", "G0", "H3", "D1", "2024-12-01", "outpatient", "M54.5", 9.0))
    data = make_data(n_people=0, prescriptions=(rows, RX))
    cfg = DetectConfig.model_validate({"organised_visits": {"split_below_density": 1.0}})
    rings = run_detectors(data, cfg, "organised_visits", clustering=_ShreddingClustering()).rings
    found = [{m.id for m in r.members if m.kind == "participant"} for r in rings]
    assert any({f"G{p}" for p in range(8)} <= f for f in found), found


def test_two_groups_at_one_doctor_are_still_two_rings(make_data: Callable[..., GraphData]) -> None:
    """The split is kept when it finds two groups that each stand out on their own."""
    rows = _background()
    for g, start in (("A", "2024-01-06"), ("B", "2024-01-09")):
        for trip in range(6):
            day = (pd.Timestamp(start) + pd.Timedelta(days=17 * trip)).date().isoformat()
            for p in range(8):
                rows.append((f"X{len(rows)}", f"{g}{p}", "H3", "D1", day, "outpatient", "M54.5",
                             150.0))  # fmt: skip
    # one day both groups came (the bridge)
    for g in "AB":
        for p in range(8):
            rows.append((f"X{len(rows)}", f"{g}{p}", "H3", "D1", "2024-06-01", "outpatient",
                         "M54.5", 150.0))  # fmt: skip
    rings = _rings(make_data, rows)
    found = [
        {m.id for m in r.members if m.kind == "participant"}  # type: ignore[attr-defined]
        for r in rings
    ]
    a, b = {f"A{p}" for p in range(8)}, {f"B{p}" for p in range(8)}
    assert any(len(f & a) >= 7 and len(f & b) <= 1 for f in found), found
    assert any(len(f & b) >= 7 and len(f & a) <= 1 for f in found), found


# -- issue #11, session 7: the same weekday every week; a different doctor each trip --
def _weekly(
    rows: list[tuple[object, ...]],
    *,
    every: int = 7,
    trips: int = 10,
    weekdays: tuple[int, ...] = (0,),
    diagnosis: str = "M54.5",
    doctors: tuple[str, ...] = ("D1",),
    prefix: str = "G",
    size: int = 8,
    rotate: bool = True,
) -> list[str]:
    """``size`` people at H3 on the given weekdays every ``every`` days; each trip with the
    next doctor of ``doctors`` (``rotate``) or each person always with the same one."""
    start = pd.Timestamp("2024-01-01")  # a Monday
    people = [f"{prefix}{p}" for p in range(size)]
    for trip in range(trips):
        for wd in weekdays:
            day = (start + pd.Timedelta(days=every * trip + wd)).date().isoformat()
            for p, person in enumerate(people):
                doc = doctors[(trip + p) % len(doctors)] if rotate else doctors[p % len(doctors)]
                rows.append((f"X{len(rows)}", person, "H3", doc, day, "outpatient", diagnosis,
                             120.0))  # fmt: skip
    return people


def _found(rings: list[object], people: list[str]) -> bool:
    want = set(people)
    return any(
        2 * len(want & {m.id for m in r.members if m.kind == "participant"}) >= len(want)  # type: ignore[attr-defined]
        for r in rings
    )


def test_a_coach_on_the_same_weekday_every_week_is_caught(
    make_data: Callable[..., GraphData],
) -> None:
    """Same doctor, same weekday, every week, pretext diagnosis: before issue #11's
    second round a weekday counted once and the group was never paired with itself."""
    rows = _background()
    people = _weekly(rows)
    rings = _rings(make_data, rows)
    assert _found(rings, people)
    assert len(rings) == 1  # one ring, not one per stretch of weeks


def test_a_fortnightly_coach_is_caught_a_monthly_clinic_day_is_not(
    make_data: Callable[..., GraphData],
) -> None:
    """``followup_min_gap_days`` both ways: every 14 days on one weekday is faster than
    follow-up (caught); every 28 days on one weekday is a clinic day (counts once)."""
    rows = _background()
    people = _weekly(rows, every=14)
    assert _found(_rings(make_data, rows), people)
    rows = _background()
    _weekly(rows, every=28, diagnosis="I10")
    assert _rings(make_data, rows) == []


def test_a_chronic_diagnosis_does_not_excuse_a_weekly_coach(
    make_data: Callable[..., GraphData],
) -> None:
    """A ring billing its recruits' hypertension weekly is not a clinic day."""
    rows = _background()
    people = _weekly(rows, diagnosis="I10")
    assert _found(_rings(make_data, rows), people)


def test_a_dialysis_shift_is_a_treatment_timetable(make_data: Callable[..., GraphData]) -> None:
    """Mon/Wed/Fri, the same patients, kidney failure: care. The same timetable on a
    back-pain pretext is caught."""
    rows = _background()
    _weekly(rows, weekdays=(0, 2, 4), diagnosis="N18.5", trips=12)
    assert _rings(make_data, rows) == []
    rows = _background()
    people = _weekly(rows, weekdays=(0, 2, 4), diagnosis="M54.5", trips=12)
    assert _found(_rings(make_data, rows), people)


def _stays(rows: list[tuple[object, ...]], people: list[str], admitted: list[str]) -> None:
    """An inpatient stay at H4 for each person, admitted on the given days, discharged
    a week later (before the course starts on 2024-01-01... shifted: the course of
    ``_rehab`` starts on 2024-03-04)."""
    for person, day in zip(people, admitted, strict=True):
        end = (pd.Timestamp(day) + pd.Timedelta(days=7)).date().isoformat()
        rows.append((f"X{len(rows)}", person, "H4", "D5", day, "inpatient", "I63.9", 6000.0,
                     end))  # fmt: skip


RX_STAY = RX + " discharge_date"


def _rehab_rows(
    admissions: list[str] | None, size: int = 8
) -> tuple[list[tuple[object, ...]], list[str]]:
    rows = [(*r, None) for r in _background()]
    course: list[tuple[object, ...]] = []
    people = _weekly(course, diagnosis="I63.9", size=size)
    # the course starts 2024-03-04 (a Monday): shift its dates by nine weeks
    for r in course:
        day = (pd.Timestamp(str(r[4])) + pd.Timedelta(days=63)).date().isoformat()
        rows.append((f"X{len(rows)}", r[1], r[2], r[3], day, r[5], r[6], r[7], None))
    if admissions is not None:
        _stays(rows, people[: len(admissions)], admissions)
    return rows, people


def _rings_stays(
    make_data: Callable[..., GraphData], rows: list[tuple[object, ...]]
) -> list[object]:
    data = make_data(n_people=0, prescriptions=(rows, RX_STAY))
    return list(run_detectors(data, DetectConfig(), "organised_visits").rings)


def test_rehabilitation_after_each_patients_own_stay_is_aftercare(
    make_data: Callable[..., GraphData],
) -> None:
    """A weekly class of stroke patients, each discharged in the weeks before it began,
    admitted on their own days: the aftercare exemption."""
    days = [f"2024-02-{d:02d}" for d in (1, 4, 7, 10, 13, 16, 19, 22)]
    rows, _ = _rehab_rows(days)
    assert _rings_stays(make_data, rows) == []


def test_a_group_admission_before_a_weekly_coach_is_not_aftercare(
    make_data: Callable[..., GraphData],
) -> None:
    """The recruits were admitted together (one day) before the weekly trips: their stays
    are one event, not each patient's own reason to come."""
    rows, people = _rehab_rows(["2024-02-10"] * 8)
    assert _found(_rings_stays(make_data, rows), people)


def test_a_few_stays_do_not_make_a_coach_aftercare(make_data: Callable[..., GraphData]) -> None:
    """Three of eight recruits had a stay of their own: below ``after_discharge_share``."""
    rows, people = _rehab_rows(["2024-02-01", "2024-02-09", "2024-02-17"])
    assert _found(_rings_stays(make_data, rows), people)


def test_a_different_doctor_on_each_trip_is_caught(make_data: Callable[..., GraphData]) -> None:
    """Every trip to H3 the group sees the next of its four doctors: no single doctor's
    sessions repeat, the institution's do (the institution pass)."""
    rows = _background()
    people = _weekly(rows, every=17, trips=8, doctors=("D0", "D1", "D2", "D3"))
    rings = _rings(make_data, rows)
    assert _found(rings, people)
    ring = next(r for r in rings if _found([r], people))
    roles = {m.role for m in ring.members if m.kind != "participant"}  # type: ignore[attr-defined]
    assert roles == {"rotating doctor", "institution"}


def test_patients_of_doctors_whose_clinic_days_coincide_are_not_a_group(
    make_data: Callable[..., GraphData],
) -> None:
    """Three doctors of H3 hold their clinic on the same day every 17 days; each patient
    always sees their own doctor (two or three per doctor, below a group): the
    institution pass must not merge them into one."""
    rows = _background()
    _weekly(rows, every=17, trips=8, doctors=("D0", "D1", "D2"), rotate=False)
    assert _rings(make_data, rows) == []
