"""Inpatient stays and what happened around them: the shared input of two typologies.

Split hospitalisation (分解住院) and ghost hospitalisation (挂床住院) both break Hainan
Art. 23(1) and both read a patient's stays in date order, so the table is built once
here and each detector keeps only its own question:

* ``readmit``: this stay starts within ``readmission_window_days`` of the same
  patient's previous discharge, same ICD-10 category, at *any* institution (a sister
  hospital readmitting the patient is the same split as the same hospital doing it);
  ``gap_days`` and ``prev_inst`` say where from;
* ``referred``: a referral record moved the patient from the previous institution to
  this one around the readmission (a documented transfer, not a split);
* ``cycle``: the stay is one of a planned treatment series: a treatment diagnosis
  (chemotherapy, radiotherapy, dialysis, rehabilitation) repeated at a regular cadence;
* ``away_ids`` / ``away_days``: the patient's settlements at *other* institutions
  strictly between admission and discharge (the patient was not in the bed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphsvc.detection.config import DetectConfig, SplitHospitalisationConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import bonferroni_max_log10
from graphsvc.detection.rings import log10_binom_sf, weak

COLUMNS = ["readmit", "referred", "cycle", "gap_days", "prev_id", "prev_inst", "away_days"]


def _empty(st: pd.DataFrame) -> pd.DataFrame:
    return st.assign(**{c: [] for c in COLUMNS}, away_ids=[])


def inpatient_stays(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """Every inpatient stay with its readmission, referral, cycle and away columns."""
    cfg = config.split_hospitalisation
    rx = data.prescriptions
    st = rx[(rx["visit_type"] == "inpatient") & rx["date"].notna()].copy()
    if st.empty:
        return _empty(st)
    st["discharge"] = st["discharge_date"].fillna(st["date"])
    st["dx"] = st["diagnosis_code"].fillna("").astype(str).str.upper()
    st["dx3"] = st["dx"].str[: cfg.diagnosis_prefix]
    st = st.sort_values(["participant_id", "date", "prescription_id"], kind="stable")
    st = st.reset_index(drop=True)
    same_p = st["participant_id"] == st["participant_id"].shift()
    gap = (st["date"] - st["discharge"].shift()).dt.days
    same_dx = (st["dx3"] == st["dx3"].shift()) & (st["dx3"] != "")
    st["readmit"] = same_p & same_dx & (gap >= 0) & (gap <= cfg.readmission_window_days)
    st["gap_days"] = gap.where(st["readmit"])
    st["prev_id"] = st["prescription_id"].shift().where(st["readmit"], None)
    st["prev_inst"] = st["institution_id"].shift().where(st["readmit"], None)
    st["referred"] = _referred(data, st, cfg)
    st["cycle"] = _treatment_cycles(st, cfg)
    away = _away(data, st, config.ghost_hospitalisation.min_stay_days)
    st["away_ids"] = st["prescription_id"].map(away["ids"])
    st["away_days"] = st["prescription_id"].map(away["days"]).fillna(0).astype(int)
    return st


def _referred(data: GraphData, st: pd.DataFrame, cfg: SplitHospitalisationConfig) -> pd.Series:
    """Readmissions elsewhere that a referral from the previous institution documents."""
    ref = data.referrals
    moved = st["readmit"] & (st["prev_inst"] != st["institution_id"])
    out = pd.Series(False, index=st.index)
    if ref.empty or not moved.any():
        return out
    cand = st.loc[moved, ["prescription_id", "participant_id", "institution_id", "prev_inst"]]
    cand = cand.assign(adm=st.loc[moved, "date"], row=cand.index)
    r = ref[["participant_id", "from_institution_id", "to_institution_id", "date"]]
    m = cand.merge(
        r,
        left_on=["participant_id", "prev_inst", "institution_id"],
        right_on=["participant_id", "from_institution_id", "to_institution_id"],
        suffixes=("", "_ref"),
    )
    near = (m["date"] - m["adm"]).dt.days.abs() <= cfg.readmission_window_days
    out.loc[m.loc[near, "row"].unique()] = True
    return out


def _treatment_cycles(st: pd.DataFrame, cfg: SplitHospitalisationConfig) -> pd.Series:
    """Stays in a planned treatment series: treatment diagnosis, regular cadence.

    A series is a patient's stays at one institution with one diagnosis category. It
    is a treatment cycle when the diagnosis starts with one of
    ``treatment_diagnosis_prefixes``, it has at least ``treatment_min_cycles`` stays,
    the gaps between them are at least ``treatment_min_gap_days`` and regular
    (coefficient of variation of the admission intervals <= ``treatment_max_cv``).
    Cadence alone is not care (a ring meeting every 30 days is regular too), and a
    treatment diagnosis alone is not a cycle (back-to-back readmission with a cancer
    code is still the strongest split signal): it takes both.
    """
    prefixes = tuple(p.upper() for p in cfg.treatment_diagnosis_prefixes)
    treat = st["dx"].str.startswith(prefixes) if prefixes else pd.Series(False, index=st.index)
    out = pd.Series(False, index=st.index)
    if not treat.any():
        return out
    t = st[treat]
    for _, grp in t.groupby(["participant_id", "institution_id", "dx3"], sort=False):
        if len(grp) < cfg.treatment_min_cycles:
            continue
        adm = grp["date"].sort_values()
        intervals = adm.diff().dt.days.dropna().to_numpy(dtype=np.float64)
        gaps = (grp["date"] - grp["discharge"].shift()).dt.days.dropna()
        if intervals.size == 0 or float(gaps.min()) < cfg.treatment_min_gap_days:
            continue
        cv = float(intervals.std() / intervals.mean()) if intervals.mean() > 0 else 1.0
        if cv <= cfg.treatment_max_cv:
            out.loc[grp.index] = True
    return out


def _away(data: GraphData, st: pd.DataFrame, min_stay_days: int) -> pd.DataFrame:
    """Per stay, the settlements elsewhere strictly inside it, and on how many days."""
    rx = data.prescriptions
    other = rx[rx["visit_type"] != "inpatient"][
        ["prescription_id", "participant_id", "institution_id", "date"]
    ]
    long_stays = st[(st["discharge"] - st["date"]).dt.days >= min_stay_days][
        ["prescription_id", "participant_id", "institution_id", "date", "discharge"]
    ]
    m = long_stays.merge(other, on="participant_id", suffixes=("", "_o"))
    m = m[
        (m["institution_id_o"] != m["institution_id"])
        & (m["date_o"].dt.normalize() > m["date"].dt.normalize())
        & (m["date_o"].dt.normalize() < m["discharge"].dt.normalize())
    ]
    if m.empty:
        return pd.DataFrame({"ids": pd.Series(dtype=object), "days": pd.Series(dtype=int)})
    g = m.sort_values("prescription_id_o").groupby("prescription_id")
    return pd.DataFrame(
        {
            "ids": g["prescription_id_o"].agg(list),
            "days": g["date_o"].agg(lambda s: s.dt.normalize().nunique()),
        }
    )


@dataclass(frozen=True)
class UnitTest:
    """One admitting unit's binomial tests: a doctor at a hospital, or the hospital (doctor "")."""

    inst: str
    doctor: str
    stays: int
    counts: tuple[int, ...]  # flagged stays per statistic
    rates: tuple[float, ...]  # the null rate of each statistic
    log10_p: float  # Bonferroni-corrected maximum over the statistics


