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
    region_of_participants,
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
                "suspicious",
                "why",
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
    # A family has one spouse and two parents: more registered ones are not all real.
    counts: dict[tuple[str, str], int] = {}
    for (h, _m), r in rel.items():
        counts[(h, r)] = counts.get((h, r), 0) + 1
    limits = {"spouse": 1, "parent": 2}
    why: list[str] = []
    for h, r, gap, same in zip(
        pairs["holder"], pairs["relation"], pairs["age_gap"], pairs["same_address"], strict=True
    ):
        g = None if gap is None or (isinstance(gap, float) and np.isnan(gap)) else float(gap)
        if r is None or (isinstance(r, float) and np.isnan(r)):
            why.append("" if same else "no registered link, different address")
        elif str(r) in limits and counts.get((str(h), str(r)), 0) > limits[str(r)]:
            why.append(f"one of {counts[(str(h), str(r))]} registered {r}s of the holder")
        elif r == "child" and g is not None and g < cfg.min_parent_gap_years:
            why.append(f"registered as child but only {g:.0f} years younger")
        elif r == "parent" and g is not None and -g < cfg.min_parent_gap_years:
            why.append(f"registered as parent but only {-g:.0f} years older")
        elif r == "spouse" and g is not None and abs(g) > cfg.max_spouse_gap_years:
            why.append(f"registered as spouse but {abs(g):.0f} years apart")
        else:
            why.append("")
    pairs["why"] = why
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
        # The abuse is the account paying for people outside the holder's household:
        # everyone paid for is listed except plausible family living with the holder.
        flagged = grp[grp["suspicious"] | ~grp["same_address"]]
        k_eff = len(flagged)
        # Base rate from every other holder (leave-one-out, Laplace-smoothed): a ring
        # must not make its own pattern look normal.
        p0 = min((total_sus - k + 1) / (total_n - n + 2), 0.5)
        lp = log10_binom_sf(k_eff, max(n, cfg.max_family_size), p0)
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
        amount = money(implicated)
        no_link = int(flagged["relation"].isna().sum())
        diff_addr = int((~flagged["same_address"]).sum())
        contradicted = int(flagged["why"].str.startswith("registered").sum())
        account_paid = fmt_money(float(implicated["account_paid"].fillna(0).sum()))
        reasons = Reasons()
        reasons.add(
            f"the personal account of participant {holder} paid for {n} other people; "
            f"{k} of them are not plausibly family",
            f"参保人{holder}的个人账户为{n}名他人支付费用，其中{k}人难以认定为其家庭成员",
        )
        reasons.add(
            f"{no_link} have no registered family link with the holder, {diff_addr} live at a "
            f"different address, {contradicted} have a declared relation their ages contradict",
            f"{no_link}人与账户持有人无登记的亲属关系，{diff_addr}人居住地址不同，"
            f"{contradicted}人申报的亲属关系与年龄不符",
        )
        reasons.add(
            f"{len(implicated)} settlements, account paid {account_paid}, fund paid "
            f"{fmt_money(amount)}",
            f"结算{len(implicated)}笔，个人账户支付{account_paid}，统筹基金支付{fmt_money(amount)}",
        )
        reasons.add(
            f"chance at other holders' rate of unexplained sharing ({p0:.3f}): {fmt_p(lp)} "
            f"({tests} account holders examined)",
            f"按其他账户持有人无合理解释的共济比例（{p0:.3f}）推算，偶然发生的概率："
            f"{fmt_p(lp)}（共检查{tests}名账户持有人）",
        )
        if too_many:
            reasons.insert(
                1,
                f"Art. 14 allows spouse, parents and children: {n} exceeds a "
                f"family of {cfg.max_family_size}",
                f"《办法》第14条规定家庭共济范围为配偶、父母和子女：{n}人超出"
                f"{cfg.max_family_size}人的家庭规模",
            )
        start, end = period(implicated["date"])
        evidence = [
            Evidence(
                ("participant", str(holder)),
                ("participant", str(m)),
                "PAID_BY_ACCOUNT",
                float(s),
                f"{int(s)} settlements; {w or 'plausible family'}",
            )
            for m, s, w in zip(
                flagged["member"], flagged["settlements"], flagged["why"], strict=True
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
                amount_at_risk=amount,
                period_start=start,
                period_end=end,
                region_code=region_of_participants(data, [str(holder)]),
                evidence=evidence,
            )
        )
    return rings
