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

import numpy as np
import pandas as pd

from graphsvc.detection.config import DetectConfig, SplitHospitalisationConfig
from graphsvc.detection.data import GraphData

COLUMNS = ["readmit", "referred", "cycle", "gap_days", "prev_id", "prev_inst", "away_days"]


def _empty(st: pd.DataFrame) -> pd.DataFrame:
    return st.assign(**{c: [] for c in COLUMNS}, away_ids=[])


def inpatient_stays(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """Every inpatient stay with its readmission, referral, cycle and away columns.

    Built once per GraphData and settings (split and ghost hospitalisation both read
    it); each caller gets its own copy to add columns to.
    """
    key = (
        "inpatient_stays",
        config.section_json("split_hospitalisation"),
        config.ghost_hospitalisation.min_stay_days,
    )
    return data.derived(key, lambda d: _inpatient_stays(d, config)).copy()


def _inpatient_stays(data: GraphData, config: DetectConfig) -> pd.DataFrame:
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
