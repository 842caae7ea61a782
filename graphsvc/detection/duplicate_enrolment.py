"""Duplicate enrolment (重复参保, 重复享受待遇): one ID number on two settling records.

Clause: Hainan Art. 11 (不得重复参加基本医疗保险); Art. 24(3) (重复享受医疗保障待遇).

Behaviour, from the seeds: a person is enrolled twice -- as an employee in one region
and a resident in another, or twice in one scheme -- and both records draw benefits;
at worst the person lies in two hospitals at once (overlapping inpatient stays of the
two records). The loader keys participants on ``participant_id`` only, so a second
record with the same ``id_number`` loads; this detector is what looks at it.

Method:

* Candidates are the groups of records sharing one normalised ID number (trimmed,
  upper-case check character); tests = groups examined.
* Both records must settle in at least ``min_overlap_months`` common calendar months.
  Exemption ``rekeyed_after_move``: when one record's last settlement is before the
  other's first, the number was re-keyed after a move (the old record stopped before
  the new one started) and nothing was drawn twice; the group is recorded as exempt.
* Null model: the records are two *different* people whose numbers agree by
  coincidence. Under it three independent events must all happen: (1) the sequence
  code agrees: 1 in ``sequence_codes`` for each other record of the same birthplace,
  birth date and sex (the number's first 14 characters and the parity of the 17th);
  (2) for every contact identifier both records list, an unrelated record lists it
  by chance (holders / population); (3) for overlapping inpatient stays, two
  independent stays overlap by chance ((length A + length B) / days observed). The
  probability is the product; the overlapping use (months both settle, stays at
  once) is what the reasons show as the benefit drawn twice.
"""

from __future__ import annotations

import itertools
import logging
import math

import pandas as pd

from graphsvc.detection.common import Clustering, period, region_of_participants
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
from graphsvc.detection.linkage import Linkage, linkage_for
from graphsvc.detection.rings import Evidence, Member, Reasons, Ring, mask, sort_members
from graphsvc.locale.fmt import fmt_date
from graphsvc.locale.msg import Join, Msg, label

log = logging.getLogger(__name__)

TYPOLOGY = "duplicate_enrolment"


def _bucket(idn: pd.Series) -> pd.Series:
    """Birthplace + birth date + sex of GB 11643 numbers: where a coincidence could happen."""
    s = idn.astype(str)
    parity = pd.to_numeric(s.str[16], errors="coerce").fillna(0).astype(int) % 2
    return s.str[:14] + parity.astype(str)


