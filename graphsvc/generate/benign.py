"""Benign look-alikes: legitimate structures that naive fraud heuristics flag.

Each is written to ``ground_truth.benign_groups`` so detection can be scored for
false positives as well as recall:

* households: shared address, often shared phone/device/bank, registered 家庭共济 and
  account payments; some adult children live elsewhere and pay for their parents;
* nursing homes: 20-80 unrelated elderly at one address with one switchboard phone,
  seen by the same visiting doctor on the same day every month, medicines fetched by
  staff on the same day at the same pharmacy;
* hub identifiers: a hospital switchboard phone, a community collective address
  (集体户) and a community self-service kiosk device, each listed by dozens to hundreds;
* chronic cohorts: patients seeing the same doctor monthly on the doctor's clinic day,
  and oncology patients on 3-4-weekly chemotherapy cycles whose high-value drugs come
  from one designated (双通道/DTP) pharmacy;
* busy clinics: a doctor seeing 40-60 patients a day on market days;
* legitimate referral flows: clinic → county hospital → third-level hospital, and
  down-referrals back to the community after discharge (so reciprocal flows exist).
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate import benign_typb
from graphsvc.generate import catalog as cat
from graphsvc.generate.activity import DIAG_DRUGS, clinic_days
from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.population import (
    ROLE_CHILD,
    ROLE_HEAD,
    ROLE_PARENT,
    ROLE_SPOUSE,
    bank_accounts,
    device_ids,
    phone_numbers,
)
from graphsvc.generate.truth import BenignGroup, Member
from graphsvc.generate.world import (
    ADDRESS,
    BANK,
    CLINIC,
    DAYS,
    DEVICE,
    EPOCH_OFFSET,
    HOSPITAL,
    INPATIENT,
    ITEM_DRUG,
    ITEM_SERVICE,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    PHONE,
    SRC_BASE,
    SRC_BENIGN,
    SRC_RING,
    SRC_STRAY,
    IntArray,
    World,
    weekday,
)

HH_ROLE_NAMES = {
    ROLE_HEAD: "head",
    ROLE_SPOUSE: "spouse",
    ROLE_CHILD: "child",
    ROLE_PARENT: "parent",
}


def _group(w: World, kind: str, members: list[Member], description: str) -> None:
    counts: dict[str, int] = w.extra.setdefault("group_counts", {})
    n = counts[kind] = counts.get(kind, 0) + 1
    w.truth.benign_groups.append(BenignGroup(f"BG-{kind}-{n:05d}", kind, members, description))


def _in_region(w: World, insts: IntArray, region: int) -> IntArray:
    local = insts[w.inst_region[insts] == region]
    return local if local.shape[0] else insts


def landline(rng: np.random.Generator) -> str:
    return f"0898-6{int(rng.integers(0, 10**7)):07d}"


def landline_variants(rng: np.random.Generator, number: str, k: int) -> np.ndarray:
    digits = number.replace("-", "")
    forms = [number, digits, f"0898 {digits[4:8]} {digits[8:]}", f"(0898){digits[4:]}"]
    return np.array(forms)[rng.choice(4, p=[0.55, 0.25, 0.1, 0.1], size=k)]


def build_benign(w: World) -> None:
    _nursing_homes(w)
    _hub_identifiers(w)
    _oncology(w)
    _chemo_fortnightly(w)
    _rehabilitation(w)
    _busy_clinics(w)
    _split_packs(w)
    _referrals(w)
    _complications(w)
    _relapses(w)
    _stray_mid_stay(w)
    _split_families(w)
    _household_groups(w)
    _chronic_groups(w)
    benign_typb.build(w)


def _nursing_homes(w: World) -> None:
    rng = w.rng
    clinics = institutions_of(w, CLINIC)
    pharmacies = institutions_of(w, PHARMACY_KIND)
    for j, r in enumerate(w.extra["nursing_region"]):
        residents = np.flatnonzero(w.nursing == j)
        k = residents.shape[0]
        number = landline(rng)
        w.add_identifier(residents, PHONE, landline_variants(rng, number, k))
        if rng.random() < 0.5:
            # the home manages some residents' reimbursements through its own account
            managed = residents[rng.random(k) < rng.uniform(0.3, 0.6)]
            account = bank_accounts(np.array([w.n * 3 + j]), 77 + w.seed % 97)[0]
            w.add_identifier(managed, BANK, account)
        clinic = int(rng.choice(_in_region(w, clinics, int(r))))
        doc = int(w.inst_doc_start[clinic])
        pharmacy = int(rng.choice(_in_region(w, pharmacies, int(r))))
        diag = np.where(
            w.chronic_diag[residents] >= 0,
            w.chronic_diag[residents],
            rng.choice([cat.DIAG_I10, cat.DIAG_E11, 10, 12], size=k),
        )
        months = np.tile(np.arange(12), k)
        pats = np.repeat(residents, 12)
        dg = np.repeat(diag, 12)
        keep = rng.random(pats.shape[0]) < rng.uniform(0.6, 0.9)
        day = clinic_days(
            w, np.full(int(keep.sum()), doc), months[keep], np.ones(int(keep.sum()), np.int64)
        )
        w.settlements.add(pats[keep], clinic, day, OUTPATIENT, dg[keep], doc=doc, src=SRC_BENIGN)
        # Staff fetch medicines for many residents at once, two days after the round.
        keep = rng.random(pats.shape[0]) < 0.45
        day = (
            clinic_days(
                w, np.full(int(keep.sum()), doc), months[keep], np.ones(int(keep.sum()), np.int64)
            )
            + 2
        )
        w.settlements.add(pats[keep], pharmacy, day, PHARMACY, dg[keep], doc=doc, src=SRC_BENIGN)
        members = [w.mp(p, "resident") for p in residents]
        members += [
            w.md(doc, "visiting_doctor"),
            w.mi(clinic, "clinic"),
            w.mi(pharmacy, "pharmacy"),
        ]
        _group(
            w,
            "nursing_home",
            members,
            f"nursing home at one address with switchboard phone {number}: {k} unrelated "
            f"elderly residents, monthly rounds by {w.did(doc)} of {w.iid(clinic)}, "
            f"medicines fetched by staff at {w.iid(pharmacy)}",
        )


def _hub_identifiers(w: World) -> None:
    rng = w.rng
    n_each = max(1, round(1.5 * w.scale))
    age = w.age()
    normal = np.flatnonzero(w.nursing < 0)
    hospitals = np.flatnonzero((w.inst_kind == HOSPITAL) & (w.inst_level >= 2))
    cap = max(30, int(0.02 * w.n))
    for j in range(n_each):
        # a hospital switchboard listed as contact phone (registered at the admission desk)
        hosp = int(rng.choice(hospitals))
        size = min(cap, int(rng.integers(100, 401)))
        local = normal[w.region[normal] == w.inst_region[hosp]]
        pool = local if local.shape[0] >= size else normal
        ps = np.sort(rng.choice(pool, size=size, replace=False))
        number = landline(rng)
        w.add_identifier(ps, PHONE, landline_variants(rng, number, size))
        _group(
            w,
            "hub_identifier",
            [w.mi(hosp, "switchboard_owner")] + [w.mp(p, "listed_contact") for p in ps],
            f"switchboard phone {number} of {w.iid(hosp)} listed by {size} participants",
        )
        # a community collective household address (集体户), mostly young migrants
        r = int(rng.choice([0, 0, 1, 3]))
        size = min(cap, int(rng.integers(100, 301)))
        young = normal[(w.region[normal] == r) & (age[normal] >= 18) & (age[normal] <= 45)]
        pool = young if young.shape[0] >= size else normal
        ps = np.sort(rng.choice(pool, size=size, replace=False))
        place = cat.PLACE_WORDS[int(rng.integers(len(cat.PLACE_WORDS)))]
        addr = f"海南省{cat.REGIONS[r].name}{place}社区居委会集体户{j + 1}号"
        w.add_identifier(ps, ADDRESS, addr)
        _group(
            w,
            "hub_identifier",
            [w.mp(p, "registered_resident") for p in ps],
            f"community collective address listed by {size} participants",
        )
        # a community self-service kiosk used by elderly people to log in
        r = int(rng.integers(len(cat.REGIONS)))
        size = min(cap, int(rng.integers(30, 151)))
        old = normal[(w.region[normal] == r) & (age[normal] >= 55)]
        pool = old if old.shape[0] >= size else normal[age[normal] >= 55]
        ps = np.sort(rng.choice(pool, size=min(size, pool.shape[0]), replace=False))
        kiosk = str(device_ids(np.array([w.n * 4 + 1000 + j]), 31 + w.seed % 53)[0])
        w.add_identifier(ps, DEVICE, kiosk)
        # kept out of the neighbours' shared device (confounders): two devices in common
        w.extra.setdefault("kiosk_users", set()).update(int(p) for p in ps)
        _group(
            w,
            "hub_identifier",
            [w.mp(p, "kiosk_user") for p in ps],
            f"community self-service kiosk device {kiosk} used by {ps.shape[0]} participants",
        )


def _oncology(w: World) -> None:
    rng = w.rng
    l3 = institutions_of(w, HOSPITAL, 3)
    pharmacies = institutions_of(w, PHARMACY_KIND)
    n_units = max(1, min(l3.shape[0], round(2 * w.scale)))
    for u in range(n_units):
        hosp = int(l3[u % l3.shape[0]])
        doc = int(w.inst_doc_start[hosp])
        w.doc_dept[doc] = "肿瘤科"
        dtp = int(_in_region(w, pharmacies, int(w.inst_region[hosp]))[0])
        k = int(rng.integers(6, 16))
        pats = w.pick_free(k, min_age=40, max_age=80)
        diag = np.where((w.gender[pats] == 1) & (rng.random(k) < 0.6), cat.DIAG_C50, cat.DIAG_C34)
        for p, dg in zip(pats, diag, strict=True):
            drug = 20 if dg == cat.DIAG_C50 else 19
            cycles = int(rng.integers(4, 9))
            gaps = rng.integers(21, 29, size=cycles)
            start = int(rng.integers(0, 120))
            adm = start + np.concatenate([[0], np.cumsum(gaps)[:-1]])
            adm = adm[adm < DAYS - 6]
            los = rng.integers(2, 5, size=adm.shape[0])
            keys = w.settlements.add(
                np.full(adm.shape[0], p),
                hosp,
                adm,
                INPATIENT,
                int(dg),
                doc=doc,
                dis=adm + los,
                src=SRC_BENIGN,
            )
            w.settlements.add_items(keys, np.full(adm.shape[0], 23))
            buy = adm + los + rng.integers(1, 5, size=adm.shape[0])
            buy = buy[buy < DAYS]
            keys = w.settlements.add(
                np.full(buy.shape[0], p),
                dtp,
                buy,
                PHARMACY,
                int(dg),
                doc=doc,
                auto=0,
                src=SRC_BENIGN,
            )
            w.settlements.add_items(
                keys,
                np.full(buy.shape[0], drug),
                kind=ITEM_DRUG,
                qty=rng.integers(1, 3, size=buy.shape[0]),
            )
        members = [w.md(doc, "oncologist"), w.mi(hosp, "hospital"), w.mi(dtp, "dtp_pharmacy")]
        members += [w.mp(p, "patient") for p in pats]
        _group(
            w,
            "chronic_cohort",
            members,
            f"oncology cohort of {w.did(doc)}: chemotherapy admissions every 21-28 days at "
            f"{w.iid(hosp)}, high-value drugs from designated pharmacy {w.iid(dtp)}",
        )


def _chemo_fortnightly(w: World) -> None:
    """Chemotherapy every 14 days for 1-3 days, same diagnosis: a planned treatment series.

    Looks like split hospitalisation (the same patients readmitted with the same code
    days after discharge) and is care: the regular cadence with a treatment diagnosis
    (C-codes, Z51.1) is the named exemption ``treatment_cycle``.
    """
    rng = w.rng
    hosps = np.concatenate([institutions_of(w, HOSPITAL, 3), institutions_of(w, HOSPITAL, 2)])
    n_units = max(1, round(1.5 * w.scale))
    for u in range(n_units):
        hosp = int(hosps[int(rng.integers(hosps.shape[0]))])
        doc = int(w.inst_doc_start[hosp] + (u % max(1, int(w.inst_doc_count[hosp]))))
        w.doc_dept[doc] = "肿瘤科"
        k = int(rng.integers(5, 14))
        pats = w.pick_free(k, min_age=35, max_age=80, regions=[int(w.inst_region[hosp])])
        use_z51 = rng.random() < 0.5
        for p in pats:
            dg = cat.DIAG_Z51 if use_z51 else int(rng.choice([cat.DIAG_C34, cat.DIAG_C50]))
            cycles = int(rng.integers(4, 11))
            start = int(rng.integers(0, 150))
            adm = start + 14 * np.arange(cycles) + rng.integers(-1, 2, size=cycles)
            adm = adm[(adm >= 0) & (adm < DAYS - 4)]
            los = rng.integers(1, 4, size=adm.shape[0])
            keys = w.settlements.add(
                np.full(adm.shape[0], p), hosp, adm, INPATIENT, dg, doc=doc, dis=adm + los,
                src=SRC_BENIGN,
            )  # fmt: skip
            w.settlements.add_items(keys, np.full(adm.shape[0], 23))
        members = [w.md(doc, "oncologist"), w.mi(hosp, "hospital")]
        members += [w.mp(p, "patient") for p in pats]
        _group(
            w,
            "chronic_cohort",
            members,
            f"chemotherapy cohort of {w.did(doc)} at {w.iid(hosp)}: admitted every 14 days "
            f"for 1-3 days ({'Z51.1' if use_z51 else 'C34/C50'})",
        )


def _rehabilitation(w: World) -> None:
    """Post-stroke rehabilitation classes: the same patients, weekly, for 2-3 months.

    Strong repeated co-visits by people from different addresses, like organised
    visits, but local, preceded by each patient's own stroke admission, cheap
    physiotherapy on consecutive weeks.
    """
    rng = w.rng
    county = institutions_of(w, HOSPITAL, 2)
    n_groups = max(1, round(1.5 * w.scale))
    weekdays = rng.integers(0, 5, size=n_groups)
    for g in range(n_groups):
        hosp = int(county[int(rng.integers(county.shape[0]))])
        doc = int(w.inst_doc_start[hosp] + w.inst_doc_count[hosp] - 1)
        w.doc_dept[doc] = "康复科"
        k = int(rng.integers(8, 16))
        pats = w.pick_free(k, min_age=50, max_age=82, regions=[int(w.inst_region[hosp])])
        k = pats.shape[0]
        start = int(rng.integers(60, DAYS - 100))
        start += int((weekdays[g] - weekday(start)) % 7)
        weeks = int(rng.integers(8, 13))
        sessions = start + 7 * np.arange(weeks)
        # each patient's stroke admission ended shortly before the class started
        dis = start - rng.integers(3, 25, size=k)
        adm = dis - rng.integers(8, 16, size=k)
        ward_doc = w.doctor_at(np.full(k, hosp), rng.random(k))
        w.settlements.add(pats, hosp, adm, INPATIENT, 14, doc=ward_doc, dis=dis, src=SRC_BENIGN)
        pp = np.repeat(pats, weeks)
        dd = np.tile(sessions, k)
        keep = rng.random(pp.shape[0]) < rng.uniform(0.7, 0.9)
        keys = w.settlements.add(pp[keep], hosp, dd[keep], OUTPATIENT, 14, doc=doc, src=SRC_BENIGN)
        w.settlements.add_items(keys, cat.SV_PHYSIO, kind=ITEM_SERVICE)
        members = [w.md(doc, "rehab_doctor"), w.mi(hosp, "hospital")]
        members += [w.mp(p, "patient") for p in pats]
        _group(
            w,
            "chronic_cohort",
            members,
            f"post-stroke rehabilitation class of {w.did(doc)} at {w.iid(hosp)}: {k} patients "
            f"discharged after a stroke, weekly physiotherapy for {weeks} weeks",
        )


def _busy_clinics(w: World) -> None:
    rng = w.rng
    clinics = institutions_of(w, CLINIC)
    big = clinics[np.isin(w.inst_region[clinics], [0, 1, 3])]
    n_busy = max(1, min(big.shape[0], round(3 * w.scale)))
    chosen = rng.choice(big, size=n_busy, replace=False)
    weekdays = np.flatnonzero(weekday(np.arange(DAYS)) < 5)
    normal = np.flatnonzero(w.nursing < 0)
    for inst in chosen:
        inst = int(inst)
        doc = int(w.inst_doc_start[inst])
        n_days = max(5, round(int(rng.integers(50, 90)) * min(1.0, 3 * w.scale)))
        days = np.sort(rng.choice(weekdays, size=n_days, replace=False))
        per_day = rng.integers(40, 61, size=days.shape[0])
        pool = normal[w.region[normal] == w.inst_region[inst]]
        pats = pool[rng.integers(0, pool.shape[0], size=int(per_day.sum()))]
        day = np.repeat(days, per_day)
        diag = np.array(cat.ACUTE_DIAGS)[
            rng.choice(len(cat.ACUTE_DIAGS), p=cat.ACUTE_WEIGHTS, size=pats.shape[0])
        ]
        w.settlements.add(pats, inst, day, OUTPATIENT, diag, doc=doc, src=SRC_BENIGN)
        _group(
            w,
            "busy_clinic",
            [w.md(doc, "busy_doctor"), w.mi(inst, "clinic")],
            f"{w.did(doc)} at {w.iid(inst)} sees 40-60 patients a day on {days.shape[0]} "
            f"market days",
        )


def _split_packs(w: World) -> None:
    """拆零: one pack dispensed in two halves to the same patient at the same pharmacy.

    The same trace code is then settled twice, legitimately; resale differs in that
    the pack reappears on *another* card.
    """
    rng = w.rng
    chronic = np.flatnonzero((w.chronic_diag >= 0) & (w.nursing < 0))
    k = min(chronic.shape[0], max(6, round(0.0015 * w.n)))
    pats = np.sort(rng.choice(chronic, size=k, replace=False))
    diag = w.chronic_diag[pats]
    drug = DIAG_DRUGS[diag, 0]
    trace = w.reserve_traces(k)
    first = rng.integers(0, DAYS - 20, size=k)
    for day in (first, first + rng.integers(3, 11, size=k)):
        keys = w.settlements.add(
            pats, w.home_pharmacy[pats], day, PHARMACY, diag, auto=0, src=SRC_BENIGN
        )
        w.settlements.add_items(keys, drug, trace=trace)


def _complications(w: World) -> None:
    """Early readmissions that are not split stays: a different diagnosis each time."""
    rng = w.rng
    s = w.settlements.concat()
    stay = (s["src"] == SRC_BASE) & (s["vt"] == INPATIENT) & (s["dis"] < DAYS - 30)
    stay &= rng.random(stay.shape[0]) < 0.04
    pats, inst, dis, diag = s["pat"][stay], s["inst"][stay], s["dis"][stay], s["diag"][stay]
    m = pats.shape[0]
    other = np.array(cat.INPATIENT_DIAGS)[rng.integers(0, len(cat.INPATIENT_DIAGS), size=m)]
    other = np.where((other == diag) | (other == 17), 13, other)
    other = np.where(other == diag, 14, other)
    day = dis + rng.integers(3, 15, size=m)
    los = rng.integers(3, 9, size=m)
    doc = w.doctor_at(inst, rng.random(m))
    w.settlements.add(pats, inst, day, INPATIENT, other, doc=doc, dis=day + los, src=SRC_BENIGN)


def _relapses(w: World) -> None:
    """Ordinary same-diagnosis readmissions (a relapse) 5-30 days after discharge.

    They happen everywhere at a low rate; split hospitalisation must stand out against
    them, not against a province where no honest patient is ever readmitted.
    """
    rng = w.rng
    s = w.settlements.concat()
    stay = (s["src"] == SRC_BASE) & (s["vt"] == INPATIENT) & (s["dis"] < DAYS - 40)
    stay &= rng.random(stay.shape[0]) < 0.03
    pats, inst, dis, diag = s["pat"][stay], s["inst"][stay], s["dis"][stay], s["diag"][stay]
    m = pats.shape[0]
    day = dis + rng.integers(5, 31, size=m)
    los = rng.integers(3, 9, size=m)
    doc = w.doctor_at(inst, rng.random(m))
    w.settlements.add(pats, inst, day, INPATIENT, diag, doc=doc, dis=day + los, src=SRC_BENIGN)


def _stray_mid_stay(w: World) -> None:
    """A relative buys medicine on an inpatient's card: one settlement elsewhere mid-stay.

    Ordinary, spread evenly over hospitals; ghost hospitalisation is the concentration
    of such stays at one hospital or doctor, never one stray purchase.
    """
    rng = w.rng
    s = w.settlements.concat()
    stay = (s["src"] == SRC_BASE) & (s["vt"] == INPATIENT) & (s["dis"] - s["day"] >= 3)
    stay &= rng.random(stay.shape[0]) < 0.04
    pats, adm, dis = s["pat"][stay], s["day"][stay], s["dis"][stay]
    m = pats.shape[0]
    day = adm + 1 + np.floor(rng.random(m) * (dis - adm - 1)).astype(np.int64)
    w.settlements.add(pats, w.home_pharmacy[pats], day, PHARMACY, s["diag"][stay], src=SRC_STRAY)


def _follow_up(w: World, pats: IntArray, inst: IntArray, day: IntArray, p_in: float) -> IntArray:
    """A visit at the receiving institution a few days after a referral."""
    rng = w.rng
    m = pats.shape[0]
    d = np.minimum(day + rng.integers(0, 6, size=m), DAYS - 12)
    inpatient = rng.random(m) < p_in
    los = rng.integers(3, 11, size=m)
    diag = np.where(
        inpatient,
        np.array(cat.INPATIENT_DIAGS)[
            rng.choice(len(cat.INPATIENT_DIAGS), p=cat.INPATIENT_WEIGHTS, size=m)
        ],
        np.where(w.chronic_diag[pats] >= 0, w.chronic_diag[pats], 2),
    )
    diag = np.where(diag == 17, 13, diag)
    doc = w.doctor_at(inst, rng.random(m))
    w.settlements.add(
        pats,
        inst,
        d,
        np.where(inpatient, INPATIENT, OUTPATIENT),
        diag,
        doc=doc,
        dis=np.where(inpatient, d + los, -1),
        src=SRC_BENIGN,
    )
    return doc


def _referrals(w: World) -> None:
    rng = w.rng
    l3 = institutions_of(w, HOSPITAL, 3)
    normal = np.flatnonzero((w.nursing < 0) & ~w.reserved)
    m = max(20, round(0.08 * w.n))
    pats = np.sort(rng.choice(normal, size=m, replace=False))
    src = w.home_clinic[pats]
    src_doc = w.doctor_at(src, rng.random(m))
    to_l3 = rng.random(m) < 0.3
    l3_local = np.array([_in_region(w, l3, int(r))[0] for r in w.region[pats]])
    dst = np.where(
        to_l3,
        np.where(rng.random(m) < 0.6, l3_local, rng.choice(l3, size=m)),
        w.home_hospital[pats],
    )
    day = rng.integers(0, 300, size=m)
    edges = [(src, dst)]
    w.add_referrals(pats, src, dst, day, src_doc)
    doc2 = _follow_up(w, pats, dst, day, 0.2)
    # county hospital → third-level hospital for some
    up = np.flatnonzero(~to_l3 & (rng.random(m) < 0.35))
    day2 = day[up] + rng.integers(8, 30, size=up.shape[0])
    dst2 = np.where(rng.random(up.shape[0]) < 0.6, l3_local[up], rng.choice(l3, size=up.shape[0]))
    w.add_referrals(pats[up], dst[up], dst2, day2, doc2[up])
    edges.append((dst[up], dst2))
    _follow_up(w, pats[up], dst2, day2, 0.3)
    # down-referrals back to the community after a third-level stay
    s = w.settlements.concat()
    # (base stays and referred-in stays alike: clinic → county → tertiary → clinic happens)
    stay = (s["src"] != SRC_RING) & (s["vt"] == INPATIENT) & (w.inst_level[s["inst"]] == 3)
    stay &= ~np.isin(s["diag"], [cat.DIAG_C34, cat.DIAG_C50])
    stay &= rng.random(stay.shape[0]) < 0.3
    stay &= s["dis"] < DAYS - 10
    sp = s["pat"][stay]
    back = w.home_clinic[sp]
    w.add_referrals(sp, s["inst"][stay], back, s["dis"][stay], s["doc"][stay])
    edges.append((s["inst"][stay], back))
    d = s["dis"][stay] + rng.integers(1, 8, size=sp.shape[0])
    w.settlements.add(
        sp,
        back,
        d,
        OUTPATIENT,
        s["diag"][stay],
        doc=w.doctor_at(back, rng.random(sp.shape[0])),
        src=SRC_BENIGN,
    )
    # one legit_referral group per region: the institutions its patients flow through
    a = np.concatenate([e[0] for e in edges])
    b = np.concatenate([e[1] for e in edges])
    role = {
        0: "community_clinic",
        1: "community_clinic",
        2: "county_hospital",
        3: "tertiary_hospital",
    }
    for r in range(len(cat.REGIONS)):
        sel = (w.inst_region[a] == r) & (w.inst_level[a] < 3)
        if sel.sum() < 3:
            continue
        insts = np.unique(np.concatenate([a[sel], b[sel]]))
        members = [w.mi(i, role[int(w.inst_level[i])]) for i in insts]
        _group(
            w,
            "legit_referral",
            members,
            f"{int(sel.sum())} referrals from {cat.REGIONS[r].name}: community → county "
            f"hospital → third-level hospital, with down-referrals after discharge",
        )


def _split_families(w: World) -> None:
    """Adult children living elsewhere who hold the account their parents use."""
    rng = w.rng
    age = w.age()
    holder_of = w.extra["holder_of"]
    normal = (w.nursing < 0) & ~w.reserved
    elders = np.flatnonzero(normal & (w.hh_role == ROLE_HEAD) & (age >= 62) & (holder_of < 0))
    young = np.flatnonzero(normal & (w.ins == 0) & (age >= 30) & (age <= 52) & w.extra["own_phone"])
    rng.shuffle(elders)
    used = np.zeros(w.n, dtype=bool)
    want = max(3, round(0.004 * w.n))
    phones_salt = 97 + w.seed % 89
    made = 0
    for e in elders:
        if made >= want:
            break
        gap = age[e] - age[young]
        cand = young[
            (w.region[young] == w.region[e])
            & (gap >= 22)
            & (gap <= 38)
            & ~used[young]
            & (w.household[young] != w.household[e])
        ]
        if cand.shape[0] == 0:
            continue
        y = int(cand[int(rng.integers(cand.shape[0]))])
        used[y] = used[e] = True
        w.reserved[np.array([y, e])] = True
        since = EPOCH_OFFSET - int(rng.integers(30, 1200))
        w.family.append((y, int(e), "parent", since))
        holder_of[e] = y
        w.add_identifier(np.array([e]), PHONE, phone_numbers(np.array([y]), phones_salt))
        if rng.random() < 0.4:  # reimbursements go to the child's bank card
            w.add_identifier(np.array([e]), BANK, bank_accounts(np.array([y]), 77 + w.seed % 97))
        k = int(rng.integers(4, 10))
        diag = int(w.chronic_diag[e]) if w.chronic_diag[e] >= 0 else cat.DIAG_I10
        w.settlements.add(
            np.full(k, e),
            w.home_pharmacy[e],
            np.sort(rng.integers(0, DAYS, size=k)),
            PHARMACY,
            diag,
            holder=y,
            acct=1000,
            src=SRC_BENIGN,
        )
        _group(
            w,
            "household",
            [w.mp(y, "holder"), w.mp(e, "parent")],
            "adult child at another address pays for a parent through registered family sharing "
            "and is the parent's contact phone",
        )
        made += 1


def _household_groups(w: World) -> None:
    holder_of = w.extra["holder_of"]
    shared = w.extra["shares_in_household"]
    hh = w.household
    order = np.argsort(hh, kind="stable")
    n_hh = int(w.extra["n_households"])
    bounds = np.searchsorted(hh[order], np.arange(n_hh + 1))
    linked = np.zeros(n_hh, dtype=bool)
    linked[hh[holder_of >= 0]] = True
    flagged = shared | linked
    for h in np.flatnonzero(flagged):
        ms = order[bounds[h] : bounds[h + 1]]
        if ms.shape[0] < 2:
            continue
        members = [w.mp(p, HH_ROLE_NAMES[int(w.hh_role[p])]) for p in ms]
        what = []
        if shared[h]:
            what.append("shared phone/device/bank account")
        if linked[h]:
            what.append("registered family account sharing")
        _group(w, "household", members, f"household at one address: {', '.join(what)}")


def _chronic_groups(w: World) -> None:
    doc = w.chronic_doc
    pats = np.flatnonzero(doc >= 0)
    order = np.argsort(doc[pats], kind="stable")
    pats = pats[order]
    docs, start, count = np.unique(doc[pats], return_index=True, return_counts=True)
    for d, s0, c in zip(docs, start, count, strict=True):
        if c < 8:
            continue
        ps = np.sort(pats[s0 : s0 + c])
        members = [w.md(int(d), "doctor")] + [w.mp(p, "patient") for p in ps]
        wd = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays")[
            int(w.extra["doc_weekday"][d])
        ]
        _group(
            w,
            "chronic_cohort",
            members,
            f"{c} chronic patients seen monthly by {w.did(int(d))} on {wd}",
        )
