"""Planted rings of issue #12, part A: duplicate enrolment and card lending.

Kept apart from ``graphsvc.generate.rings`` (which calls these from ``build_rings``)
so typologies added in parallel do not touch the same lines. Every parameter is drawn
per ring from a wide range; shapes are listed in ``graphsvc.generate.shapes.SHAPES``.
"""

from __future__ import annotations

import numpy as np

import graphsvc.generate.rings as base
from graphsvc.generate import catalog as cat
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.population import phone_numbers
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.world import (
    CLINIC,
    DAYS,
    INPATIENT,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    PHONE,
    SRC_RING,
    World,
)


def typa_rng(w: World) -> np.random.Generator:
    """This module's own random stream, so adding these rings and look-alikes does not
    shift the draws (and so the provinces) of the typologies planted before them."""
    rng: np.random.Generator = w.extra.setdefault("rng_typa", np.random.default_rng([w.seed, 12]))
    return rng


def _region(w: World) -> int:
    """A region weighted by population, never Sansha (as ``rings._region``, own stream)."""
    weights = np.array([r.weight for r in cat.REGIONS])
    weights[2] = 0
    return int(typa_rng(w).choice(len(cat.REGIONS), p=weights / weights.sum()))


def pick(
    w: World,
    k: int,
    *,
    min_age: int = 18,
    max_age: int = 75,
    regions: list[int] | None = None,
    employee: bool | None = None,
    gender: int | None = None,
    unlinked: bool = False,
) -> np.ndarray:
    """``World.pick_free`` on this module's own stream (it never draws from ``w.rng``).

    ``unlinked``: people with no registered family link (a second record's birth date
    is rewritten to the first's, which must not make a family link implausible).
    """
    rng = typa_rng(w)
    age = w.age()
    ok = (~w.reserved) & (age >= min_age) & (age <= max_age) & (w.nursing < 0)
    if employee is not None:
        ok &= (w.ins == 0) if employee else (w.ins == 1)
    if gender is not None:
        ok &= w.gender == gender
    if unlinked:
        linked = np.zeros(w.n, dtype=bool)
        linked[[x for h, m, _, _ in w.family for x in (h, m)]] = True
        ok &= ~linked
    if regions is not None and int((ok & np.isin(w.region, regions)).sum()) >= k:
        ok &= np.isin(w.region, regions)
    cand = rng.permutation(np.flatnonzero(ok))
    _, first = np.unique(w.household[cand], return_index=True)
    chosen = cand[np.sort(first)][:k]
    w.reserved[chosen] = True
    return chosen


def build(w: World) -> None:
    """Every ring of this module (called last in ``rings.build_rings``)."""
    rng = typa_rng(w)
    for builder in (duplicate_enrolment, card_lending):
        for _ in range(max(2, round(float(rng.uniform(3, 6)) * w.scale))):
            builder(w)


def same_id_number(w: World, record: int, original: int) -> None:
    """Give ``record`` the ID number (and so birth date and sex) of ``original``.

    The writer applies ``w.extra["same_id"]`` after drawing the unique numbers.
    """
    w.birth[record] = w.birth[original]
    w.gender[record] = w.gender[original]
    w.id_prefix[record] = w.id_prefix[original]
    w.extra.pop("age", None)  # ages are cached by the world
    w.extra.setdefault("same_id", []).append((record, original))


def _settle_months(w: World, p: int, months: np.ndarray) -> None:
    """One visit at the person's home clinic (or pharmacy) in each given month."""
    rng = typa_rng(w)
    day = np.clip(months * 30 + rng.integers(0, 28, size=months.shape[0]), 0, DAYS - 1)
    clinic = int(w.home_clinic[p])
    w.settlements.add(
        np.full(months.shape[0], p),
        clinic,
        day,
        OUTPATIENT,
        0,
        doc=w.doctor_at(np.full(months.shape[0], clinic), rng.random(months.shape[0])),
        src=SRC_RING,
    )


