"""Over-prescription and repeat prescription (超量开药、重复开药): too much of one drug.

Clause: Hainan Art. 23(2); Art. 24(4) (drugs obtained to be resold).

Behaviour, from the seeds: a doctor writes quantities of a drug far beyond what the
condition needs, for the same patients again and again; or a patient (often a crew,
for resale) collects the same drug from several doctors while the last supply still
runs (doctor shopping). What the settlements show, and why the method is built so:

* A *fill* is a drug line (an item with a trace code; every item where the data has
  none) on a non-inpatient settlement with a prescribing doctor. Inpatient lines are
  ward dosing, not supply.
* The item's norm is learned from the data, per item code: the median quantity and a
  robust spread (1.4826 x MAD, floored at a quarter of the median and at one unit). A
  fill is *excess* above ``median + excess_spreads x spread`` and at least
  ``min_excess_ratio`` x the median.
* Days of supply: a per-item norm of days per unit, learned as the lower quartile of
  (days to the patient's next fill of the item by the same doctor / units of this
  fill), see
  DPU_QUANTILE, or ``default_days_per_unit`` where too few fills teach it.
  A fill *overlaps* (doctor shopping) when it and the previous fill of
  the same patient and item each come from another doctor before the supply so far
  ran out, three doctors in a row.
* Two named exemptions, recorded on the ring with what they removed:
  ``long_prescription`` (长处方: a chronic diagnosis, supply of at most
  ``long_prescription_days`` = 12 weeks, no overlap) and ``specialist`` (the fill's
  diagnosis is one the item is prescribed for province-wide, counted without the
  doctor's own fills, and the patient does not recur at one pharmacy for it). They
  spare excess fills only: an overlap from another doctor is never a long prescription.
* Units: every prescribing doctor and every institution (the doctor's own), tested as
  in graphsvc.detection.stays: null model, each fill is excess (resp. overlapping)
  independently at the rate of every *other* institution's fills (leave-one-out,
  Laplace-smoothed), binomial, the stronger of the two tests Bonferroni-corrected;
  tests = units examined. A ring needs ``min_patients`` patients with two or more
  flagged fills (a recurring set, not one odd prescription).

Pharmacy choice (a doctor steering patients to one pharmacy) is pharmacy_collusion's
question; this one is quantity and overlap.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphsvc.detection.common import Clustering, period, region_of_institutions, rows_by
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import (
    Exemption,
    Finding,
    money_at_risk,
    null_texts,
    render_finding,
    unit_texts,
)
from graphsvc.detection.rings import (
    Evidence,
    Member,
    Reasons,
    Ring,
    log10_binom_sf,
    sort_members,
)
from graphsvc.detection.units import UnitTest, hospital_groups, unit_tests
from graphsvc.locale.msg import Join, Msg

log = logging.getLogger(__name__)

TYPOLOGY = "over_prescription"
MIN_DPU_SAMPLES = 20  # fill pairs needed to learn an item's days per unit
# Refills come when the supply runs out or later (a pause in care, a course that ended):
# the lower quartile of refill gaps per unit estimates the supply, the median overstates it.
DPU_QUANTILE = 0.25

# the evidence line of a flagged fill, by why it is flagged
OVERLAPPING = "evidence_detail.overlapping_supply"
EXCESS = "evidence_detail.excess_supply"


def fills(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """Every fill with its norm, supply, overlap and exemption columns."""
    cfg = config.over_prescription
    it, rx = data.items, data.prescriptions
    if it.empty or rx.empty:
        return pd.DataFrame()
    drugs = it[it["trace_code"].notna()] if it["trace_code"].notna().any() else it
    cols = ["prescription_id", "participant_id", "institution_id", "doctor_id", "date"]
    # One fill per settlement and item: several lines of one drug are one supply.
    lines = drugs[["prescription_id", "item_code", "quantity"]].dropna(
        subset=["prescription_id", "item_code"]
    )
    lines = lines.groupby(["prescription_id", "item_code"], as_index=False, sort=False)[
        "quantity"
    ].sum(min_count=1)
    f = lines.merge(rx[[*cols, "visit_type", "diagnosis_code"]], on="prescription_id")
    f = f[
        (f["visit_type"] != "inpatient")
        & f["doctor_id"].notna()
        & f["date"].notna()
        & f["item_code"].notna()
        & (f["quantity"].fillna(0) > 0)
    ]
    if f.empty:
        return pd.DataFrame()
    f = f.rename(columns={"prescription_id": "rx_id", "institution_id": "at"})
    f = f.sort_values(["participant_id", "item_code", "date", "rx_id"], kind="stable")
    f = f.reset_index(drop=True)
    f["prescription_id"] = f["rx_id"].astype(str) + "#" + f.index.astype(str)
    home = data.doctors.set_index("doctor_id")["institution_id"].dropna()
    home = home[~home.index.duplicated()]
    mapped = f["doctor_id"].map(home).astype(object)
    f["institution_id"] = mapped.where(mapped.notna(), f["at"])
    f["doc"] = f["doctor_id"].astype(str)
    f["dx3"] = f["diagnosis_code"].fillna("").astype(str).str.upper().str[:3]
    q = f["quantity"].astype(float)
    # The item's norm: median and robust spread.
    by_item = f.groupby("item_code")["quantity"]
    med = by_item.transform("median")
    mad = (q - med).abs().groupby(f["item_code"]).transform("median") * 1.4826
    spread = np.maximum(mad, np.maximum(0.25 * med, 1.0))
    f["norm"] = med
    f["excess_raw"] = (
        (by_item.transform("size") >= cfg.min_item_fills)
        & (q > med + cfg.excess_spreads * spread)
        & (q >= cfg.min_excess_ratio * med)
    )
    # Days of supply per unit, per item, from the gaps to the next fill.
    # Only refills by the same doctor teach it: that is the cadence the doctor meant, and
    # a crew hopping between doctors cannot shorten the norm it is measured against.
    same = (
        (f["participant_id"] == f["participant_id"].shift(-1))
        & (f["item_code"] == f["item_code"].shift(-1))
        & (f["doctor_id"] == f["doctor_id"].shift(-1))
    )
    gap = (f["date"].shift(-1) - f["date"]).dt.days
    sample = (gap / q).where(same & (gap > 0))
    n_samples = sample.groupby(f["item_code"]).transform("count")
    dpu = sample.groupby(f["item_code"]).transform(lambda x: x.quantile(DPU_QUANTILE))
    dpu = dpu.where(n_samples >= MIN_DPU_SAMPLES, cfg.default_days_per_unit).clip(0.5, 90.0)
    f["supply_days"] = q * dpu
    day = (f["date"] - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    f["end"] = day + f["supply_days"]
    key = f["participant_id"].astype(str) + "\x1f" + f["item_code"].astype(str)
    prev_same = key == key.shift()
    running = f.groupby(key, sort=False)["end"].cummax().shift()
    covered = prev_same & (day < running)
    f["overlap_any"] = covered
    # Doctor shopping: a chain, this fill and the previous one each written by another
    # doctor while the supply so far still ran, three doctors in a row (one overlap is an
    # acute illness seen twice).
    hop = covered & (f["doc"] != f["doc"].shift())
    f["overlap"] = (
        hop & hop.shift(fill_value=False) & (key == key.shift(2)) & (f["doc"] != f["doc"].shift(2))
    )
    # Exemption long_prescription: chronic, at most 12 weeks, no overlap.
    prefixes = tuple(p.upper() for p in cfg.chronic_diagnosis_prefixes)
    chronic = f["diagnosis_code"].fillna("").astype(str).str.upper().str.startswith(prefixes)
    f["long_ex"] = (
        f["excess_raw"]
        & chronic
        & (f["supply_days"] <= cfg.long_prescription_days)
        & ~f["overlap_any"]
    )
    # Exemption specialist: matching diagnosis (without the doctor's own fills), and the
    # patient not recurring at one pharmacy for the item.
    n_item = f.groupby("item_code")["quantity"].transform("size")
    n_item_dx = f.groupby(["item_code", "dx3"])["quantity"].transform("size")
    n_doc_item = f.groupby(["item_code", "doc"])["quantity"].transform("size")
    n_doc_item_dx = f.groupby(["item_code", "doc", "dx3"])["quantity"].transform("size")
    others = (n_item - n_doc_item).clip(lower=1)
    matching = (f["dx3"] != "") & ((n_item_dx - n_doc_item_dx) / others >= cfg.matching_share)
    f["recurring_pharmacy"] = _recurring_pharmacy(f, key, cfg.max_pharmacy_share)
    f["specialist_ex"] = f["excess_raw"] & ~f["long_ex"] & matching & ~f["recurring_pharmacy"]
    f["excess"] = f["excess_raw"] & ~f["long_ex"] & ~f["specialist_ex"]
    return f


def _recurring_pharmacy(f: pd.DataFrame, key: pd.Series, max_share: float) -> pd.Series:
    """Patients whose pharmacy fills of an item concentrate at one pharmacy (per fill)."""
    ph = f["visit_type"] == "pharmacy"
    if not ph.any():
        return pd.Series(False, index=f.index)
    sub = pd.DataFrame({"key": key[ph], "at": f.loc[ph, "at"]})
    n = sub.groupby("key")["at"].size()
    top = sub.groupby(["key", "at"]).size().groupby(level=0).max()
    rec = (n >= 2) & (top / n > max_share)
    return key.map(rec).fillna(False).astype(bool)


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Doctors (at their institution) whose recurring patients get far too much of a drug.

    >>> import pandas as pd
    >>> rx, it = [], []
    >>> for i in range(400):   # ordinary fills: 1-3 packs from many doctors
    ...     rx.append((f"S{i}", f"Q{i % 150}", "H1", f"D{i % 20}", f"2024-{1 + i % 12:02d}-10",
    ...                "outpatient", "J06.9"))
    ...     it.append((f"S{i}", "X1", 1 + i % 3, f"t{i}"))
    >>> for i in range(15):    # doctor DX gives 5 patients 20 packs, three times each
    ...     rx.append((f"R{i}", f"P{i % 5}", "H1", "DX", f"2024-{1 + i // 5:02d}-03",
    ...                "outpatient", "M54.5"))
    ...     it.append((f"R{i}", "X1", 20, f"u{i}"))
    >>> g = GraphData.create(
    ...     prescriptions=pd.DataFrame(rx, columns=["prescription_id", "participant_id",
    ...         "institution_id", "doctor_id", "date", "visit_type", "diagnosis_code"]),
    ...     items=pd.DataFrame(it, columns=["prescription_id", "item_code", "quantity",
    ...                                     "trace_code"]))
    >>> [(r.member_count, [m.id for m in r.members][:2]) for r in detect(g, DetectConfig())]
    [(7, ['H1', 'DX'])]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    cfg = config.over_prescription
    f = fills(data, config)
    if f.empty:
        return []
    units, tests = unit_tests(f, ("excess", "overlap"), "doc", config.scoring.min_adjusted_surprise)
    rings: list[Ring] = []
    for chosen, grp in hospital_groups(units, tests, config.scoring.min_adjusted_surprise):
        flagged = grp[grp["excess"] | grp["overlap"]]
        per = flagged["participant_id"].astype(str).value_counts()
        patients = sorted(str(p) for p, n in per.items() if n >= 2)
        if len(patients) < cfg.min_patients:
            continue
        flagged = flagged[flagged["participant_id"].astype(str).isin(set(patients))]
        rings.append(_ring(data, chosen, grp, flagged, patients, tests, config))
    return rings


def _ring(
    data: GraphData,
    chosen: list[UnitTest],
    grp: pd.DataFrame,
    flagged: pd.DataFrame,
    patients: list[str],
    tests: int,
    config: DetectConfig,
) -> Ring:
    cfg = config.over_prescription
    t = chosen[0]  # the strongest unit carries the statistic
    (r_ex, r_ov), (p_ex, p_ov) = t.counts, t.rates
    use_overlap = log10_binom_sf(r_ov, t.stays, p_ov) < log10_binom_sf(r_ex, t.stays, p_ex)
    doctors = [u.doctor for u in chosen if u.doctor]
    if not doctors:
        docs = flagged["doc"].value_counts()
        doctors = sorted(str(d) for d, n in docs.items() if n >= 2)
    shoppers = set(flagged.loc[flagged["overlap"], "participant_id"].astype(str))
    members = [Member("institution", t.inst, "institution")]
    members += [Member("doctor", d, "prescribing doctor") for d in doctors]
    members += [
        Member("participant", p, "doctor-shopping patient" if p in shoppers else "patient")
        for p in patients
    ]
    members = sort_members(members)
    implicated = rows_by(data, "prescriptions", "prescription_id").rows(flagged["rx_id"])
    cash = money_at_risk(implicated)
    n_ex, n_ov = int(flagged["excess"].sum()), int(flagged["overlap"].sum())
    items = sorted(set(flagged["item_code"].astype(str)))
    who = t.who()
    unit_key = (
        "reason.over_prescription.unit.overlap"
        if use_overlap
        else "reason.over_prescription.unit.excess"
    )
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=r_ov if use_overlap else r_ex,
        expected=round(t.stays * (p_ov if use_overlap else p_ex), 4),
        **unit_texts(
            Msg(
                unit_key,
                who=who,
                fills=t.stays,
            )
        ),
        **null_texts(Msg("reason.over_prescription.null", p_ex=p_ex, p_ov=p_ov)),
        log10_p=t.log10_p,
        tests=tests,
        exemptions=[
            Exemption.of(
                "long_prescription",
                Msg(
                    "reason.over_prescription.exempt.long_prescription",
                    days=cfg.long_prescription_days,
                ),
                int(grp["long_ex"].sum()),
                Msg("reason.over_prescription.unit.excess_fills"),
            ),
            Exemption.of(
                "specialist",
                Msg("reason.over_prescription.exempt.specialist"),
                int(grp["specialist_ex"].sum()),
                Msg("reason.over_prescription.unit.excess_fills"),
            ),
        ],
    )
    ratio = (flagged["quantity"] / flagged["norm"].replace(0, np.nan)).median()
    ratio_txt = f"{float(ratio):.1f}" if pd.notna(ratio) else "?"
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.over_prescription.fills",
            fills=len(flagged),
            items=Join(items[:5], "sep.enum"),
            who=who,
            patients=len(patients),
            excess=n_ex,
            ratio=ratio_txt,
            overlap=n_ov,
        ).pair()
    )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(flagged["date"])
    evidence = [
        Evidence.said(
            ("participant", str(p)),
            ("doctor", str(d)),
            "OVER_PRESCRIBED",
            float(qty),
            Msg(OVERLAPPING if ov else EXCESS, s=str(rid), q=int(qty), c=str(code)),
        )
        for p, d, qty, rid, code, ov in zip(
            flagged["participant_id"],
            flagged["doc"],
            flagged["quantity"],
            flagged["rx_id"],
            flagged["item_code"],
            flagged["overlap"],
            strict=True,
        )
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_institutions(data, [t.inst]), evidence
    )
