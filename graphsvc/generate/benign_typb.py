"""Legitimate look-alikes of issue #12 part B (over-prescription, duplicate charging).

Each is care the measures allow that looks, in one statistic, like a planted ring:

* long prescriptions (长处方): stable chronic patients given up to 12 weeks of their
  drug at once, every 12-13 weeks, by one doctor (large quantities, no overlap);
* a specialist who prescribes more of one drug than the province's usual quantity,
  to patients who carry the matching diagnosis and collect it in clinic;
* items repeated legitimately on one visit: a second infusion line on an inpatient
  day, at every hospital, so the repetition is normal province-wide.
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate import benign as base
from graphsvc.generate import catalog as cat
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.world import (
    DAYS,
    HOSPITAL,
    INPATIENT,
    ITEM_SERVICE,
    OUTPATIENT,
    SRC_BENIGN,
    IntArray,
    World,
)

# Chronic diagnosis -> the drug given on a long prescription.
LONG_DRUGS = {cat.DIAG_E11: (0, 1), cat.DIAG_I10: (3, 4, 6)}
# Specialist drugs and the diagnosis that carries them (hepatology, cardiology).
SPECIALIST_DRUGS = {17: 11, 5: 9}


def build(w: World) -> None:
    _long_prescriptions(w)
    _specialists(w)
    _repeated_infusions(w)


def _non_chronic(w: World, k: int, region: int) -> IntArray:
    ps = w.pick_free(3 * k, min_age=40, max_age=85, regions=[region])
    return ps[w.chronic_doc[ps] < 0][:k]


def _hospitals(w: World) -> IntArray:
    return np.sort(
        np.concatenate([institutions_of(w, HOSPITAL, 2), institutions_of(w, HOSPITAL, 3)])
    )


def _long_prescriptions(w: World) -> None:
    rng = w.rng
    for _ in range(max(2, round(3 * w.scale))):
        hosp = int(rng.choice(_hospitals(w)))
        doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
        if doc < 0:
            continue
        ps = _non_chronic(w, int(rng.integers(8, 17)), int(w.inst_region[hosp]))
        for p in ps:
            diag = int(rng.choice(list(LONG_DRUGS)))
            drug = int(rng.choice(LONG_DRUGS[diag]))
            day = int(rng.integers(0, 30))
            while day < DAYS:
                key = w.settlements.add(
                    np.array([p]), hosp, day, OUTPATIENT, diag, doc=doc, src=SRC_BENIGN
                )
                w.settlements.add_items(key, drug, qty=int(rng.integers(6, 10)))
                day += int(rng.integers(84, 92))
        members = [w.md(doc, "prescribing_doctor")] + [w.mp(p, "patient") for p in ps]
        base._group(
            w,
            "long_prescription",
            members,
            f"{len(ps)} stable chronic patients on 12-week prescriptions from {w.did(doc)}",
        )


def _specialists(w: World) -> None:
    rng = w.rng
    for _ in range(max(2, round(3 * w.scale))):
        hosp = int(rng.choice(_hospitals(w)))
        doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
        if doc < 0:
            continue
        drug = int(rng.choice(list(SPECIALIST_DRUGS)))
        ps = _non_chronic(w, int(rng.integers(8, 21)), int(w.inst_region[hosp]))
        for p in ps:
            n = int(rng.integers(2, 5))
            days = np.sort(rng.choice(DAYS, size=n, replace=False))
            keys = w.settlements.add(
                np.full(n, p), hosp, days, OUTPATIENT, SPECIALIST_DRUGS[drug], doc=doc,
                src=SRC_BENIGN,
            )  # fmt: skip
            w.settlements.add_items(keys, drug, qty=rng.integers(8, 21, size=n))
        members = [w.md(doc, "specialist"), w.mi(hosp, "hospital")]
        members += [w.mp(p, "patient") for p in ps]
        base._group(
            w,
            "specialist_prescriber",
            members,
            f"{w.did(doc)} prescribes {cat.DRUGS[drug].name} in larger quantities to "
            f"{len(ps)} patients with the matching diagnosis",
        )


def _repeated_infusions(w: World) -> None:
    """A second infusion line on a share of every hospital's inpatient stays."""
    rng = w.rng
    s = w.settlements.concat()
    inp = np.flatnonzero(s["vt"] == INPATIENT)
    pick = inp[rng.random(inp.shape[0]) < float(rng.uniform(0.25, 0.4))]
    if pick.shape[0] == 0:
        return
    w.settlements.add_items(s["key"][pick], cat.SV_INFUSION, kind=ITEM_SERVICE)
    insts, counts = np.unique(s["inst"][pick], return_counts=True)
    for i in insts[np.argsort(-counts, kind="stable")][:5]:
        mine = pick[s["inst"][pick] == i]
        pats = np.unique(s["pat"][mine])[:20]
        members = [w.mi(int(i), "hospital")] + [w.mp(p, "patient") for p in pats]
        base._group(
            w,
            "repeated_items",
            members,
            f"two infusion lines on one inpatient day for {mine.shape[0]} stays at {w.iid(int(i))}",
        )
