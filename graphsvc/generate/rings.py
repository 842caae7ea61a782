"""Planted fraud rings, one builder per typology (Hainan measures, Articles 23-24).

Every ring is drawn from ordinary participants, who keep their ordinary activity, and
uses catalogue items at catalogue prices, so a ring is visible only in its pattern:
who shares what with whom, who visits together, where prescriptions are filled, how
referrals and stays chain. ``ground_truth.rings`` lists exactly the entities an
investigator would expect in the case (see docs/generator.md for roles).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from graphsvc.generate import catalog as cat
from graphsvc.generate import rings_typb
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.population import (
    bank_accounts,
    device_ids,
    phone_numbers,
    styled_phones,
    styled_text,
)
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.truth import Member, PlantedRing
from graphsvc.generate.world import (
    BANK,
    CLINIC,
    DAYS,
    DEVICE,
    EPOCH_OFFSET,
    HOSPITAL,
    INPATIENT,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    PHONE,
    SRC_RING,
    IntArray,
    World,
)

RESALE_DRUGS = (2, 16, 17, 18)  # insulin, inhaler, entecavir, rivaroxaban: easy to resell
# High-value drug -> a diagnosis that justifies it on paper.
DRUG_DIAG = {19: cat.DIAG_C34, 20: cat.DIAG_C50, 21: 20, 22: 21, 24: 22, 25: 14}
SPLIT_DIAGS = (13, 10, 14, 9, 12)  # pneumonia, COPD, stroke, CHD, knee OA
ORGANISED_DIAGS = (12, 14, 22, 9, 2)  # "free physiotherapy / check-up" pretexts


def ring_count(w: World) -> int:
    return max(2, round(float(w.rng.uniform(3, 6)) * w.scale))


def _add_ring(w: World, typology: str, members: list[Member], description: str, shape: str) -> None:
    if shape not in SHAPES[typology]:
        raise ValueError(f"shape {shape!r} is not listed for {typology} in shapes.SHAPES")
    n = sum(1 for r in w.truth.rings if r.typology == typology) + 1
    w.truth.rings.append(
        PlantedRing(f"GT-{typology}-{n:03d}", typology, members, description, shape)
    )


def _region(w: World) -> int:
    weights = np.array([r.weight for r in cat.REGIONS])
    weights[2] = 0  # Sansha is too small to hide a ring in
    return int(w.rng.choice(len(cat.REGIONS), p=weights / weights.sum()))


def _local(w: World, insts: IntArray, region: int, k: int = 1) -> IntArray:
    """Candidates in the region not yet in a ring (else anywhere unused, else any).

    Keeping rings on distinct institutions (and so distinct doctors) keeps every
    planted ring a case of its own.
    """
    used: set[int] = w.extra.setdefault("ring_insts", set())
    insts = np.asarray(insts, dtype=np.int64)
    free: IntArray = insts[~np.isin(insts, np.array(sorted(used), dtype=np.int64))]
    local: IntArray = free[w.inst_region[free] == region]
    if local.shape[0] >= k:
        return local
    if free.shape[0] >= k:
        return free
    local = insts[w.inst_region[insts] == region]
    return local if local.shape[0] >= k else insts


def _claim(w: World, *insts: int) -> None:
    w.extra.setdefault("ring_insts", set()).update(int(i) for i in insts)


def build_rings(w: World) -> None:
    from graphsvc.generate import (  # they import this module
        benign_typa,
        benign_typc,
        person_variants,
        rings_typa,
        rings_typc,
        rings_visits,
    )

    w.extra["special"] = w.n * 2  # identifier index space for ring-owned phones/devices
    for builder in (
        shared_identity,
        organised_visits,
        fake_referral,
        family_sharing_abuse,
        pharmacy_collusion,
        split_hospitalisation,
        ghost_hospitalisation,
        rings_typb.over_prescription,
        rings_typb.duplicate_charging,
    ):
        for _ in range(ring_count(w)):
            builder(w)
    # Issue #12's rings and look-alikes come last, from their own random stream, and give
    # back the people they reserved, so the typologies above and the confounders after
    # see the province they were tuned on (see rings_typa).
    reserved = w.reserved.copy()
    rings_typa.build(w)
    benign_typa.build(w)
    rings_typc.build(w)  # fabricated services, its own stream too
    benign_typc.build(w)
    rings_visits.build(w)
    person_variants.build(w)  # issue #15: record-linkage variants, own stream, last
    w.reserved[:] = reserved


def _special(w: World) -> int:
    w.extra["special"] += 1
    return int(w.extra["special"])


# -- 1. shared identity (Art. 24 (1)(2): lending / borrowing insurance credentials) ------
def shared_identity(w: World) -> None:
    rng = w.rng
    r = _region(w)
    k = int(rng.integers(5, 16))
    ps = w.pick_free(k, min_age=20, max_age=75, regions=[r], employee=True)
    k = ps.shape[0]
    has_recruiter = rng.random() < 0.7
    salt = w.seed
    bank = bank_accounts(np.array([_special(w)]), 77 + salt % 97)[0]
    dev1 = device_ids(np.array([_special(w)]), 31 + salt % 53)[0]
    dev2 = device_ids(np.array([_special(w)]), 31 + salt % 53)[0]
    phone = phone_numbers(np.array([_special(w)]), 97 + salt % 89)[0]
    u = rng.random((4, k))
    use_bank: npt.NDArray[np.bool_] = u[0] < 0.6
    use_dev1: npt.NDArray[np.bool_] = u[1] < 0.6
    use_dev2: npt.NDArray[np.bool_] = (u[2] < 0.4) & (k > 8)
    use_phone: npt.NDArray[np.bool_] = (u[3] < 0.3) & (rng.random() < 0.6)
    if use_phone.sum() < 2:
        use_phone[:] = False  # a phone nobody else lists shares nothing
    if has_recruiter:
        use_bank[0] = use_dev1[0] = True
    use_dev1 |= ~(use_bank | use_dev2 | use_phone)
    for flag in (use_bank, use_dev1):
        if flag.sum() < 2:
            flag[:2] = True
    # the two clusters must touch: someone on both the bank account and device 1
    use_bank[int(np.flatnonzero(use_dev1)[0])] = True
    if use_dev2.any():
        use_dev1[int(np.flatnonzero(use_dev2)[0])] = True
    if use_phone.any():
        use_bank[int(np.flatnonzero(use_phone)[0])] = True
    if use_bank.any():
        w.add_identifier(ps[use_bank], BANK, np.repeat(bank, int(use_bank.sum())))
    w.add_identifier(
        ps[use_dev1], DEVICE, styled_text(rng, np.repeat(dev1, int(use_dev1.sum())), 0.3)
    )
    if use_dev2.any():
        w.add_identifier(
            ps[use_dev2], DEVICE, styled_text(rng, np.repeat(dev2, int(use_dev2.sum())), 0.3)
        )
    if use_phone.sum() >= 2:
        w.add_identifier(
            ps[use_phone], PHONE, styled_phones(rng, np.repeat(phone, int(use_phone.sum())), 0.6)
        )
    # For the confounder stage: an unrelated outsider may also use one of these.
    w.extra.setdefault("ring_shared_ids", []).append(
        (bank if use_bank.any() else None, str(dev1), r, ps.copy())
    )
    # The cards are used together: same pharmacy, same day, resalable drugs, account drained.
    pharmacies = _local(w, institutions_of(w, PHARMACY_KIND), r)
    shops = rng.choice(pharmacies, size=min(2, pharmacies.shape[0]), replace=False)
    sessions = np.sort(rng.choice(DAYS, size=int(rng.integers(5, 11)), replace=False))
    drugs = rng.choice(RESALE_DRUGS, size=2, replace=False)
    for day in sessions:
        att = ps[rng.random(k) < rng.uniform(0.5, 0.85)]
        if att.shape[0] == 0:
            continue
        shop = shops[int(rng.integers(shops.shape[0]))]
        drug = int(rng.choice(drugs))
        diag = {2: cat.DIAG_E11, 16: 10, 17: 11, 18: 9}[drug]
        keys = w.settlements.add(
            att,
            shop,
            int(day),
            PHARMACY,
            diag,
            auto=0,
            src=SRC_RING,
            acct=np.where(w.ins[att] == 0, 1000, 0),
        )
        w.settlements.add_items(keys, drug, qty=rng.integers(2, 5, size=att.shape[0]))
    roles = ["member"] * k
    if has_recruiter:
        roles[0] = "recruiter"
    members = [w.mp(p, role) for p, role in zip(ps, roles, strict=True)]
    _add_ring(
        w,
        "shared_identity",
        members,
        f"{k} unrelated participants at {k} different addresses share "
        f"{'bank account, ' if use_bank.any() else ''}device(s)"
        f"{' and a phone' if use_phone.sum() >= 2 else ''}; their cards were used together "
        f"at {', '.join(w.iid(int(s)) for s in shops)} on {sessions.shape[0]} days, draining "
        f"personal accounts on resalable drugs"
        + (
            "; the first member is the recruiter holding every shared identifier"
            if has_recruiter
            else ""
        ),
        ("recruiter" if has_recruiter else "peers") + ("_phone" if use_phone.sum() >= 2 else ""),
    )


# -- 2. organised visits (Art. 23 (7): inducing false visits; Art. 24 (5)) ---------------
def organised_visits(w: World) -> None:
    rng = w.rng
    r = _region(w)
    cands = np.concatenate([institutions_of(w, HOSPITAL, 1), institutions_of(w, CLINIC)])
    inst = int(rng.choice(_local(w, np.sort(cands), r)))
    _claim(w, inst)
    doc = int(w.doctor_at(np.array([inst]), rng.random(1))[0])
    k = int(rng.integers(8, 26))
    regions = sorted({r, _region(w), _region(w)})
    ps = w.pick_free(k, min_age=45, max_age=82, regions=regions)
    k = ps.shape[0]
    diags = rng.choice(ORGANISED_DIAGS, size=2, replace=False)
    # 4-8 outings in four-week slots, so at least three weeks apart (a split stay lasts
    # up to 16 days)
    slots = np.sort(rng.choice((DAYS - 40) // 28, size=int(rng.integers(4, 9)), replace=False))
    outings = 5 + 28 * slots + rng.integers(0, 7, size=slots.shape[0])
    inpatient_outing = int(rng.integers(outings.shape[0])) if rng.random() < 0.5 else -1
    # Shape monthly_cadence (issue #11): outings every 30 days exactly, on a pretext
    # diagnosis, imitating a treatment cycle; regular cadence alone is not care.
    monthly = rng.random() < 0.3
    if monthly:
        n_out = int(rng.integers(5, 10))
        outings = int(rng.integers(0, DAYS - 30 * n_out)) + 30 * np.arange(n_out)
        inpatient_outing = -1
    split = False
    for j, day in enumerate(outings):
        att = ps[rng.random(k) < rng.uniform(0.6, 0.9)]
        if att.shape[0] < 2:
            att = ps[:2]
        m = att.shape[0]
        diag = rng.choice(diags, size=m)
        if j == inpatient_outing:
            los = rng.integers(3, 7, size=m)
            w.settlements.add(
                att, inst, int(day), INPATIENT, diag, doc=doc, dis=day + los, src=SRC_RING
            )
            again = rng.random(m) < 0.5
            if again.any():
                split = True
                d2 = day + los[again] + rng.integers(2, 6, size=int(again.sum()))
                w.settlements.add(
                    att[again],
                    inst,
                    d2,
                    INPATIENT,
                    diag[again],
                    doc=doc,
                    dis=d2 + rng.integers(3, 6, size=int(again.sum())),
                    src=SRC_RING,
                )
        else:
            w.settlements.add(
                att,
                inst,
                int(day),
                OUTPATIENT,
                diag,
                doc=doc,
                intensity=rng.integers(2, 4, size=m),
                src=SRC_RING,
            )
    members = [w.md(doc, "recruiter_doctor"), w.mi(inst, "institution")]
    members += [w.mp(p, "recruited") for p in ps]
    _add_ring(
        w,
        "organised_visits",
        members,
        f"{w.did(doc)} at {w.iid(inst)} brings in {k} participants from "
        f"{len(regions)} region(s) who visit together on {outings.shape[0]} days "
        f"(CT, infusions, same pretext diagnoses)"
        + ("; every 30 days, like a treatment cycle" if monthly else "")
        + (
            "; one outing is a group admission, part of it split into two stays"
            if split
            else ("; one outing is a group admission" if inpatient_outing >= 0 else "")
        ),
        "monthly_cadence"
        if monthly
        else "group_admission_split"
        if split
        else ("group_admission" if inpatient_outing >= 0 else "outpatient_only"),
    )


# -- 3. fake referral (Art. 23 (7)(9): fabricated services) -------------------------------
def fake_referral(w: World) -> None:
    rng = w.rng
    r = _region(w)
    cands = np.sort(
        np.concatenate(
            [
                institutions_of(w, HOSPITAL, 1),
                institutions_of(w, HOSPITAL, 2),
                institutions_of(w, CLINIC),
            ]
        )
    )
    local = _local(w, cands, r, k=3)
    m = int(min(local.shape[0], rng.integers(3, 6)))
    insts = rng.choice(local, size=m, replace=False)
    _claim(w, *insts)
    docs = w.doctor_at(insts, rng.random(m))
    u = float(rng.random())
    reciprocal = u < 0.3
    # One pass per patient (issue #11): fresh patients each time round a loop of 3-4
    # institutions, spread over the year; the held-out variant has a different doctor
    # sign each referral.
    one_pass = not reciprocal and u < 0.65
    many_docs = one_pass and rng.random() < 0.5
    passes = int(rng.integers(1, 4))  # the loop shape's passes, drawn per ring
    if one_pass:
        m = min(m, 4)
        insts, docs = insts[:m], docs[:m]
    k = int(rng.integers(30, 61)) if one_pass else int(rng.integers(5, 11))
    ps = w.pick_free(k, min_age=25, max_age=80, regions=[r])
    k = ps.shape[0]
    signers: set[int] = set()
    for j, p in enumerate(ps):
        day = int(rng.integers(0, DAYS - 60)) if one_pass else int(rng.integers(0, 60))
        pos = int(rng.integers(m))
        loops = 1 if one_pass else passes if not reciprocal else int(rng.integers(2, 4))
        if reciprocal:
            # Patients cover the chain of neighbouring pairs (A<->B, B<->C, ...), so the
            # ring is one connected case in the data, not unrelated pairs.
            _ = rng.integers(m - 1)  # drawn as before, so later draws do not move
            a = j % (m - 1)
            route = [a, a + 1] * (loops + 1)
            pos = 0
        else:
            route = list(range(m)) * (loops + 2)
        hops = (m if not reciprocal else 2) * loops
        diag = int(rng.choice(SPLIT_DIAGS))
        cur = route[pos]
        w.settlements.add(
            np.array([p]), int(insts[cur]), day, OUTPATIENT, diag, doc=int(docs[cur]), src=SRC_RING
        )
        for h in range(hops):
            nxt = route[pos + h + 1]
            day += int(rng.integers(1, 5))
            if day >= DAYS - 10:
                break
            signer = int(docs[cur])
            if many_docs:
                signer = int(w.doctor_at(np.array([insts[cur]]), rng.random(1))[0])
            signers.add(signer)
            w.add_referrals(np.array([p]), int(insts[cur]), int(insts[nxt]), day, signer)
            if rng.random() < 0.2:
                los = int(rng.integers(2, 5))
                w.settlements.add(
                    np.array([p]),
                    int(insts[nxt]),
                    day,
                    INPATIENT,
                    diag,
                    doc=int(docs[nxt]),
                    dis=day + los,
                    src=SRC_RING,
                )
                day += los
            else:
                w.settlements.add(
                    np.array([p]),
                    int(insts[nxt]),
                    day,
                    OUTPATIENT,
                    diag,
                    doc=int(docs[nxt]),
                    intensity=2,
                    src=SRC_RING,
                )
            cur = nxt
            if (h + 1) % (m if not reciprocal else 2) == 0:
                day += int(rng.integers(20, 50))  # one loop done; the next one later
    members = [w.mi(i, "referring_institution") for i in insts]
    members += [w.md(d, "referring_doctor") for d in sorted(signers) if d >= 0]
    members += [w.mp(p, "bounced_patient") for p in ps]
    shape = (
        "reciprocally between pairs"
        if reciprocal
        else "in a loop " + "→".join([w.iid(int(i)) for i in insts] + [w.iid(int(insts[0]))])
    )
    how = "once each, fresh patients every pass" if one_pass else "again and again"
    _add_ring(
        w,
        "fake_referral",
        members,
        f"{m} institutions and their doctors refer {k} patients {shape}, {how}, "
        f"each referral followed by a billed visit",
        "reciprocal_pairs"
        if reciprocal
        else ("one_pass_loop_doctors" if many_docs else "one_pass_loop" if one_pass else "loop"),
    )


# -- 4. family sharing abuse (Art. 14 family sharing; Art. 24 (2)) -----------------------
def family_sharing_abuse(w: World) -> None:
    rng = w.rng
    r = _region(w)
    holder = int(w.pick_free(1, min_age=30, max_age=60, regions=[r], employee=True)[0])
    k = int(rng.integers(6, 21))
    w.reserved[w.household == w.household[holder]] = True  # beneficiaries live elsewhere
    ps = w.pick_free(k, min_age=4, max_age=85, regions=[r, _region(w)])
    k = ps.shape[0]
    variant = rng.choice(["unregistered", "implausible", "mixed"], p=[0.4, 0.3, 0.3])
    age = w.age()
    if variant == "unregistered":
        reg = np.zeros(k, dtype=bool)
    elif variant == "implausible":
        reg = np.ones(k, dtype=bool)
    else:
        reg = np.zeros(k, dtype=bool)
        reg[rng.choice(k, size=min(k, int(rng.integers(2, 5))), replace=False)] = True
    since = EPOCH_OFFSET - int(rng.integers(20, 400))
    for p in ps[reg]:
        gap = int(age[p] - age[holder])
        rel = "child" if gap > 0 else "parent"  # a child older, a parent younger
        w.family.append((holder, int(p), str(rel), since))
    for p in ps:
        n_buy = int(rng.integers(3, 9))
        days = np.sort(rng.integers(0, DAYS, size=n_buy))
        shop = np.where(rng.random(n_buy) < 0.7, w.home_pharmacy[p], w.home_pharmacy[holder])
        diag = int(w.chronic_diag[p]) if w.chronic_diag[p] >= 0 else int(rng.choice([7, 8, 10, 12]))
        w.settlements.add(
            np.full(n_buy, p),
            shop,
            days,
            PHARMACY,
            diag,
            holder=holder,
            acct=1000,
            intensity=rng.integers(1, 3, size=n_buy),
            src=SRC_RING,
        )
    members = [w.mp(holder, "account_holder")] + [w.mp(p, "beneficiary") for p in ps]
    how = {
        "unregistered": "none of them registered as family",
        "implausible": "all registered as family with impossible relations/ages",
        "mixed": f"{int(reg.sum())} registered with impossible relations/ages, "
        "the rest unregistered",
    }[str(variant)]
    _add_ring(
        w,
        "family_sharing_abuse",
        members,
        f"personal account of {w.pid(holder)} pays for {k} people at {k} other addresses, {how}",
        str(variant),
    )


# -- 5. pharmacy collusion (Art. 23 (2)(5), Art. 24 (4): over-prescription, resale) -----
def pharmacy_collusion(w: World) -> None:
    rng = w.rng
    all_pharmacies = institutions_of(w, PHARMACY_KIND)
    # a region with a choice of pharmacies: patients are steered away from their usual one
    r = _region(w)
    for _ in range(20):
        if (w.inst_region[all_pharmacies] == r).sum() >= 3:
            break
        r = _region(w)
    hosps = _local(
        w,
        np.sort(np.concatenate([institutions_of(w, HOSPITAL, 1), institutions_of(w, HOSPITAL, 2)])),
        r,
    )
    hosp = int(rng.choice(hosps))
    doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
    k = int(rng.integers(6, 21))
    ps = w.pick_free(k, min_age=30, max_age=80, regions=[r])
    k = ps.shape[0]
    pharmacies = _local(w, all_pharmacies, r)
    usual = np.isin(pharmacies, w.home_pharmacy[ps])
    shop = int(rng.choice(pharmacies[~usual] if (~usual).any() else pharmacies))
    _claim(w, hosp, shop)
    drugs = rng.choice(cat.COLLUSION_DRUGS, size=int(rng.integers(1, 3)), replace=False)
    # consult_then_fill (issue #11): a short consultation the same or the day before
    # each fill, so every fill looks like a prescription written at a visit.
    consult = rng.random() < 0.35
    fills_p: list[int] = []
    fills_day: list[int] = []
    fills_drug: list[int] = []
    fills_shop: list[int] = []
    for p in ps:
        drug = int(rng.choice(drugs))
        n_fill = int(rng.integers(4, 11))
        days = np.sort(rng.choice(DAYS, size=n_fill, replace=False))
        for d in days:
            fills_p.append(int(p))
            fills_day.append(int(d))
            fills_drug.append(drug)
            fills_shop.append(shop if rng.random() < 0.88 else int(w.home_pharmacy[p]))
        if consult:
            seen = np.maximum(days - rng.integers(0, 2, size=days.shape[0]), 0)
            w.settlements.add(
                np.full(days.shape[0], p), hosp, seen, OUTPATIENT, DRUG_DIAG[drug], doc=doc,
                src=SRC_RING,
            )  # fmt: skip
        # the prescriptions are written at the doctor's hospital now and then
        n_out = int(rng.integers(2, 5))
        w.settlements.add(
            np.full(n_out, p),
            hosp,
            np.sort(rng.integers(0, DAYS, n_out)),
            OUTPATIENT,
            DRUG_DIAG[drug],
            doc=doc,
            src=SRC_RING,
        )
    order = np.argsort(np.array(fills_day), kind="stable")
    fp = np.array(fills_p)[order]
    fd = np.array(fills_day)[order]
    fg = np.array(fills_drug)[order]
    fs = np.array(fills_shop)[order]
    trace = w.reserve_traces(fp.shape[0])
    # Resale (回流药): some packs come back and are settled again on another card at the shop.
    resold = 0
    chance = np.asarray(rng.random(fp.shape[0]), dtype=np.float64)
    for j in range(1, fp.shape[0]):
        if fs[j] != shop or (chance[j] > 0.15 and (resold or j < fp.shape[0] // 2)):
            continue  # ~15% of fills, and at least one in the second half of the year
        earlier = np.flatnonzero((fg[:j] == fg[j]) & (fd[:j] < fd[j]) & (fs[:j] == shop))
        if earlier.shape[0]:
            trace[j] = trace[int(rng.choice(earlier))]
            resold += 1
    diag = np.array([DRUG_DIAG[int(g)] for g in fg])
    keys = w.settlements.add(fp, fs, fd, PHARMACY, diag, doc=doc, auto=0, src=SRC_RING)
    w.settlements.add_items(keys, fg, qty=rng.integers(1, 4, size=fp.shape[0]), trace=trace)
    members = [w.md(doc, "prescribing_doctor"), w.mi(shop, "pharmacy")]
    members += [w.mp(p, "patient") for p in ps]
    names = "、".join(cat.DRUGS[int(g)].name for g in drugs)
    _add_ring(
        w,
        "pharmacy_collusion",
        members,
        f"{w.did(doc)} ({w.iid(hosp)}) prescribes {names} to {k} recurring patients, "
        f"filled almost only at {w.iid(shop)}"
        + (" after a short consultation each time" if consult else "")
        + f"; {resold} packs settled twice (resale)",
        "consult_then_fill" if consult else "one_drug" if drugs.shape[0] == 1 else "two_drugs",
    )


# -- 6. split hospitalisation (Art. 23 (1): 分解住院) ------------------------------------
def _hospitals(w: World) -> IntArray:
    return np.sort(
        np.concatenate([institutions_of(w, HOSPITAL, 1), institutions_of(w, HOSPITAL, 2)])
    )


def split_hospitalisation(w: World) -> None:
    """One stay billed as several: discharge and readmission for the same condition.

    Shapes (parameters drawn per ring): ``same_hospital`` (gaps from a per-ring range
    inside 0-15 days, one or two admitting doctors), ``sister_hospital`` (discharged by
    one hospital, readmitted by a partner hospital, no referral), ``late_readmission``
    (gaps of 16-28 days: the ring that waits out a 15-day rule; held out of tuning).
    """
    rng = w.rng
    shape = str(rng.choice(SHAPES["split_hospitalisation"]))
    r = _region(w)
    hosps = _local(w, _hospitals(w), r, k=2)
    pair = rng.choice(hosps, size=2, replace=False) if hosps.shape[0] >= 2 else hosps[:1]
    hosp = int(pair[0])
    sister = int(pair[-1]) if shape == "sister_hospital" and pair.shape[0] == 2 else hosp
    _claim(w, hosp, sister)
    n_docs = 1 if shape != "same_hospital" or rng.random() < 0.6 else 2
    docs = np.unique(w.doctor_at(np.full(n_docs, hosp), rng.random(n_docs)))
    sister_doc = int(w.doctor_at(np.array([sister]), rng.random(1))[0])
    lo = int(rng.integers(0, 4))
    hi = int(rng.integers(lo + 2, 16))
    if shape == "late_readmission":
        lo, hi = 16, int(rng.integers(18, 29))
    k = int(rng.integers(3, 13))
    ps = w.pick_free(k, min_age=35, max_age=85, regions=[r])
    for j, p in enumerate(ps):
        diag = int(rng.choice(SPLIT_DIAGS))
        doc = int(docs[j % docs.shape[0]])
        day = int(rng.integers(0, 150))
        for _ in range(int(rng.integers(1, 3))):
            at_sister = False
            for _ in range(int(rng.integers(2, 5))):
                los = int(rng.integers(3, 8))
                if day + los >= DAYS:
                    break
                inst, d = (sister, sister_doc) if at_sister else (hosp, doc)
                w.settlements.add(
                    np.array([p]), inst, day, INPATIENT, diag, doc=d, dis=day + los, src=SRC_RING
                )
                at_sister = shape == "sister_hospital" and not at_sister
                day += los + int(rng.integers(lo, hi + 1))
            day += int(rng.integers(40, 90))
            if day >= DAYS - 20:
                break
    members = [w.mi(hosp, "institution")]
    members += [w.md(int(d), "attending_doctor") for d in docs]
    if sister != hosp:
        members += [w.mi(sister, "sister_institution"), w.md(sister_doc, "attending_doctor")]
    members += [w.mp(p, "split_patient") for p in ps]
    _add_ring(
        w,
        "split_hospitalisation",
        members,
        f"{w.iid(hosp)}"
        + (f" with {w.iid(sister)}" if sister != hosp else "")
        + f": {k} patients discharged and readmitted with the same diagnosis {lo}-{hi} days "
        "later",
        shape,
    )


# -- 7. ghost hospitalisation (Art. 23 (1): 挂床住院) ------------------------------------
def ghost_hospitalisation(w: World) -> None:
    """Inpatients on the register who are at home: they settle elsewhere mid-stay.

    Shapes: ``one_doctor`` (one admitting doctor's patients), ``spread_doctors`` (the
    hospital spreads its ghost beds over 3-5 doctors; held out of tuning). Per ring:
    4-14 patients, stays of 7-20 days, 1-4 settlements elsewhere (pharmacy or clinic).
    """
    rng = w.rng
    shape = str(rng.choice(SHAPES["ghost_hospitalisation"]))
    r = _region(w)
    hosp = int(rng.choice(_local(w, _hospitals(w), r)))
    _claim(w, hosp)
    n_docs = 1 if shape == "one_doctor" else int(rng.integers(3, 6))
    docs = np.unique(w.doctor_at(np.full(n_docs, hosp), rng.random(n_docs)))
    k = int(rng.integers(4, 15))
    ps = w.pick_free(k, min_age=35, max_age=85, regions=[r])
    for j, p in enumerate(ps):
        doc = int(docs[j % docs.shape[0]])
        n_stays = int(rng.integers(1, 3))
        # Stays one after another, never overlapping: half the year each.
        half = (DAYS - 2) // n_stays
        for s in range(n_stays):
            diag = int(rng.choice(SPLIT_DIAGS))
            los = int(rng.integers(7, 21))
            day = s * half + int(rng.integers(0, half - los - 1))
            w.settlements.add(
                np.array([p]), hosp, day, INPATIENT, diag, doc=doc, dis=day + los, src=SRC_RING
            )
            n_out = int(rng.integers(1, 5))
            when = day + 1 + np.sort(rng.choice(los - 1, size=min(n_out, los - 1), replace=False))
            clinic = w.home_clinic[p] if w.home_clinic[p] != hosp else w.home_pharmacy[p]
            shop = np.where(rng.random(when.shape[0]) < 0.7, w.home_pharmacy[p], clinic)
            vt = np.where(w.inst_kind[shop] == PHARMACY_KIND, PHARMACY, OUTPATIENT)
            odiag = np.where(vt == PHARMACY, diag, 0)
            w.settlements.add(
                np.full(when.shape[0], p),
                shop,
                when,
                vt,
                odiag,
                doc=np.where(vt == OUTPATIENT, w.doctor_at(shop, rng.random(when.shape[0])), -1),
                src=SRC_RING,
            )
    members = [w.mi(hosp, "hospital")]
    members += [w.md(int(d), "admitting_doctor") for d in docs]
    members += [w.mp(p, "ghost_patient") for p in ps]
    _add_ring(
        w,
        "ghost_hospitalisation",
        members,
        f"{w.iid(hosp)} ({len(docs)} doctor(s)): {k} patients settle purchases/visits "
        "elsewhere while registered as inpatients",
        shape,
    )
