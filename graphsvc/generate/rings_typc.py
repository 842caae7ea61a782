"""Planted rings of issue #12, fabricated services (虚构医药服务, Art. 23(9); Art. 24(5)).

Kept apart from ``rings_typa`` (card lending, duplicate enrolment) so typologies added
in parallel do not touch the same lines; called from ``rings.build_rings`` after them,
on its own random stream so the provinces other typologies were tuned on keep their
draws. Every parameter is drawn per ring from a wide range; shapes are listed in
``graphsvc.generate.shapes.SHAPES``.

What sets these rings apart from card lending (the same alibi, another behaviour):
each patient is billed *once* at the ring's institution (an ID harvested, not a card
in someone else's hands), and the ring's members are the billing institution and its
doctors, with the patients whose IDs were used.
"""

from __future__ import annotations

import numpy as np

import graphsvc.generate.rings as base
from graphsvc.generate import catalog as cat
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.world import (
    CLINIC,
    DAYS,
    INPATIENT,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    SRC_RING,
    World,
)


def typc_rng(w: World) -> np.random.Generator:
    """This module's own random stream (see module doc)."""
    rng: np.random.Generator = w.extra.setdefault("rng_typc", np.random.default_rng([w.seed, 23]))
    return rng


def pick(
    w: World, k: int, regions: list[int], *, min_age: int = 18, max_age: int = 85
) -> np.ndarray:
    """Up to k free people of the given regions, distinct households; reserves them."""
    rng = typc_rng(w)
    age = w.age()
    ok = (~w.reserved) & (age >= min_age) & (age <= max_age) & (w.nursing < 0)
    ok &= np.isin(w.region, regions)
    cand = rng.permutation(np.flatnonzero(ok))
    _, first = np.unique(w.household[cand], return_index=True)
    chosen = cand[np.sort(first)][:k]
    w.reserved[chosen] = True
    return chosen


def far_clinic(w: World) -> tuple[int, int]:
    """An unused clinic of a populous region (never Sansha), and its region."""
    rng = typc_rng(w)
    weights = np.array([r.weight for r in cat.REGIONS])
    weights[2] = 0
    region = int(rng.choice(len(cat.REGIONS), p=weights / weights.sum()))
    inst = int(rng.choice(base._local(w, institutions_of(w, CLINIC), region)))
    base._claim(w, inst)
    return inst, int(w.inst_region[inst])


def build(w: World) -> None:
    """Every ring of this module (called from ``rings.build_rings``)."""
    rng = typc_rng(w)
    for _ in range(max(2, round(float(rng.uniform(3, 6)) * w.scale))):
        fabricated_services(w)


def home_visit(w: World, p: int, day: int) -> None:
    """The patient's own settlement at home that day (pharmacy or clinic): the alibi."""
    rng = typc_rng(w)
    shop = int(w.home_pharmacy[p] if rng.random() < 0.5 else w.home_clinic[p])
    if w.inst_kind[shop] == PHARMACY_KIND:
        w.settlements.add(np.array([p]), shop, day, PHARMACY, 0, src=SRC_RING)
    else:
        doc = w.doctor_at(np.array([shop]), rng.random(1))
        w.settlements.add(np.array([p]), shop, day, OUTPATIENT, 0, doc=doc, src=SRC_RING)


def home_stay(w: World, p: int) -> tuple[int, int]:
    """A real stay at the patient's home hospital; its admission day and length."""
    rng = typc_rng(w)
    los = int(rng.integers(6, 21))
    start = int(rng.integers(0, DAYS - los - 1))
    hosp = int(w.home_hospital[p])
    doc = w.doctor_at(np.array([hosp]), rng.random(1))
    w.settlements.add(
        np.array([p]), hosp, start, INPATIENT, 13, doc=doc, dis=start + los, src=SRC_RING
    )
    return start, los


def fabricated_services(w: World) -> None:
    """A far clinic bills services to patients who were at home (虚构医药服务).

    Shapes: ``same_day_far`` (one doctor bills 8-16 people of other regions, once each,
    on a day they settled at home), ``during_stay`` (one doctor bills 6-12 people, once
    each, while they lie in their home hospital, one patient per region so no hospital
    holds many of them), ``spread_doctors`` (3-4 doctors share 10-18 patients, either
    alibi; held out).
    """
    rng = typc_rng(w)
    shape = str(rng.choice(SHAPES["fabricated_services"]))
    inst, far = far_clinic(w)
    others = [int(r) for r in np.unique(w.region) if int(r) != far and int(r) != 2]
    n_docs = int(rng.integers(3, 5)) if shape == "spread_doctors" else 1
    count = int(w.inst_doc_count[inst])
    chosen: np.ndarray = np.zeros(0, dtype=np.int64)
    if count:
        chosen = rng.choice(count, size=min(n_docs, count), replace=False)
    docs = np.sort(int(w.inst_doc_start[inst]) + chosen.astype(np.int64))
    if shape == "during_stay":
        k = int(rng.integers(6, 13))
        regions = rng.choice(others, size=min(k, len(others)), replace=False)
        ps = np.concatenate([pick(w, 1, [int(r)], min_age=30) for r in regions])
    else:
        k = int(rng.integers(8, 17) if shape == "same_day_far" else rng.integers(10, 19))
        homes = rng.choice(others, size=int(rng.integers(1, 4)), replace=False)
        ps = pick(w, k, [int(r) for r in homes])
    if ps.shape[0] == 0 or docs.shape[0] == 0:
        return
    for j, p in enumerate(ps):
        bed = shape == "during_stay" or (shape == "spread_doctors" and rng.random() < 0.4)
        if bed:
            start, los = home_stay(w, int(p))
            day = start + 1 + int(rng.integers(0, los - 1))
        else:
            day = int(rng.integers(0, DAYS))
            home_visit(w, int(p), day)
        doc = int(docs[j % docs.shape[0]])
        w.settlements.add(np.array([p]), inst, day, OUTPATIENT, 0, doc=doc, src=SRC_RING)
    members = [w.mi(inst, "billing_institution")]
    members += [w.md(int(d), "billing_doctor") for d in docs]
    members += [w.mp(int(p), "billed_patient") for p in ps]
    base._add_ring(
        w,
        "fabricated_services",
        members,
        f"{w.iid(inst)} in region {far} ({docs.shape[0]} doctor(s)) bills {ps.shape[0]} "
        "patients on days they were elsewhere",
        shape,
    )
