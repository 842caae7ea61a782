"""Split hospitalisation (分解住院): one stay billed as several admissions.

Clause: Hainan Art. 23(1).

Behaviour, from the seeds: a patient who does not meet discharge criteria is
discharged and readmitted for the same condition, so each admission is paid again.
What that looks like in the settlements, and why the method is built so:

* A *readmission* is an inpatient stay that starts within ``readmission_window_days``
  (30) of the same patient's previous discharge with the same ICD-10 category, at the
  same institution **or another** (a sister hospital readmitting the patient is the
  same split). The window is wide on purpose: a cut at 15 days tells a ring to wait
  until day 16. Back-to-back readmissions (0-``back_to_back_days`` days) are the
  strongest sign and are tested on their own as well.
* Two named exemptions, each recorded on the ring with what it removed:
  ``treatment_cycle`` (a planned series: treatment diagnosis *and* regular cadence *and*
  no back-to-back gap, graphsvc.detection.stays) and ``referred_transfer`` (a referral
  record moved the patient from the previous institution). Neither spares a
  readmission the other conditions do not also fit.
* Tally per admitting doctor at the readmitting institution (a ward's one colluding
  doctor is diluted in a big hospital). Null model: every stay is a readmission
  independently at the rate of all *other* units (leave-one-out, Laplace-smoothed), so
  ``P(Binomial(S, p0) >= r)``; the two statistics (window, back-to-back) are combined
  as a Bonferroni-corrected maximum; tests = units examined.
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
from graphsvc.detection.stays import inpatient_stays
from graphsvc.detection.units import UnitTest, hospital_groups, unit_tests
from graphsvc.locale.msg import Join, Msg

log = logging.getLogger(__name__)

TYPOLOGY = "split_hospitalisation"


def _unit(st: pd.DataFrame) -> pd.Series:
    """The admitting doctor of each stay ("" when none is recorded)."""
    return st["doctor_id"].astype(object).where(st["doctor_id"].notna(), "")


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Admitting doctors (at an institution) whose patients are readmitted far too often.

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
    st = inpatient_stays(data, config)
    if st.empty:
        return []
    st["unit"] = _unit(st)
    st["cycle_ex"] = st["readmit"] & st["cycle"]
    st["referred_ex"] = st["readmit"] & st["referred"] & ~st["cycle"]
    st["split"] = st["readmit"] & ~st["cycle"] & ~st["referred"]
    st["b2b"] = st["split"] & (st["gap_days"] <= cfg.back_to_back_days)
    units, tests = unit_tests(st, ("split", "b2b"), "unit", config.scoring.min_adjusted_surprise)
    rings: list[Ring] = []
    for chosen, stays in hospital_groups(units, tests, config.scoring.min_adjusted_surprise):
        flagged = stays[stays["split"]]
        patients = sorted(set(flagged["participant_id"].astype(str)))
        if len(patients) < cfg.min_patients:
            continue
        rings.append(_ring(data, chosen, stays, flagged, patients, tests, config))
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
    cfg = config.split_hospitalisation
    t = chosen[0]  # the strongest unit carries the statistic
    inst, s, lp = t.inst, t.stays, t.log10_p
    (r_split, r_b2b), (p_split, p_b2b) = t.counts, t.rates
    lp_split = log10_binom_sf(r_split, s, p_split)
    lp_b2b = log10_binom_sf(r_b2b, s, p_b2b)
    doctors = [u.doctor for u in chosen if u.doctor]
    if not doctors:
        docs = flagged.loc[flagged["unit"] != "", "unit"].value_counts()
        doctors = sorted(str(d) for d, n in docs.items() if n >= 2)
    members = [Member("institution", inst, "institution")]
    members += [Member("participant", p, "patient") for p in patients]
    members += [Member("doctor", d, "admitting doctor") for d in doctors]
    # Sister hospitals: other institutions that discharged these patients just before
    # this unit readmitted them, at least twice (once may be the patient's own choice).
    elsewhere = flagged.loc[flagged["prev_inst"] != inst, "prev_inst"].value_counts()
    sisters = sorted(str(i) for i, n in elsewhere.items() if n >= 2)
    members += [Member("institution", i, "discharging institution") for i in sisters]
    members = sort_members(members)
    ids = set(flagged["prescription_id"]) | set(flagged["prev_id"].dropna())
    implicated = rows_by(data, "prescriptions", "prescription_id").rows(ids)
    cash = money_at_risk(implicated)
    n_stays, n_split = len(grp), len(flagged)
    n_b2b = int((flagged["gap_days"] <= cfg.back_to_back_days).sum())
    where = (
        Msg(
            "reason.split_hospitalisation.where_doctors",
            institution=inst,
            doctors=Join(doctors, "sep.enum"),
        )
        if doctors
        else Msg("reason.split_hospitalisation.where", institution=inst)
    )
    who = (
        Msg("reason.split_hospitalisation.who_doctor", doctor=t.doctor)
        if t.doctor
        else Msg("reason.split_hospitalisation.who_institution")
    )
    strongest_b2b = lp_b2b < lp_split
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=r_b2b if strongest_b2b else r_split,
        expected=round(s * (p_b2b if strongest_b2b else p_split), 4),
        **unit_texts(
            Msg(
                "reason.split_hospitalisation.unit",
                who=who,
                stays=s,
                days=cfg.back_to_back_days if strongest_b2b else cfg.readmission_window_days,
            )
        ),
        **null_texts(
            Msg(
                "reason.split_hospitalisation.null",
                p_split=p_split,
                window=cfg.readmission_window_days,
                p_b2b=p_b2b,
                b2b=cfg.back_to_back_days,
            )
        ),
        log10_p=lp,
        tests=tests,
        exemptions=[
            Exemption.of(
                "treatment_cycle",
                Msg("reason.split_hospitalisation.exempt.treatment_cycle"),
                int(grp["cycle_ex"].sum()),
                Msg("reason.split_hospitalisation.unit.readmissions"),
            ),
            Exemption.of(
                "referred_transfer",
                Msg("reason.split_hospitalisation.exempt.referred_transfer"),
                int(grp["referred_ex"].sum()),
                Msg("reason.split_hospitalisation.unit.readmissions"),
            ),
        ],
    )
    gaps = flagged["gap_days"].dropna()
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.split_hospitalisation.stays",
            split=n_split,
            stays=n_stays,
            where=where,
            low=int(gaps.min()),
            high=int(gaps.max()),
            b2b=n_b2b,
            days=cfg.back_to_back_days,
            patients=len(patients),
        ).pair()
    )
    if sisters:
        reasons.add(
            *Msg(
                "reason.split_hospitalisation.sisters",
                sisters=Join(sisters, "sep.enum"),
                readmissions=int(elsewhere[sisters].sum()),
            ).pair()
        )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(flagged["date"])
    evidence = [
        Evidence.said(
            ("participant", str(p)),
            ("institution", inst),
            "SPLIT_STAY",
            float(g) if not np.isnan(g) else 0.0,
            Msg("evidence_detail.split_stay", s=str(pid), n=int(g), p=str(prev))
            if pi == inst
            else Msg("evidence_detail.split_stay_at", s=str(pid), n=int(g), p=str(prev), i=str(pi)),
        )
        for p, pid, g, prev, pi in zip(
            flagged["participant_id"],
            flagged["prescription_id"],
            flagged["gap_days"],
            flagged["prev_id"],
            flagged["prev_inst"],
            strict=True,
        )
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_institutions(data, [inst]), evidence
    )
