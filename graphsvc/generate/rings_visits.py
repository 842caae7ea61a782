"""Organised-visit shapes added for issue #11, and the look-alike they must not hide in.

Two ways a recruited group is brought in that the first shapes never drew:

* ``weekly_weekday``: the coach comes on the same weekday every week (or every other
  week) for 6-14 trips. A doctor's clinic day repeats one weekday too, but a chronic
  patient comes back monthly; nobody's follow-up is weekly on a pretext diagnosis.
* ``doctor_rotation``: each trip the group is seen by another doctor of the same
  institution (or spread over two or three doctors on one trip), so no one doctor's
  sessions repeat; the institution's days do.

The look-alike is a **dialysis shift**: 6-20 patients with kidney failure on the same
weekdays (Mon/Wed/Fri or Tue/Thu/Sat) at one hospital for months: a weekly timetable of
the same people, which is care because of its diagnosis (N18 / Z49), the treatment-cycle
exemption of the detector.

Everything here draws from its own random stream and gives back the people it reserved
(as ``rings_typa``), so the provinces the other typologies were tuned on are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

import graphsvc.generate.rings as base
from graphsvc.generate import benign
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.world import (
    CLINIC,
    DAYS,
    HOSPITAL,
    OUTPATIENT,
    SRC_BENIGN,
    SRC_RING,
    IntArray,
    World,
    weekday,
)

DIAG_N18 = 20  # 慢性肾脏病 (catalog.DIAGNOSES)


def visits_rng(w: World) -> np.random.Generator:
    """This module's own random stream."""
    rng: np.random.Generator = w.extra.setdefault(
        "rng_visits", np.random.default_rng([w.seed, 11, 7])
    )
    return rng


@contextmanager
def _own_stream(w: World) -> Iterator[np.random.Generator]:
    """``w.rng`` is this module's stream inside the block (``World.pick_free`` and
    ``World.doctor_at`` callers draw from ``w.rng``)."""
    saved = w.rng
    w.rng = visits_rng(w)
    try:
        yield w.rng
    finally:
        w.rng = saved


def build(w: World) -> None:
    """The rings and look-alikes of this module (called from ``rings.build_rings``)."""
    with _own_stream(w) as rng:
        for builder in (weekly_weekday, doctor_rotation):
            for _ in range(max(1, round(float(rng.uniform(1.5, 3.5)) * w.scale))):
                builder(w)
        for _ in range(max(1, round(float(rng.uniform(1.0, 2.5)) * w.scale))):
            dialysis_shift(w)


def _venue(w: World, min_doctors: int) -> tuple[int, int]:
    """A clinic or hospital (level 1-2) with enough doctors, in a region; claimed."""
    rng = w.rng
    r = base._region(w)
    cands = np.concatenate(
        [
            institutions_of(w, HOSPITAL, 1),
            institutions_of(w, HOSPITAL, 2),
            institutions_of(w, CLINIC),
        ]
    )
    cands = cands[w.inst_doc_count[cands] >= min_doctors]
    # A venue with ordinary patients of its own (never Sansha's, which at small scales
    # has none: a group that is an institution's whole activity is fabricated services,
    # not a crowd to hide in).
    cands = cands[w.inst_region[cands] != 2]
    inst = int(rng.choice(base._local(w, np.sort(cands), r)))
    base._claim(w, inst)
    return inst, r


def _recruits(w: World, r: int) -> IntArray:
    rng = w.rng
    k = int(rng.integers(6, 31))
    # the venue's region and up to two others (a coach from the next county)
    regions = sorted({r} | {base._region(w) for _ in range(int(rng.integers(0, 3)))})
    return w.pick_free(k, min_age=40, max_age=85, regions=regions)


def _trip(w: World, ps: IntArray, inst: int, day: int, docs: IntArray, diags: IntArray) -> None:
    """One outing: a share of the group, each seen by one of ``docs``."""
    rng = w.rng
    att = ps[rng.random(ps.shape[0]) < rng.uniform(0.6, 0.95)]
    if att.shape[0] < 2:
        att = ps[:2]
    m = att.shape[0]
    w.settlements.add(
        att,
        inst,
        np.full(m, day),
        OUTPATIENT,
        rng.choice(diags, size=m),
        doc=rng.choice(docs, size=m),
        intensity=rng.integers(2, 4, size=m),
        src=SRC_RING,
    )


