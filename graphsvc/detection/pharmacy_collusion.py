"""Doctor-pharmacy collusion and drug resale (回流药).

Clause: Hainan Art. 23(5) (helping patients resell drugs) and Art. 24(4) (reselling).

Two patterns, merged when they meet at the same pharmacy and doctor (the doctor who
first prescribed a resold pack):

* *Steering*: a doctor's prescriptions filled at pharmacies (pharmacy settlements with
  the doctor as prescriber) go to one pharmacy for far more of the doctor's patients than
  their own habits and their region explain. Patients, not fills, are the trials (a
  patient's pharmacy choice is one choice repeated, issue #11): of the doctor's recurring
  patients, ``c`` fill the doctor's prescriptions mainly at the pharmacy, each with chance
  ``pi_p`` under the null = the pharmacy's share of ``p``'s other pharmacy purchases (over
  the counter included) smoothed towards the share of ``p``'s region's patients whose main
  pharmacy it is. Chance: ``-log10 P(S >= c)``, ``S`` Poisson-binomial over the ``pi_p``.
  The ring is the doctor, the pharmacy and the patients who chose it and for whom it is
  not their usual pharmacy, with the same high-value items where line items exist. Most of
  those fills must come without a visit to the doctor in the ``visit_window_days`` before
  (or during a stay): a designated (DTP) pharmacy dispensing an oncologist's drugs after
  each chemotherapy stay is care, not steering.
* *Resale*: a drug pack's trace code settled more than once. Chance: trace codes are
  unique by law; a code seen twice is at worst a data-entry error at rate
  ``trace_error_rate`` per pack; ``-log10 P(Poisson(packs * rate) >= repeats)`` per
  pharmacy. The ring is the pharmacy that re-sold packs and the patients whose packs
  came back.

Tests = doctors examined + pharmacies examined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    Clustering,
    fmt_money,
    period,
    region_of_institutions,
    rows_by,
)
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import (
    Exemption,
    Finding,
    fisher_log10,
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
    log10_poisson_sf,
    sort_members,
    weak,
)
from graphsvc.locale.msg import Msg

log = logging.getLogger(__name__)

TYPOLOGY = "pharmacy_collusion"
TRACE_ERROR_RATE = 1e-4


@dataclass
class _Candidate:
    pharmacy: str
    doctor: str = ""
    members: list[Member] = field(default_factory=list)
    reasons: Reasons = field(default_factory=Reasons)
    surprise: float = 0.0
    settlements: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _visited(
    rx: pd.DataFrame, fills: pd.DataFrame, window_days: int, outpatient: bool = False
) -> set[str]:
    """Fills inside or just after a stay with the prescriber (and, if ``outpatient``,
    after an outpatient visit with them).

    An outpatient consultation alone does not excuse a fill by default: a ring puts a
    short consultation before each fill as easily as not (issue #11, "a short
    consultation before each pharmacy fill"), a chemotherapy stay it does not.

    >>> rx = pd.DataFrame({"prescription_id": ["V", "S", "F1", "F2"],
    ...     "participant_id": "P", "doctor_id": "D",
    ...     "visit_type": ["outpatient", "inpatient", "pharmacy", "pharmacy"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-02", "2024-02-05"]),
    ...     "discharge_date": pd.to_datetime([None, "2024-02-03", None, None])})
    >>> fills = rx[rx["visit_type"] == "pharmacy"]
    >>> sorted(_visited(rx, fills, 7)), sorted(_visited(rx, fills, 7, outpatient=True))
    (['F2'], ['F1', 'F2'])
    """
    kinds = ["outpatient", "inpatient"] if outpatient else ["inpatient"]
    visits = rx[rx["visit_type"].isin(kinds) & rx["doctor_id"].notna()]
    visits = visits[["participant_id", "doctor_id", "date", "discharge_date"]].drop_duplicates()
    end = visits["discharge_date"].where(visits["discharge_date"].notna(), visits["date"])
    visits = visits.assign(until=end + pd.Timedelta(days=window_days))
    m = fills[["prescription_id", "participant_id", "doctor_id", "date"]].merge(
        visits[["participant_id", "doctor_id", "date", "until"]],
        on=["participant_id", "doctor_id"],
        suffixes=("", "_v"),
    )
    m = m[(m["date_v"] <= m["date"]) & (m["date"] <= m["until"])]
    return set(m["prescription_id"])


def _main_share(n_p_ph: pd.Series, region: pd.Series) -> dict[tuple[object, str], float]:
    """(region, pharmacy) -> share of the region's purchasing patients whose main pharmacy
    (most of all their pharmacy purchases; ties to the smaller id) it is: the null of a
    patient's choice, counted per patient (a pharmacy many of the county's patients use
    as theirs is expected for a doctor's patients too). Key ``(region, "")`` holds the
    floor of the region: half a patient's share.

    >>> n = pd.Series({("A", "S1"): 3, ("A", "S2"): 1, ("B", "S1"): 1, ("C", "S2"): 2})
    >>> r = pd.Series({"A": "R", "B": "R", "C": "R"})
    >>> sorted((k[1], round(v, 3)) for k, v in _main_share(n, r).items())
    [('', 0.125), ('S1', 0.667), ('S2', 0.333)]
    """
    if n_p_ph.empty:
        return {}
    t = n_p_ph.rename("k").reset_index()
    t.columns = pd.Index(["participant_id", "institution_id", "k"])
    t = t.sort_values(["participant_id", "k", "institution_id"], ascending=[True, False, True])
    main = t.drop_duplicates("participant_id", keep="first")
    reg = main["participant_id"].map(region).astype(object)
    main = main.assign(region=reg.where(reg.notna(), "?"))
    counts = main.groupby(["region", "institution_id"]).size()
    totals = main.groupby("region").size()
    shares = counts / counts.index.get_level_values(0).map(totals).to_numpy()
    out: dict[tuple[object, str], float] = {}
    for (r, ph), v in shares.items():
        out[(r, str(ph))] = float(v)
    out.update({(r, ""): 0.5 / (float(v) + 1.0) for r, v in totals.items()})
    return out


def _prior(share_of: dict[tuple[object, str], float], region: object, ph: str) -> float:
    """The region's main-pharmacy share of ``ph``; a pharmacy no patient of the region
    calls theirs gets half a patient's share (a floor, so that no null is zero)."""
    floor = share_of.get((region, ""), 1e-3)
    return max(share_of.get((region, ph), 0.0), floor)


def log10_poisson_binom_sf(k: int, probs: np.ndarray) -> float:
    """log10 P(S >= k), S the number of successes of independent trials with chances
    ``probs`` (Poisson-binomial; exact, by dynamic programming truncated at ``k``).

    >>> round(log10_poisson_binom_sf(2, np.array([0.5, 0.5])), 4)
    -0.6021
    >>> log10_poisson_binom_sf(0, np.array([0.1]))
    0.0
    """
    if k <= 0:
        return 0.0
    pmf = np.zeros(k + 1)
    pmf[0] = 1.0
    for q in np.clip(probs, 0.0, 1.0):
        top = pmf[k] + pmf[k - 1] * q
        pmf[1:] = pmf[1:] * (1.0 - q) + pmf[:-1] * q
        pmf[0] *= 1.0 - q
        pmf[k] = top
    return float(np.log10(max(float(pmf[k]), 1e-300)))


def _steering(data: GraphData, config: DetectConfig) -> tuple[list[_Candidate], int]:
    cfg = config.pharmacy_collusion
    rx = data.prescriptions
    fills = rx[(rx["visit_type"] == "pharmacy") & rx["doctor_id"].notna()][
        ["prescription_id", "participant_id", "institution_id", "doctor_id", "date"]
    ]
    if fills.empty:
        return [], 0
    # The patients' own habits: where each patient fills prescriptions of *other*
    # prescribers and over-the-counter purchases. The doctor's fills are expected where
    # the patients shop anyway (their neighbourhood pharmacy). Every pharmacy purchase
    # counts: pharmacy settlements, with or without a prescriber, and any settlement at
    # an institution of kind pharmacy (issue #11 item 4).
    kinds = data.institutions.drop_duplicates("institution_id").set_index("institution_id")
    shops = set(kinds.index[kinds["kind"].astype(str) == "pharmacy"]) if "kind" in kinds else set()
    all_fills = rx[(rx["visit_type"] == "pharmacy") | rx["institution_id"].isin(shops)][
        ["prescription_id", "participant_id", "institution_id", "doctor_id"]
    ]
    n_p = all_fills.groupby("participant_id").size()
    n_p_ph = all_fills.groupby(["participant_id", "institution_id"]).size()
    # Prior: the share of the region's patients whose *main* pharmacy (most of all their
    # pharmacy purchases) is the pharmacy, counted per patient, not per fill.
    region = data.participants.drop_duplicates("participant_id").set_index("participant_id")[
        "region_code"
    ]
    share_of = _main_share(n_p_ph, region)
    per_doc = fills.groupby("doctor_id").size()
    per_doc_ph = fills.groupby(["doctor_id", "institution_id"]).size()
    dp = fills.groupby(["doctor_id", "participant_id"]).size().rename("f").reset_index()
    dpph = fills.groupby(["doctor_id", "participant_id", "institution_id"]).size()
    items_all = data.items
    high_cut = (
        float(items_all["unit_price"].quantile(cfg.high_value_quantile))
        if len(items_all)
        else float("inf")
    )
    pairs = per_doc_ph.rename("c").reset_index()
    pairs["n"] = pairs["doctor_id"].map(per_doc)
    tests = max(int((pairs["c"] >= cfg.min_doctor_fills).sum()), 1)
    pairs = pairs[(pairs["c"] >= cfg.min_doctor_fills) & (pairs["c"] >= cfg.min_share * pairs["n"])]
    pairs = pairs.sort_values(["doctor_id", "institution_id"], kind="stable")
    dp_of = {str(k): g for k, g in dp[dp["doctor_id"].isin(set(pairs["doctor_id"]))].groupby(
        "doctor_id")}  # fmt: skip
    visited: set[str] | None = None
    care_home: set[str] = set()
    # Row positions of each (doctor, pharmacy)'s fills and the line items of a settlement,
    # looked up per candidate instead of scanning the fills and the items each time.
    fills_at = fills.groupby(["doctor_id", "institution_id"], sort=False).indices
    item_rows = rows_by(data, "items", "prescription_id")
    # Plain dicts of the counts and shares: a pandas lookup per patient per candidate
    # was most of this step's time.
    dpph_of, n_p_ph_of = dpph.to_dict(), n_p_ph.to_dict()
    region_of = region.to_dict()
    out: list[_Candidate] = []
    for d, ph, c, n in zip(pairs["doctor_id"], pairs["institution_id"], pairs["c"], pairs["n"],
                           strict=True):  # fmt: skip
        d, ph, c, n = str(d), str(ph), int(c), int(n)
        pts = dp_of[d]
        # Patients, not fills: a patient's pharmacy choice is one choice repeated. X_p:
        # ph is where p fills most (and >= min_recurring_fills) of d's prescriptions.
        # P(X_p) under the null: p's own habit at ph (every other pharmacy purchase, over
        # the counter included), smoothed towards the share of p's region's patients whose
        # main pharmacy ph is, with the weight of ``habit_prior_fills`` purchases.
        # The trials are the doctor's recurring patients (>= min_recurring_fills fills of
        # d's prescriptions anywhere): a patient with one fill cannot have chosen a main
        # pharmacy and would only swell the expectation.
        pts = pts[pts["f"] >= cfg.min_recurring_fills]
        pids = pts["participant_id"]
        own = pts["f"].to_numpy(dtype=float)
        other_n = pids.map(n_p).to_numpy(dtype=float) - own
        mine_ph = np.array([dpph_of.get((d, p, ph), 0) for p in pids], dtype=float)
        other_ph = np.array([n_p_ph_of.get((p, ph), 0) for p in pids], dtype=float) - mine_ph
        prior = np.array([_prior(share_of, region_of.get(p, "?"), ph) for p in pids])
        wp = cfg.habit_prior_fills
        prob = (other_ph + wp * prior) / (other_n + wp)
        chose = (mine_ph >= cfg.min_recurring_fills) & (2 * mine_ph > own)
        c_pat = int(chose.sum())
        expected = float(prob.sum())
        share = c / n
        if c_pat < cfg.min_recurring_patients or c_pat < cfg.min_lift * expected:
            continue
        lp = log10_poisson_binom_sf(c_pat, prob)
        if weak(-lp, tests, config.scoring.min_adjusted_surprise):
            continue
        habit_share = f"{float(prob[chose].mean()):.0%}"
        mine = fills.iloc[np.sort(fills_at[(d, ph)])]
        per_patient = mine.groupby("participant_id").size()
        # Patients who chose ph and for whom it is not their usual pharmacy: the doctor's
        # chronic patients refilling at their neighbourhood pharmacy are not steered.
        usual = prob > cfg.max_habit_share
        recurring = set(pids[chose & ~usual].astype(str))
        habitual = int((chose & usual).sum())
        if len(recurring) < cfg.min_recurring_patients:
            continue
        rec_fills = mine[mine["participant_id"].isin(recurring)]
        items = item_rows.rows(rec_fills["prescription_id"])
        hv = items[items["unit_price"] >= high_cut]
        if visited is None:
            visited = _visited(rx, fills, cfg.visit_window_days, cfg.outpatient_visit_excuses_fill)
            # Care homes: the visiting doctor's round, then staff fetch the residents'
            # medicines; an outpatient round excuses the fills of residents of an
            # address shared by many (a ring registered at one address shows there).
            ids = data.identifiers
            addr = ids[ids["kind"] == "address"][["participant_id", "value"]].drop_duplicates()
            size = addr.groupby("value")["participant_id"].transform("nunique")
            residents = set(addr.loc[size >= cfg.care_home_min_residents, "participant_id"])
            rounds = _visited(rx, fills[fills["participant_id"].isin(residents)],
                              cfg.visit_window_days, True)  # fmt: skip
            care_home = rounds - visited
            visited = visited | rounds
        unvisited = int((~rec_fills["prescription_id"].isin(visited)).sum())
        excused_home = int(rec_fills["prescription_id"].isin(care_home).sum())
        if unvisited < cfg.min_unvisited_share * len(rec_fills):
            continue  # the fills follow consultations (e.g. a designated DTP pharmacy)
        cand = _Candidate(pharmacy=ph, doctor=d, surprise=-lp)
        cand.findings.append(
            Finding(
                typology=TYPOLOGY,
                clause="",
                members=[],
                observed=c_pat,
                expected=round(expected, 4),
                **unit_texts(Msg("reason.pharmacy_collusion.unit", doctor=d, pharmacy=ph)),
                **null_texts(
                    Msg(
                        "reason.pharmacy_collusion.null",
                        prior=cfg.habit_prior_fills,
                        patients=len(pids),
                        each=cfg.min_recurring_fills,
                    )
                ),
                log10_p=lp,
                tests=tests,
                exemptions=[
                    Exemption.of(
                        "usual_pharmacy",
                        Msg("reason.pharmacy_collusion.exempt.usual_pharmacy"),
                        habitual,
                        Msg("reason.pharmacy_collusion.unit.recurring"),
                    ),
                    Exemption.of(
                        "care_home",
                        Msg("reason.pharmacy_collusion.exempt.care_home"),
                        excused_home,
                        Msg("reason.pharmacy_collusion.unit.fills"),
                    ),
                ],
            )
        )
        cand.members = [
            Member("doctor", d, "hub doctor"),
            Member("institution", ph, "pharmacy"),
        ] + [Member("participant", p, "patient") for p in sorted(recurring)]
        cand.settlements = set(rec_fills["prescription_id"])
        cand.reasons.add(
            *Msg(
                "reason.pharmacy_collusion.fills",
                chose=c_pat,
                patients=len(pids),
                each=cfg.min_recurring_fills,
                c=c,
                n=n,
                doctor=d,
                share=share,
                pharmacy=ph,
                expected=expected,
                habit=habit_share,
            ).pair()
        )
        cand.reasons.add(
            *Msg(
                "reason.pharmacy_collusion.recurring",
                patients=len(recurring),
                fills=len(rec_fills),
                each=cfg.min_recurring_fills,
                unvisited=unvisited,
                days=cfg.visit_window_days,
            ).pair()
        )
        if len(hv):
            top_items = hv.groupby("item_code").size().sort_values(ascending=False)
            cand.reasons.add(
                *Msg(
                    "reason.pharmacy_collusion.high_value",
                    lines=len(hv),
                    price=fmt_money(high_cut),
                    item=str(top_items.index[0]),
                    times=int(top_items.iloc[0]),
                ).pair()
            )
        cand.evidence.append(
            Evidence.said(
                ("doctor", d),
                ("institution", ph),
                "STEERS_TO",
                float(share),
                Msg(
                    "evidence_detail.steers_to_patients",
                    cp=c_pat,
                    np=len(pids),
                    c=c,
                    n=n,
                    e=f"{expected:.1f}",
                ),
            )
        )
        cand.evidence += [
            Evidence.said(
                ("participant", str(p)),
                ("institution", ph),
                "FILLS_AT",
                float(k),
                Msg("evidence_detail.fills_at", k=int(k), d=str(d)),
            )
            for p, k in per_patient.items()
            if str(p) in recurring
        ]
        out.append(cand)
    return out, tests


def _resale(data: GraphData, config: DetectConfig) -> tuple[list[_Candidate], int]:
    cfg = config.pharmacy_collusion
    items = data.items[data.items["trace_code"].notna()][["prescription_id", "trace_code"]]
    if items.empty:
        return [], 0
    items = items.drop_duplicates()
    rx = data.prescriptions[
        ["prescription_id", "participant_id", "institution_id", "doctor_id", "date"]
    ]
    # Settlements with traced packs per pharmacy: the exposure of the error-rate null.
    traced = rx[rx["prescription_id"].isin(pd.Index(items["prescription_id"].unique()))]
    packs_at = traced.groupby("institution_id").size()
    tests = len(packs_at)
    dup = items[items["trace_code"].duplicated(keep=False)]
    if dup.empty:
        return [], tests
    dup = dup.merge(rx, on="prescription_id").sort_values(
        ["trace_code", "date", "prescription_id"], kind="stable"
    )
    dup = dup[dup.groupby("trace_code")["prescription_id"].transform("nunique")
              >= cfg.min_resale_settlements].copy()  # fmt: skip
    if dup.empty:
        return [], tests
    dup["rank"] = dup.groupby("trace_code").cumcount()
    first = dup[dup["rank"] == 0].set_index("trace_code")
    resold = dup[dup["rank"] > 0]
    # The same card at the same pharmacy again is no resale: a pack dispensed in halves
    # (拆零) or a settlement refunded and re-entered at the counter. Resale puts the pack
    # on another card (or through another shop).
    same_card = (
        resold["participant_id"].to_numpy()
        == resold["trace_code"].map(first["participant_id"]).to_numpy()
    ) & (
        resold["institution_id"].to_numpy()
        == resold["trace_code"].map(first["institution_id"]).to_numpy()
    )
    resold = resold[~same_card]
    if resold.empty:
        return [], tests
    out: list[_Candidate] = []
    # Group resold packs by the re-selling pharmacy and the doctor who prescribed the
    # pack the first time: two doctors' rings feeding one shop are two rings.
    first_doc = first["doctor_id"].astype(object)
    resold = resold.assign(
        first_doctor=resold["trace_code"].map(first_doc.where(first_doc.notna(), ""))
    )
    for (ph, doc), grp in resold.groupby(["institution_id", "first_doctor"], sort=True):
        repeats = len(grp)
        packs = int(packs_at.get(ph, repeats))
        lp = log10_poisson_sf(repeats, packs * TRACE_ERROR_RATE)
        codes = sorted(set(grp["trace_code"]))
        sellers = sorted(set(first.loc[codes, "participant_id"].astype(str)))
        cand = _Candidate(pharmacy=str(ph), doctor=str(doc), surprise=-lp)
        cand.findings.append(
            Finding(
                typology=TYPOLOGY,
                clause="",
                members=[],
                observed=repeats,
                expected=round(packs * TRACE_ERROR_RATE, 6),
                **unit_texts(Msg("reason.pharmacy_collusion.unit.resold", pharmacy=ph)),
                **null_texts(
                    Msg("reason.pharmacy_collusion.null.resold", rate=TRACE_ERROR_RATE, packs=packs)
                ),
                log10_p=lp,
                tests=tests,
            )
        )
        cand.members = [Member("institution", str(ph), "pharmacy")] + [
            Member("participant", p, "reseller") for p in sellers
        ]
        if doc:
            cand.members.append(Member("doctor", str(doc), "prescribing doctor"))
        cand.settlements = set(grp["prescription_id"]) | set(first.loc[codes, "prescription_id"])
        cand.reasons.add(
            *Msg(
                "reason.pharmacy_collusion.resold",
                pharmacy=ph,
                repeats=repeats,
                codes=len(codes),
                sellers=len(sellers),
            ).pair()
        )
        cand.evidence += [
            Evidence.said(
                ("participant", str(first.loc[code, "participant_id"])),
                ("institution", str(ph)),
                "RESOLD_AT",
                1.0,
                Msg("evidence_detail.resold_at", c=str(code)[-6:], p=str(pid)),
            )
            for code, pid in zip(grp["trace_code"], grp["prescription_id"], strict=True)
        ][:200]
        out.append(cand)
    return out, tests


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Doctor-to-pharmacy steering with recurring patients, and resold drug packs.

    >>> import pandas as pd
    >>> rows = [(f"X{i}", f"P{i % 4}", "S1", "D1") for i in range(24)]   # D1 steers to S1
    >>> rows += [(f"Y{i}", f"Q{i}", f"S{2 + i % 3}", f"D{2 + i % 3}") for i in range(60)]
    >>> rx = pd.DataFrame(rows, columns=["prescription_id", "participant_id",
    ...                                  "institution_id", "doctor_id"])
    >>> rx["visit_type"], rx["date"], rx["fund_paid"] = "pharmacy", "2024-04-01", 80.0
    >>> rings = detect(GraphData.create(prescriptions=rx), DetectConfig())
    >>> [(r.members[0].id, r.member_count) for r in rings]
    [('D1', 6)]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    steer, t1 = _steering(data, config)
    resale, t2 = _resale(data, config)
    tests = max(t1 + t2, 1)
    merged: dict[tuple[str, str], _Candidate] = {}
    for cand in [*steer, *resale]:
        key = (cand.pharmacy, cand.doctor)
        if key in merged:
            m = merged[key]
            m.members += cand.members
            m.reasons.extend(cand.reasons)
            m.settlements |= cand.settlements
            m.evidence += cand.evidence
            m.findings += cand.findings
            # Steering and resale at one shop and doctor: Fisher's method, not a sum.
            m.surprise = -fisher_log10([f.log10_p for f in m.findings])
        else:
            merged[key] = cand
    rx_rows = rows_by(data, "prescriptions", "prescription_id")
    rings: list[Ring] = []
    for key in sorted(merged):
        cand = merged[key]
        ph = cand.pharmacy
        implicated = rx_rows.rows(cand.settlements)
        cash = money_at_risk(implicated)
        start, end = period(implicated["date"])
        members = sort_members(cand.members)
        reasons = Reasons()
        reasons.extend(cand.reasons)
        for f in cand.findings:
            f.tests = tests
            f.members = members
            for en, zh in render_finding(f):
                reasons.add(en, zh)
        reasons.add(*cash.sentence())
        rings.append(
            Ring(
                typology=TYPOLOGY,
                members=members,
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=cand.surprise,
                tests=tests,
                amount_at_risk=cash.total,
                money=cash,
                findings=cand.findings,
                period_start=start,
                period_end=end,
                region_code=region_of_institutions(data, [ph]),
                evidence=cand.evidence,
            )
        )
    return rings