def hospital_groups(
    units: list[tuple[UnitTest, pd.DataFrame]], tests: int, floor: float
) -> list[tuple[list[UnitTest], pd.DataFrame]]:
    """Which units make a ring, one ring per hospital.

    The doctors at a hospital whose own test is significant form the ring together (a
    scheme of two doctors is one ring, not two halves); where no single doctor is
    significant, the hospital as a whole may be (a scheme spread thin over many
    doctors). Returns the significant units (strongest first) and their stays.
    """
    by_inst: dict[str, list[tuple[UnitTest, pd.DataFrame]]] = {}
    for t, grp in units:
        by_inst.setdefault(t.inst, []).append((t, grp))
    out: list[tuple[list[UnitTest], pd.DataFrame]] = []
    for inst in sorted(by_inst):
        sig = [
            (t, g)
            for t, g in by_inst[inst]
            if max(t.counts, default=0) > 0 and not weak(-t.log10_p, tests, floor)
        ]
        doctors = [(t, g) for t, g in sig if t.doctor]
        chosen = doctors or [(t, g) for t, g in sig if not t.doctor]
        if not chosen:
            continue
        chosen.sort(key=lambda tg: (tg[0].log10_p, tg[0].doctor))
        stays = pd.concat([g for _, g in chosen]).drop_duplicates("prescription_id")
        out.append(([t for t, _ in chosen], stays))
    return out


def unit_tests(
    st: pd.DataFrame, flags: tuple[str, str], doctor_col: str, floor: float
) -> tuple[list[tuple[UnitTest, pd.DataFrame]], int]:
    """Binomial tests of every hospital and every admitting doctor, on two stay flags.

    Null model: each stay carries a flag independently at the pooled rate of the
    *other* hospitals (Laplace-smoothed). Two passes, because a ring's own stays must
    not make its pattern look normal (nor one ring hide another): the first pass finds
    the hospitals that stand out; the second leaves them out of every base rate (as
    well as the hospital under test). Returns the second pass and the number of tests.
    """
    a_col, b_col = flags
    per = st.groupby("institution_id", sort=True)[[a_col, b_col]].agg(["sum", "count"])
    groups: list[tuple[str, str, pd.DataFrame]] = []
    for inst, grp in st.groupby("institution_id", sort=True):
        groups.append((str(inst), "", grp))
        for doc, dgrp in grp[grp[doctor_col] != ""].groupby(doctor_col, sort=True):
            groups.append((str(inst), str(doc), dgrp))
    tests = len(groups)

    def run(excluded: set[str]) -> list[tuple[UnitTest, pd.DataFrame]]:
        keep = per.loc[~per.index.isin(sorted(excluded))]
        n0 = int(keep[(a_col, "count")].sum())
        a0, b0 = int(keep[(a_col, "sum")].sum()), int(keep[(b_col, "sum")].sum())
        out: list[tuple[UnitTest, pd.DataFrame]] = []
        for inst, doc, grp in groups:
            n, a, b = n0, a0, b0
            if inst not in excluded:  # leave the hospital under test out of its own rate
                n -= int(per.loc[inst, (a_col, "count")])
                a -= int(per.loc[inst, (a_col, "sum")])
                b -= int(per.loc[inst, (b_col, "sum")])
            pa = min((a + 1) / (max(n, 0) + 2), 0.5)
            pb = min((b + 1) / (max(n, 0) + 2), 0.5)
            s, ra, rb = len(grp), int(grp[a_col].sum()), int(grp[b_col].sum())
            lp = bonferroni_max_log10([log10_binom_sf(ra, s, pa), log10_binom_sf(rb, s, pb)])
            out.append((UnitTest(inst, doc, s, (ra, rb), (pa, pb), lp), grp))
        return out

    first = run(set())
    outliers = {t.inst for t, _ in first if not weak(-t.log10_p, tests, floor)}
    return run(outliers), tests