def _bucket_sizes(people: pd.DataFrame) -> pd.Series:
    """ID number -> how many records share its bucket (:func:`_bucket`).

    A store holds no raw ID number (issue #14): there ``id_number`` is a keyed pseudonym
    and ``id_bucket`` the pseudonym of its bucket, computed at load; equal buckets stay
    equal, so the counts are the same as on the raw numbers.
    """
    bucket = _bucket(people["id_number"])
    if "id_bucket" in people.columns:
        keyed = people["id_bucket"]
        bucket = keyed.where(keyed.notna() & (keyed.astype(str) != ""), bucket)
    sizes = bucket.map(bucket.value_counts())
    return pd.Series(sizes.to_numpy(), index=people["id_number"].to_numpy()).groupby(level=0).max()


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Groups of records of one ID number that settle in the same months.

    >>> import pandas as pd
    >>> idn = "460100198001011234"
    >>> people = pd.DataFrame({"participant_id": ["A", "B", "C"],
    ...                        "id_number": [idn, idn.lower(), "460100197001011230"]})
    >>> rx = pd.DataFrame({"participant_id": ["A", "B", "A", "B"],
    ...                    "prescription_id": ["1", "2", "3", "4"],
    ...                    "institution_id": ["H1", "H2", "H1", "H2"],
    ...                    "date": ["2025-01-03", "2025-01-20", "2025-03-01", "2025-03-09"],
    ...                    "visit_type": "outpatient", "fund_paid": 10.0})
    >>> ids = pd.DataFrame({"participant_id": ["A", "B"], "kind": "phone",
    ...                     "value": "13800138000"})
    >>> rings = detect(GraphData.create(participants=people, prescriptions=rx,
    ...                                 identifiers=ids), DetectConfig())
    >>> [(sorted(m.id for m in r.members), r.findings[0].observed) for r in rings]
    [(['A', 'B'], 2)]
    """
    del clustering  # accepted for a uniform signature
    cfg = config.duplicate_enrolment
    people = data.participants[data.participants["id_number"].notna()]
    linkage = linkage_for(data, config.linkage)
    dup = people[people.duplicated("id_number", keep=False)]
    groups = _groups(dup, people, linkage)
    if not groups:
        return []
    bucket_size = _bucket_sizes(people)
    rx = data.prescriptions
    in_groups = {r for _, g in groups for r in g}
    rx = rx[rx["participant_id"].isin(in_groups) & rx["date"].notna()]
    by_p = {str(p): g for p, g in rx.groupby("participant_id", sort=False)}
    ids = data.identifiers
    holders = ids.groupby(["kind", "value"])["participant_id"].nunique()
    n_people = max(1, len(data.participants))
    rx_all = data.prescriptions
    days_seen = 365
    if rx_all["date"].notna().any():
        days_seen = max(1, int((rx_all["date"].max() - rx_all["date"].min()).days) + 1)
    tests = len(groups)
    chosen: list[tuple[str, list[str], set[pd.Period]]] = []
    rekeyed = 0
    for idn, g in groups:
        settled = sorted(str(p) for p in g if str(p) in by_p)
        if len(settled) < 2:
            continue  # one record never settles: nothing drawn twice
        months = {r: set(by_p[r]["date"].dt.to_period("M")) for r in settled}
        common = set.intersection(*months.values())
        spans = sorted((by_p[r]["date"].min(), by_p[r]["date"].max()) for r in settled)
        disjoint = all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1))
        if cfg.rekeyed_after_move and disjoint:
            rekeyed += 1
            continue
        if len(common) >= cfg.min_overlap_months:
            chosen.append((str(idn), settled, common))
    exempt = Exemption.of(
        "rekeyed_after_move",
        Msg("reason.duplicate_enrolment.exempt.rekeyed_after_move"),
        rekeyed,
        Msg("reason.duplicate_enrolment.unit.other_groups"),
    )
    rings = [
        _ring(
            data,
            idn,
            recs,
            by_p,
            common,
            bucket_size,
            holders,
            n_people,
            days_seen,
            tests,
            config,
            exempt,
            linkage,
        )
        for idn, recs, common in chosen
    ]
    return rings


def _groups(
    dup: pd.DataFrame, people: pd.DataFrame, linkage: Linkage
) -> list[tuple[str, list[str]]]:
    """Records of one person: one ID number (exactly), or linked (issue #15), or both.

    Named by the smallest ID number among them; sorted by it, so runs are stable.
    """
    import networkx as nx

    g = nx.Graph()
    for _, recs in dup.groupby("id_number", sort=True)["participant_id"]:
        ordered = sorted(str(r) for r in recs)
        g.add_edges_from(itertools.pairwise(ordered))
    g.add_edges_from((x.left, x.right) for x in linkage.links)
    number = dict(
        zip(people["participant_id"].astype(str), people["id_number"].astype(str), strict=True)
    )
    out = []
    for comp in nx.connected_components(g):
        recs = sorted(comp)
        numbers = sorted(number[r] for r in recs if r in number)
        out.append((numbers[0] if numbers else recs[0], recs))
    return sorted(out, key=lambda kv: (kv[0], kv[1]))


def _overlapping_stays(a: pd.DataFrame, b: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    sa = a[a["visit_type"] == "inpatient"]
    sb = b[b["visit_type"] == "inpatient"]
    out = []
    for _, x in sa.iterrows():
        xd = x["discharge_date"] if pd.notna(x["discharge_date"]) else x["date"]
        for _, y in sb.iterrows():
            yd = y["discharge_date"] if pd.notna(y["discharge_date"]) else y["date"]
            if x["date"] <= yd and y["date"] <= xd:
                out.append((x, y))
    return out


def _ring(
    data: GraphData,
    idn: str,
    recs: list[str],
    by_p: dict[str, pd.DataFrame],
    common: set[pd.Period],
    bucket_size: pd.Series,
    holders: pd.Series,
    n_people: int,
    days_seen: int,
    tests: int,
    config: DetectConfig,
    exempt: Exemption,
    linkage: Linkage,
) -> Ring:
    cfg = config.duplicate_enrolment
    ids = data.identifiers
    links = linkage.links_of(recs)
    people_idn = data.participants.set_index("participant_id")["id_number"]
    one_number = len({str(people_idn.get(r)) for r in recs}) == 1
    # (1) the sequence code agrees by chance, once per other record in the bucket
    k = int(bucket_size.get(idn, len(recs)))
    others = max(1, k - 1)
    log10_seq = min(0.0, math.log10(others / cfg.sequence_codes)) * (len(recs) - 1)
    if not one_number:
        # numbers differ (a typo): the chance the linked records are two people is what
        # the linkage model leaves, 1 - its match probability (at its 6-digit rounding)
        weakest = min((x.match_probability for x in links), default=config.linkage.match_threshold)
        log10_seq = math.log10(max(1e-6, 1.0 - weakest))
    # (2) the contact identifiers both records list
    mine = ids[ids["participant_id"].isin(set(recs))]
    both = mine.groupby(["kind", "value"])["participant_id"].nunique()
    shared = [(str(kv), str(v)) for (kv, v), c in both.items() if c >= 2]
    log10_ids = sum(
        min(0.0, math.log10(max(1, int(holders.get((kv, v), 2)) - 1) / n_people))
        for kv, v in shared
    )
    # (3) overlapping inpatient stays (the first two records)
    a, b = by_p[recs[0]], by_p[recs[1]]
    overlaps = _overlapping_stays(a, b)
    log10_stays = 0.0
    for x, y in overlaps:
        la = (x["discharge_date"] - x["date"]).days + 1 if pd.notna(x["discharge_date"]) else 1
        lb = (y["discharge_date"] - y["date"]).days + 1 if pd.notna(y["discharge_date"]) else 1
        log10_stays += min(0.0, math.log10(min(1.0, (la + lb) / days_seen)))
    log10_p = log10_seq + log10_ids + log10_stays
    members = sort_members([Member("participant", r, "duplicate record") for r in recs])
    months = sorted(common)
    in_common = pd.concat([by_p[r] for r in recs])
    in_common = in_common[in_common["date"].dt.to_period("M").isin(set(months))]
    cash = money_at_risk(in_common)
    people = data.participants.set_index("participant_id")
    scheme = {r: people.at[r, "insurance_type"] or "?" for r in recs}
    region = {r: people.at[r, "region_code"] or "?" for r in recs}
    kinds = [
        Msg(
            "reason.duplicate_enrolment.record",
            record=r,
            scheme=label("fact_value.insurance_type", scheme[r]),
            region=region[r],
        )
        for r in recs
    ]
    if one_number:
        unit = Msg("reason.duplicate_enrolment.unit", id_number=mask(idn))
        null = Msg(
            "reason.duplicate_enrolment.null",
            codes=cfg.sequence_codes,
            others=others,
            shared=len(shared),
            people=n_people,
            overlaps=len(overlaps),
        )
    else:
        # numbers differ: the first chance is the linkage model's, not the sequence code's
        unit = Msg("reason.duplicate_enrolment.unit.linked", id_number=mask(idn))
        null = Msg(
            "reason.duplicate_enrolment.null.linked",
            shared=len(shared),
            people=n_people,
            overlaps=len(overlaps),
        )
    finding = Finding(
        typology=TYPOLOGY,
        clause="",
        members=members,
        observed=len(recs),
        expected=round(10**log10_p * len(recs), 6),
        **unit_texts(unit),
        **null_texts(null),
        log10_p=log10_p,
        tests=tests,
    )
    finding.exemptions.append(exempt)
    reasons = Reasons()
    for x in links:
        reasons.add(
            *Msg(
                "reason.duplicate_enrolment.link",
                left=x.left,
                right=x.right,
                probability=x.match_probability,
                agreed=x.agreed_text(),
            ).pair()
        )
    reasons.add(
        *Msg(
            "reason.duplicate_enrolment.records",
            id_number=mask(idn),
            records=len(recs),
            kinds=Join(kinds, "sep.semi"),
            months=len(months),
            listed=Join([str(m) for m in months[:6]], "sep.enum"),
            more="…" if len(months) > 6 else "",
        ).pair()
    )
    if shared:
        reasons.add(
            *Msg(
                "reason.duplicate_enrolment.shared",
                n=len(shared),
                identifiers=Join(
                    [label("reason.identifier", kv) for kv in sorted({kv for kv, _ in shared})],
                    "sep.enum",
                ),
            ).pair()
        )
    for x, y in overlaps[:3]:
        reasons.add(
            *Msg(
                "reason.duplicate_enrolment.overlap",
                first_at=x["institution_id"],
                first_from=fmt_date(x["date"]),
                first=recs[0],
                second_at=y["institution_id"],
                second_from=fmt_date(y["date"]),
                second=recs[1],
            ).pair()
        )
    for en, zh in render_finding(finding):
        reasons.add(en, zh)
    reasons.add(*cash.sentence())
    start, end = period(in_common["date"])
    evidence = [
        Evidence.said(
            ("participant", recs[0]),
            ("participant", r),
            "SAME_ID_NUMBER",
            float(len(months)),
            Msg("evidence_detail.same_id_number", a=recs[0], b=r, n=mask(idn)),
        )
        for r in recs[1:]
        if str(people_idn.get(r)) == str(people_idn.get(recs[0]))
    ]
    # the link itself, what an investigator checks: its probability and what agreed
    evidence += [
        Evidence.said(
            ("participant", x.left),
            ("participant", x.right),
            "SAME_PERSON",
            x.match_probability,
            x.detail(),
        )
        for x in links
    ]
    return Ring.from_finding(
        finding, reasons, cash, (start, end), region_of_participants(data, recs), evidence
    )
