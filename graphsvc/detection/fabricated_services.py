"""Fabricated services (虚构医药服务): an institution bills care to patients who were elsewhere.

Clause: Hainan Art. 23(9) (虚构医药服务项目); Art. 24(5) (虚构医药服务骗取医保基金).

Behaviour, from the seeds: an institution (and its doctors) bills consultations or
dispensing that never happened, to the IDs of real patients. The patients' own
settlements give them an *alibi*: on the billed day they settled at an institution
in another region, or they lay in a bed of another region's hospital (strictly inside
the stay). One alibi proves little (a traveller, a relative buying with both IDs), so
the signal is the *concentration* of alibied patients at one institution or one
billing doctor. Method:

* A *billed settlement* is an outpatient or pharmacy settlement. Its alibis are the
  patient's settlements the same day at an institution of another region (region
  codes, first ``region_digits`` digits, are the distance proxy; the billed one away
  from the patient's home region, as the one at home is where the patient lives),
  and the inpatient stays (2+ days) at another region's hospital with the day
  strictly inside.
* Distinct from card_lending by its pattern and its members: a lent card has a life
  of its own elsewhere, several conflict days per card. A patient with more than
  ``card_lending.min_conflict_days`` alibied days at one institution is that pattern
  and is left to card_lending (which tests the days beyond that many; the count is
  stated on the finding); what remains is many patients billed once or twice each,
  concentrated at the institution. Distinct from ghost_hospitalisation, which accuses
  the hospital of the stay (the bed billed while the patient is away, whatever the
  distance); here the accused is the billing institution, far from the patient.
* Units: every institution and every billing doctor there, one row per *visiting*
  patient of the unit (home region another than the institution's: only a visitor
  can be placed elsewhere by a same-day alibi; patients counted, not settlements, so
  one patient billed often does not weigh like many). Flags: *elsewhere* (a billed
  settlement with an alibi) and *bed-bound* (the alibi is an inpatient stay). Null
  model, as graphsvc.detection.units: each patient of the unit is flagged
  independently at the rate of every *other* institution (leave-one-out, two passes,
  Laplace-smoothed), binomial, the stronger test Bonferroni-corrected; tests = units.

Named exemptions (config ``fabricated_services``), weighed per billed settlement (all
of its alibis must be explained) and recorded on the ring with what they removed:

* ``proxy_purchase`` (委托购药, Art. 24 para. 3 allows buying for another with both
  IDs): a registered family member of the patient settled the same day at the alibi's
  institution or at the billing one: one of the two settlements was that member's;
* ``multi_site_doctor`` (多点执业, remote consultation): the billing doctor signs
  outpatient or inpatient settlements at institutions of the alibi's region too: a
  doctor practising at several sites saw the patient there, or remotely.
"""

from __future__ import annotations

import logging

import pandas as pd

from graphsvc.detection.card_lending import regional_settlements
from graphsvc.detection.common import Clustering, period, region_of_institutions
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

TYPOLOGY = "fabricated_services"
BILLED = ("outpatient", "pharmacy")
ALIBI_COLUMNS = ["prescription_id", "other_id", "other_inst", "other_reg", "bed"]


def _settlements(data: GraphData, digits: int) -> pd.DataFrame:
    """card_lending's regional settlements, with the day and the doctor ("" if none)."""
    out = regional_settlements(data, digits)
    out["day"] = out["date"].dt.normalize()
    out["doc"] = out["doctor_id"].astype(object).where(out["doctor_id"].notna(), "")
    return out


