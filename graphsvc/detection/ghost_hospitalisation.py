"""Ghost hospitalisation (挂床住院): inpatients registered in a bed they are not in.

Clause: Hainan Art. 23(1).

Behaviour, from the seeds: a hospital keeps patients on its ward register (and bills
bed, nursing and treatment days) while they are at home. In the settlements the
patient buys at a pharmacy or sees a clinic elsewhere on days strictly inside the stay.

An ordinary inpatient sometimes has one stray settlement mid-stay (a relative buys
medicine on the patient's card), so one such stay proves nothing: the signal is the
*concentration* at one hospital or one admitting doctor. Method:

* An *away stay* is a stay of at least ``min_stay_days`` with settlements at other
  institutions strictly between admission and discharge; a *strong* away stay has
  them on ``strong_days_away`` or more distinct days.
* Units are every admitting doctor at a hospital and every hospital as a whole (a
  hospital may spread its ghost beds over many doctors). Null model: each stay is an
  away stay independently at the rate of all *other* hospitals (leave-one-out,
  Laplace-smoothed): ``P(Binomial(S, p0) >= r)`` for away and for strong away stays,
  combined as a Bonferroni-corrected maximum; tests = units examined.
* A hospital-wide ring is reported only where no single doctor there explains it, so
  one colluding doctor's ring does not come back with every stray patient of the
  hospital attached.
"""

from __future__ import annotations

import logging

import pandas as pd

from graphsvc.detection.common import Clustering, period, region_of_institutions, rows_by
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import (
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

TYPOLOGY = "ghost_hospitalisation"


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Hospitals / admitting doctors whose inpatients are elsewhere during their stays.

    >>> import pandas as pd
    >>> rows = []
    >>> for i in range(8):   # 8 inpatients of H1 who buy at pharmacy S1 mid-stay
    ...     rows += [(f"P{i}", f"A{i}", "H1", "D1", "2024-01-01", "2024-01-10", "inpatient"),
    ...              (f"P{i}", f"B{i}", "S1", None, "2024-01-04", None, "pharmacy"),
    ...              (f"P{i}", f"C{i}", "S1", None, "2024-01-06", None, "pharmacy")]
    >>> for i in range(300):  # ordinary stays at H1 and H2
    ...     rows += [(f"Q{i}", f"E{i}", "H1" if i % 2 else "H2", "D2", "2024-02-01",
    ...               "2024-02-08", "inpatient")]
    >>> rx = pd.DataFrame(rows, columns=["participant_id", "prescription_id", "institution_id",
    ...                                  "doctor_id", "date", "discharge_date", "visit_type"])
    >>> rx["diagnosis_code"], rx["fund_paid"] = "J18.9", 500.0
    >>> rings = detect(GraphData.create(prescriptions=rx), DetectConfig())
    >>> [(r.member_count, sorted({m.kind for m in r.members})) for r in rings]
    [(10, ['doctor', 'institution', 'participant'])]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    cfg = config.ghost_hospitalisation
    st = inpatient_stays(data, config)
    if st.empty:
        return []
    st = st[(st["discharge"] - st["date"]).dt.days >= cfg.min_stay_days].copy()
    if st.empty:
        return []
    st["away"] = st["away_days"] > 0
    st["strong"] = st["away_days"] >= cfg.strong_days_away
    st["doc"] = st["doctor_id"].astype(object).where(st["doctor_id"].notna(), "")
    units, tests = unit_tests(st, ("away", "strong"), "doc", config.scoring.min_adjusted_surprise)
    rings: list[Ring] = []
    for chosen, stays in hospital_groups(units, tests, config.scoring.min_adjusted_surprise):
        flagged = stays[stays["away"]]
        patients = sorted(set(flagged["participant_id"].astype(str)))
        if len(patients) < cfg.min_patients:
            continue
        rings.append(_ring(data, chosen, flagged, patients, tests, config))
    return rings


def _ring(
    data: GraphData,
    chosen: list[UnitTest],
    flagged: pd.DataFrame,
    patients: list[str],
    tests: int,
    config: DetectConfig,
) -> Ring:
    cfg = config.ghost_hospitalisation
    t = chosen[0]  # the strongest unit carries the statistic
    members = [Member("institution", t.inst, "hospital")]
    members += [Member("participant", p, "patient") for p in patients]
    doctors = [u.doctor for u in chosen if u.doctor]
    if not doctors:
        # Hospital-wide: name the admitting doctors with at least two away stays.
        docs = flagged.loc[flagged["doc"] != "", "doc"].value_counts()
        doctors = sorted(str(d) for d, n in docs.items() if n >= 2)
    members += [Member("doctor", d, "admitting doctor") for d in doctors]
    members = sort_members(members)
    implicated = rows_by(data, "prescriptions", "prescription_id").rows(flagged["prescription_id"])
    cash = money_at_risk(implicated)
    away_ids = sorted({i for ids in flagged["away_ids"] for i in ids})
    n_stays = sum(u.stays for u in chosen)
    n_away, n_strong = len(flagged), int(flagged["strong"].sum())
    where = (
        Msg(
            "reason.ghost_hospitalisation.where_doctors",
            hospital=t.inst,
            doctors=Join(doctors, "sep.enum"),
        )
        if chosen[0].doctor
        else Msg("reason.ghost_hospitalisation.where", hospital=t.inst)
    )
    (away, strong), (p_away, p_strong) = t.counts, t.rates
    use_strong = log10_binom_sf(strong, t.stays, p_strong) < log10_binom_sf(away, t.stays, p_away)
    who = (
        Msg("reason.ghost_hospitalisation.who_doctor", doctor=t.doctor)
        if t.doctor
        else Msg("reason.ghost_hospitalisation.who_hospital")
    )
    unit_key = (
        "reason.ghost_hospitalisation.unit.strong"
        if use_strong
        else "reason.ghost_hospitalisation.unit.away"
    )
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=strong if use_strong else away,
        expected=round(t.stays * (p_strong if use_strong else p_away), 4),
        **unit_texts(
            Msg(
                unit_key,
                who=who,
                stays=t.stays,
                days=cfg.strong_days_away,
            )
        ),
        **null_texts(
            Msg(
                "reason.ghost_hospitalisation.null",
                p_away=p_away,
                days=cfg.strong_days_away,
                p_strong=p_strong,
            )
        ),
        log10_p=t.log10_p,
        tests=tests,
    )
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.ghost_hospitalisation.stays",
            away=n_away,
            stays=n_stays,
            where=where,
            strong=n_strong,
            days=cfg.strong_days_away,
            settlements=len(away_ids),
            patients=len(patients),
        ).pair()
    )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(flagged["date"])
    evidence = [
        Evidence.said(
            ("participant", str(p)),
            ("institution", t.inst),
            "GHOST_STAY",
            float(d),
            Msg(
                "evidence_detail.ghost_stay",
                s=str(pid),
                n=int(d),
                ids=Join([str(i) for i in ids[:5]], "sep.list"),
            ),
        )
        for p, pid, d, ids in zip(
            flagged["participant_id"],
            flagged["prescription_id"],
            flagged["away_days"],
            flagged["away_ids"],
            strict=True,
        )
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_institutions(data, [t.inst]), evidence
    )
