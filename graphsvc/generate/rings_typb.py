"""Planted rings of issue #12 part B: over-prescription and duplicate charging.

Each builder draws its parameters per ring from wide ranges (so no detector threshold
can be tuned to one value) and plants its rows on ordinary participants, who keep
their ordinary activity. Shared helpers (regions, free institutions, the ring list)
are those of ``graphsvc.generate.rings``.
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate import catalog as cat
from graphsvc.generate import rings as base
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.world import DAYS, ITEM_SERVICE, OUTPATIENT, SRC_RING, World

# Drugs a doctor over-prescribes (sleeping pills, painkillers, statins, antivirals).
EXCESS_DRUGS = (28, 13, 29, 5, 11, 4)
# Resalable drugs a doctor-shopping crew collects, with the chronic diagnosis on paper.
SHOPPING_DRUGS = {2: cat.DIAG_E11, 16: 10, 17: 11, 18: 9}
# Services billed twice (each is billed once on an ordinary visit).
DOUBLED_SERVICES = (cat.SV_CT, cat.SV_XRAY, cat.SV_ULTRASOUND, cat.SV_CONSULT, cat.SV_BLOOD)


def _unmatched_diag(drug: int, rng: np.random.Generator) -> int:
    """An acute diagnosis the drug is not prescribed for (the paper reason)."""
    options = [d for d in cat.ACUTE_DIAGS if drug not in cat.DIAGNOSES[d].drugs]
    return int(rng.choice(options))


# -- over-prescription (Art. 23(2) 超量开药、重复开药; Art. 24(4)) ----------------------
def over_prescription(w: World) -> None:
    """Too much of one drug for a recurring set of patients.

    Shapes: ``excess_quantity`` (one doctor writes 8-30 packs of a drug, several times
    a year, under a diagnosis the drug is not for), ``doctor_shopping`` (a crew collects
    a resalable drug from 3-5 doctors of one hospital, each fill before the last one's
    supply ran out; held out of tuning). Per ring 4-12 patients.
    """
    rng = w.rng
    shape = str(rng.choice(SHAPES["over_prescription"]))
    r = base._region(w)
    hs = base._hospitals(w)
    hs = hs[w.inst_doc_count[hs] >= 3] if (w.inst_doc_count[hs] >= 3).any() else hs
    hosp = int(rng.choice(base._local(w, hs, r)))
    base._claim(w, hosp)
    k = int(rng.integers(4, 13))
    ps = w.pick_free(k, min_age=25, max_age=80, regions=[r])
    if shape == "excess_quantity":
        docs = np.unique(w.doctor_at(np.array([hosp]), rng.random(1)))
        drug = int(rng.choice(EXCESS_DRUGS))
        lo = int(rng.integers(8, 16))
        hi = int(rng.integers(lo + 2, 31))
        for p in ps:
            n = int(rng.integers(3, 7))
            days = np.sort(rng.choice(DAYS, size=n, replace=False))
            diag = _unmatched_diag(drug, rng)
            keys = w.settlements.add(
                np.full(n, p), hosp, days, OUTPATIENT, diag, doc=int(docs[0]), src=SRC_RING
            )
            w.settlements.add_items(keys, drug, qty=rng.integers(lo, hi + 1, size=n))
        what = f"{lo}-{hi} packs of {cat.DRUGS[drug].name} per prescription"
    else:
        n_docs = min(int(rng.integers(3, 6)), int(w.inst_doc_count[hosp]))
        start, count = int(w.inst_doc_start[hosp]), int(w.inst_doc_count[hosp])
        docs = np.sort(start + rng.choice(count, size=n_docs, replace=False))
        drug = int(rng.choice(list(SHOPPING_DRUGS)))
        step_lo = int(rng.integers(2, 5))
        step_hi = int(rng.integers(step_lo + 2, 10))
        for p in ps:
            day = int(rng.integers(0, 120))
            j = int(rng.integers(0, docs.shape[0]))
            while day < DAYS:
                key = w.settlements.add(
                    np.array([p]),
                    hosp,
                    day,
                    OUTPATIENT,
                    SHOPPING_DRUGS[drug],
                    doc=int(docs[j % docs.shape[0]]),
                    src=SRC_RING,
                )
                w.settlements.add_items(key, drug, qty=int(rng.integers(1, 4)))
                j += 1
                day += int(rng.integers(step_lo, step_hi + 1))
                if rng.random() < 0.08:
                    break
        what = f"{cat.DRUGS[drug].name} from {docs.shape[0]} doctors every {step_lo}-{step_hi} days"
    members = [w.mi(hosp, "institution")]
    members += [w.md(int(d), "prescribing_doctor") for d in docs]
    members += [w.mp(p, "patient") for p in ps]
    base._add_ring(
        w, "over_prescription", members, f"{w.iid(hosp)}: {k} patients get {what}", shape
    )


# -- duplicate charging (Art. 23(3) 重复收费、分解项目收费) -----------------------------
def duplicate_charging(w: World) -> None:
    """One service billed more than once at one institution.

    Shapes: ``same_settlement`` (a service billed twice on one settlement),
    ``split_items`` (a bundled test billed as 2-3 of its component codes),
    ``second_settlement`` (a second settlement of the same visit bills the service
    again; held out of tuning). Per ring 5-16 patients with 1-4 visits each, one or
    two doctors.
    """
    rng = w.rng
    shape = str(rng.choice(SHAPES["duplicate_charging"]))
    r = base._region(w)
    inst = int(rng.choice(base._local(w, base._hospitals(w), r)))
    base._claim(w, inst)
    n_docs = int(rng.integers(1, 3))
    docs = np.unique(w.doctor_at(np.full(n_docs, inst), rng.random(n_docs)))
    k = int(rng.integers(5, 17))
    ps = w.pick_free(k, min_age=18, max_age=85, regions=[r])
    services = rng.choice(DOUBLED_SERVICES, size=int(rng.integers(1, 3)), replace=False)
    n_visits = 0
    for j, p in enumerate(ps):
        n = int(rng.integers(1, 5))
        days = np.sort(rng.choice(DAYS, size=n, replace=False))
        doc = int(docs[j % docs.shape[0]])
        diag = rng.choice(cat.ACUTE_DIAGS, size=n)
        keys = w.settlements.add(np.full(n, p), inst, days, OUTPATIENT, diag, doc=doc, src=SRC_RING)
        n_visits += n
        for key in keys:
            if shape == "split_items":
                bundle = int(rng.choice(list(cat.SPLITTABLE)))
                parts = cat.SPLITTABLE[bundle]
                chosen = rng.choice(parts, size=int(rng.integers(2, len(parts) + 1)), replace=False)
                w.settlements.add_items(np.full(chosen.shape[0], key), chosen, kind=ITEM_SERVICE)
                continue
            sv = int(rng.choice(services))
            if shape == "second_settlement" and sv == cat.SV_CONSULT:
                sv = cat.SV_CT  # a second consultation the same day is a fee, not a duplicate
            twice = 2 if shape == "same_settlement" else 1
            w.settlements.add_items(np.full(twice, key), sv, kind=ITEM_SERVICE)
            if shape == "second_settlement":
                day = int(days[list(keys).index(key)])
                again = w.settlements.add(
                    np.array([p]),
                    inst,
                    day,
                    OUTPATIENT,
                    int(diag[0]),
                    doc=doc,
                    auto=0,
                    src=SRC_RING,
                )
                w.settlements.add_items(again, sv, kind=ITEM_SERVICE)
    members = [w.mi(inst, "institution")]
    members += [w.md(int(d), "billing_doctor") for d in docs]
    members += [w.mp(p, "patient") for p in ps]
    how = {
        "same_settlement": "bills a service twice on one settlement",
        "split_items": "bills bundled tests as their component codes",
        "second_settlement": "bills a service again on a second settlement of the visit",
    }[shape]
    base._add_ring(
        w, "duplicate_charging", members, f"{w.iid(inst)} {how} ({n_visits} visits)", shape
    )
