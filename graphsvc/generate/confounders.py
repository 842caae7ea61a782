"""Confounders: everyday coincidences that make the planted patterns less unique.

Real claims data are messier than the look-alikes of :mod:`benign`: numbers are
reassigned, neighbours share a phone to log in, a cashier refunds and re-settles a
pack, chronic patients go up to the county hospital and back several times a year,
and a ring's device or account is also used by someone outside the ring. Each is
recorded in ``ground_truth.benign_groups`` where it forms a group, so detection is
scored against it. This stage runs after the planted rings (it needs their shared
identifiers) and draws from its own generator.
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate.activity import DIAG_DRUGS
from graphsvc.generate.benign import _group
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.population import device_ids, phone_numbers
from graphsvc.generate.world import (
    BANK,
    CLINIC,
    DAYS,
    DEVICE,
    HOSPITAL,
    INPATIENT,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    PHONE,
    SRC_BENIGN,
    IntArray,
    World,
)


def build_confounders(w: World) -> None:
    _reassigned_phones(w)
    _neighbour_devices(w)
    _entry_errors(w)
    _two_way_referrals(w)
    _ring_outsiders(w)
    _neighbourhood_pharmacy(w)


def _free(w: World) -> IntArray:
    """Ordinary participants not used by a ring or another look-alike."""
    return np.flatnonzero((w.nursing < 0) & ~w.reserved)


def _reassigned_phones(w: World) -> None:
    """A mobile number given up by one person and reissued to a stranger.

    Both records keep listing it (the old holder never updated theirs), so two
    unrelated people at different addresses share a phone.
    """
    rng = w.rng
    own = w.extra["own_phone"]
    pool = _free(w)
    pool = pool[own[pool]]
    m = max(3, round(0.003 * w.n))
    pick = rng.choice(pool, size=min(2 * m, pool.shape[0] // 2 * 2), replace=False)
    old, new = pick[0::2], pick[1::2]
    ok = w.household[old] != w.household[new]
    old, new = old[ok], new[ok]
    w.reserved[old] = w.reserved[new] = True
    numbers = phone_numbers(old, 97 + w.seed % 89)
    w.add_identifier(new, PHONE, numbers)
    for a, b, num in zip(old, new, numbers, strict=True):
        _group(
            w,
            "hub_identifier",
            [w.mp(a, "previous_holder"), w.mp(b, "current_holder")],
            f"mobile number {num[:3]}****{num[-4:]} reassigned by the carrier: listed by its "
            f"previous holder and by the stranger it was reissued to",
        )


def _neighbour_devices(w: World) -> None:
    """2-3 neighbouring households log in on one device (a neighbour's phone, a kiosk)."""
    rng = w.rng
    age = w.age()
    pool = _free(w)
    pool = pool[age[pool] >= 50]
    # Kiosk users already share one device; a neighbours' group of them would share two.
    kiosk = np.array(sorted(w.extra.get("kiosk_users", set())), dtype=np.int64)
    pool = pool[~np.isin(pool, kiosk)]
    n_groups = max(3, round(0.002 * w.n))
    salt = 31 + w.seed % 53
    used = np.zeros(w.n, dtype=bool)
    for g in range(n_groups):
        cand = pool[~used[pool]]
        if cand.shape[0] < 10:
            break
        first = int(rng.choice(cand))
        local = cand[
            (w.region[cand] == w.region[first]) & (w.household[cand] != w.household[first])
        ]
        hh_count = int(rng.integers(2, 4))
        households = [int(w.household[first])]
        people = [first]
        rng.shuffle(local)
        for p in local:
            if len(households) >= hh_count:
                break
            if int(w.household[p]) in households:
                continue
            households.append(int(w.household[p]))
            people.append(int(p))
        # a second person of each household sometimes uses it too (the spouse)
        extra = []
        for h in households:
            same = cand[(w.household[cand] == h) & ~np.isin(cand, people)]
            if same.shape[0] and rng.random() < 0.4:
                extra.append(int(same[0]))
        ps = np.array(sorted(people + extra), dtype=np.int64)
        if len(households) < 2:
            continue
        used[ps] = True
        w.reserved[ps] = True
        dev = str(device_ids(np.array([w.n * 5 + 2000 + g]), salt)[0])
        w.add_identifier(ps, DEVICE, dev)
        _group(
            w,
            "hub_identifier",
            [w.mp(p, "device_user") for p in ps],
            f"{len(households)} neighbouring households log in on one shared device",
        )


def _entry_errors(w: World) -> None:
    """A pack settled, refunded and settled again at the counter: same card, same day.

    The trace code appears twice, on the same patient's two settlements at the same
    pharmacy on the same day. Not a group.
    """
    rng = w.rng
    pool = _free(w)
    chronic = pool[w.chronic_diag[pool] >= 0]
    k = min(chronic.shape[0], max(4, round(0.001 * w.n)))
    pats = np.sort(rng.choice(chronic, size=k, replace=False))
    diag = w.chronic_diag[pats]
    drug = DIAG_DRUGS[diag, 0]
    trace = w.reserve_traces(k)
    day = rng.integers(0, DAYS, size=k)
    for _ in range(2):
        keys = w.settlements.add(
            pats, w.home_pharmacy[pats], day, PHARMACY, diag, auto=0, src=SRC_BENIGN
        )
        w.settlements.add_items(keys, drug, trace=trace)


def _two_way_referrals(w: World) -> None:
    """双向转诊: chronic patients sent up to the county hospital and back, repeatedly.

    The patient's own clinic doctor refers up when the condition worsens; after an
    outpatient work-up or a short stay the county specialist refers the patient back
    down to that clinic, several times a year. Recorded per clinic/county pair.
    """
    rng = w.rng
    pool = _free(w)
    doc = w.chronic_doc[pool]
    ok = doc >= 0
    pool, doc = pool[ok], doc[ok]
    home = w.doc_inst[doc]
    at_clinic = (w.inst_kind[home] == CLINIC) & (home == w.home_clinic[pool])
    county = w.home_hospital[pool]
    at_clinic &= (w.inst_kind[county] == HOSPITAL) & (w.inst_level[county] > w.inst_level[home])
    # Institutions of planted rings stay out, so a benign group never shares members
    # with a planted ring (scoring must be unambiguous).
    claimed = np.array(sorted(w.extra.get("ring_insts", set())), dtype=np.int64)
    at_clinic &= ~np.isin(home, claimed) & ~np.isin(county, claimed)
    pool = pool[at_clinic]
    k = min(pool.shape[0], max(6, round(0.0015 * w.n)))
    pats = np.sort(rng.choice(pool, size=k, replace=False))
    w.reserved[pats] = True
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for p in pats:
        p = int(p)
        clinic = int(w.home_clinic[p])
        hosp = int(w.home_hospital[p])
        gp = int(w.chronic_doc[p])
        spec = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
        diag = int(w.chronic_diag[p])
        cycles = int(rng.integers(2, 5))
        day = int(rng.integers(0, 90))
        for _ in range(cycles):
            if day >= DAYS - 40:
                break
            w.add_referrals(np.array([p]), clinic, hosp, day, gp)
            seen = day + int(rng.integers(0, 4))
            if rng.random() < 0.35:
                los = int(rng.integers(3, 9))
                w.settlements.add(
                    np.array([p]), hosp, seen, INPATIENT, diag, doc=spec, dis=seen + los,
                    src=SRC_BENIGN,
                )  # fmt: skip
                back = seen + los
            else:
                w.settlements.add(
                    np.array([p]), hosp, seen, OUTPATIENT, diag, doc=spec, src=SRC_BENIGN
                )
                back = seen + int(rng.integers(1, 15))
            w.add_referrals(np.array([p]), hosp, clinic, back, spec)
            follow = back + int(rng.integers(1, 8))
            w.settlements.add(
                np.array([p]), clinic, follow, OUTPATIENT, diag, doc=gp, src=SRC_BENIGN
            )
            day = follow + int(rng.integers(45, 110))
        groups.setdefault((clinic, hosp), []).append((p, gp, spec))
    for (clinic, hosp), rows in sorted(groups.items()):
        members = [w.mi(clinic, "community_clinic"), w.mi(hosp, "county_hospital")]
        docs = sorted({d for _, gp, spec in rows for d in (gp, spec)})
        members += [w.md(d, "referring_doctor") for d in docs]
        members += [w.mp(p, "patient") for p, _, _ in rows]
        _group(
            w,
            "legit_referral",
            members,
            f"two-way referrals (双向转诊): {len(rows)} chronic patients of {w.iid(clinic)} "
            f"sent up to {w.iid(hosp)} and back down, several times a year",
        )


def _ring_outsiders(w: World) -> None:
    """One unrelated person also uses a ring's bank account or device.

    A second-hand phone, a card lent once: the identifier has one holder outside the
    ring who takes no part in its activity. Not a group (the ring stays as planted).
    """
    rng = w.rng
    pool = _free(w)
    for bank, dev, region, members in w.extra.get("ring_shared_ids", []):
        if rng.random() >= 0.6:
            continue
        local = pool[(w.region[pool] == region) & ~w.reserved[pool]]
        local = local[~np.isin(w.household[local], w.household[members])]
        if local.shape[0] == 0:
            continue
        p = int(rng.choice(local))
        w.reserved[p] = True
        if bank is not None and rng.random() < 0.5:
            w.add_identifier(np.array([p]), BANK, bank)
        else:
            w.add_identifier(np.array([p]), DEVICE, dev)


def _neighbourhood_pharmacy(w: World) -> None:
    """The pharmacy next to the hospital: a doctor's patients buy everything there.

    Patients of one hospital doctor live near the hospital and buy all their medicines,
    over the counter as well as the doctor's prescriptions, at the pharmacy beside it
    (not the one the generator calls their home pharmacy). Their fills of the doctor's
    prescriptions land at one pharmacy far above its regional share, exactly as a
    steered ring's would; only their own habits (the over-the-counter purchases) tell
    it apart (issue #11 item 4). One group per province.
    """
    rng = w.rng
    pool = _free(w)
    claimed = np.array(sorted(w.extra.get("ring_insts", set())), dtype=np.int64)
    hosps = institutions_of(w, HOSPITAL, 1)
    hosps = hosps[~np.isin(hosps, claimed)]
    pharmacies = institutions_of(w, PHARMACY_KIND)
    pharmacies = pharmacies[~np.isin(pharmacies, claimed)]
    if hosps.shape[0] == 0 or pharmacies.shape[0] == 0:
        return
    hosp = int(rng.choice(hosps))
    region = int(w.inst_region[hosp])
    local = pharmacies[w.inst_region[pharmacies] == region]
    shop = int(rng.choice(local if local.shape[0] else pharmacies))
    doc = int(w.doctor_at(np.array([hosp]), rng.random(1))[0])
    near = pool[(w.region[pool] == region) & (w.home_pharmacy[pool] != shop)]
    k = min(near.shape[0], int(rng.integers(8, 16)))
    if k < 3 or doc < 0:
        return
    pats = np.sort(rng.choice(near, size=k, replace=False))
    w.reserved[pats] = True
    for p in pats:
        p = int(p)
        diag = int(w.chronic_diag[p]) if w.chronic_diag[p] >= 0 else 9
        n_rx = int(rng.integers(4, 11))
        w.settlements.add(
            np.full(n_rx, p), shop, np.sort(rng.integers(0, DAYS, n_rx)), PHARMACY, diag,
            doc=doc, auto=0, src=SRC_BENIGN,
        )  # fmt: skip
        n_otc = int(rng.integers(2 * n_rx, 3 * n_rx + 1))  # everything else, bought there too
        w.settlements.add(
            np.full(n_otc, p), shop, np.sort(rng.integers(0, DAYS, n_otc)), PHARMACY, diag,
            src=SRC_BENIGN,
        )  # fmt: skip
        n_seen = int(rng.integers(1, 3))
        w.settlements.add(
            np.full(n_seen, p), hosp, np.sort(rng.integers(0, DAYS, n_seen)), OUTPATIENT, diag,
            doc=doc, src=SRC_BENIGN,
        )  # fmt: skip
    members = [w.md(doc, "doctor"), w.mi(shop, "neighbourhood_pharmacy")]
    members += [w.mp(p, "patient") for p in pats]
    _group(
        w,
        "chronic_cohort",
        members,
        f"{k} patients of {w.did(doc)} ({w.iid(hosp)}) buy all their medicines, over the "
        f"counter too, at {w.iid(shop)} beside the hospital",
    )