def weekly_weekday(w: World) -> None:
    """Trips on one weekday, every week or every other week, to one doctor."""
    rng = w.rng
    inst, r = _venue(w, 1)
    doc = int(w.doctor_at(np.array([inst]), rng.random(1))[0])
    ps = _recruits(w, r)
    diags = rng.choice(base.ORGANISED_DIAGS, size=2, replace=False)
    every = 7 if rng.random() < 0.7 else 14
    trips = int(rng.integers(6, 15))
    start = int(rng.integers(0, DAYS - every * trips))
    start += int((int(rng.integers(0, 6)) - int(weekday(start))) % 7)
    days = start + every * np.arange(trips)
    days = days[days < DAYS]
    for day in days:
        _trip(w, ps, inst, int(day), np.array([doc]), diags)
    members = [w.md(doc, "recruiter_doctor"), w.mi(inst, "institution")]
    members += [w.mp(p, "recruited") for p in ps]
    base._add_ring(
        w,
        "organised_visits",
        members,
        f"{w.did(doc)} at {w.iid(inst)} sees {ps.shape[0]} recruited participants who come "
        f"together every {every} days on the same weekday, {days.shape[0]} times (pretext "
        f"diagnoses, CT and infusions)",
        "weekly_weekday",
    )


def doctor_rotation(w: World) -> None:
    """Trips to one institution, a different doctor (or two or three) each time."""
    rng = w.rng
    inst, r = _venue(w, 3)
    staff = w.inst_doc_start[inst] + np.arange(int(w.inst_doc_count[inst]))
    ps = _recruits(w, r)
    diags = rng.choice(base.ORGANISED_DIAGS, size=2, replace=False)
    trips = int(rng.integers(4, 10))
    if rng.random() < 0.4:  # on a weekly timetable
        start = int(rng.integers(0, DAYS - 7 * trips))
        days = start + 7 * np.arange(trips)
    else:
        days = np.sort(rng.choice(DAYS // 14, size=trips, replace=False)) * 14
        days = days + rng.integers(0, 10, size=trips)
    days = days[days < DAYS]
    spread = rng.random() < 0.5  # several doctors on one trip
    seen: set[int] = set()
    for day in days:
        n_docs = int(rng.integers(2, min(4, staff.shape[0]) + 1)) if spread else 1
        docs = rng.choice(staff, size=n_docs, replace=False)
        seen.update(int(d) for d in docs)
        _trip(w, ps, inst, int(day), docs, diags)
    members = [w.mi(inst, "institution")]
    members += [w.mp(p, "recruited") for p in ps]
    base._add_ring(
        w,
        "organised_visits",
        members,
        f"{ps.shape[0]} recruited participants brought to {w.iid(inst)} together "
        f"{days.shape[0]} times, seen by {len(seen)} different doctors "
        f"({'several' if spread else 'one'} per trip), pretext diagnoses",
        "doctor_rotation",
    )


def dialysis_shift(w: World) -> None:
    """Look-alike: a hospital dialysis shift, the same patients three times a week."""
    rng = w.rng
    hospitals = np.concatenate([institutions_of(w, HOSPITAL, 2), institutions_of(w, HOSPITAL, 1)])
    hosp = int(rng.choice(hospitals))
    doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
    region = int(w.inst_region[hosp])
    k = int(rng.integers(6, 21))
    # People whose chronic care is the dialysis (not also a monthly clinic-day patient).
    saved = w.reserved.copy()
    w.reserved |= w.chronic_doc >= 0
    pats = w.pick_free(k, min_age=35, max_age=85, regions=[region])
    w.reserved = saved
    w.reserved[pats] = True
    k = pats.shape[0]
    first = int(rng.integers(0, 2))  # Mon/Wed/Fri or Tue/Thu/Sat
    weeks = int(rng.integers(8, 40))
    start = int(rng.integers(0, max(1, DAYS - 7 * weeks)))
    start += int((first - int(weekday(start))) % 7)
    days = (start + 7 * np.arange(weeks)[:, None] + np.array([0, 2, 4])[None, :]).ravel()
    days = days[days < DAYS]
    pp = np.repeat(pats, days.shape[0])
    dd = np.tile(days, k)
    keep = rng.random(pp.shape[0]) < rng.uniform(0.85, 0.98)
    w.settlements.add(pp[keep], hosp, dd[keep], OUTPATIENT, DIAG_N18, doc=doc, src=SRC_BENIGN)
    members = [w.md(doc, "nephrologist"), w.mi(hosp, "hospital")]
    members += [w.mp(p, "patient") for p in pats]
    benign._group(
        w,
        "chronic_cohort",
        members,
        f"dialysis shift of {w.did(doc)} at {w.iid(hosp)}: {k} kidney patients three times "
        f"a week for {weeks} weeks",
    )
