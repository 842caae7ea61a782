"""Shared identity: unrelated participants tied by the same phone, device, account, email.

Clause: Hainan Art. 11 (冒用他人资料参保) and Art. 24(1)(2) (lending / using another's
credentials). A recruiter who registers many people with their own phone, device or
bank account leaves identifiers shared by people who have no reason to share them.

Method, and why:

* Identifiers held by more than ``hub_degree`` participants (switchboards, nursing-home
  addresses) are dropped: they would chain thousands of strangers into one component,
  which is exactly how the textbook WCC baseline fails.
* The rest are weighted by kind and inverse document frequency ``ln(N/d)/ln(N)`` so
  that an identifier shared by 3 weighs more than one shared by 25.
* Pairs explained by registered family (transitively), a shared household address,
  or a relative registered on a household member's account (``Explainer``) are removed
  before grouping; they are never evidence.
* Groups are connected components of the remaining pair graph (split with seeded
  Leiden when larger than ``4 * hub_degree``). A ring shares at least
  ``min_distinct_identifiers`` identifiers, one of them of a kind a recruiter controls
  (device, bank account, email): a nursing home's address and landline describe a
  building, a kiosk device a public terminal.
* Chance model: under the null, two unrelated participants share a value of kind ``k``
  with probability ``q_k`` (the observed rate of unexplained sharing pairs of that
  kind, rings included, which is conservative). An identifier of kind ``k`` that
  ``s`` group members share has surprise ``-log10 P(Binomial(N-1, q_k) >= s-1)``;
  the group's surprise is the kind-weighted sum over its shared identifiers.
  Tests = identifiers examined.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    PYTHON_CLUSTERING,
    Clustering,
    Explainer,
    fmt_p,
    period,
    region_of_participants,
)
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import money_at_risk
from graphsvc.detection.rings import (
    Evidence,
    Member,
    Reasons,
    Ring,
    log10_binom_sf,
    mask,
    sort_members,
    weak,
)

log = logging.getLogger(__name__)

TYPOLOGY = "shared_identity"
KIND_LABEL = {
    "device": "device",
    "bank_account": "bank account",
    "email": "email",
    "phone": "phone",
    "address": "address",
}
KIND_LABEL_ZH = {
    "device": "设备",
    "bank_account": "银行账户",
    "email": "电子邮箱",
    "phone": "手机号码",
    "address": "地址",
}


def _pairs_of(ident: pd.DataFrame) -> pd.DataFrame:
    """All holder pairs (a < b) of each identifier in ``ident`` (small degrees only)."""
    left = ident[["key", "participant_id"]]
    pairs = left.merge(left, on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["participant_id_a"] < pairs["participant_id_b"]]
    return pairs.rename(columns={"participant_id_a": "a", "participant_id_b": "b"})


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Groups of unrelated participants sharing contact/payment identifiers.

    >>> import pandas as pd
    >>> rows = [(f"P{i}", "device", "DEV-1") for i in range(6)]
    >>> rows += [(f"P{i}", "bank_account", "6222 0000 1111") for i in range(6)]
    >>> rows += [("Q1", "phone", "555"), ("Q2", "phone", "555")]
    >>> g = GraphData.create(
    ...     participants=pd.DataFrame({"participant_id": [f"X{i}" for i in range(500)]}),
    ...     identifiers=pd.DataFrame(rows, columns=["participant_id", "kind", "value"]))
    >>> rings = detect(g, DetectConfig())
    >>> [(r.member_count, r.reasons[0]) for r in rings]
    [(6, '6 participants share bank account ********1111 (held by 6 participants in all)')]
    """
    algos = clustering or PYTHON_CLUSTERING
    cfg = config.shared_identity
    n_people = max(len(data.participants), 2)
    ids = data.identifiers[["participant_id", "kind", "value"]].dropna().drop_duplicates()
    ids = ids[ids["kind"].isin(list(cfg.kind_weights))].copy()
    if ids.empty:
        return []
    ids["key"] = ids["kind"].astype(str) + ":" + ids["value"].astype(str)
    degree = ids.groupby("key")["participant_id"].transform("size")
    ids["degree"] = degree
    shared = ids[(degree >= 2) & (degree <= cfg.hub_degree)].copy()
    hubs = int(ids.loc[degree > cfg.hub_degree, "key"].nunique())
    if shared.empty:
        return []
    tests = int(shared["key"].nunique()) + hubs

    explainer = Explainer(data, cfg.household_max)
    pairs = _pairs_of(shared)
    pairs = pairs.merge(shared[["key", "kind", "degree"]].drop_duplicates("key"), on="key")
    explained = explainer.mask(list(pairs["a"]), list(pairs["b"]))
    pairs["explained"] = explained
    free = pairs[~pairs["explained"]].copy()

    # q_k: chance two unrelated participants share a value of kind k.
    total_pairs = n_people * (n_people - 1) / 2
    q = {
        str(k): max(cfg.min_chance, len(grp) / total_pairs)
        for k, grp in free.groupby("kind", sort=True)
    }

    idf = np.log(n_people / free["degree"].astype(float)) / math.log(n_people)
    free["w"] = free["kind"].map(cfg.kind_weights).astype(float) * idf.clip(lower=0.05)
    edges = free.groupby(["a", "b"], as_index=False)["w"].sum()
    edges = edges[edges["w"] >= cfg.min_pair_weight]
    if edges.empty:
        return []

    groups: list[list[str]] = []
    for comp in algos.components(zip(edges["a"], edges["b"], strict=True)):
        if len(comp) > 4 * cfg.hub_degree:
            sub = edges[edges["a"].isin(comp)]
            groups.extend(algos.leiden_communities(sub, "w", seed=1))
        else:
            groups.append(comp)

    rx = data.prescriptions
    rings: list[Ring] = []
    free_keys = free[["key", "kind", "a", "b", "w"]]
    for group in groups:
        if len(group) < cfg.min_members:
            continue
        gset = set(group)
        inside = free_keys[free_keys["a"].isin(gset) & free_keys["b"].isin(gset)]
        if inside.empty:
            continue
        kinds_in = set(inside["kind"])
        if inside["key"].nunique() < cfg.min_distinct_identifiers or not (
            kinds_in & set(cfg.control_kinds)
        ):
            continue
        holders = shared[shared["participant_id"].isin(gset) & shared["key"].isin(inside["key"])]
        per_key = (
            holders.groupby(["key", "kind"], as_index=False)
            .agg(s=("participant_id", "nunique"), degree=("degree", "first"))
            .sort_values(["s", "key"], ascending=[False, True], kind="stable")
        )
        surprise = 0.0
        for kind, s in zip(per_key["kind"], per_key["s"], strict=True):
            lp = log10_binom_sf(int(s) - 1, n_people - 1, q.get(str(kind), cfg.min_chance))
            surprise += -lp * cfg.kind_weights.get(str(kind), 0.0)
        if weak(surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        # Ring leader: the member holding most of the group's shared identifiers.
        held = holders.groupby("participant_id")["key"].nunique()
        top = sorted(held.items(), key=lambda kv: (-kv[1], kv[0]))
        leader = str(top[0][0]) if top and top[0][1] > 1 else None
        members = sort_members(
            Member("participant", p, "recruiter" if p == leader else "member") for p in group
        )
        family_pairs = sum(
            1 for i, a in enumerate(group) for b in group[i + 1 :] if explainer.explained(a, b)
        )
        reasons = Reasons()
        for key, kind, s, degree in list(
            zip(per_key["key"], per_key["kind"], per_key["s"], per_key["degree"], strict=True)
        )[:4]:
            value = str(key).split(":", 1)[1]
            kind_zh = KIND_LABEL_ZH.get(str(kind), str(kind))
            reasons.add(
                f"{int(s)} participants share {KIND_LABEL.get(str(kind), str(kind))} "
                f"{mask(value)} (held by {int(degree)} participants in all)",
                f"{int(s)}名参保人共用同一{kind_zh} {mask(value)}"
                f"（该{kind_zh}共关联{int(degree)}名参保人）",
            )
        if len(per_key) > 4:
            reasons.add(
                f"{len(per_key) - 4} more identifiers are shared inside the group",
                f"团伙内另有{len(per_key) - 4}项标识信息被共用",
            )
        if family_pairs == 0:
            reasons.add(
                "none of them are registered family or share a household",
                "上述人员之间均无登记的亲属关系，也不属于同一家庭户",
            )
        else:
            reasons.add(
                f"{family_pairs} pairs are registered family or household and were not counted",
                f"其中{family_pairs}对人员为登记亲属或同户成员，未计入",
            )
        log10p = -surprise
        reasons.add(
            f"chance of this sharing among unrelated people: {fmt_p(log10p)} "
            f"({tests} shared identifiers examined, {hubs} hubs ignored)",
            f"互不相关的人员偶然出现此类共用的概率：{fmt_p(log10p)}"
            f"（共检查{tests}个共用标识，忽略{hubs}个大量人员共用的公共标识）",
        )
        mrx = rx[rx["participant_id"].isin(gset)]
        cash = money_at_risk(mrx)
        reasons.add(*cash.sentence())
        start, end = period(mrx["date"])
        evidence = [
            Evidence(
                ("participant", str(a)),
                ("participant", str(b)),
                "SHARES_IDENTIFIER",
                float(w),
                f"{KIND_LABEL.get(str(kind), str(kind))} {mask(str(key).split(':', 1)[1])}",
            )
            for a, b, kind, key, w in zip(
                inside["a"], inside["b"], inside["kind"], inside["key"], inside["w"], strict=True
            )
        ][:200]
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
                period_start=start,
                period_end=end,
                region_code=region_of_participants(data, group),
                evidence=evidence,
            )
        )
    return rings
