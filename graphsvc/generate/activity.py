"""Ordinary care of every participant, and turning settlement rows into priced records.

Base activity is skewed like real claims: chronic patients (diabetes, hypertension...)
see their doctor monthly on the doctor's clinic weekday and refill at pharmacies; most
people have a few acute visits (gamma-Poisson counts); some have one inpatient stay.
:func:`finalise` drops base rows that would fall inside the patient's own stay (so a
purchase during a stay is only ever planted, never accidental), prices every row
from its line items, and splits the amount into fund / personal account / cash.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from graphsvc.generate import catalog as cat
from graphsvc.generate.facilities import (
    institutions_of,
    pick_in_region,
    region_table,
)
from graphsvc.generate.world import (
    DAYS,
    HOSPITAL,
    INPATIENT,
    ITEM_DRUG,
    ITEM_SERVICE,
    MONTH_STARTS,
    OUTPATIENT,
    PHARMACY,
    PHARMACY_KIND,
    SRC_RING,
    SRC_STRAY,
    IntArray,
    World,
    weekday,
)

AUTO_TRACE_BASE = 10**9  # automatic trace serials start here; planted ones below


def _diag_drug_table() -> tuple[IntArray, IntArray]:
    width = max(len(d.drugs) for d in cat.DIAGNOSES)
    table = np.zeros((len(cat.DIAGNOSES), width), dtype=np.int64)
    counts = np.zeros(len(cat.DIAGNOSES), dtype=np.int64)
    for i, d in enumerate(cat.DIAGNOSES):
        table[i, : len(d.drugs)] = d.drugs
        counts[i] = len(d.drugs)
    return table, counts


DIAG_DRUGS, DIAG_DRUG_COUNT = _diag_drug_table()
DRUG_PRICE = np.array([d.price_cents for d in cat.DRUGS], dtype=np.int64)
SERVICE_PRICE = np.array([s.price_cents for s in cat.SERVICES], dtype=np.int64)


def clinic_days(w: World, doc: IntArray, month: IntArray, week: IntArray) -> IntArray:
    """The ``week``-th clinic weekday of ``doc`` in ``month`` (always inside the month)."""
    wd = w.extra["doc_weekday"][doc]
    first = MONTH_STARTS[month]
    offset = (wd - weekday(first)) % 7
    out: IntArray = first + offset + 7 * week
    return out


def assign_chronic(w: World) -> None:
    rng = w.rng
    n = w.n
    age = w.age()
    p = np.select([age < 18, age < 40, age < 60], [0.01, 0.05, 0.19], 0.4)
    chronic = rng.random(n) < p
    diag = np.array(cat.CHRONIC_DIAGS)[
        rng.choice(len(cat.CHRONIC_DIAGS), p=cat.CHRONIC_WEIGHTS, size=n)
    ]
    inst = np.where(rng.random(n) < 0.55, w.home_clinic, w.home_hospital)
    doc = w.doctor_at(inst, rng.random(n))
    chronic &= doc >= 0
    w.chronic_diag = np.where(chronic, diag, -1)
    w.chronic_doc = np.where(chronic, doc, -1)
    w.extra["doc_weekday"] = rng.integers(0, 5, size=w.doc_inst.shape[0])


def build_base_activity(w: World) -> None:
    rng = w.rng
    n = w.n
    age = w.age()
    holder_of = w.extra["holder_of"]
    buf = w.settlements

    def holder_for(p: IntArray) -> IntArray:
        h = holder_of[p]
        return np.where((h >= 0) & (rng.random(p.shape[0]) < 0.5), h, -1)

    # Chronic follow-up: monthly, on the doctor's clinic weekday, usually the same week.
    cp = np.flatnonzero(w.chronic_doc >= 0)
    pref_week = rng.integers(0, 4, size=n)
    months = np.tile(np.arange(12), cp.shape[0])
    pats = np.repeat(cp, 12)
    keep = rng.random(pats.shape[0]) < 0.85
    pats, months = pats[keep], months[keep]
    week = np.where(
        rng.random(pats.shape[0]) < 0.7, pref_week[pats], rng.integers(0, 4, pats.shape[0])
    )
    doc = w.chronic_doc[pats]
    day = clinic_days(w, doc, months, week)
    # Not always on the clinic weekday: a holiday, a swapped shift, a patient who could
    # not come and was fitted in a day or two later.
    off = rng.random(day.shape[0]) < 0.15
    day = np.where(
        off, np.clip(day + rng.choice([-2, -1, 1, 2], size=day.shape[0]), 0, DAYS - 1), day
    )
    buf.add(
        pats,
        w.doc_inst[doc],
        day,
        OUTPATIENT,
        w.chronic_diag[pats],
        doc=doc,
        holder=holder_for(pats),
    )
    # Chronic refills at pharmacies, mostly the usual one.
    k = rng.integers(3, 10, size=cp.shape[0])
    pats = np.repeat(cp, k)
    m = pats.shape[0]
    ph_t, ph_c = region_table(w, institutions_of(w, PHARMACY_KIND))
    other = pick_in_region(ph_t, ph_c, w.region[pats], rng.random(m))
    inst = np.where(rng.random(m) < 0.8, w.home_pharmacy[pats], other)
    doc = np.where(rng.random(m) < 0.6, w.chronic_doc[pats], -1)
    buf.add(
        pats,
        inst,
        rng.integers(0, DAYS, size=m),
        PHARMACY,
        w.chronic_diag[pats],
        doc=doc,
        holder=holder_for(pats),
    )

    # Acute care: skewed counts, weekdays preferred.
    mean = np.where((age < 14) | (age >= 60), 3.4, 2.8)
    lam = rng.gamma(0.7, mean / 0.7)
    k = rng.poisson(lam)
    pats = np.repeat(np.arange(n), k)
    m = pats.shape[0]
    day = rng.integers(0, DAYS, size=m)
    wd = weekday(day)
    day = np.where((wd >= 5) & (rng.random(m) < 0.5), np.maximum(day - (wd - 4), 0), day)
    diag = np.array(cat.ACUTE_DIAGS)[rng.choice(len(cat.ACUTE_DIAGS), p=cat.ACUTE_WEIGHTS, size=m)]
    is_out = rng.random(m) < 0.62
    l3 = institutions_of(w, HOSPITAL, 3)
    l3_pick = l3[rng.integers(0, l3.shape[0], size=m)]
    u = rng.random(m)
    out_inst = np.where(
        u < 0.55, w.home_clinic[pats], np.where(u < 0.86, w.home_hospital[pats], l3_pick)
    )
    ph_inst = np.where(
        rng.random(m) < 0.75,
        w.home_pharmacy[pats],
        pick_in_region(ph_t, ph_c, w.region[pats], rng.random(m)),
    )
    inst = np.where(is_out, out_inst, ph_inst)
    out_doc = w.doctor_at(out_inst, rng.random(m))
    ph_doc = np.where(rng.random(m) < 0.25, w.doctor_at(w.home_clinic[pats], rng.random(m)), -1)
    doc = np.where(is_out, out_doc, ph_doc)
    buf.add(
        pats,
        inst,
        day,
        np.where(is_out, OUTPATIENT, PHARMACY),
        diag,
        doc=doc,
        holder=holder_for(pats),
    )

    # One inpatient stay for some (more for the elderly and the chronically ill).
    p_in = 0.045 + 0.1 * (age >= 60) + 0.03 * (w.chronic_doc >= 0)
    pats = np.flatnonzero((rng.random(n) < p_in) & (w.nursing < 0))
    m = pats.shape[0]
    u = rng.random(m)
    l3_pick = l3[rng.integers(0, l3.shape[0], size=m)]
    inst = np.where(
        u < 0.55, w.home_hospital[pats], np.where(u < 0.9, l3_pick, w.home_clinic[pats])
    )
    inst = np.where(w.inst_kind[inst] == HOSPITAL, inst, w.home_hospital[pats])
    los = np.clip(np.round(rng.lognormal(np.log(6.5), 0.45, size=m)), 2, 30).astype(np.int64)
    diag = np.array(cat.INPATIENT_DIAGS)[
        rng.choice(len(cat.INPATIENT_DIAGS), p=cat.INPATIENT_WEIGHTS, size=m)
    ]
    a = age[pats]
    birth_ok = (w.gender[pats] == 1) & (a >= 20) & (a <= 42)
    diag = np.where((diag == 17) & ~birth_ok, 13, diag)
    day = rng.integers(0, DAYS - los - 1)
    buf.add(
        pats,
        inst,
        day,
        INPATIENT,
        diag,
        doc=w.doctor_at(inst, rng.random(m)),
        dis=day + los,
        holder=holder_for(pats),
    )
    w.extra["base_stays"] = pats


# ---------------------------------------------------------------------------------------
def _drop_inside_stays(s: dict[str, IntArray]) -> npt.NDArray[np.bool_]:
    """Keep-mask: no unplanned settlement of a patient falls inside their own stay.

    Priority planted > benign > base: a lower-priority row inside (or a stay
    overlapping) a stay of the same patient goes; between equals the later-created
    one goes. Planted rows never go for each other (ghost purchases are planted), and stray
    noise (SRC_STRAY) stays where it was put.
    """
    import pandas as pd

    n = s["pat"].shape[0]
    is_stay = s["vt"] == INPATIENT
    stays = pd.DataFrame(
        {
            "pat": s["pat"],
            "a": s["day"],
            "b": s["dis"],
            "skey": s["key"],
            "sp": s["src"],
            "j": np.arange(n),
        }
    )[is_stay]
    rows = pd.DataFrame(
        {
            "pat": s["pat"],
            "day": s["day"],
            "dis": s["dis"],
            "vt": s["vt"],
            "key": s["key"],
            "src": s["src"],
            "i": np.arange(n),
        }
    )[np.isin(s["pat"], stays["pat"].to_numpy())]
    j = rows.merge(stays, on="pat")
    j = j[j["key"] != j["skey"]]
    inside = (j["vt"] != INPATIENT) & (j["a"] < j["day"]) & (j["day"] < j["b"])
    inside &= j["src"] != SRC_STRAY  # planted noise inside a stay is meant to be there
    overlap = (j["vt"] == INPATIENT) & (j["day"] <= j["b"]) & (j["dis"] >= j["a"])
    both_ring = (j["src"] == SRC_RING) & (j["sp"] == SRC_RING)
    j = j[(inside | overlap) & ~both_ring]
    row_loses = (j["src"] < j["sp"]) | ((j["src"] == j["sp"]) & (j["key"] > j["skey"]))
    drop = np.unique(
        np.concatenate([j.loc[row_loses, "i"].to_numpy(), j.loc[~row_loses, "j"].to_numpy()])
    )
    keep = np.ones(n, dtype=bool)
    keep[drop] = False
    return keep


def _lines(w: World, s: dict[str, IntArray]) -> dict[str, IntArray]:
    """Catalogue-driven line items of auto rows plus the forced ones."""
    rng = w.rng
    n = s["pat"].shape[0]
    auto = s["auto"] == 1
    vt = s["vt"]
    diag = s["diag"]
    inten = s["intensity"]
    level = w.inst_level[s["inst"]]
    parts: list[
        tuple[IntArray, IntArray, IntArray, IntArray, IntArray]
    ] = []  # row,kind,item,qty,trace

    def add(rows: IntArray, kind: int, item: IntArray, qty: IntArray) -> None:
        parts.append((rows, np.full(rows.shape[0], kind), item, qty, np.full(rows.shape[0], -1)))

    out = np.flatnonzero(auto & (vt == OUTPATIENT))
    add(
        out,
        ITEM_SERVICE,
        np.where(level[out] == 3, cat.SV_CONSULT_SENIOR, cat.SV_CONSULT),
        np.ones(out.shape[0], np.int64),
    )
    test = out[(rng.random(out.shape[0]) < 0.35) | (inten[out] > 1)]
    d = diag[test]
    item = np.select(
        [d == cat.DIAG_E11, d == 11, (d == 2) | (d == 12), d == 9],
        [cat.SV_GLUCOSE, cat.SV_LIVER, cat.SV_XRAY, cat.SV_ULTRASOUND],
        default=cat.SV_BLOOD,
    )
    add(test, ITEM_SERVICE, item, np.ones(test.shape[0], np.int64))
    heavy = out[inten[out] > 1]
    add(heavy, ITEM_SERVICE, np.full(heavy.shape[0], cat.SV_CT), np.ones(heavy.shape[0], np.int64))
    add(heavy, ITEM_SERVICE, np.full(heavy.shape[0], cat.SV_INFUSION), inten[heavy])
    inp = np.flatnonzero(auto & (vt == INPATIENT))
    los = np.maximum(s["dis"][inp] - s["day"][inp], 1)
    for sv in (cat.SV_BED, cat.SV_NURSING, cat.SV_TREATMENT):
        add(inp, ITEM_SERVICE, np.full(inp.shape[0], sv), los)
    add(inp, ITEM_SERVICE, np.full(inp.shape[0], cat.SV_INFUSION), los * 2)
    add(inp, ITEM_SERVICE, np.full(inp.shape[0], cat.SV_BLOOD), rng.integers(2, 5, inp.shape[0]))
    img = np.where(np.isin(diag[inp], [15, 17]), cat.SV_ULTRASOUND, cat.SV_CT)
    add(inp, ITEM_SERVICE, img, np.ones(inp.shape[0], np.int64))
    surg = inp[np.isin(diag[inp], [15, 16, 17])]
    add(
        surg, ITEM_SERVICE, np.full(surg.shape[0], cat.SV_SURGERY), np.ones(surg.shape[0], np.int64)
    )
    # drugs
    nd = np.zeros(n, dtype=np.int64)
    r = rng.random(n)
    nd[vt == OUTPATIENT] = np.where(r < 0.2, 0, np.where(r < 0.65, 1, 2))[vt == OUTPATIENT]
    nd[vt == PHARMACY] = np.where(r < 0.6, 1, np.where(r < 0.9, 2, 3))[vt == PHARMACY]
    nd[vt == INPATIENT] = np.where(r < 0.3, 2, np.where(r < 0.7, 3, 4))[vt == INPATIENT]
    nd[~auto] = 0
    rows = np.repeat(np.arange(n), nd)
    dd = diag[rows]
    drug = DIAG_DRUGS[
        dd, np.floor(rng.random(rows.shape[0]) * DIAG_DRUG_COUNT[dd]).astype(np.int64)
    ]
    qty = np.where(
        vt[rows] == INPATIENT,
        rng.integers(5, 31, size=rows.shape[0]),
        rng.integers(1, 4, size=rows.shape[0]) * inten[rows],
    )
    parts.append((rows, np.full(rows.shape[0], ITEM_DRUG), drug, qty, np.full(rows.shape[0], -1)))
    # forced lines (planted drugs and re-settled packs)
    f = w.settlements.concat_items()
    if f["key"].shape[0]:
        pos = np.full(w.settlements.count, -1, dtype=np.int64)
        pos[s["key"]] = np.arange(n)
        frow = pos[f["key"]]
        ok = frow >= 0
        parts.append((frow[ok], f["kind"][ok], f["item"][ok], f["qty"][ok], f["trace"][ok]))
    row = np.concatenate([p[0] for p in parts])
    seq = np.concatenate([np.full(p[0].shape[0], j) for j, p in enumerate(parts)])
    order = np.lexsort((seq, row))
    lines = {
        "row": row[order],
        "kind": np.concatenate([p[1] for p in parts])[order],
        "item": np.concatenate([p[2] for p in parts])[order],
        "qty": np.concatenate([p[3] for p in parts])[order],
        "trace": np.concatenate([p[4] for p in parts])[order],
    }
    is_drug = lines["kind"] == ITEM_DRUG
    price = np.where(
        is_drug,
        DRUG_PRICE[np.where(is_drug, lines["item"], 0)],
        SERVICE_PRICE[np.where(is_drug, 0, lines["item"])],
    )
    lines["price"] = price
    need = is_drug & (lines["trace"] < 0)
    lines["trace"][need] = AUTO_TRACE_BASE + np.arange(int(need.sum()))
    return lines


def finalise(w: World) -> tuple[dict[str, IntArray], dict[str, IntArray]]:
    """Settlement rows in output order (with amounts) and their line items."""
    rng = w.rng
    s = w.settlements.concat()
    keep = _drop_inside_stays(s)
    s = {k: v[keep] for k, v in s.items()}
    # Output order: by date, institution, patient number, creation key.
    order = np.lexsort((s["key"], w.pnum[s["pat"]], s["inst"], s["day"]))
    s = {k: v[order] for k, v in s.items()}
    n = s["pat"].shape[0]
    lines = _lines(w, s)
    total = np.bincount(lines["row"], weights=lines["qty"] * lines["price"], minlength=n)
    total = np.round(total).astype(np.int64)
    ins = w.ins[s["pat"]]
    level = w.inst_level[s["inst"]]
    vt = s["vt"]
    ratio = np.select(
        [vt == INPATIENT, vt == OUTPATIENT],
        [
            np.where(ins == 0, 0.88, 0.78) - 0.05 * np.maximum(level - 1, 0),
            np.where(ins == 0, 0.7, 0.55) - 0.05 * level,
        ],
        default=np.where(s["doc"] >= 0, np.where(ins == 0, 0.5, 0.4), 0.0),
    ) + rng.uniform(-0.03, 0.03, size=n)
    fund = np.floor(total * np.clip(ratio, 0, 0.95)).astype(np.int64)
    personal = total - fund
    acct = s["acct"].copy()
    default = acct < 0
    own_share = np.where((ins == 0) & (rng.random(n) < 0.7), rng.integers(500, 1001, size=n), 0)
    acct[default] = np.where(s["holder"] >= 0, 1000, own_share)[default]
    s["total"] = total
    s["fund"] = fund
    s["account_paid"] = personal * acct // 1000
    return s, lines