def alibis(rx: pd.DataFrame) -> pd.DataFrame:
    """Pairs (billed settlement, alibi): the patient was in another region that day.

    Same day: another settlement of the patient at an institution of another region,
    the billed one away from the patient's home region (the settlement at home is
    where the patient lives: of two settlements a day apart, the away one is suspect).
    Bed-bound: an inpatient stay of 2+ days in another region with the billed day
    strictly inside it. Only days with two regions are joined, so the self-join stays
    small at a province's scale.
    """
    billed = rx[rx["visit_type"].isin(BILLED) & (rx["reg"] != "")]
    regs = rx[rx["reg"] != ""].groupby(["participant_id", "day"])["reg"].transform("nunique")
    two = rx.loc[regs[regs >= 2].index]
    cols = ["prescription_id", "participant_id", "institution_id", "day", "reg"]
    away = billed[billed.index.isin(two.index) & (billed["reg"] != billed["home"])]
    m = away[cols].merge(two[cols], on=["participant_id", "day"], suffixes=("", "_o"))
    m = m[m["reg"] != m["reg_o"]]
    same_day = pd.DataFrame(
        {
            "prescription_id": m["prescription_id"],
            "other_id": m["prescription_id_o"],
            "other_inst": m["institution_id_o"],
            "other_reg": m["reg_o"],
            "bed": False,
        }
    )
    st = rx[(rx["visit_type"] == "inpatient") & rx["discharge_date"].notna() & (rx["reg"] != "")]
    st = st[(st["discharge_date"].dt.normalize() - st["day"]).dt.days >= 2]
    parts = [same_day]
    if not st.empty:
        s = billed[cols].merge(
            st[
                [
                    "participant_id",
                    "prescription_id",
                    "institution_id",
                    "day",
                    "discharge_date",
                    "reg",
                ]
            ],
            on="participant_id",
            suffixes=("", "_o"),
        )
        s = s[
            (s["day"] > s["day_o"])
            & (s["day"] < s["discharge_date"].dt.normalize())
            & (s["reg"] != s["reg_o"])
        ]
        parts.append(
            pd.DataFrame(
                {
                    "prescription_id": s["prescription_id"],
                    "other_id": s["prescription_id_o"],
                    "other_inst": s["institution_id_o"],
                    "other_reg": s["reg_o"],
                    "bed": True,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return out[ALIBI_COLUMNS].drop_duplicates(["prescription_id", "other_id"])


def _family_pairs(data: GraphData) -> dict[str, set[str]]:
    fl = data.family_links.dropna(subset=["holder_id", "member_id"])
    out: dict[str, set[str]] = {}
    for a, b in zip(fl["holder_id"].astype(str), fl["member_id"].astype(str), strict=True):
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _explained(
    data: GraphData, rx: pd.DataFrame, pairs: pd.DataFrame, config: DetectConfig
) -> tuple[pd.Series, pd.Series]:
    """Per alibi pair: explained by a relative's purchase; by a multi-site doctor."""
    cfg = config.fabricated_services
    by_id = rx.set_index("prescription_id")
    b = by_id.loc[pairs["prescription_id"]]
    proxy = pd.Series(False, index=pairs.index)
    multi = pd.Series(False, index=pairs.index)
    family = _family_pairs(data) if cfg.proxy_purchase else {}
    if family:
        # only the relatives of the alibied patients, at the institutions in question
        patients = set(b["participant_id"].astype(str))
        relatives = {k for p in patients for k in family.get(p, ())}
        places = set(b["institution_id"]) | set(pairs["other_inst"])
        kin = rx[
            rx["participant_id"].astype(str).isin(relatives) & rx["institution_id"].isin(places)
        ]
        seen = set(
            zip(kin["participant_id"].astype(str), kin["institution_id"], kin["day"], strict=True)
        )
        proxy[:] = [
            any((k, i, d) in seen or (k, o, d) in seen for k in family.get(str(p), ()))
            for p, i, o, d in zip(
                b["participant_id"], b["institution_id"], pairs["other_inst"], b["day"], strict=True
            )
        ]
    if cfg.multi_site_doctor:
        docs = set(b["doc"]) - {""}
        signed = rx[rx["doc"].isin(docs) & rx["visit_type"].isin(("outpatient", "inpatient"))]
        practice = set(zip(signed["doc"], signed["reg"], strict=True))
        multi[:] = [
            vt == "outpatient" and doc != "" and (doc, reg) in practice
            for vt, doc, reg in zip(b["visit_type"], b["doc"], pairs["other_reg"], strict=True)
        ]
    return proxy, multi & ~proxy


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Institutions / billing doctors whose patients were in another region when billed.

    >>> import pandas as pd
    >>> inst = pd.DataFrame({"institution_id": ["CA", "SA", "CF", "CG"],
    ...                      "region_code": ["460100", "460100", "460200", "460300"]})
    >>> rows = []
    >>> for i in range(200):   # ordinary patients: home clinic and pharmacy
    ...     for d in range(1, 9):
    ...         rows.append((f"P{i}", f"a{i}-{d}", "CA" if d % 2 else "SA", "D1",
    ...                      f"2025-0{d}-1{i % 9}", "outpatient"))
    ...     if i % 2 == 0:      # and visitors of two far clinics, on other days
    ...         rows.append((f"P{i}", f"v{i}", "CF" if i % 4 else "CG", "D9" if i % 4 else "D8",
    ...                      "2025-09-20", "outpatient"))
    >>> for i in range(8):     # the far clinic bills 8 of them on a day they were at home
    ...     rows.append((f"P{i + 1}", f"f{i}", "CF", "D9", f"2025-0{1 + i % 8}-1{(i + 1) % 9}",
    ...                  "outpatient"))
    >>> rx = pd.DataFrame(rows, columns=["participant_id", "prescription_id",
    ...                                  "institution_id", "doctor_id", "date", "visit_type"])
    >>> rx["fund_paid"] = 30.0
    >>> people = pd.DataFrame({"participant_id": [f"P{i}" for i in range(200)],
    ...                        "region_code": "460100"})
    >>> g = GraphData.create(participants=people, institutions=inst, prescriptions=rx)
    >>> [sorted({m.kind for m in r.members}) for r in detect(g, DetectConfig())]
    [['doctor', 'institution', 'participant']]
    """
    del clustering  # accepted for a uniform signature
    cfg = config.fabricated_services
    rx = _settlements(data, cfg.region_digits)
    if rx.empty:
        return []
    pairs = alibis(rx)
    proxy, multi = (
        _explained(data, rx, pairs, config)
        if len(pairs)
        else (
            pd.Series(dtype=bool),
            pd.Series(dtype=bool),
        )
    )
    pairs = pairs.assign(proxy=proxy, multi=multi, open=~(proxy | multi))
    per_rx = pairs.groupby("prescription_id").agg(
        open=("open", "any"), bed=("bed", "any"), proxy=("proxy", "any"), multi=("multi", "any")
    )
    billed = rx[rx["visit_type"].isin(BILLED)].copy()

    def with_(col: str) -> pd.Series:  # billed settlements whose alibis have ``col``
        ids = per_rx.index[per_rx[col].astype(bool).to_numpy()]
        return billed["prescription_id"].isin(set(ids))

    hit = with_("open")
    billed["elsewhere"] = hit
    billed["bedbound"] = hit & with_("bed")
    # exemptions are counted on settlements with an alibi that none left open
    closed = ~hit & billed["prescription_id"].isin(set(per_rx.index))
    billed["ex_proxy"] = closed & with_("proxy")
    billed["ex_multi"] = closed & ~billed["ex_proxy"] & with_("multi")
    # card_lending's pattern: a card with its own life elsewhere, several alibied days.
    # More than its min_conflict_days, because card_lending tests only the days beyond
    # those (a patient billed on exactly that many days would escape both detectors).
    days = billed[hit].groupby(["participant_id", "institution_id"])["day"].nunique()
    lent = set(days[days > config.card_lending.min_conflict_days].index)
    is_lent = pd.MultiIndex.from_frame(billed[["participant_id", "institution_id"]]).isin(
        sorted(lent)
    )
    left_to_lending = billed[is_lent].groupby("institution_id")["participant_id"].nunique()
    billed = billed[~is_lent]
    # A patient's settlement in the home region is where they live: the units are tested
    # on their visitors (patients of other regions, or of no known region), the only
    # patients a same-day alibi can place elsewhere, so a busy clinic of many locals is
    # not diluted and a hospital of many visitors is not inflated.
    billed = billed[(billed["home"] == "") | (billed["home"] != billed["reg"])]
    if not billed["elsewhere"].any():
        return []
    units = (
        billed.groupby(["institution_id", "doc", "participant_id"], sort=True)
        .agg(
            elsewhere=("elsewhere", "any"),
            bedbound=("bedbound", "any"),
            ex_proxy=("ex_proxy", "sum"),
            ex_multi=("ex_multi", "sum"),
        )
        .reset_index()
    )
    units["prescription_id"] = (
        units["institution_id"].astype(str) + "|" + units["doc"] + "|" + units["participant_id"]
    )
    floor = config.scoring.min_adjusted_surprise
    tested, tests = unit_tests(units, ("elsewhere", "bedbound"), "doc", floor)
    rings: list[Ring] = []
    for chosen, grp in hospital_groups(tested, tests, floor):
        flagged = grp[grp["elsewhere"]]
        patients = sorted(set(flagged["participant_id"].astype(str)))
        if len(patients) < cfg.min_patients:
            continue
        inst = chosen[0].inst
        unit_keys = {(u.inst, u.doctor) for u in chosen}
        at = billed[billed["institution_id"] == inst]
        if chosen[0].doctor:
            at = at[[(inst, d) in unit_keys for d in at["doc"]]]
        exemptions = [
            Exemption.of(
                "proxy_purchase",
                Msg("reason.fabricated_services.exempt.proxy_purchase"),
                int(at["ex_proxy"].sum()),
                Msg("reason.fabricated_services.unit.billed"),
            ),
            Exemption.of(
                "multi_site_doctor",
                Msg("reason.fabricated_services.exempt.multi_site_doctor"),
                int(at["ex_multi"].sum()),
                Msg("reason.fabricated_services.unit.billed"),
            ),
        ]
        lending = int(left_to_lending.get(inst, 0))
        rings.append(
            _ring(data, chosen, at[at["elsewhere"]], patients, pairs, tests, exemptions, lending)
        )
    return rings


def _ring(
    data: GraphData,
    chosen: list[UnitTest],
    implicated: pd.DataFrame,
    patients: list[str],
    pairs: pd.DataFrame,
    tests: int,
    exemptions: list[Exemption],
    lending: int,
) -> Ring:
    t = chosen[0]  # the strongest unit carries the statistic
    doctors = [u.doctor for u in chosen if u.doctor]
    if not doctors:  # institution-wide: name the billing doctors of 2+ alibied patients
        per_doc = implicated[implicated["doc"] != ""].groupby("doc")["participant_id"].nunique()
        doctors = sorted(str(d) for d, n in per_doc.items() if n >= 2)
    members = [Member("institution", t.inst, "billing institution")]
    members += [Member("doctor", d, "billing doctor") for d in doctors]
    members += [Member("participant", p, "patient billed while elsewhere") for p in patients]
    members = sort_members(members)
    cash = money_at_risk(implicated)
    (away, bed), (p_away, p_bed) = t.counts, t.rates
    use_bed = log10_binom_sf(bed, t.stays, p_bed) < log10_binom_sf(away, t.stays, p_away)
    who = (
        Msg("reason.who.doctor", doctor=t.doctor)
        if t.doctor
        else Msg("reason.fabricated_services.who_institution")
    )
    unit_key = (
        "reason.fabricated_services.unit.bed" if use_bed else "reason.fabricated_services.unit.away"
    )
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=bed if use_bed else away,
        expected=round(t.stays * (p_bed if use_bed else p_away), 4),
        **unit_texts(
            Msg(
                unit_key,
                who=who,
                patients=t.stays,
            )
        ),
        **null_texts(Msg("reason.fabricated_services.null", p_away=p_away, p_bed=p_bed)),
        log10_p=t.log10_p,
        tests=tests,
        exemptions=exemptions,
    )
    if lending:
        finding.details.append(
            Msg(
                "reason.fabricated_services.left_to_lending", patients=lending, institution=t.inst
            ).pair()
        )
    where: Msg | str = (
        Msg(
            "reason.fabricated_services.where_doctors",
            institution=t.inst,
            doctors=Join(doctors, "sep.enum"),
        )
        if t.doctor
        else t.inst
    )
    n_bed = int(implicated["bedbound"].sum())
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.fabricated_services.billed",
            where=where,
            settlements=len(implicated),
            patients=len(patients),
            bed=n_bed,
        ).pair()
    )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(implicated["date"])
    alibi = pairs[pairs["open"]].groupby("prescription_id")[["other_id", "other_inst"]].first()
    evidence = [
        Evidence.said(
            ("participant", str(p)),
            ("institution", t.inst),
            "FABRICATED_SERVICE",
            1.0,
            Msg(
                "evidence_detail.fabricated_service",
                s=str(s),
                d=f"{d:%Y-%m-%d}",
                i=str(alibi.at[s, "other_inst"]),
                o=str(alibi.at[s, "other_id"]),
            ),
        )
        for p, s, d in zip(
            implicated["participant_id"],
            implicated["prescription_id"],
            implicated["date"],
            strict=True,
        )
        if s in alibi.index
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_institutions(data, [t.inst]), evidence
    )