def duplicate_enrolment(w: World) -> None:
    """One person enrolled twice, both records settling (重复参保, 重复享受待遇).

    Shapes: ``employee_and_resident`` (employee in one region, resident in another,
    the same mobile phone on both records), ``two_hospitals`` (inpatient in two
    hospitals at once, one per record; the phone on both in about half the rings),
    ``same_scheme`` (twice in one scheme; held out). Per ring: 3-9 common months.
    """
    rng = typa_rng(w)
    # the shapes planted here (mistyped_id is person_variants'): the same three draws as before
    shape = str(rng.choice(SHAPES["duplicate_enrolment"][:3]))
    r1, r2 = _region(w), _region(w)
    first_scheme: bool | None = True
    second_scheme: bool | None = False  # employee in one region, resident in another
    if shape == "same_scheme":
        first_scheme = second_scheme = bool(rng.random() < 0.5)
    a = pick(w, 1, min_age=20, max_age=70, regions=[r1], employee=first_scheme)
    pa = int(a[0])
    # the same age and sex as the first record: rewriting the birth date to match the
    # number then moves no one across an age limit later stages select people by
    b = pick(
        w,
        1,
        min_age=int(w.age(pa)),
        max_age=int(w.age(pa)),
        regions=[r2],
        employee=second_scheme,
        gender=int(w.gender[pa]),
        unlinked=True,
    )
    if b.shape[0] == 0:  # a tiny province may hold no such second person
        w.reserved[pa] = False
        return
    pb = int(b[0])
    same_id_number(w, pb, pa)
    months = np.sort(rng.choice(12, size=int(rng.integers(3, 10)), replace=False))
    _settle_months(w, pa, months)
    _settle_months(w, pb, np.sort(rng.choice(12, size=months.shape[0], replace=False)))
    _settle_months(w, pb, months[: max(1, months.shape[0] // 2)])
    share_phone = shape == "employee_and_resident" or rng.random() < 0.5
    if shape == "same_scheme":
        share_phone = rng.random() < 0.7
    if share_phone:
        w.extra["special"] += 1
        phone = phone_numbers(np.array([int(w.extra["special"])]), 97 + w.seed % 89)[0]
        w.add_identifier(np.array([pa, pb]), PHONE, phone)
    if shape == "two_hospitals":
        los_a, los_b = int(rng.integers(5, 15)), int(rng.integers(4, 12))
        day = int(rng.integers(10, DAYS - 40))
        shift = int(rng.integers(0, los_a))
        for p, d, los in ((pa, day, los_a), (pb, day + shift, los_b)):
            hosp = int(w.home_hospital[p])
            doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
            w.settlements.add(
                np.array([p]), hosp, d, INPATIENT, 13, doc=doc, dis=d + los, src=SRC_RING
            )
    members = [w.mp(pa, "duplicate_record"), w.mp(pb, "duplicate_record")]
    base._add_ring(
        w,
        "duplicate_enrolment",
        members,
        f"{w.pid(pa)} and {w.pid(pb)} carry one ID number and both settle in "
        f"{months.shape[0]} months",
        shape,
    )


def _far_institution(w: World, home: int, kind: int) -> tuple[int, int]:
    """An unused institution of ``kind`` in a region other than ``home``; its region."""
    rng = typa_rng(w)
    insts = institutions_of(w, kind)
    far = insts[w.inst_region[insts] != home]
    far_region = int(w.inst_region[int(rng.choice(far))])
    inst = int(rng.choice(base._local(w, far, far_region)))
    base._claim(w, inst)
    return inst, int(w.inst_region[inst])


def card_lending(w: World) -> None:
    """Cards lent to people elsewhere (冒名就医、购药).

    Shapes: ``far_same_day`` (3-8 cards, each settled at home and at one far pharmacy
    or clinic on the same day, 4-9 days each), ``one_counter`` (6-12 cards of people
    from other regions settled at one doctor's counter on 1-2 days), ``while_inpatient``
    (3-6 holders in their home hospital while their card is used 3-6 times at one far
    pharmacy; held out).
    """
    rng = typa_rng(w)
    shape = str(rng.choice(SHAPES["card_lending"]))
    home = _region(w)
    if shape == "one_counter":
        inst, far = _far_institution(w, home, CLINIC)
        doc = int(w.doctor_at(np.array([inst]), rng.random(1))[0])
        per_day = int(rng.integers(6, 13))
        n_days = int(rng.integers(1, 3))
        k = per_day * n_days
        others = [r for r in np.unique(w.region) if int(r) != far]
        cards = pick(w, k, min_age=18, max_age=80, regions=[int(x) for x in others])
        days = np.sort(rng.choice(DAYS, size=n_days, replace=False))
        day = np.repeat(days, per_day)[: cards.shape[0]]
        w.settlements.add(cards, inst, day, OUTPATIENT, 0, doc=doc, src=SRC_RING)
        members = [w.mi(inst, "institution"), w.md(doc, "counter_doctor")]
        members += [w.mp(p, "card_holder") for p in cards]
        desc = f"{k} out-of-region cards settled at {w.iid(inst)} ({w.did(doc)}) on {n_days} day(s)"
    else:
        inst, far = _far_institution(w, home, PHARMACY_KIND)
        k = int(rng.integers(3, 9 if shape == "far_same_day" else 7))
        if shape == "far_same_day":
            cards = pick(w, k, min_age=25, max_age=80, regions=[home])
        else:  # one holder per region: different hospitals, no ghost-ward concentration
            regions = [int(r) for r in np.unique(w.region) if int(r) != far]
            chosen = rng.choice(regions, size=min(k, len(regions)), replace=False)
            cards = np.concatenate(
                [pick(w, 1, min_age=25, max_age=80, regions=[int(r)]) for r in chosen]
            )
        for p in cards:
            if shape == "far_same_day":
                n = int(rng.integers(4, 10))
                days = rng.choice(DAYS, size=n, replace=False)
                shop = np.where(rng.random(n) < 0.5, w.home_pharmacy[p], w.home_clinic[p])
                vt = np.where(w.inst_kind[shop] == PHARMACY_KIND, PHARMACY, OUTPATIENT)
                w.settlements.add(
                    np.full(n, p),
                    shop,
                    days,
                    vt,
                    0,
                    doc=np.where(vt == OUTPATIENT, w.doctor_at(shop, rng.random(n)), -1),
                    src=SRC_RING,
                )
            else:
                los = int(rng.integers(7, 21))
                start = int(rng.integers(0, DAYS - los - 1))
                hosp = int(w.home_hospital[p])
                hdoc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
                w.settlements.add(
                    np.array([p]),
                    hosp,
                    start,
                    INPATIENT,
                    13,
                    doc=hdoc,
                    dis=start + los,
                    src=SRC_RING,
                )
                n = int(rng.integers(3, 7))
                days = start + 1 + rng.choice(los - 1, size=min(n, los - 1), replace=False)
            w.settlements.add(np.full(days.shape[0], p), inst, days, PHARMACY, 0, src=SRC_RING)
        members = [w.mi(inst, "institution")] + [w.mp(p, "card_holder") for p in cards]
        desc = f"{k} cards of region {home} used at {w.iid(inst)} in region {far}"
    base._add_ring(w, "card_lending", members, desc, shape)
