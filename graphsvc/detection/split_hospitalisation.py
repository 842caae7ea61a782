"""Split and ghost hospitalisation at an institution (分解住院、挂床住院).

Clause: Hainan Art. 23(1).

Method, and why:

* A *split readmission* is an inpatient stay followed, at the same institution and for
  the same diagnosis category (first ``diagnosis_prefix`` characters of ICD-10), by a
  new admission within ``readmission_window_days`` of discharge: one stay billed as
  two. Chemotherapy cycles and other planned readmissions come weeks apart, so a
  short window keeps them out.
* A *ghost stay* is a registered stay during which the patient settles visits or
  purchases at other institutions (strictly between admission and discharge days):
  the patient was not in the bed.
* Both are tallied per admitting doctor at an institution (a ward's one colluding
  doctor is diluted in a big hospital). Chance model: with the rate ``p0`` of split
  (or ghost) stays everywhere else (leave-one-out, Laplace-smoothed), a doctor with
  ``S`` stays and ``r`` such stays has surprise ``-log10 P(Binomial(S, p0) >= r)``,
  summed over the two patterns. Tests = doctors examined. The ring is the
  institution, the doctor and the patients.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    Clustering,
    fmt_money,
    fmt_p,
    money,
    period,
    region_of_institutions,
)
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.rings import (
    Evidence,
    Member,
    Reasons,
    Ring,
    log10_binom_sf,
    sort_members,
    weak,
)

log = logging.getLogger(__name__)

TYPOLOGY = "split_hospitalisation"


def stays_of(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """Inpatient stays with split-readmission and ghost flags."""
    cfg = config.split_hospitalisation
    rx = data.prescriptions
    st = rx[(rx["visit_type"] == "inpatient") & rx["date"].notna()].copy()
    if st.empty:
        return st.assign(split=[], ghost=[], prev_id=[], ghost_ids=[])
    st["discharge"] = st["discharge_date"].fillna(st["date"])
    st["dx"] = st["diagnosis_code"].fillna("").astype(str).str[: cfg.diagnosis_prefix]
    st = st.sort_values(
        ["participant_id", "institution_id", "dx", "date", "prescription_id"], kind="stable"
    ).reset_index(drop=True)
    same = (
        (st["participant_id"] == st["participant_id"].shift())
        & (st["institution_id"] == st["institution_id"].shift())
        & (st["dx"] == st["dx"].shift())
        & (st["dx"] != "")
    )
    gap = (st["date"] - st["discharge"].shift()).dt.days
    st["split"] = same & (gap >= 0) & (gap <= cfg.readmission_window_days)
    st["prev_id"] = st["prescription_id"].shift().where(st["split"], None)
    st["gap_days"] = gap.where(st["split"])

    # Ghost stays: other-institution settlements strictly inside a stay.
    other = rx[rx["visit_type"] != "inpatient"][
        ["prescription_id", "participant_id", "institution_id", "date"]
    ]
    long_stays = st[(st["discharge"] - st["date"]).dt.days >= 2][
        ["prescription_id", "participant_id", "institution_id", "date", "discharge"]
    ]
    m = long_stays.merge(other, on="participant_id", suffixes=("", "_o"))
    m = m[
        (m["institution_id_o"] != m["institution_id"])
        & (m["date_o"] > m["date"])
        & (m["date_o"] < m["discharge"])
    ]
    ghost_ids = m.groupby("prescription_id")["prescription_id_o"].agg(lambda s: sorted(s))
    st["ghost_ids"] = st["prescription_id"].map(ghost_ids)
    st["ghost"] = st["ghost_ids"].notna()
    return st


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Institutions where many patients' stays are split or not real.

    >>> import pandas as pd
    >>> rows = []
    >>> for i in range(6):   # 6 patients, each stay split in two with one day between
    ...     rows += [(f"A{i}", "H1", "2024-01-01", "2024-01-10", "J18.9"),
    ...              (f"B{i}", "H1", "2024-01-11", "2024-01-20", "J18.1")]
    >>> for i in range(200):  # ordinary stays at H1 and H2
    ...     rows += [(f"C{i}", "H1" if i % 2 else "H2", "2024-02-01", "2024-02-05", "I10")]
    >>> rx = pd.DataFrame(rows, columns=["prescription_id", "institution_id", "date",
    ...                                  "discharge_date", "diagnosis_code"])
    >>> rx["participant_id"] = [f"P{int(x[1:]) if x[0] in 'AB' else 100 + int(x[1:])}"
    ...                         for x in rx["prescription_id"]]
    >>> rx["visit_type"], rx["fund_paid"] = "inpatient", 1000.0
    >>> rings = detect(GraphData.create(prescriptions=rx), DetectConfig())
    >>> [(r.member_count, r.members[0].id) for r in rings]
    [(7, 'H1')]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    cfg = config.split_hospitalisation
    st = stays_of(data, config)
    if st.empty:
        return []
    n_stays = len(st)
    all_split = int(st["split"].sum())
    all_ghost = int(st["ghost"].sum())
    # Tally per admitting doctor at an institution (the institution alone when no
    # doctor is recorded): a ward's one colluding doctor is diluted in a big hospital.
    st["unit"] = st["doctor_id"].astype(object).where(st["doctor_id"].notna(), "")
    by_unit = st.groupby(["institution_id", "unit"], sort=True)
    tests = by_unit.ngroups
    rx = data.prescriptions
    rings: list[Ring] = []
    for (inst, unit), grp in by_unit:
        s = len(grp)
        r_split = int(grp["split"].sum())
        r_ghost = int(grp["ghost"].sum())
        # Base rates of every other institution (leave-one-out, Laplace-smoothed), so an
        # institution splitting many stays does not make splitting look normal.
        p_split = min((all_split - r_split + 1) / (n_stays - s + 2), 0.5)
        p_ghost = min((all_ghost - r_ghost + 1) / (n_stays - s + 2), 0.5)
        lp_split = log10_binom_sf(r_split, s, p_split)
        lp_ghost = log10_binom_sf(r_ghost, s, p_ghost)
        surprise = -(lp_split + lp_ghost)
        if weak(surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        flagged = grp[grp["split"] | grp["ghost"]]
        patients = sorted(set(flagged["participant_id"].astype(str)))
        if len(patients) < cfg.min_patients:
            continue
        members = [Member("institution", str(inst), "institution")]
        members += [Member("participant", p, "patient") for p in patients]
        if unit:
            members.append(Member("doctor", str(unit), "admitting doctor"))
        split_ids = set(flagged.loc[flagged["split"], "prescription_id"]) | set(
            flagged.loc[flagged["split"], "prev_id"].dropna()
        )
        ghost_stay_ids = set(flagged.loc[flagged["ghost"], "prescription_id"])
        ghost_other: set[str] = set()
        for ids in flagged.loc[flagged["ghost"], "ghost_ids"]:
            ghost_other.update(ids)
        implicated = rx[rx["prescription_id"].isin(split_ids | ghost_stay_ids | ghost_other)]
        amount = money(implicated)
        reasons = Reasons()
        where = f"institution {inst}" + (f" with doctor {unit}" if unit else "")
        where_zh = f"定点医疗机构{inst}" + (f"由医师{unit}收治" if unit else "")
        if r_split:
            gaps = flagged["gap_days"].dropna()
            max_gap = int(gaps.max()) if len(gaps) else 0
            reasons.add(
                f"{r_split} of {s} stays at {where} are readmissions for the same "
                f"diagnosis within {max_gap} days of discharge "
                f"(rate elsewhere {p_split:.3%}; chance {fmt_p(lp_split)})",
                f"{where_zh}的{s}次住院中，有{r_split}次为出院后{max_gap}日内"
                f"以相同诊断再次入院（其他机构该比例为{p_split:.3%}；偶然发生的概率"
                f"{fmt_p(lp_split)}），疑似分解住院",
            )
        if r_ghost:
            reasons.add(
                f"{r_ghost} stays have settlements at other institutions during the stay "
                f"(rate elsewhere {p_ghost:.3%}; chance {fmt_p(lp_ghost)})",
                f"{r_ghost}次住院期间患者在其他机构另有结算记录，疑似挂床住院"
                f"（其他机构该比例为{p_ghost:.3%}；偶然发生的概率{fmt_p(lp_ghost)}）",
            )
        reasons.add(
            f"{len(patients)} patients involved; {len(implicated)} settlements, fund paid "
            f"{fmt_money(amount)} ({tests} institutions examined)",
            f"涉及患者{len(patients)}名；结算{len(implicated)}笔，统筹基金支付"
            f"{fmt_money(amount)}（共检查{tests}家机构）",
        )
        start, end = period(flagged["date"])
        evidence = [
            Evidence(
                ("participant", str(p)),
                ("institution", str(inst)),
                "SPLIT_STAY" if sp else "GHOST_STAY",
                float(g) if sp and not np.isnan(g) else 1.0,
                f"stay {pid}"
                + (
                    f" readmitted {int(g)} days after {prev}"
                    if sp
                    else " with settlements elsewhere during the stay"
                ),
            )
            for p, pid, sp, g, prev in zip(
                flagged["participant_id"],
                flagged["prescription_id"],
                flagged["split"],
                flagged["gap_days"],
                flagged["prev_id"],
                strict=True,
            )
        ][:200]
        rings.append(
            Ring(
                typology=TYPOLOGY,
                members=sort_members(members),
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=surprise,
                tests=tests,
                amount_at_risk=amount,
                period_start=start,
                period_end=end,
                region_code=region_of_institutions(data, [str(inst)]),
                evidence=evidence,
            )
        )
    return rings
