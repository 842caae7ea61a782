"""Fake referrals: institutions passing the same patients around in loops (虚假转诊).

Clause: Hainan Art. 23(2) (unnecessary services) and 23(9) (fabricated services).

Method, and why: legitimate referrals climb the hospital levels (clinic -> county ->
provincial) and rarely come back; a referral ring sends the same patients A -> B ->
A or A -> B -> C -> A so each hop bills again.

* A *bounce* is a patient whose referrals return to an institution they were referred
  from within ``bounce_window_days``: the referral chain between the two closes a loop.
  Upward-only chains cannot bounce.
* A loop's *signature* is the set of institutions it passes through. Candidates are
  signatures carried by at least ``min_bounced_patients`` distinct patients, or that
  some patient went round more than once (issue #11: a ring passing fresh patients
  round once each is a ring too; repeat passes stay as extra evidence in the reasons
  and roles). Legitimate returns (clinic -> hospital -> clinic) are candidates as
  well and are judged by the same null: they happen at the province's base rate,
  a ring concentrates far above it. A signature nobody went round twice needs
  ``min_one_pass_patients`` patients (two people returned once each is what two-way
  care looks like). Candidates sharing patients form one group, and
  so do reciprocal pairs signed by a common doctor (A<->B and B<->C, signed at B);
  loops through three or more institutions that share a hospital stay apart.
* Chance model, per group: with ``r0`` loops per referred patient everywhere else
  (Laplace-smoothed), ``N`` patients referred between the group's institutions and
  ``L`` loops, ``P(Poisson(N r0) >= L)`` (``r0`` taken separately for loops through
  two institutions and through three or more: escalation and return, clinic -> county
  -> tertiary -> clinic, is common care); and the Poisson probability of its
  non-upward (lateral or downward) referrals, the mean from each referral's
  referring-level share elsewhere (a tertiary hospital mostly refers down, a county
  hospital sending patients down to a clinic is rare); the two are
  combined by Fisher's method (``finding.fisher_log10``), never summed.
  Tests = institution pairs with referrals (Bonferroni). "Elsewhere" leaves out the group and
  every group flagged: leave-one-out first, then again without the flagged groups
  until no new one is flagged. Where rings are many, leave-one-out alone lets the
  other rings' loops set the rate (province 50k seed 1: 14 rings held 252 of 419
  loops, r0 0.092 against 0.041 outside them).
* The ring is the institutions of the loop, the doctors who signed at least
  ``min_patients_per_member`` of its loop referrals, and the bounced patients.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from graphsvc.detection.common import (
    PYTHON_CLUSTERING,
    Clustering,
    fmt_p,
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
    iso,
    log10_poisson_sf,
    sort_members,
    weak,
)
from graphsvc.locale.msg import Join, Msg

log = logging.getLogger(__name__)

TYPOLOGY = "fake_referral"


def bounces(refs: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Referrals that belong to a patient's loop, with a loop id per (patient, loop).

    >>> import pandas as pd
    >>> r = pd.DataFrame({"referral_id": ["1", "2", "3"], "participant_id": ["P"] * 3,
    ...     "from_institution_id": ["A", "B", "C"], "to_institution_id": ["B", "C", "A"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09"])})
    >>> bounces(r, 30)[["referral_id", "loop"]].values.tolist()
    [['1', 'P#0'], ['2', 'P#0'], ['3', 'P#0']]
    """
    r = refs.sort_values(["participant_id", "date", "referral_id"], kind="stable")
    multi = r[r.groupby("participant_id")["referral_id"].transform("size") >= 2]
    rows: list[tuple[str, str]] = []
    for pid, grp in multi.groupby("participant_id", sort=True):
        ids = list(grp["referral_id"])
        src = list(grp["from_institution_id"])
        dst = list(grp["to_institution_id"])
        dates = list(grp["date"])
        used: set[int] = set()
        loop_no = 0
        for i in range(len(ids)):
            if i in used:
                continue
            for j in range(i + 1, len(ids)):
                if (dates[j] - dates[i]).days > window_days:
                    break
                if dst[j] == src[i]:
                    chain = [k for k in range(i, j + 1) if k not in used]
                    for k in chain:
                        used.add(k)
                        rows.append((ids[k], f"{pid}#{loop_no}"))
                    loop_no += 1
                    break
    return pd.DataFrame(rows, columns=["referral_id", "loop"]).merge(refs, on="referral_id")


