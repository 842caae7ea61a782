"""Shared identity: unrelated participants tied by the same phone, device, account, email.

Clause: Hainan Art. 11 (冒用他人资料参保) and Art. 24(1)(2) (lending / using another's
credentials). A recruiter who registers many people with their own phone, device or
bank account leaves identifiers shared by people who have no reason to share them.

Method, and why (issue #11: "hub identifiers weigh by how many hold them, not by a cliff"):

* Units, not people: registered family (transitively), a plausible household (an
  address of at most ``household_max`` residents whose links, surnames or birth years
  fit a family) and a care home (elderly residents of one address) are each one unit
  (``common.Explainer.units``). Sharing inside a unit is never evidence; it is recorded
  as an exemption with what it removed. An address of 25 unrelated ages is no unit.
* Candidates: units are linked when they share two identifiers, or one identifier held
  by at most ``single_link_max_degree`` units. Nothing is cut by degree: 25 recruits on
  one bank account and one device share two identifiers and are linked; 300 strangers
  listing a switchboard share one and are not. Groups are connected components.
* A group's own identifiers hold at least ``concentration`` of their holders inside it,
  overlap another own identifier beyond chance (``min_link_log10_p``, Bonferroni over the
  identifiers the component holds) and have ``concentration`` of their holders on the
  others (a kiosk device ten members used is weighed, not joined); members are the
  participants holding one. A ring shares at least
  ``min_distinct_identifiers`` identifiers (two units or more of it holding each), and
  one of its own is of a kind a recruiter controls (device, bank account, email): a
  building's address and landline are not.
* Null model (independent sharing): an identifier's holders are placed on the
  participants of the group's region independently of the group's other identifiers.
  For each identifier ``x`` the group shares, with ``m`` units holding the group's
  other identifiers, ``d`` units holding ``x`` in all and ``s`` of them among the ``m``,
  the chance is the hypergeometric tail ``P(X >= s)``, ``X ~ Hypergeom(N_region, m, d)``.
  So the weight of an identifier is set by its degree: a switchboard held by 300 with
  3 in the group is expected there (chance ~1), 25 of 25 holders of a bank account who
  also share a device is not (chance ~1e-80). The identifiers' tests are dependent
  (each is tested against the others), so they are combined by the Bonferroni-corrected
  maximum (``finding.bonferroni_max_log10``), which needs no independence.
  Tests = candidate groups (components of at least ``min_members`` units) examined.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from graphsvc.detection.common import (
    NOT_A_HOUSEHOLD,
    PYTHON_CLUSTERING,
    Clustering,
    RowIndex,
    explainer_of,
    fmt_p,
    period,
    region_of_participants,
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
    mask,
    sort_members,
    weak,
)
from graphsvc.locale.msg import Msg

log = logging.getLogger(__name__)

TYPOLOGY = "shared_identity"
KIND_LABEL = {
    "device": "device",
    "bank_account": "bank account",
    "email": "email",
    "phone": "phone",
    "address": "address",
}


def kind_label(kind: str) -> Msg | str:
    """An identifier kind in a reason (``reason.identifier.<kind>``); a kind the
    catalogs do not name reads as itself."""
    return Msg(f"reason.identifier.{kind}") if kind in KIND_LABEL else kind


def log10_hypergeom_sf(s: int, n_pop: int, m: int, d: int) -> float:
    """log10 P(X >= s) for X ~ Hypergeometric(population n_pop, m marked, d drawn).

    0.0 when ``s`` is not above the mean ``m d / n_pop``.

    >>> round(log10_hypergeom_sf(2, 1000, 10, 10), 2), log10_hypergeom_sf(0, 1000, 10, 10)
    (-2.41, 0.0)
    >>> log10_hypergeom_sf(25, 20000, 25, 25) < -80
    True
    """
    n_pop = max(n_pop, m, d, 1)
    if s <= 0 or s <= m * d / n_pop:
        return 0.0
    hi = min(m, d)
    if s > hi:
        return -300.0

    def lc(n: int, k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

    terms = [
        lc(m, j) + lc(n_pop - m, d - j) - lc(n_pop, d)
        for j in range(s, min(hi, s + 400) + 1)
        if d - j <= n_pop - m
    ]
    if not terms:
        return -300.0
    top = max(terms)
    total = top + math.log(sum(math.exp(t - top) for t in terms))
    return max(-300.0, min(0.0, total / math.log(10)))


def _pairs_of(ident: pd.DataFrame) -> pd.DataFrame:
    """All holder pairs (a < b) of each identifier in ``ident`` (small degrees only)."""
    left = ident[["key", "participant_id"]]
    pairs = left.merge(left, on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["participant_id_a"] < pairs["participant_id_b"]]
    return pairs.rename(columns={"participant_id_a": "a", "participant_id_b": "b"})


def _links(ids: pd.DataFrame, single_max: int, control: tuple[str, ...]) -> pd.DataFrame:
    """Unit pairs to join (star edges): units co-holding two identifiers, or one
    identifier of a controlled kind, or one small one.

    ``ids`` has one row per (unit representative, key) with the key's unit degree.
    Star edges (first unit to each other) keep this linear in the holders: a component
    needs connectivity, not every pair.
    """
    edges: list[pd.DataFrame] = []
    small = ids[(ids["udeg"] <= single_max) | ids["kind"].isin(list(control))]
    first = small.groupby("key")["rep"].transform("first")
    edges.append(pd.DataFrame({"a": first, "b": small["rep"]}))
    left = ids[["rep", "key"]]
    both = left.merge(left, on="rep", suffixes=("_a", "_b"))
    both = both[both["key_a"] < both["key_b"]]
    if not both.empty:
        both = both.sort_values(["key_a", "key_b", "rep"], kind="stable")
        first = both.groupby(["key_a", "key_b"])["rep"].transform("first")
        edges.append(pd.DataFrame({"a": first, "b": both["rep"]}))
    out = pd.concat(edges, ignore_index=True)
    return out[out["a"] != out["b"]].drop_duplicates()


def detect(  # noqa: C901  (debt: docs/conventions.md)
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
    >>> [(r.member_count, r.reasons[0].split(";")[0]) for r in rings]
    [(6, '6 participants share bank account ********1111 (held by 6 participants in all)')]
    """
    algos = clustering or PYTHON_CLUSTERING
    cfg = config.shared_identity
    ids = data.identifiers[["participant_id", "kind", "value"]].dropna().drop_duplicates()
    ids = ids[ids["kind"].isin(list(cfg.kind_weights))].copy()
    if ids.empty:
        return []
    ids["participant_id"] = ids["participant_id"].astype(str)
    ids["key"] = ids["kind"].astype(str) + ":" + ids["value"].astype(str)
    ids["degree"] = ids.groupby("key")["participant_id"].transform("size")
    shared = ids[ids["degree"] >= 2].copy()
    if shared.empty:
        return []

    explainer = explainer_of(data, cfg, config.linkage)
    units = explainer.units()
    shared["unit"] = [units.find(p) for p in shared["participant_id"]]
    shared = shared.sort_values(["key", "participant_id"], kind="stable")
    # One row per (unit, key): the unit's first holder represents it.
    per_unit = shared.drop_duplicates(["key", "unit"]).copy()
    per_unit["udeg"] = per_unit.groupby("key")["unit"].transform("size")
    per_unit = per_unit[(per_unit["udeg"] >= 2) & per_unit["kind"].isin(list(cfg.evidence_kinds))]
    if per_unit.empty:
        return []
    rep_of = dict(zip(per_unit["unit"], per_unit["participant_id"], strict=False))
    per_unit["rep"] = [
        rep_of.setdefault(u, p)
        for u, p in zip(per_unit["unit"], per_unit["participant_id"], strict=True)
    ]
    edges = _links(per_unit, cfg.single_link_max_degree, cfg.control_kinds)
    if edges.empty:
        return []

    # The population a group's identifiers are drawn from: its region's participants.
    people = data.participants
    n_all = max(len(people), 2)
    region_size = people.groupby("region_code")["participant_id"].size().to_dict()
    key_udeg = per_unit.drop_duplicates("key").set_index("key")["udeg"].to_dict()
    key_deg = per_unit.drop_duplicates("key").set_index("key")["degree"].to_dict()
    key_kind = per_unit.drop_duplicates("key").set_index("key")["kind"].to_dict()
    all_units: dict[str, set[str]] = {
        str(k): set(v) for k, v in per_unit.groupby("key")["unit"].agg(set).items()
    }

    comps = [
        (comp, units_in)
        for comp in algos.components(zip(edges["a"], edges["b"], strict=True))
        if len(units_in := {units.find(p) for p in comp}) >= cfg.min_members
    ]
    # Bonferroni over the candidate groups examined (finding.py's convention).
    tests = max(1, len(comps))
    # A component's and a group's rows, looked up instead of scanned per candidate.
    unit_rows = RowIndex(per_unit, "unit")
    key_rows = RowIndex(shared, "key")
    rings: list[Ring] = []
    for comp, comp_units in comps:
        inside = unit_rows.rows(comp_units)
        s_of = inside.groupby("key")["unit"].agg(set)
        region = region_of_participants(data, comp)
        n_pop = int(region_size.get(region, n_all)) if region is not None else n_all
        # The group's own identifiers: concentrated here, and overlapping another such
        # identifier beyond chance, Bonferroni over the identifiers the component's units
        # hold (any of them could have been the one that overlapped): a kiosk device one
        # member also used is weighed, not joined. Own identifiers are grouped by those
        # overlaps, so two rings a confounder touches are two groups.
        candidates = {
            str(k): us
            for k, us in s_of.items()
            if len(us) >= 2 and len(us) >= cfg.concentration * key_udeg[str(k)]
        }
        looked_at = math.log10(max(1, len(s_of)))
        names = sorted(candidates)
        pieces = algos.components(
            (a, b)
            for i, a in enumerate(names)
            for b in names[i + 1 :]
            if log10_hypergeom_sf(
                len(all_units[a] & all_units[b]), n_pop, len(all_units[a]), key_udeg[b]
            )
            + looked_at
            <= cfg.min_link_log10_p
        )
        for piece in pieces:
            # A big identifier that contains the group (a kiosk all ten used) is weighed
            # but is not the group's: most of an own identifier's holders hold another.
            own_units = {k: candidates[k] for k in piece}
            while True:
                keep = {
                    k: us
                    for k, us in own_units.items()
                    if len(
                        all_units[k] & set().union(*(all_units[k2] for k2 in own_units if k2 != k))
                    )
                    >= cfg.concentration * key_udeg[k]
                }
                if len(keep) == len(own_units):
                    break
                own_units = keep
            own = sorted(own_units)
            if not own or not ({key_kind[k] for k in own} & set(cfg.control_kinds)):
                continue
            group_units = set().union(*own_units.values())
            if len(group_units) < cfg.min_members or len(own) < cfg.min_distinct_identifiers:
                continue
            # Sequential null: own identifiers by degree (largest first); each one's holders
            # fall on the units of the ones before it at random (hypergeometric). Under
            # independent placement these tests are independent: Fisher's method combines them.
            order = sorted(own, key=lambda k: (-key_udeg[k], k))
            seen = set(all_units[order[0]])
            steps: list[tuple[str, int, int, int, float]] = []  # key, s, m, d, log10 p
            for key in order[1:]:
                us = all_units[key]
                s_in = len(us & seen)
                d = int(key_udeg[key])
                steps.append(
                    (key, s_in, len(seen), d, log10_hypergeom_sf(s_in, n_pop, len(seen), d))
                )
                seen |= us
            log10_p = fisher_log10([t[4] for t in steps])
            log.debug("candidate group of %d units: own %s, steps %s", len(group_units), own, steps)
            surprise = -log10_p
            if weak(surprise, tests, config.scoring.min_adjusted_surprise):
                continue
            # Members: every holder of the group's own identifiers (not only unit representatives).
            of_own = key_rows.rows(own)
            holders = of_own[of_own["unit"].isin(group_units)]
            group = sorted(set(holders["participant_id"]))
            # Every other identifier the members share (hubs included) is weighed against
            # the group by the same null and shown; only the group's own enter the chance.
            gk = unit_rows.rows(group_units).groupby("key")["unit"].nunique()
            tested: list[tuple[str, int, int, int, float]] = []
            for key in own:
                rest = set().union(*(all_units[k2] for k2 in own if k2 != key))
                s_in = len(all_units[key] & rest)
                d = int(key_udeg[key])
                tested.append(
                    (key, s_in, len(rest), d, log10_hypergeom_sf(s_in, n_pop, len(rest), d))
                )
            for key, n_in in gk.items():
                key = str(key)
                if n_in >= 2 and key not in own_units:
                    d = int(key_udeg[key])
                    m = len(group_units)
                    tested.append(
                        (key, int(n_in), m, d, log10_hypergeom_sf(int(n_in), n_pop, m, d))
                    )
            by_strength = sorted(tested, key=lambda t: (t[4], t[0]))
            best = min(steps, key=lambda t: (t[4], t[0]))
            best_kind = key_kind[best[0]]
            best_id = Msg(
                "reason.shared_identity.best_id",
                kind=kind_label(best_kind),
                value=mask(best[0].split(":", 1)[1]),
            )
            gset = set(group)
            counts = holders.groupby("participant_id")["key"].nunique()
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            leader = str(top[0][0]) if top and top[0][1] > 1 else None
            members = sort_members(
                Member("participant", p, "recruiter" if p == leader else "member") for p in group
            )
            # What the exemptions removed: pairs of members joined in one unit.
            n_unit = holders.groupby("unit")["participant_id"].nunique()
            removed_pairs = int(sum(n * (n - 1) // 2 for n in n_unit))
            care = sum(
                1
                for i, a in enumerate(group)
                for b in group[i + 1 :]
                if explainer.same_care_home(a, b)
            )
            rejected = [
                (value, len(ps))
                for value, (kind, ps) in explainer.addresses.items()
                if kind == NOT_A_HOUSEHOLD and len(gset.intersection(ps)) >= 2
            ]
            finding = Finding(
                typology=TYPOLOGY,
                clause="",
                members=[],
                observed=sum(t[1] for t in steps),
                expected=round(sum(t[2] * t[3] / max(n_pop, 1) for t in steps), 4),
                **unit_texts(
                    Msg("reason.shared_identity.unit", identifiers=len(steps), strongest=best_id)
                ),
                **null_texts(Msg("reason.shared_identity.null", population=n_pop)),
                log10_p=log10_p,
                tests=tests,
                exemptions=[
                    Exemption.of(
                        "household",
                        Msg("reason.shared_identity.exempt.household"),
                        removed_pairs - care,
                        Msg("reason.unit.pairs"),
                    ),
                    Exemption.of(
                        "care_home",
                        Msg("reason.shared_identity.exempt.care_home"),
                        care,
                        Msg("reason.unit.pairs"),
                    ),
                ],
            )
            reasons = Reasons()
            for key, s, _m, _d, lp in by_strength[:4]:
                kind = key_kind[key]
                value = key.split(":", 1)[1]
                n_in = int(holders[holders["key"] == key]["participant_id"].nunique()) or s
                total = int(key_deg[key])
                reasons.add(
                    *Msg(
                        "reason.shared_identity.shared",
                        n=n_in,
                        kind=kind_label(kind),
                        value=mask(value),
                        total=total,
                        chance=fmt_p(lp),
                    ).pair()
                )
            if len(by_strength) > 4:
                reasons.add(*Msg("reason.shared_identity.more", n=len(by_strength) - 4).pair())
            if removed_pairs == 0:
                reasons.add(*Msg("reason.shared_identity.no_family").pair())
            for _value, size in rejected[:2]:
                # The address itself is not printed: it is personal, and only a
                # household claim that failed, not an identifier of the ring.
                reasons.add(*Msg("reason.shared_identity.not_household", size=size).pair())
            for en, zh in render_finding(finding):
                reasons.add(en, zh)
            mrx = rows_by(data, "prescriptions", "participant_id").rows(gset)
            cash = money_at_risk(mrx)
            reasons.add(*cash.sentence())
            start, end = period(mrx["date"])
            evidence: list[Evidence] = []
            for key in own:
                hs = sorted(set(holders.loc[holders["key"] == key, "participant_id"]))
                kind = key_kind[key]
                for other in hs[1:]:
                    evidence.append(
                        Evidence.said(
                            ("participant", hs[0]),
                            ("participant", other),
                            "SHARES_IDENTIFIER",
                            float(cfg.kind_weights.get(kind, 0.0)),
                            Msg(
                                "evidence_detail.shares_identifier",
                                k=kind_label(kind),
                                v=mask(key.split(":", 1)[1]),
                            ),
                        )
                    )
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
                    region_code=region,
                    evidence=evidence[:200],
                )
            )
    return rings
