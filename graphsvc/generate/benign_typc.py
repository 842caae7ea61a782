"""Legitimate look-alikes of fabricated services (issue #12), on ``rings_typc``'s stream.

Each puts many patients of other regions at one far clinic, as a fabricated-services
ring does; only the timeline tells them apart:

* ``travellers``: people visiting a far clinic on a trip (a tourist or work-site
  clinic), settling nowhere else those days: out-of-region patients concentrated at
  one clinic, every timeline plausible (no alibi at all);
* ``relative_buys``: people treated at a far clinic where they work or study, on days a
  registered family member bought at their home pharmacy with both IDs (委托购药,
  Art. 24 para. 3; exemption ``proxy_purchase``): the patient has a settlement at home
  that day, but it was the relative's purchase;
* ``multi_site_doctor``: a doctor practising at a far clinic and at a clinic of the
  patients' region (多点执业) consults them remotely, billed at the far clinic, on days
  they also buy at home (exemption ``multi_site_doctor``).
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.rings_typc import far_clinic, pick, typc_rng
from graphsvc.generate.truth import BenignGroup, Member
from graphsvc.generate.world import CLINIC, DAYS, OUTPATIENT, PHARMACY, SRC_BENIGN, World


def _group(w: World, kind: str, members: list[Member], description: str) -> None:
    counts: dict[str, int] = w.extra.setdefault("group_counts", {})
    n = counts[kind] = counts.get(kind, 0) + 1
    w.truth.benign_groups.append(BenignGroup(f"BG-{kind}-{n:05d}", kind, members, description))


def build(w: World) -> None:
    rng = typc_rng(w)
    for fn in (_travellers, _relative_buys, _multi_site_doctor):
        for _ in range(max(2, round(float(rng.uniform(3, 6)) * w.scale))):
            fn(w)


def _visitors(w: World, far: int, k: int) -> np.ndarray:
    others = [int(r) for r in np.unique(w.region) if int(r) != far and int(r) != 2]
    rng = typc_rng(w)
    homes = rng.choice(others, size=min(len(others), int(rng.integers(1, 4))), replace=False)
    return pick(w, k, [int(r) for r in homes])


def _days(w: World, k: int) -> np.ndarray:
    """One day per visitor, at most two visitors a day (not a counter's burst of cards)."""
    rng = typc_rng(w)
    return np.sort(rng.choice(DAYS, size=k, replace=False))


def _travellers(w: World) -> None:
    rng = typc_rng(w)
    inst, far = far_clinic(w)
    ps = _visitors(w, far, int(rng.integers(8, 17)))
    if ps.shape[0] == 0:
        return
    days = _days(w, ps.shape[0])
    for p, d in zip(ps, days, strict=True):
        trip = int(rng.integers(1, 3))
        for t in range(trip):
            doc = w.doctor_at(np.array([inst]), rng.random(1))
            w.settlements.add(
                np.array([p]),
                inst,
                min(DAYS - 1, int(d) + t),
                OUTPATIENT,
                0,
                doc=doc,
                src=SRC_BENIGN,
            )
    members = [w.mi(inst, "clinic")] + [w.mp(int(p), "traveller") for p in ps]
    _group(w, "travellers", members, f"{ps.shape[0]} visitors from other regions at {w.iid(inst)}")


def _relative_buys(w: World) -> None:
    rng = typc_rng(w)
    inst, far = far_clinic(w)
    links = [
        (h, m)
        for h, m, _, _ in w.family
        if not w.reserved[h]
        and not w.reserved[m]
        and int(w.region[m]) != far
        and int(w.region[h]) == int(w.region[m])
    ]
    if len(links) < 4:
        return
    k = int(rng.integers(6, 13))
    chosen = [links[int(i)] for i in rng.choice(len(links), size=min(k, len(links)), replace=False)]
    days = _days(w, len(chosen))
    members = [w.mi(inst, "clinic")]
    used = 0
    for (h, m), d in zip(chosen, days, strict=True):
        if w.reserved[h] or w.reserved[m]:
            continue
        w.reserved[[h, m]] = True
        doc = w.doctor_at(np.array([inst]), rng.random(1))
        w.settlements.add(np.array([m]), inst, int(d), OUTPATIENT, 0, doc=doc, src=SRC_BENIGN)
        shop = int(w.home_pharmacy[h])
        # the relative at home buys for both, with both IDs
        w.settlements.add(np.array([h, m]), shop, int(d), PHARMACY, 0, src=SRC_BENIGN)
        members += [w.mp(m, "patient"), w.mp(h, "relative")]
        used += 1
    if used:
        _group(
            w,
            "relative_buys",
            members,
            f"{used} relatives bought at home for patients of {w.iid(inst)}",
        )


def _multi_site_doctor(w: World) -> None:
    rng = typc_rng(w)
    inst, far = far_clinic(w)
    ps = _visitors(w, far, int(rng.integers(8, 15)))
    if ps.shape[0] == 0:
        return
    doc = int(w.doctor_at(np.array([inst]), rng.random(1))[0])
    if doc < 0:
        return
    # the doctor's second site: a clinic in each patients' region, a few sessions there
    sites = {}
    for r in sorted({int(w.region[p]) for p in ps}):
        local = institutions_of(w, CLINIC)
        local = local[w.inst_region[local] == r]
        if local.shape[0]:
            sites[r] = int(rng.choice(local))
    days = _days(w, ps.shape[0])
    members = [w.mi(inst, "clinic"), w.md(doc, "multi_site_doctor")]
    for p, d in zip(ps, days, strict=True):
        r = int(w.region[p])
        if r not in sites:
            continue
        w.settlements.add(np.array([p]), inst, int(d), OUTPATIENT, 0, doc=doc, src=SRC_BENIGN)
        shop = int(w.home_pharmacy[p])
        w.settlements.add(np.array([p]), shop, int(d), PHARMACY, 0, src=SRC_BENIGN)
        members.append(w.mp(int(p), "patient"))
    for site in sites.values():
        n = int(rng.integers(3, 8))
        pats = pick(w, n, [int(w.inst_region[site])])
        if pats.shape[0]:
            w.settlements.add(
                pats,
                site,
                rng.choice(DAYS, size=pats.shape[0]),
                OUTPATIENT,
                0,
                doc=doc,
                src=SRC_BENIGN,
            )
    _group(
        w,
        "multi_site_doctor",
        members,
        f"{w.did(doc)} practises at {w.iid(inst)} and in the patients' regions",
    )
