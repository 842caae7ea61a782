"""Card lending and use in another's name (冒名就医、购药): one card, two places at once.

Clause: Hainan Art. 24(1)(2) (将本人的医疗保障凭证交由他人冒名使用; 冒用他人凭证就医、购药).

Behaviour, from the seeds: a holder lends the card (or its electronic code) to someone
else, who settles with it where the holder is not. In the settlements one card is in
two places at once:

* *conflict days* of a card: it settles at institutions of two different regions on
  one day (region codes, first ``region_digits`` digits, are the distance proxy; the
  contract's ``date`` is compared as a day), or it settles in another region than the
  hospital where its holder is an inpatient, strictly inside the stay. This is the
  per-card pattern; ghost_hospitalisation is the concentration of away stays at one
  hospital, whatever the distance.
* Null model: each active day of a card is a conflict day independently at the rate
  of all cards examined (Laplace-smoothed; the group's own days included, which is
  conservative: leaving a group of ordinary travellers out would remove the very base
  rate it belongs to): ``P(Binomial(n, p0) >= x)``. Cards with ``min_conflict_days``
  are grouped by the far institution where they were used (the borrowers' place); the
  ring's test is that binomial on the group's days *beyond* each card's first
  ``min_conflict_days`` (given that a card has m such days, its days after the m-th are
  at most Binomial(n - m, p0), so selecting the cards biases nothing), Bonferroni over
  the cards examined (every card with 2+ active days).
* *Counters*: many distinct out-of-region cards at one counter (institution x doctor)
  on one day. Null: the counter's number of out-of-region cards a day is Poisson at
  its own mean over its other days, shrunk towards the mean of all counters by
  ``PRIOR_DAYS`` days; tests = counter-days examined.

Named exemptions (config ``card_lending``), weighed per far settlement and recorded on
the ring's finding with what they removed:

* ``family_account`` (家庭共济): the far settlement was paid from the personal account
  of a registered family holder of the patient: the family using a shared account;
* ``proxy_purchase`` (委托购药, Art. 24 allows buying for another with both IDs): a
  registered family member of the card holder settles at the same institution on the
  same day: that member bought for the holder.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphsvc.detection.common import Clustering, RowIndex, period
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
    log10_poisson_sf,
    sort_members,
)
from graphsvc.locale.fmt import fmt_date
from graphsvc.locale.msg import Msg, region

log = logging.getLogger(__name__)

TYPOLOGY = "card_lending"
# A counter's own mean is shrunk towards the mean of all counters by this many days'
# worth of the pooled rate, so a counter seen on few other days is not its own judge.
PRIOR_DAYS = 5


def _family_pairs(data: GraphData) -> set[tuple[str, str]]:
    fl = data.family_links.dropna(subset=["holder_id", "member_id"])
    pairs = set(zip(fl["holder_id"].astype(str), fl["member_id"].astype(str), strict=True))
    return pairs | {(b, a) for a, b in pairs}


def regional_settlements(data: GraphData, digits: int) -> pd.DataFrame:
    """Dated settlements with the region of the institution (``reg``) and of the patient's
    home (``home``), cut to ``digits`` leading digits (also read by fabricated_services).

    Built once per GraphData and ``digits``; each caller gets its own copy.
    """
    return data.derived(("regional_settlements", digits), lambda d: _regional(d, digits)).copy()


def _regional(data: GraphData, digits: int) -> pd.DataFrame:
    rx = data.prescriptions
    rx = rx[rx["date"].notna() & rx["participant_id"].notna() & rx["institution_id"].notna()]
    inst = data.institutions.set_index("institution_id")["region_code"].astype(str).str[:digits]
    home = data.participants.set_index("participant_id")["region_code"].astype(str).str[:digits]
    out = rx[
        [
            "prescription_id",
            "participant_id",
            "institution_id",
            "doctor_id",
            "date",
            "discharge_date",
            "visit_type",
            "fund_paid",
            "account_paid",
            "account_holder_id",
        ]
    ].copy()
    out["reg"] = out["institution_id"].map(inst).fillna("")
    out["home"] = out["participant_id"].map(home).fillna("")
    return out.reset_index(drop=True)


def _day_numbers(rx: pd.DataFrame) -> list[int]:
    """The settlement dates as plain integers (equal exactly when the dates are)."""
    days: list[int] = rx["date"].to_numpy(dtype="datetime64[ns]").view(np.int64).tolist()
    return days


def _far(rx: pd.DataFrame) -> pd.Series:
    """Settlements in another region than the card's other settlements that day, or than
    the hospital where the card's holder lies (strictly inside the stay)."""
    day_regs = rx.groupby(["participant_id", "date"])["reg"].transform("nunique")
    far = (day_regs >= 2) & (rx["reg"] != rx["home"])
    # in a stay elsewhere
    st = rx[(rx["visit_type"] == "inpatient") & rx["discharge_date"].notna()]
    st = st[(st["discharge_date"] - st["date"]).dt.days >= 2]
    if not st.empty:
        m = rx.reset_index().merge(
            st[["participant_id", "date", "discharge_date", "reg", "prescription_id"]],
            on="participant_id",
            suffixes=("", "_stay"),
        )
        inside = (
            (m["date"] > m["date_stay"])
            & (m["date"] < m["discharge_date_stay"])
            & (m["reg"] != m["reg_stay"])
            & (m["prescription_id"] != m["prescription_id_stay"])
        )
        far.loc[m.loc[inside, "index"].unique()] = True
    return far


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Cards used in two regions at once, grouped by where they were used; busy counters.

    >>> import pandas as pd
    >>> inst = pd.DataFrame({"institution_id": ["H", "F"], "region_code": ["460100", "460200"]})
    >>> people = pd.DataFrame({"participant_id": [f"P{i}" for i in range(40)],
    ...                        "region_code": "460100"})
    >>> rows = []
    >>> for i in range(40):
    ...     for d in range(1, 11):
    ...         rows.append((f"P{i}", f"h{i}-{d}", "H", f"2025-01-{d:02d}"))
    ...         if i < 3 and d <= 4:   # three cards also settle far away the same day
    ...             rows.append((f"P{i}", f"f{i}-{d}", "F", f"2025-01-{d:02d}"))
    >>> rx = pd.DataFrame(rows, columns=["participant_id", "prescription_id",
    ...                                  "institution_id", "date"])
    >>> rx["visit_type"], rx["fund_paid"] = "pharmacy", 20.0
    >>> g = GraphData.create(participants=people, institutions=inst, prescriptions=rx)
    >>> [sorted(m.id for m in r.members) for r in detect(g, DetectConfig())]
    [['F', 'P0', 'P1', 'P2']]
    """
    del clustering  # accepted for a uniform signature
    cfg = config.card_lending
    rx = regional_settlements(data, cfg.region_digits)
    if rx.empty:
        return []
    family = _family_pairs(data)
    rx["far"] = _far(rx)
    far = rx[rx["far"]]
    fam_acct = pd.Series(False, index=far.index)
    proxy = pd.Series(False, index=far.index)
    if family and not far.empty:
        holder = far["account_holder_id"].astype(object)
        fam_acct = pd.Series(
            [
                isinstance(h, str) and h != p and (h, p) in family
                for h, p in zip(holder, far["participant_id"], strict=True)
            ],
            index=far.index,
        )
        kin = rx[rx["participant_id"].isin({a for a, _ in family})]
        # Days as integers: hashing a numpy datetime per settlement was most of this step.
        visits = set(
            zip(kin["participant_id"], kin["institution_id"], _day_numbers(kin), strict=True)
        )
        members_of: dict[str, set[str]] = {}
        for a, b in family:
            members_of.setdefault(a, set()).add(b)
        proxy = pd.Series(
            [
                any((m, i, d) in visits for m in members_of.get(p, ()))
                for p, i, d in zip(
                    far["participant_id"], far["institution_id"], _day_numbers(far), strict=True
                )
            ],
            index=far.index,
        )
    if not cfg.family_account:
        fam_acct[:] = False
    if not cfg.proxy_purchase:
        proxy[:] = False
    proxy &= ~fam_acct
    counted = far[~(fam_acct | proxy)]
    active = rx.groupby("participant_id")["date"].nunique()
    conflict = counted.groupby("participant_id")["date"].nunique()
    conflict = conflict.reindex(active.index, fill_value=0)
    examined = active[active >= 2]
    tests = max(1, len(examined))
    total_x, total_n = int(conflict[examined.index].sum()), int(examined.sum())
    cand = conflict[(conflict >= cfg.min_conflict_days) & (active >= 2)]
    rings: list[Ring] = []
    where = (
        counted[counted["participant_id"].isin(set(cand.index))]
        .groupby("participant_id")["institution_id"]
        .agg(lambda s: s.value_counts().sort_index().idxmax())
    )
    ex_acct = fam_acct.groupby(far["participant_id"]).sum()
    ex_proxy = proxy.groupby(far["participant_id"]).sum()
    for inst, cards_s in where.groupby(where):
        cards = sorted(str(c) for c in cards_s.index)
        if len(cards) < cfg.min_cards:
            continue
        m = cfg.min_conflict_days
        x, n = int(conflict[cards].sum()), int(active[cards].sum())
        # Cards were chosen for having m conflict days; given that, a card's days beyond
        # the m-th are at most Binomial(n - m, p0): test only the excess (no selection bias).
        xs, ns = x - m * len(cards), n - m * len(cards)
        p0 = (total_x + 1) / (total_n + 2)
        log10_p = log10_binom_sf(xs, ns, p0)
        exemptions = [
            Exemption.of(
                "family_account",
                Msg("reason.card_lending.exempt.family_account"),
                int(ex_acct.reindex(cards, fill_value=0).sum()),
                Msg("reason.card_lending.unit.far_settlements"),
            ),
            Exemption.of(
                "proxy_purchase",
                Msg("reason.card_lending.exempt.proxy_purchase"),
                int(ex_proxy.reindex(cards, fill_value=0).sum()),
                Msg("reason.card_lending.unit.far_settlements"),
            ),
        ]
        used = counted[counted["participant_id"].isin(set(cards))]
        rings.append(
            _far_ring(data, str(inst), cards, used, (x, n, xs, ns), p0, log10_p, tests, exemptions)
        )
    rings += _counters(data, rx, cfg.counter_min_cards, cfg.recurring_group)
    return rings


def _far_ring(
    data: GraphData,
    inst: str,
    cards: list[str],
    used: pd.DataFrame,
    counts: tuple[int, int, int, int],
    p0: float,
    log10_p: float,
    tests: int,
    exemptions: list[Exemption],
) -> Ring:
    members = sort_members(
        [Member("institution", inst, "institution")]
        + [Member("participant", c, "card holder") for c in cards]
    )
    x, _n, xs, ns = counts
    m = len(cards) and (x - xs) // len(cards)
    cash = money_at_risk(used)
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=xs,
        expected=round(ns * p0, 4),
        **unit_texts(Msg("reason.card_lending.unit", first=m, card_days=ns)),
        **null_texts(Msg("reason.card_lending.null", p0=p0)),
        log10_p=log10_p,
        tests=tests,
        exemptions=exemptions,
    )
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.card_lending.far",
            cards=len(cards),
            institution=inst,
            days=x,
            settlements=len(used),
        ).pair()
    )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(used["date"])
    evidence = [
        Evidence.said(
            ("participant", str(p)),
            ("institution", str(i)),
            "FAR_SETTLEMENT",
            1.0,
            Msg(
                "evidence_detail.far_settlement",
                s=str(s),
                d=f"{d:%Y-%m-%d}",
                r=region(str(r)),
                h=region(str(h)),
            ),
        )
        for p, i, s, d, r, h in zip(
            used["participant_id"],
            used["institution_id"],
            used["prescription_id"],
            used["date"],
            used["reg"],
            used["home"],
            strict=True,
        )
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), _inst_region(data, inst), evidence
    )


def _inst_region(data: GraphData, inst: str) -> str | None:
    i = data.institutions
    r = i.loc[i["institution_id"] == inst, "region_code"]
    return str(r.iloc[0]) if len(r) and pd.notna(r.iloc[0]) else None


def _recurring(rows: RowIndex, inst: str, cards: list[str]) -> bool:
    """Whether most of the burst's card holders came back to the institution on another
    day with the group: people who come together again are a group that comes (organised
    visits, Art. 23(7), judged there), not cards collected and used once.

    A coach of recruits from the next county is many out-of-region cards at one counter on
    each trip; collected cards are used once (or once a day over a few days, different
    cards each day). A collector who uses the same cards again on other days makes the
    holders a recurring group, which organised_visits tests.
    """
    mine = rows.rows(cards)  # the settlements of ``rows``' frame on these cards
    here = mine[mine["institution_id"] == inst]
    seen = here.drop_duplicates(["participant_id", "date"])
    per_day = seen.groupby("date")["participant_id"].nunique()
    group_days = per_day[per_day * 2 >= len(cards)].index
    back = seen[seen["date"].isin(group_days)].groupby("participant_id")["date"].nunique()
    return bool(2 * int((back >= 2).sum()) >= len(cards))


def _counters(
    data: GraphData, rx: pd.DataFrame, min_cards: int, recurring_group: bool = True
) -> list[Ring]:
    """Counter-days with many distinct out-of-region cards, against the counter's own days.

    Exemption ``recurring_group`` (config): a burst whose holders mostly came back together
    on another day is left to organised_visits (see :func:`_recurring`).
    """
    rx = rx.assign(doc=rx["doctor_id"].astype(object).where(rx["doctor_id"].notna(), ""))
    foreign = rx[(rx["reg"] != rx["home"]) & (rx["reg"] != "") & (rx["home"] != "")]
    if foreign.empty:
        return []
    per_day = foreign.groupby(["institution_id", "doc", "date"])["participant_id"].nunique()
    days = rx.groupby(["institution_id", "doc"])["date"].nunique()
    tests = max(1, len(per_day))
    totals = per_day.groupby(level=[0, 1]).sum()
    pooled = float(per_day.sum()) / max(1, int(days.sum()))  # per counter-day, everywhere
    rings: list[Ring] = []
    bursts = per_day[per_day >= min_cards]
    # Looked up per burst, not scanned: the foreign settlements of each counter, and
    # every settlement of a card (the recurring-group exemption).
    at_counter = foreign.groupby(["institution_id", "doc"], sort=False).indices
    by_card = RowIndex(rx[["participant_id", "institution_id", "date"]], "participant_id")
    for (inst, doc), b in bursts.groupby(level=[0, 1]):
        total, n_days = int(totals[(inst, doc)]), int(days[(inst, doc)])
        best = None
        for (_, _, day), k in b.items():
            mu = (total - int(k) + PRIOR_DAYS * pooled) / (n_days - 1 + PRIOR_DAYS)
            lp = log10_poisson_sf(int(k), mu)
            if best is None or lp < best[0]:
                best = (lp, int(k), mu, day)
        if best is None:  # a counter with no burst day (cannot happen: b is non-empty)
            continue
        lp, k, mu, day = best
        burst_days = {d for (_, _, d) in b.index}
        counter_rows = foreign.iloc[np.sort(at_counter[(inst, doc)])]
        used = counter_rows[counter_rows["date"].isin(burst_days)]
        cards = sorted(set(used["participant_id"].astype(str)))
        if recurring_group and _recurring(by_card, inst, cards):
            log.debug("counter %s/%s: a recurring group, left to organised_visits", inst, doc)
            continue
        members = [Member("institution", str(inst), "institution")]
        if doc:
            members.append(Member("doctor", str(doc), "counter doctor"))
        members = sort_members(members + [Member("participant", c, "card holder") for c in cards])
        counter: Msg | str = (
            Msg("reason.card_lending.counter_doctor", institution=inst, doctor=doc)
            if doc
            else str(inst)
        )
        finding = Finding(
            typology=TYPOLOGY,
            clause="",
            members=members,
            observed=k,
            expected=round(mu, 4),
            **unit_texts(
                Msg("reason.card_lending.unit.counter", counter=counter, day=fmt_date(day))
            ),
            **null_texts(
                Msg(
                    "reason.card_lending.null.counter",
                    other_days=n_days - 1,
                    prior=PRIOR_DAYS,
                    pooled=pooled,
                )
            ),
            log10_p=lp,
            tests=tests,
        )
        cash = money_at_risk(used)
        reasons = Reasons()
        reasons.add(
            *Msg(
                "reason.card_lending.collected",
                cards=len(cards),
                counter=counter,
                days=len(burst_days),
                settlements=len(used),
            ).pair()
        )
        for en, zh in render_finding(finding):
            reasons.add(en, zh)
        reasons.add(*cash.sentence())
        start, end = period(used["date"])
        rings.append(
            Ring.from_finding(finding, reasons, cash, (start, end), _inst_region(data, str(inst)))
        )
    return rings
