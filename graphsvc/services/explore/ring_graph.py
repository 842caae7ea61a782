"""A ring's picture: its members and what ties them, one weighted edge per place."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphsvc.model import (
    ACCOUNT_PAID_FOR,
    EVIDENCE,
    REFERRED,
    TREATED_BY,
    VISITED,
)
from graphsvc.services.explore.query import _read
from graphsvc.services.explore.rings import find_ring, parse_evidence
from graphsvc.services.explore.subgraph import MAX_VIEW_NODES, Subgraph, _capped, entity_key
from graphsvc.store import Node, Store


def ring_subgraph(store: Store, ring_id: str, cap: int = 500) -> Subgraph:
    """A ring's members and what ties them: detection's evidence edges, shared
    identifiers, family-account links and payments, and settlements aggregated per
    institution and doctor (one weighted edge instead of hundreds of settlement
    nodes). Institutions and doctors appear when two or more members used them or
    they are members. ``cap`` bounds nodes fetched; the rest is counted as hidden.
    """
    g = find_ring(store, ring_id)
    rid = g.properties["id"]
    sub = Subgraph(
        meta={
            "ring": rid,
            "typology": g.properties.get("typology"),
            "period_end": g.properties.get("period_end"),
        }
    )
    for row in _read(store, "explore_ring_member_nodes", {"id": rid}):
        key = sub.add(row["node"])
        sub.highlight.add(key)
    members = set(sub.highlight)

    typology = g.properties.get("typology")
    evidence = parse_evidence(g.properties.get("evidence_json"))
    sub.meta["evidence_count"] = len(evidence)
    for (s, t, kind), props in _evidence_edges(evidence, typology).items():
        if s in sub.nodes and t in sub.nodes:
            sub.link(EVIDENCE, s, t, {"evidence_type": kind, **props})
    _annotate_evidence(store, sub, rid, typology)

    # Fetch up to the view maximum, not ``cap``: _capped counts what is cut as hidden.
    for row in _read(store, "explore_ring_identifiers", {"id": rid, "limit": MAX_VIEW_NODES}):
        key = sub.add(row["node"])
        for holder in row["holders"]:
            sub.link("HAS_IDENTIFIER", f"participant:{holder}", key)

    for row in _read(store, "explore_ring_shared_accounts", {"id": rid}):
        a, b = sub.add(row["holder"]), sub.add(row["member"])
        sub.link(
            "SHARES_ACCOUNT", a, b, {"relation": row.get("relation"), "since": row.get("since")}
        )

    for row in _read(store, "explore_ring_account_payments", {"id": rid}):
        h, p = sub.add(row["holder"]), sub.add(row["patient"])
        sub.link(
            ACCOUNT_PAID_FOR, h, p, {"count": row["count"], "amount": _money(row.get("amount"))}
        )

    _aggregated(sub, members, _read(store, "explore_ring_visits", {"id": rid}), VISITED)
    _aggregated(sub, members, _read(store, "explore_ring_doctors", {"id": rid}), TREATED_BY)

    referrals: dict[tuple[str, str], int] = defaultdict(int)
    for row in _read(store, "explore_ring_referrals", {"id": rid}):
        a, b = sub.add(row["from_node"]), sub.add(row["to_node"])
        referrals[(a, b)] += int(row["count"])
        if row.get("doctor") is not None:
            d = sub.add(row["doctor"])
            referrals[(d, b)] += int(row["count"])
    for (a, b), n in sorted(referrals.items()):
        sub.link(REFERRED, a, b, {"count": n})

    for row in _read(store, "explore_ring_workplaces", {"id": rid}):
        i = sub.add(row["node"])
        sub.link("WORKS_AT", f"doctor:{row['doctor']}", i)
    return _capped(sub, cap)


def _evidence_edges(
    evidence: list[dict[str, Any]], typology: Any
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Detection's evidence, one edge per (source, target, type) with how many records
    it stands for: 39 far settlements of 7 cards are 7 edges, not 39 parallel lines.

    Shared identity draws none: its evidence pairs (N holders make N(N-1)/2 of them)
    are what the identifier hubs already show, so they are summarised, not drawn.
    """
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    if typology == "shared_identity":
        return out
    for ev in evidence:
        src, tgt = ev.get("source") or {}, ev.get("target") or {}
        key = (
            f"{src.get('kind')}:{src.get('id')}",
            f"{tgt.get('kind')}:{tgt.get('id')}",
            str(ev.get("type")),
        )
        edge = out.get(key)
        if edge is None:
            edge = out[key] = {"records": 0, "weight": 0.0, "detail": ev.get("detail")}
            if ev.get("detail_zh"):  # its Chinese twin (runs written since it exists)
                edge["detail_zh"] = ev["detail_zh"]
        edge["records"] += 1
        weight = ev.get("weight")
        if isinstance(weight, int | float):
            edge["weight"] = round(edge["weight"] + float(weight), 4)
    return out


def _annotate_evidence(store: Store, sub: Subgraph, rid: str, typology: Any) -> None:
    """What the evidence edges of a typology carry beyond detection's record: the
    patients on each referral-loop arc, the fills and money of each doctor -> pharmacy
    flow (read from the store, so the picture says what the settlements say)."""
    if typology == "fake_referral":
        arcs = {
            (f"institution:{r['source']}", f"institution:{r['target']}"): r
            for r in _read(store, "explore_ring_loop_patients", {"id": rid})
        }
        for rel in sub.rels:
            arc = arcs.get((rel.start, rel.end))
            if rel.type == EVIDENCE and arc is not None:
                rel.properties["patients"] = int(arc["patients"])
    elif typology == "pharmacy_collusion":
        flows = {
            (f"doctor:{r['doctor']}", f"institution:{r['pharmacy']}"): r
            for r in _read(store, "explore_ring_pharmacy_flows", {"id": rid})
        }
        for rel in sub.rels:
            flow = flows.get((rel.start, rel.end))
            if rel.type == EVIDENCE and flow is not None:
                rel.properties["fills"] = int(flow["fills"])
                rel.properties["amount"] = _money(flow.get("amount"))


def _money(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _aggregated(sub: Subgraph, members: set[str], rows: list[dict[str, Any]], rel: str) -> None:
    """Per-(participant, place) settlement edges, for places that tie members together."""
    users: dict[str, set[str]] = defaultdict(set)
    nodes: dict[str, Node] = {}
    for row in rows:
        key = entity_key(row["node"])
        nodes[key] = row["node"]
        users[key].add(f"participant:{row['participant']}")
    shared = {k for k, who in users.items() if len(who) >= 2 or k in members}
    for row in sorted(rows, key=lambda r: (str(r["participant"]), entity_key(r["node"]))):
        key = entity_key(row["node"])
        if key in shared:
            sub.add(nodes[key])
            sub.link(
                rel,
                f"participant:{row['participant']}",
                key,
                {"count": row["count"], "amount": _money(row.get("amount"))},
            )
