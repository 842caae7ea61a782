"""Duplicate and split charging (重复收费、分解项目收费): one service billed more than once.

Clause: Hainan Art. 23(3).

Behaviour, from the seeds: an institution bills the same item twice for one service,
or bills a bundled service as its component codes, each priced on its own. What the
settlements show, and why the method is built so:

* A *visit* is one patient at one institution on one day: its settlements together
  (a second settlement of the same visit is where a duplicate hides).
* A visit is *duplicated* when an item code appears on two or more of its lines (for
  a drug with trace codes, the same pack: two packs of one drug are two packs); it
  is *split* when it carries two or more component codes of one bundle of
  ``split_bundles`` (the price catalogue's bundled services).
* Named exemptions, recorded on the ring with what they removed:
  ``normal_repetition``: items billed more than once on at least
  ``normal_repetition_rate`` of their visits at the median institution (two infusions
  on one inpatient day) repeat normally, province-wide; learned per item code, the
  median so that one institution's scheme does not make its own items look normal.
  ``per_settlement_fee``: an item on at least ``per_settlement_share`` of the
  settlements of the median institution billing it (registration, consultation) is
  charged per settlement, so once on each of two settlements of a day is a second
  consultation; twice on one settlement still counts.
* Units: every institution and every doctor there, tested as in
  graphsvc.detection.stays: null model, each visit is duplicated (resp. split)
  independently at the rate of every *other* institution's visits (leave-one-out,
  Laplace-smoothed), binomial, the stronger of the two tests Bonferroni-corrected;
  tests = units examined.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphsvc.detection.common import Clustering, period, region_of_institutions, rows_by
from graphsvc.detection.config import DetectConfig, DuplicateChargingConfig
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

TYPOLOGY = "duplicate_charging"


def visits(data: GraphData, config: DetectConfig) -> pd.DataFrame:
    """One row per visit with its duplicated / split / exempted flags and settlement ids.

    Every grouping key is an integer code (``pd.factorize``), never a string: at 1.3M
    settlements and several million line items, hashing string keys in each groupby was
    most of this detector's time. Codes map back to ids only for the flagged visits.
    """
    cfg = config.duplicate_charging
    rx, it = data.prescriptions, data.items
    if rx.empty or it.empty:
        return pd.DataFrame()
    s = rx[rx["date"].notna()][
        ["prescription_id", "participant_id", "institution_id", "doctor_id", "date", "visit_type"]
    ]
    pc = pd.factorize(s["participant_id"])[0]
    ic, inst_ids = pd.factorize(s["institution_id"])
    dc = s["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    # A visit number per (patient, institution, day), in (patient, institution, day) order.
    v = s.assign(visit=_visit_numbers(pc, ic, dc), inst=ic)
    rx_code = pd.Series(np.arange(len(v)), index=v["prescription_id"].to_numpy())
    lines = it[["prescription_id", "item_code", "trace_code"]].dropna(
        subset=["prescription_id", "item_code"]
    )
    rxc = lines["prescription_id"].map(rx_code)
    lines = lines[rxc.notna()]
    rxc = rxc[rxc.notna()].astype(np.int64).to_numpy()
    if len(lines) == 0:
        return pd.DataFrame()
    # A traceable pack is its own item: two lines of one drug with two trace codes are two
    # packs dispensed; the same pack billed twice is the duplicate.
    item = lines["item_code"].astype(str)
    traced = lines["trace_code"].notna()
    item = item.where(~traced, item + "#" + lines["trace_code"].astype(str))
    item_code, item_ids = pd.factorize(item)
    # The line-item strings are not needed past their codes: freed before the groupbys
    # below, which are detection's memory peak at 1.3M settlements.
    del item, traced, lines
    vis = v["visit"].to_numpy()
    inst_of_rx = v["inst"].to_numpy()
    # An item on an inpatient stay is its own item for what repeats normally: two
    # infusion lines on one inpatient day are care, two on an outpatient visit are not,
    # and outpatient infusions must not dilute the inpatient norm (issue #11). Codes are
    # ``2 * item + inpatient``; ``// 2`` gives the item back.
    # A visit is an inpatient one when any of its settlements is (so one item keeps one
    # code across the settlements of a visit).
    inp_rx = (v["visit_type"] == "inpatient").to_numpy(dtype=np.int64)
    inp_visit = np.zeros(int(vis.max()) + 1, dtype=np.int64)
    np.maximum.at(inp_visit, vis, inp_rx)
    ln = pd.DataFrame(
        {
            "rx": rxc,
            "visit": vis[rxc],
            "inst": inst_of_rx[rxc],
            "item": 2 * item_code + inp_visit[vis[rxc]],
        }
    )
    # per_settlement_fee: items on most settlements of the institutions billing them
    # (registration, consultation) are charged per settlement. A visit with two such
    # settlements is two consultations the same day: an item once on each is care given
    # twice, not a duplicate; twice on one settlement still counts.
    on_rx = ln.drop_duplicates(["rx", "item"])
    n_rx = np.bincount(v["inst"].to_numpy(), minlength=len(inst_ids))
    share = on_rx.groupby(["item", "inst"], sort=False).size().reset_index(name="k")
    share["share"] = share["k"] / n_rx[share["inst"].to_numpy()]
    fee_share = share.groupby("item")["share"].median()
    fees = fee_share.index[fee_share.to_numpy() >= cfg.per_settlement_share]
    fee_rx = on_rx[on_rx["item"].isin(fees)]
    consultations = fee_rx.groupby("visit")["rx"].nunique()
    del on_rx, fee_rx, share
    per_rx = ln.groupby(["visit", "inst", "item", "rx"], sort=False).size()
    del ln
    per = (
        per_rx.reset_index(name="k")
        .groupby(["visit", "inst", "item"], sort=False)
        .agg(max_k=("k", "max"), n_rx=("k", "size"))
        .reset_index()
        .rename(columns={"item": "item_code"})
    )
    del per_rx
    within = per["max_k"] >= 2
    across = per["n_rx"] >= 2
    two_consultations = per["visit"].map(consultations).fillna(0) >= 2
    per["fee_ex"] = across & ~within & two_consultations
    per["rep"] = within | (across & ~two_consultations)
    per = per.merge(_normal_items(per, cfg), on=["item_code", "inst"], how="left")
    item_name = pd.Series(item_ids, dtype=object)
    dups = per[per["rep"] & ~per["normal"]]
    dup = (
        dups.assign(code=item_name.to_numpy()[dups["item_code"].to_numpy() // 2])
        .groupby("visit")["code"]
        .agg(list)
    )
    exempt = per[per["rep"] & per["normal"]].groupby("visit").size()
    fee_exempt = per[per["fee_ex"]].groupby("visit").size()
    # split: two or more components of one bundle on the visit.
    comp = {c: b for b, cs in cfg.split_bundles.items() for c in cs}
    bundle_of_item = item_name.map(comp)
    per["bundle"] = bundle_of_item.to_numpy()[per["item_code"].to_numpy() // 2]
    bundles = per.dropna(subset=["bundle"]).groupby(["visit", "bundle"]).size()
    split = bundles[bundles >= 2].reset_index().groupby("visit")["bundle"].agg(list)
    vv = v.sort_values(["visit", "prescription_id"], kind="stable")
    out = (
        vv.drop_duplicates("visit")
        .set_index("visit")[
            ["prescription_id", "participant_id", "institution_id", "doctor_id", "date"]
        ]
        .sort_index()
    )
    out["dup_items"] = out.index.map(dup)
    out["split_bundles"] = out.index.map(split)
    out["dup"] = out["dup_items"].notna()
    out["split"] = out["split_bundles"].notna()
    out["normal_ex"] = out.index.map(exempt).fillna(0).astype(int) > 0
    out["normal_ex"] &= ~out["dup"]
    out["fee_ex"] = (out.index.map(fee_exempt).fillna(0).astype(int) > 0) & ~out["dup"]
    # The billing doctor works where the visit is billed; at a pharmacy the doctor on the
    # settlement is the prescriber elsewhere, who bills nothing there.
    home = data.doctors.drop_duplicates("doctor_id").set_index("doctor_id")["institution_id"]
    works_here = out["doctor_id"].map(home)
    works_here = works_here.isna() | (works_here == out["institution_id"])
    billing = out["doctor_id"].notna() & works_here
    out["doc"] = out["doctor_id"].astype(object).where(billing, "")
    # The settlements of flagged visits only (a list per visit is costly at scale).
    hit = out.index[out["dup"] | out["split"]]
    ids = vv[vv["visit"].isin(hit)].groupby("visit")["prescription_id"].agg(list)
    out["rx_ids"] = out.index.map(ids)
    out.index.name = "visit"
    return out.reset_index()


def _visit_numbers(pc: np.ndarray, ic: np.ndarray, dc: np.ndarray) -> np.ndarray:
    """Dense visit numbers for (patient, institution, day) triples, in sorted key order
    (the same numbering ``groupby(...).ngroup()`` on the id columns gave, up to the order
    of ids, which only the ring ids' member lists see, and those are sorted)."""
    order = np.lexsort((dc, ic, pc))
    a, b, c = pc[order], ic[order], dc[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (c[1:] != c[:-1])
    numbers = np.empty(len(order), dtype=np.int64)
    numbers[order] = np.cumsum(new) - 1
    return numbers


def _normal_items(per: pd.DataFrame, cfg: DuplicateChargingConfig) -> pd.DataFrame:
    """Per (item, institution): is the item repeated normally, judged without that institution?

    Normal: repeated on ``normal_repetition_rate`` of its visits at the median institution
    among those with ``min_item_visits`` visits with the item (one institution's scheme
    does not move a median). For an item fewer than three institutions bill that often,
    the pooled rate of the *other* institutions' visits (none: not normal), so a scheme
    on a rare item does not make itself look normal.
    """
    rate = per.groupby(["item_code", "inst"])["rep"].agg(["sum", "size"]).reset_index()
    rate["mean"] = rate["sum"] / rate["size"]
    big = rate[rate["size"] >= cfg.min_item_visits]
    n_big = big.groupby("item_code").size()
    median = big.groupby("item_code")["mean"].median()
    tot = rate.groupby("item_code")[["sum", "size"]].sum()
    others_n = rate["item_code"].map(tot["size"]) - rate["size"]
    others_rep = rate["item_code"].map(tot["sum"]) - rate["sum"]
    pooled = (others_rep / others_n.where(others_n >= cfg.min_item_visits)).fillna(0.0)
    many = rate["item_code"].map(n_big).fillna(0) >= 3
    use = pooled.where(~many, rate["item_code"].map(median))
    return rate[["item_code", "inst"]].assign(normal=(use >= cfg.normal_repetition_rate).to_numpy())


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Institutions (and doctors there) that bill the same item twice far too often.

    >>> import pandas as pd
    >>> rx, it = [], []
    >>> for i in range(600):   # ordinary visits at H1 and H2, one consultation each
    ...     rx.append((f"S{i}", f"Q{i}", "H1" if i % 2 else "H2", "2024-03-01"))
    ...     it.append((f"S{i}", "C1"))
    >>> for i in range(8):     # H3 bills the consultation twice on 8 visits
    ...     rx.append((f"R{i}", f"P{i}", "H3", "2024-03-02"))
    ...     it += [(f"R{i}", "C1"), (f"R{i}", "C1")]
    >>> g = GraphData.create(
    ...     prescriptions=pd.DataFrame(rx, columns=["prescription_id", "participant_id",
    ...                                             "institution_id", "date"]),
    ...     items=pd.DataFrame(it, columns=["prescription_id", "item_code"]))
    >>> [(r.member_count, r.members[0].id) for r in detect(g, DetectConfig())]
    [(9, 'H3')]
    """
    del clustering  # no clustering in this detector; accepted for a uniform signature
    cfg = config.duplicate_charging
    v = visits(data, config)
    if v.empty:
        return []
    units, tests = unit_tests(v, ("dup", "split"), "doc", config.scoring.min_adjusted_surprise)
    rings: list[Ring] = []
    for chosen, grp in hospital_groups(units, tests, config.scoring.min_adjusted_surprise):
        flagged = grp[grp["dup"] | grp["split"]]
        patients = sorted(set(flagged["participant_id"].astype(str)))
        if len(patients) < cfg.min_patients:
            continue
        rings.append(_ring(data, chosen, grp, flagged, patients, tests))
    return rings


def _ring(
    data: GraphData,
    chosen: list[UnitTest],
    grp: pd.DataFrame,
    flagged: pd.DataFrame,
    patients: list[str],
    tests: int,
) -> Ring:
    t = chosen[0]  # the strongest unit carries the statistic
    (r_dup, r_split), (p_dup, p_split) = t.counts, t.rates
    use_split = log10_binom_sf(r_split, t.stays, p_split) < log10_binom_sf(r_dup, t.stays, p_dup)
    doctors = [u.doctor for u in chosen if u.doctor]
    if not doctors:
        docs = flagged.loc[flagged["doc"] != "", "doc"].value_counts()
        doctors = sorted(str(d) for d, n in docs.items() if n >= 2)
    members = [Member("institution", t.inst, "billing institution")]
    members += [Member("doctor", d, "billing doctor") for d in doctors]
    members += [Member("participant", p, "patient") for p in patients]
    members = sort_members(members)
    ids = {i for ids in flagged["rx_ids"] for i in ids}
    cash = money_at_risk(rows_by(data, "prescriptions", "prescription_id").rows(ids))
    n_dup, n_split = int(flagged["dup"].sum()), int(flagged["split"].sum())
    two_settlements = int((flagged["dup"] & (flagged["rx_ids"].map(len) >= 2)).sum())
    who = t.who()
    unit_key = (
        "reason.duplicate_charging.unit.split"
        if use_split
        else "reason.duplicate_charging.unit.twice"
    )
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=r_split if use_split else r_dup,
        expected=round(t.stays * (p_split if use_split else p_dup), 4),
        **unit_texts(
            Msg(
                unit_key,
                who=who,
                visits=t.stays,
            )
        ),
        **null_texts(Msg("reason.duplicate_charging.null", p_dup=p_dup, p_split=p_split)),
        log10_p=t.log10_p,
        tests=tests,
        exemptions=[
            Exemption.of(
                "normal_repetition",
                Msg("reason.duplicate_charging.exempt.normal_repetition"),
                int(grp["normal_ex"].sum()),
                Msg("reason.duplicate_charging.unit.visits"),
            ),
            Exemption.of(
                "per_settlement_fee",
                Msg("reason.duplicate_charging.exempt.per_settlement_fee"),
                int(grp["fee_ex"].sum()),
                Msg("reason.duplicate_charging.unit.visits"),
            ),
        ],
    )
    items = sorted({c for cs in flagged["dup_items"].dropna() for c in cs})
    reasons = Reasons()
    reasons.add(
        *Msg(
            "reason.duplicate_charging.visits",
            flagged=len(flagged),
            visits=len(grp),
            who=who,
            patients=len(patients),
            twice=n_dup,
            two_settlements=two_settlements,
            items=Join(items[:5], "sep.enum") if items else "-",
            split=n_split,
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
            "DUPLICATE_CHARGE",
            float(len(ids_)),
            _charge_detail(ids_, d, b),
        )
        for p, ids_, d, b in zip(
            flagged["participant_id"],
            flagged["rx_ids"],
            flagged["dup_items"],
            flagged["split_bundles"],
            strict=True,
        )
    ][:200]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_institutions(data, [t.inst]), evidence
    )


def _charge_detail(visit: list[str], duplicated: object, split: object) -> Msg:
    """A visit's duplicated and split items, as the evidence line says them (the frame's
    cells are lists of item codes, or NaN where the visit has none of a kind)."""
    v = Join([str(x) for x in visit[:3]], "sep.list")
    dup = Join([str(x) for x in duplicated], "sep.list") if isinstance(duplicated, list) else None
    parts = Join([str(x) for x in split], "sep.list") if isinstance(split, list) else None
    if dup is not None and parts is not None:
        return Msg("evidence_detail.duplicate_and_split", v=v, d=dup, b=parts)
    if dup is not None:
        return Msg("evidence_detail.duplicated", v=v, d=dup)
    return Msg("evidence_detail.split_bundle", v=v, b=parts or "")