def usual_institution(
    rx: pd.DataFrame, loops: pd.DataFrame, tail_days: int, min_visits: int
) -> pd.Series:
    """Per looping patient, where they are usually seen outside their loop episodes.

    Visits (not pharmacy purchases) during a loop, or within ``tail_days`` after it,
    are the loop's own and do not count. The institution must hold most of the rest
    and at least ``min_visits`` of them, or the patient has no usual place.

    >>> import pandas as pd
    >>> rx = pd.DataFrame({"participant_id": ["P"] * 5, "institution_id": list("CCCBC"),
    ...     "visit_type": "outpatient",
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-02",
    ...                             "2024-04-06"])})
    >>> lp = pd.DataFrame({"participant_id": ["P", "P"], "loop": ["P#0", "P#0"],
    ...     "date": pd.to_datetime(["2024-04-01", "2024-04-03"])})
    >>> usual_institution(rx, lp, 14, 3).to_dict()
    {'P': 'C'}
    """
    spans = loops.groupby(["participant_id", "loop"], as_index=False)["date"].agg(["min", "max"])
    pats = pd.Index(spans["participant_id"].unique())
    v = rx[rx["participant_id"].isin(pats) & (rx["visit_type"] != "pharmacy")]
    v = v[["participant_id", "institution_id", "date"]].reset_index(drop=True)
    v["i"] = range(len(v))
    j = v.merge(spans, on="participant_id")
    inside = (j["date"] >= j["min"]) & (j["date"] <= j["max"] + pd.Timedelta(days=tail_days))
    v = v[~v["i"].isin(set(j.loc[inside, "i"]))]
    counts = v.groupby(["participant_id", "institution_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["participant_id", "n", "institution_id"],
                                ascending=[True, False, True], kind="stable")  # fmt: skip
    total = counts.groupby("participant_id")["n"].transform("sum")
    top = counts.assign(total=total).drop_duplicates("participant_id")
    top = top[(top["n"] >= min_visits) & (2 * top["n"] > top["total"])]
    return top.set_index("participant_id")["institution_id"].astype(str)


def two_way(loops: pd.DataFrame, level: pd.Series, usual: pd.Series) -> pd.Index:
    """Loops that are a two-way referral: usual place -> higher level -> back.

    >>> import pandas as pd
    >>> lp = pd.DataFrame({"loop": ["P#0", "P#0", "Q#0", "Q#0"], "participant_id": list("PPQQ"),
    ...     "from_institution_id": list("CHCH"), "to_institution_id": list("HCHC"),
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-09"] * 2)})
    >>> list(two_way(lp, pd.Series({"C": 0, "H": 2}), pd.Series({"P": "C"})))
    ['P#0']
    """
    lp = loops.sort_values(["loop", "date", "referral_id"] if "referral_id" in loops else
                           ["loop", "date"], kind="stable")  # fmt: skip
    g = lp.groupby("loop", sort=True)
    first = g.first()
    last = g.last()
    size = g.size()
    up = first["to_institution_id"].map(level).fillna(0) > first["from_institution_id"].map(
        level
    ).fillna(0)
    home = first["participant_id"].map(usual)
    ok = (
        (size == 2)
        & up
        & (last["from_institution_id"] == first["to_institution_id"])
        & (last["to_institution_id"] == first["from_institution_id"])
        & (first["from_institution_id"].astype(str) == home)
    )
    return pd.Index(ok[ok].index)


@dataclass(frozen=True)
class _Group:
    """A candidate ring and what its chance model counts."""

    comp: list[str]  # its institutions
    loops: pd.DataFrame  # its loop referrals
    patients: list[str]  # bounced patients
    loop_ids: frozenset[str]
    referred: frozenset[str]  # patients referred between its institutions
    inner: frozenset[int]  # referrals (row labels) between its institutions
    non_up: frozenset[int]  # those of them that do not go up a level
    # Every loop passes three or more institutions: measured against the rate of such
    # loops only (a return clinic -> hospital -> clinic is common care, a cycle through
    # three institutions is not, so mixing them would let returns hide a small ring).
    multi: bool = False


@dataclass(frozen=True)
class _Score:
    r0: float  # loops per referred patient outside the group and the flagged rings
    q0: float  # expected share of non-upward referrals (by the referrer's level) there
    lp_bounce: float
    lp_level: float

    @property
    def log10_p(self) -> float:
        """Fisher's combination of the loop and the direction tests."""
        return fisher_log10([self.lp_bounce, self.lp_level])

    @property
    def surprise(self) -> float:
        return -self.log10_p


def _by_level(labels: frozenset[int] | set[int], src_level: dict[int, int]) -> Counter[int]:
    return Counter(src_level.get(x, 0) for x in labels)


def _scores(
    groups: list[_Group],
    *,
    loops_total: dict[bool, int],
    referred_total: int,
    refs_total: dict[int, int],
    non_up_total: dict[int, int],
    tests: int,
    min_adjusted: float,
    src_level: dict[int, int] | None = None,
) -> list[_Score]:
    """Each group's chance model, with base rates taken outside it and every flagged ring.

    Direction is measured by the referrer's hospital level (``src_level``: referral row
    -> level of the institution it comes from; refs_total / non_up_total per level): a
    third-level hospital sends most patients down after discharge, a county hospital
    sending patients down to a clinic is rare. The group's non-upward referrals are
    Poisson with mean sum over its referrals of their level's share elsewhere.

    The first pass is leave-one-out. The groups it flags are then taken out of the base
    rates as well, and the test repeated until a pass flags no new group: a province
    with many rings would otherwise let the other rings' loops set the rate a ring is
    measured against. The set taken out only grows, so this ends (at most one pass
    per group, plus one).

    >>> import math
    >>> def g(loops, referred, inner, non_up):  # ids of loops, patients, referrals
    ...     return _Group([], pd.DataFrame(), [], frozenset(loops), frozenset(referred),
    ...                   frozenset(inner), frozenset(non_up))
    >>> big = g(range(200), range(100), range(500), range(300))
    >>> small = g(range(1000, 1013), range(1000, 1078), range(1000, 1138), range(1000, 1039))
    >>> kw = dict(loops_total={False: 363}, referred_total=4178, refs_total={0: 6000},
    ...           non_up_total={0: 1000}, tests=2000)
    >>> def adjusted(min_adjusted):
    ...     return [(round(s.surprise - math.log10(2000), 1), round(s.r0, 3))
    ...             for s in _scores([big, small], **kw, min_adjusted=min_adjusted)]
    >>> adjusted(math.inf)  # nothing flagged: leave-one-out, the big ring sets small's rate
    [(350.4, 0.04), (0.3, 0.086)]
    >>> adjusted(2.0)
    [(359.0, 0.038), (5.6, 0.038)]
    """
    lv = src_level or {}
    by_group = [(_by_level(g.inner, lv), _by_level(g.non_up, lv)) for g in groups]
    out: set[int] = set()
    while True:
        loops_out: dict[bool, set[str]] = {False: set(), True: set()}
        referred_out: set[str] = set()
        inner_out: set[int] = set()
        non_up_out: set[int] = set()
        for k in sorted(out):
            loops_out[groups[k].multi] |= groups[k].loop_ids
            referred_out |= groups[k].referred
            inner_out |= groups[k].inner
            non_up_out |= groups[k].non_up
        inner_out_l = _by_level(inner_out, lv)
        non_up_out_l = _by_level(non_up_out, lv)
        scores: list[_Score] = []
        for grp, (g_inner, _g_non_up) in zip(groups, by_group, strict=True):
            out_c = loops_out[grp.multi]
            n_loops = len(out_c) + len(grp.loop_ids - out_c)
            n_referred = len(referred_out) + len(grp.referred - referred_out)
            extra_inner = _by_level(grp.inner - inner_out, lv)
            extra_non_up = _by_level(grp.non_up - non_up_out, lv)
            # Laplace-smoothed rates of everything else.
            r0 = (loops_total.get(grp.multi, 0) - n_loops + 1) / (referred_total - n_referred + 2)
            mean = 0.0
            for level, n in g_inner.items():
                rest_n = refs_total.get(level, 0) - inner_out_l[level] - extra_inner[level]
                rest_k = non_up_total.get(level, 0) - non_up_out_l[level] - extra_non_up[level]
                mean += n * min((rest_k + 1) / (rest_n + 2), 0.999)
            q0 = mean / max(1, len(grp.inner))
            scores.append(
                _Score(
                    r0,
                    q0,
                    log10_poisson_sf(len(grp.loop_ids), len(grp.referred) * r0),
                    log10_poisson_sf(len(grp.non_up), mean),
                )
            )
        flagged = {k for k, sc in enumerate(scores) if not weak(sc.surprise, tests, min_adjusted)}
        if flagged <= out:
            return scores
        out |= flagged


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Loops of institutions referring the same patients round.

    >>> import pandas as pd
    >>> rows = []
    >>> for i in range(5):   # 5 patients bounced A -> B -> A twice by doctors DA and DB
    ...     rows += [(f"P{i}", "A", "DA", "B", "2024-01-01"),
    ...              (f"P{i}", "B", "DB", "A", "2024-01-08"),
    ...              (f"P{i}", "A", "DA", "B", "2024-02-01"),
    ...              (f"P{i}", "B", "DB", "A", "2024-02-08")]
    >>> for i in range(100):  # upward referrals clinic -> hospital
    ...     rows += [(f"Q{i}", "C", None, "H", "2024-02-01")]
    >>> r = pd.DataFrame(rows, columns=["participant_id", "from_institution_id",
    ...                                 "from_doctor_id", "to_institution_id", "date"])
    >>> r["referral_id"] = [f"R{i}" for i in range(len(r))]
    >>> inst = pd.DataFrame({"institution_id": ["A", "B", "C", "H"], "level": [2, 2, 1, 3]})
    >>> rings = detect(GraphData.create(referrals=r, institutions=inst), DetectConfig())
    >>> [r.member_count for r in rings]
    [9]
    """
    algos = clustering or PYTHON_CLUSTERING
    cfg = config.fake_referral
    refs = data.referrals.dropna(subset=["from_institution_id", "to_institution_id", "date"])
    if refs.empty:
        return []
    level = data.institutions.drop_duplicates("institution_id").set_index("institution_id")["level"]
    refs = refs.assign(
        up=refs["to_institution_id"].map(level).fillna(0)
        > refs["from_institution_id"].map(level).fillna(0)
    )
    edge_patients = refs.groupby(["from_institution_id", "to_institution_id"])[
        "participant_id"
    ].nunique()
    tests = max(len(edge_patients), 1)
    loops = bounces(refs, cfg.bounce_window_days)
    if loops.empty:
        return []
    # A two-way referral from the patient's usual clinic up and back down is care, even
    # when it happens several times a year (a chronic patient whose condition flares).
    usual = usual_institution(
        data.prescriptions, loops, cfg.episode_tail_days, cfg.min_usual_visits
    )
    care = two_way(loops, level, usual)
    care_loops = loops[loops["loop"].isin(care)]
    loops = loops[~loops["loop"].isin(care)]
    # The exempted care loops leave the direction test too (their down-referral back to
    # the usual clinic is the care, not a sign of a ring).
    refs = refs[~refs["referral_id"].isin(set(care_loops["referral_id"]))]
    if loops.empty:
        return []
    referred_total = refs["participant_id"].nunique()
    # Referrals and non-upward referrals per level of the referring institution.
    src_lv = refs["from_institution_id"].map(level).fillna(-1).astype(int)
    src_level = dict(zip(refs.index, src_lv, strict=True))
    refs_by_level = {int(k): int(v) for k, v in src_lv.value_counts().items()}
    non_up_by_level = {int(k): int(v) for k, v in src_lv[~refs["up"]].value_counts().items()}
    # A loop's signature: the set of institutions it passes through.
    sig = loops.groupby("loop")["from_institution_id"].agg(lambda s: tuple(sorted(set(s))))
    loops = loops.assign(sig=loops["loop"].map(sig))
    # Loops by class: through two institutions, or through three or more (_Group.multi).
    loop_size = loops.groupby("loop")["sig"].first().map(len)
    loops_total = {
        False: int((loop_size < 3).sum()),
        True: int((loop_size >= 3).sum()),
    }

    # Candidate signatures: carried by enough distinct patients, or gone round more
    # than once by someone. One pass per patient is no alibi (issue #11: fresh patients
    # every pass); the chance model below tells a ring from the base rate of returns.
    per_patient = loops.groupby(["sig", "participant_id"])["loop"].nunique()
    carriers = per_patient.groupby(level="sig").size()
    repeated = sorted(
        {g for (g, _p), n in per_patient.items() if n >= 2}
        | {
            g
            for g, n in carriers.items()
            if n >= max(cfg.min_bounced_patients, cfg.min_one_pass_patients)
        }
    )
    # Signatures are one ring when the same patients went round them; reciprocal pairs
    # (two institutions) also when a doctor signed both (A<->B and B<->C, signed at B).
    # Loops through three or more institutions sharing a hospital or doctor stay apart.
    label = {g: "|".join(g) for g in repeated}
    links: list[tuple[str, str]] = [(label[g], label[g]) for g in repeated]
    signer: dict[str, str] = {}
    for g in repeated:
        sub = loops[loops["sig"] == g]
        keys = [f"patient:{p}" for p in sub["participant_id"].astype(str)]
        if len(g) == 2:
            # Reciprocal pairs of one ring (A<->B, B<->C) are signed by B's doctor.
            keys += [f"doctor:{d}" for d in sub["from_doctor_id"].dropna().astype(str)]
        for k in sorted(set(keys)):
            if k in signer:
                links.append((signer[k], label[g]))
            else:
                signer[k] = label[g]
    by_label = {v: k for k, v in label.items()}

    groups: list[_Group] = []
    for labels in algos.components(links):
        sigs = [by_label[x] for x in labels]
        comp = sorted({i for g in sigs for i in g})
        cset = set(comp)
        in_comp = loops[loops["sig"].isin(sigs)]
        patients = sorted(set(in_comp["participant_id"].astype(str)))
        if len(patients) < cfg.min_bounced_patients:
            continue
        inner = refs[refs["from_institution_id"].isin(cset) & refs["to_institution_id"].isin(cset)]
        groups.append(
            _Group(
                comp,
                in_comp,
                patients,
                frozenset(in_comp["loop"]),
                frozenset(inner["participant_id"].astype(str)),
                frozenset(inner.index),
                frozenset(inner.index[~inner["up"].to_numpy()]),
                multi=all(len(g) >= 3 for g in sigs),
            )
        )
    scores = _scores(
        groups,
        loops_total=loops_total,
        referred_total=referred_total,
        refs_total=refs_by_level,
        non_up_total=non_up_by_level,
        src_level=src_level,
        tests=tests,
        min_adjusted=config.scoring.min_adjusted_surprise,
    )

    rings: list[Ring] = []
    for grp, sc in zip(groups, scores, strict=True):
        if weak(sc.surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        comp, in_comp, patients = grp.comp, grp.loops, grp.patients
        cset = set(comp)
        members = [Member("institution", i, "institution") for i in comp]
        docs = in_comp["from_doctor_id"].dropna().astype(str).value_counts()
        members += [
            Member("doctor", str(d), "referring doctor")
            for d, c in docs.items()
            if c >= cfg.min_patients_per_member
        ]
        # A patient who went round once may be a legitimate return caught in the ring's
        # loop; the investigator sees which patients went round again and again.
        rounds = in_comp.groupby(in_comp["participant_id"].astype(str))["loop"].nunique()
        members += [
            Member("participant", p, "patient" if rounds.get(p, 0) >= 2 else "patient (one loop)")
            for p in patients
        ]
        repeat = int((rounds >= 2).sum())
        # Settlements of bounced patients at loop institutions during the loops.
        lo, hi = in_comp["date"].min(), in_comp["date"].max()
        theirs = rows_by(data, "prescriptions", "participant_id").rows(patients)
        implicated = theirs[
            theirs["institution_id"].isin(cset)
            & (theirs["date"] >= lo)
            & (theirs["date"] <= hi + pd.Timedelta(days=cfg.bounce_window_days))
        ]
        cash = money_at_risk(implicated)
        hops = in_comp.groupby(["from_institution_id", "to_institution_id"]).size()
        hop_txt = Join(
            [
                Msg("reason.fake_referral.hop", source=a, target=b, n=int(n))
                for (a, b), n in hops.items()
            ],
            "sep.list",
        )
        expected = len(grp.referred) * sc.r0
        finding = Finding(
            typology=TYPOLOGY,
            clause="",
            members=sort_members(members),
            observed=len(grp.loop_ids),
            expected=round(expected, 4),
            **unit_texts(Msg("reason.fake_referral.unit")),
            **null_texts(
                Msg(
                    "reason.fake_referral.null",
                    patients=len(grp.referred),
                    r0=sc.r0,
                    not_up=len(grp.non_up),
                    referrals=len(grp.inner),
                    q0=sc.q0,
                )
            ),
            log10_p=sc.log10_p,
            tests=tests,
            exemptions=[
                Exemption.of(
                    "two_way_care",
                    Msg("reason.fake_referral.exempt.two_way_care"),
                    int(
                        care_loops.loc[
                            care_loops["from_institution_id"].isin(cset)
                            & care_loops["to_institution_id"].isin(cset),
                            "loop",
                        ].nunique()
                    ),
                    Msg("reason.fake_referral.unit.loops"),
                )
            ],
            details=[
                Msg(
                    "reason.fake_referral.parts",
                    loops=fmt_p(sc.lp_bounce),
                    direction=fmt_p(sc.lp_level),
                ).pair()
            ],
        )
        reasons = Reasons()
        reasons.add(
            *Msg(
                "reason.fake_referral.loop",
                patients=len(patients),
                institutions=len(comp),
                days=cfg.bounce_window_days,
                repeat=repeat,
                hops=hop_txt,
            ).pair()
        )
        for en, zh in render_finding(finding):
            reasons.add(en, zh)
        reasons.add(*cash.sentence())
        evidence = [
            Evidence.said(
                ("institution", str(a)),
                ("institution", str(b)),
                "REFERS_IN_LOOP",
                float(n),
                Msg("evidence_detail.loop_referrals", n=int(n)),
            )
            for (a, b), n in hops.items()
        ]
        rings.append(
            Ring(
                typology=TYPOLOGY,
                members=sort_members(members),
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=sc.surprise,
                tests=tests,
                amount_at_risk=cash.total,
                money=cash,
                findings=[finding],
                period_start=iso(lo),
                period_end=iso(hi),
                region_code=region_of_institutions(data, comp),
                evidence=evidence,
            )
        )
    return rings
