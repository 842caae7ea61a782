"""Family-sharing abuse: one personal account paying for people who are not its family.

Clause: Hainan Art. 14 (the account may pay for the holder's spouse, parents and
children) and Art. 24(2) (using another's credentials, family sharing excepted).

Method, and why: for every account holder, each person the account paid for
(``account_holder_id`` different from the patient) is a *beneficiary*. A beneficiary
is plausible family when a registered link (``family_links``, either direction) with a
relation whose age gap fits (parent/child at least ``min_parent_gap_years`` apart,
spouses at most ``max_spouse_gap_years``), or, without registration, when they share
a household address. Everyone else is *suspicious*: no link and a different address,
or a declared relation the ages contradict. A holder with at least
``min_suspicious_beneficiaries`` suspicious beneficiaries, or more than
``max_family_size`` beneficiaries in all, is a ring of the holder and the suspicious
beneficiaries (the plausible family is left out: it is not part of the abuse).

Chance model: ``p0`` is the share of suspicious beneficiaries among every *other*
holder's beneficiaries (leave-one-out, Laplace-smoothed). A holder with ``n``
beneficiaries of which ``k`` are suspicious has surprise
``-log10 P(Binomial(max(n, max_family_size), p0) >= k)``. Tests = holders examined.

A ring spread thin over several holders (four holders, two strangers each, issue #11)
is tested as one: holders below the threshold are joined when they or their suspicious
beneficiaries share a phone, device, bank account or email, or when those beneficiaries
settled at the same institution on the same day (:func:`_spread_holders`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    Clustering,
    components,
    period,
    region_of_participants,
)
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
    weak,
)
from graphsvc.locale.msg import Join, Msg, Value, label

log = logging.getLogger(__name__)

TYPOLOGY = "family_sharing_abuse"


def beneficiaries(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """One row per (holder, beneficiary) with plausibility facts and paid amounts."""
    cfg = config.family_sharing_abuse
    rx = data.prescriptions
    shared = rx[rx["account_holder_id"].notna() & (rx["account_holder_id"] != rx["participant_id"])]
    if shared.empty:
        return pd.DataFrame(
            columns=[
                "holder",
                "member",
                "settlements",
                "fund_paid",
                "account_paid",
                "relation",
                "age_gap",
                "same_address",
                "address_known",
                "contradicted",
                "suspicious",
                "why",
                "said",
            ]
        )
    pairs = (
        shared.groupby(["account_holder_id", "participant_id"], as_index=False)
        .agg(
            settlements=("prescription_id", "size"),
            fund_paid=("fund_paid", "sum"),
            account_paid=("account_paid", "sum"),
        )
        .rename(columns={"account_holder_id": "holder", "participant_id": "member"})
    )
    fl = data.family_links
    rel: dict[tuple[str, str], str] = {}
    for h, m, r in zip(fl["holder_id"], fl["member_id"], fl["relation"], strict=True):
        if h is None or m is None:
            continue
        rel[(str(h), str(m))] = str(r)
        inverse = {"parent": "child", "child": "parent"}.get(str(r), str(r))
        rel.setdefault((str(m), str(h)), inverse)
    pairs["relation"] = [
        rel.get((h, m)) for h, m in zip(pairs["holder"], pairs["member"], strict=True)
    ]
    birth = data.participants.set_index("participant_id")["birth_date"]
    birth = birth[~birth.index.duplicated()]
    bh = pairs["holder"].map(birth)
    bm = pairs["member"].map(birth)
    pairs["age_gap"] = ((bm - bh).dt.days / 365.25).round(1)  # > 0: member younger
    ids = data.identifiers
    addr = ids[ids["kind"] == "address"][["participant_id", "value"]].drop_duplicates()
    both = (
        pairs[["holder", "member"]]
        .merge(addr, left_on="holder", right_on="participant_id")
        .merge(addr, left_on=["member", "value"], right_on=["participant_id", "value"])
    )
    same = set(zip(both["holder"], both["member"], strict=True))
    pairs["same_address"] = [
        (h, m) in same for h, m in zip(pairs["holder"], pairs["member"], strict=True)
    ]
    # "Lives elsewhere" needs both addresses on record; unknown is not different.
    has_addr = set(addr["participant_id"].astype(str))
    pairs["address_known"] = [
        h in has_addr and m in has_addr
        for h, m in zip(pairs["holder"].astype(str), pairs["member"].astype(str), strict=True)
    ]
    # A family has one spouse and two parents: more registered ones are not all real.
    counts: dict[tuple[str, str], int] = {}
    for (h, _m), r in rel.items():
        counts[(h, r)] = counts.get((h, r), 0) + 1
    limits = {"spouse": 1, "parent": 2}
    why: list[str] = []
    # the same finding as a catalog message (key, values): the evidence line in both languages
    said: list[tuple[str, dict[str, Value]] | None] = []
    contradicted: list[bool] = []
    for h, r, gap, same, known in zip(
        pairs["holder"],
        pairs["relation"],
        pairs["age_gap"],
        pairs["same_address"],
        pairs["address_known"],
        strict=True,
    ):
        g = None if gap is None or (isinstance(gap, float) and np.isnan(gap)) else float(gap)
        bad = True
        if r is None or (isinstance(r, float) and np.isnan(r)):
            bad = False
            elsewhere = "different address" if known else "no address on record"
            why.append("" if same else f"no registered link, {elsewhere}")
            key = "paid_unlinked_elsewhere" if known else "paid_unlinked_no_address"
            said.append(None if same else (f"evidence_detail.{key}", {}))
        elif str(r) in limits and counts.get((str(h), str(r)), 0) > limits[str(r)]:
            k = counts[(str(h), str(r))]
            why.append(f"one of {k} registered {r}s of the holder")
            relation = label("fact_value.relation", str(r))
            said.append(("evidence_detail.paid_many_relatives", {"k": k, "r": relation}))
        elif r == "child" and g is not None and g < cfg.min_parent_gap_years:
            why.append(f"registered as child but only {g:.0f} years younger")
            said.append(_age_misfit("child", g))
        elif r == "parent" and g is not None and -g < cfg.min_parent_gap_years:
            why.append(f"registered as parent but only {-g:.0f} years older")
            said.append(_age_misfit("parent", -g))
        elif r == "spouse" and g is not None and abs(g) > cfg.max_spouse_gap_years:
            why.append(f"registered as spouse but {abs(g):.0f} years apart")
            said.append(("evidence_detail.paid_spouse_gap", {"g": f"{abs(g):.0f}"}))
        else:
            bad = False
            why.append("")
            said.append(None)
        contradicted.append(bad)
    pairs["why"] = why
    pairs["said"] = said
    pairs["contradicted"] = contradicted
    pairs["suspicious"] = pairs["why"] != ""
    return pairs.sort_values(["holder", "member"], kind="stable").reset_index(drop=True)


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Account holders paying for many people who are not plausibly their family.

    >>> import pandas as pd
    >>> rx = pd.DataFrame({"prescription_id": [f"X{i}" for i in range(8)],
    ...     "participant_id": [f"B{i}" for i in range(8)], "account_holder_id": "H",
    ...     "fund_paid": 50.0, "account_paid": 20.0, "date": "2024-05-01",
    ...     "institution_id": "S1", "visit_type": "pharmacy"})
    >>> people = pd.DataFrame({"participant_id": ["H"] + [f"B{i}" for i in range(8)]})
    >>> rings = detect(GraphData.create(participants=people, prescriptions=rx), DetectConfig())
    >>> [(r.member_count, r.members[0].role) for r in rings]
    [(9, 'account holder')]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    cfg = config.family_sharing_abuse
    pairs = beneficiaries(data, config)
    if pairs.empty:
        return []
    per_holder = pairs.groupby("holder", sort=True).agg(
        n=("member", "size"), k=("suspicious", "sum")
    )
    tests = len(per_holder)
    total_sus = int(pairs["suspicious"].sum())
    total_n = len(pairs)
    candidates = per_holder[
        (per_holder["k"] >= cfg.min_suspicious_beneficiaries)
        | (per_holder["n"] > cfg.max_family_size)
    ]
    by_holder = {
        str(h): g for h, g in pairs[pairs["holder"].isin(candidates.index)].groupby("holder")
    }
    rx = data.prescriptions
    rx = rx[rx["account_holder_id"].isin(candidates.index)]
    rx_of = {str(h): g for h, g in rx.groupby("account_holder_id", sort=False)}
    rings: list[Ring] = []
    for holder, n, k in zip(candidates.index, candidates["n"], candidates["k"], strict=True):
        n, k = int(n), int(k)
        grp = by_holder[str(holder)]
        too_many = n > cfg.max_family_size
        # The ring is the holder and the people the evidence does not call family.
        # Plausible family (a registered relation the ages fit, or an unregistered
        # co-resident) is never a "beneficiary" of the abuse, wherever it lives; only
        # past max_family_size are unregistered co-residents listed too (Art. 14 names
        # spouse, parents and children, not a household of any size).
        unregistered = grp["relation"].isna()
        listed = grp["suspicious"] | (too_many & unregistered)
        flagged = grp[listed]
        k_eff = len(flagged)
        # Base rate from every other holder (leave-one-out, Laplace-smoothed): a ring
        # must not make its own pattern look normal.
        p0 = min((total_sus - k + 1) / (total_n - n + 2), 0.5)
        n_eff = max(n, cfg.max_family_size)
        lp = log10_binom_sf(k_eff, n_eff, p0)
        surprise = -lp
        if weak(surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        members = sort_members(
            [Member("participant", str(holder), "account holder")]
            + [Member("participant", str(m), "beneficiary") for m in flagged["member"]]
        )
        ben = set(flagged["member"].astype(str))
        hrx = rx_of[str(holder)]
        implicated = hrx[hrx["participant_id"].isin(ben)]
        cash = money_at_risk(implicated)
        # Counts from the data columns, never from the wording of the explanations.
        no_link = int((flagged["relation"].isna()).sum())
        known = flagged["address_known"].astype(bool)
        diff_addr = int((known & ~flagged["same_address"].astype(bool)).sum())
        no_addr = int((~known).sum())
        contradicted = int(flagged["contradicted"].astype(bool).sum())
        spared = int((~listed).sum())
        finding = Finding(
            typology=TYPOLOGY,
            clause="",
            members=members,
            observed=k_eff,
            expected=round(n_eff * p0, 4),
            **unit_texts(Msg("reason.family_sharing.unit", people=n_eff)),
            **null_texts(Msg("reason.family_sharing.null", p0=p0)),
            log10_p=lp,
            tests=tests,
            exemptions=[
                Exemption.of(
                    "plausible_family",
                    Msg("reason.family_sharing.exempt.plausible_family"),
                    spared,
                    Msg("reason.family_sharing.unit.paid_for"),
                )
            ],
        )
        reasons = Reasons()
        reasons.add(*Msg("reason.family_sharing.paid", holder=holder, n=n, k=k).pair())
        facts = [Msg("reason.family_sharing.no_link", n=no_link)]
        if diff_addr:
            facts.append(Msg("reason.family_sharing.other_address", n=diff_addr))
        if no_addr:
            facts.append(Msg("reason.family_sharing.no_address", n=no_addr))
        facts.append(Msg("reason.family_sharing.contradicted", n=contradicted))
        reasons.add(*Join(facts, "sep.list").pair())
        for en, zh in render_finding(finding):
            reasons.add(en, zh)
        reasons.add(*cash.sentence())
        if too_many:
            reasons.insert(
                1,
                *Msg("reason.family_sharing.too_many", n=n, family=cfg.max_family_size).pair(),
            )
        start, end = period(implicated["date"])
        co_resident = ("evidence_detail.paid_co_resident", {"k": cfg.max_family_size})
        evidence = [
            Evidence.said(
                ("participant", str(holder)),
                ("participant", str(m)),
                "PAID_BY_ACCOUNT",
                float(s),
                Msg(w[0], n=int(s), **w[1])
                if w
                else Msg(co_resident[0], n=int(s), **co_resident[1]),
            )
            for m, s, w in zip(
                flagged["member"], flagged["settlements"], flagged["said"], strict=True
            )
        ]
        rings.append(
            Ring(
                typology=TYPOLOGY,
                members=members,
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=surprise,
                tests=tests,
                amount_at_risk=cash.total,
                money=cash,
                findings=[finding],
                period_start=start,
                period_end=end,
                region_code=region_of_participants(data, [str(holder)]),
                evidence=evidence,
            )
        )
    rings.extend(_spread_holders(data, config, pairs, per_holder, candidates.index, tests))
    return rings


def _spread_holders(
    data: GraphData,
    config: DetectConfig,
    pairs: pd.DataFrame,
    per_holder: pd.DataFrame,
    done: pd.Index,
    tests: int,
) -> list[Ring]:
    """A ring spread thin over several holders (four holders, two strangers each).

    Holders below the per-holder threshold with at least one suspicious beneficiary are
    joined when they, or their suspicious beneficiaries, share a phone, device, bank
    account or email, or when their suspicious beneficiaries settled at the same
    institution on the same day. A joined group is tested as one: its suspicious
    beneficiaries against Binomial(sum of max(n, max_family_size), p0) with p0 the
    other holders' rate (leave-group-out), Bonferroni over holders examined.
    """
    cfg = config.family_sharing_abuse
    weak_h = per_holder[(per_holder["k"] >= 1) & ~per_holder.index.isin(done)]
    if len(weak_h) < 2:
        return []
    sus = pairs[pairs["holder"].isin(weak_h.index) & pairs["suspicious"]]
    owner: dict[str, set[str]] = {}
    for h, m in zip(sus["holder"].astype(str), sus["member"].astype(str), strict=True):
        owner.setdefault(h, set()).add(h)
        owner.setdefault(m, set()).add(h)
    ids = data.identifiers
    ids = ids[ids["kind"].isin(["phone", "device", "bank_account", "email"])]
    ids = ids[ids["participant_id"].isin(set(owner))]
    links: list[tuple[str, str]] = []
    for _value, grp in ids.groupby(["kind", "value"]):
        hs = sorted({h for p in grp["participant_id"].astype(str) for h in owner[p]})
        links.extend((hs[0], h) for h in hs[1:])
    rx = data.prescriptions
    srx = rx.merge(
        sus[["holder", "member"]],
        left_on=["account_holder_id", "participant_id"],
        right_on=["holder", "member"],
    )
    for _key, grp in srx.groupby(["institution_id", "date"]):
        hs = sorted(set(grp["holder"].astype(str)))
        links.extend((hs[0], h) for h in hs[1:])
    out: list[Ring] = []
    for group in components(links):
        if len(group) < 2:
            continue
        sub = weak_h.loc[group]
        k = int(sub["k"].sum())
        if k < cfg.min_suspicious_beneficiaries:
            continue
        n_eff = int(np.maximum(sub["n"], cfg.max_family_size).sum())
        total_sus, total_n = int(pairs["suspicious"].sum()), len(pairs)
        n_all = int(sub["n"].sum())
        p0 = min((total_sus - k + 1) / (total_n - n_all + 2), 0.5)
        lp = log10_binom_sf(k, n_eff, p0)
        if weak(-lp, tests, config.scoring.min_adjusted_surprise):
            continue
        flagged = sus[sus["holder"].isin(group)]
        ben = sorted(set(flagged["member"].astype(str)))
        members = sort_members(
            [Member("participant", h, "account holder") for h in group]
            + [Member("participant", m, "beneficiary") for m in ben]
        )
        implicated = srx[srx["holder"].isin(group)]
        cash = money_at_risk(implicated)
        finding = Finding(
            typology=TYPOLOGY,
            clause="",
            members=[],
            observed=k,
            expected=round(n_eff * p0, 4),
            **unit_texts(
                Msg("reason.family_sharing.unit.linked", people=n_eff, holders=len(group))
            ),
            **null_texts(Msg("reason.family_sharing.null", p0=p0)),
            log10_p=lp,
            tests=tests,
        )
        reasons = Reasons()
        reasons.add(*Msg("reason.family_sharing.linked", holders=len(group), k=k).pair())
        for en, zh in render_finding(finding):
            reasons.add(en, zh)
        reasons.add(*cash.sentence())
        start, end = period(implicated["date"])
        out.append(
            Ring(
                typology=TYPOLOGY,
                members=members,
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=-lp,
                tests=tests,
                amount_at_risk=cash.total,
                money=cash,
                findings=[finding],
                period_start=start,
                period_end=end,
                region_code=region_of_participants(data, group),
                evidence=[
                    Evidence.said(
                        ("participant", str(h)),
                        ("participant", str(m)),
                        "PAID_BY_ACCOUNT",
                        1.0,
                        Msg("evidence_detail.paid_not_family"),
                    )
                    for h, m in zip(flagged["holder"], flagged["member"], strict=True)
                ],
            )
        )
    return out


def _age_misfit(relation: str, years: float) -> tuple[str, dict[str, Value]]:
    """A registered parent or child too close in age to be one (the evidence line)."""
    return (
        "evidence_detail.paid_age_misfit",
        {"r": label("fact_value.relation", relation), "g": f"{years:.0f}"},
    )
