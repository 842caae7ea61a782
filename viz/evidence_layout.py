"""Evidence-first layouts of a ring's picture, one per typology, in pure code.

Why: a force layout of everything a ring touches buries its point. An investigator
opening a fake-referral ring must see the loop, a shared-identity ring the shared
device, a family-account ring the holder's fan of beneficiaries. So each typology
places the nodes its evidence is about (fixed positions where the shape *is* the
evidence: a cycle, a fan, a flow from left to right), makes the hubs large, and
turns the aggregated settlement and prescription edges off by default (the legend
turns them back on). What is not placed is left to physics around the fixed nodes.

>>> from viz.model import build_view
>>> from graphsvc.store.values import Node, Relationship
>>> inst = [Node(f"institution:H{i}", ("Institution",), {"id": f"H{i}"}) for i in range(3)]
>>> loop = [Relationship(f"e{i}", "EVIDENCE", inst[i].id, inst[(i + 1) % 3].id,
...                      {"evidence_type": "REFERS_IN_LOOP", "patients": 2})
...         for i in range(3)]
>>> v = evidence_layout(build_view(inst, loop, highlight={n.id for n in inst}), "fake_referral")
>>> [(n.id, n.x, n.y, n.fixed) for n in v.nodes][0], v.physics
(('institution:H0', 0.0, -225.0, True), False)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from graphsvc.model import ACCOUNT_PAID_FOR, EVIDENCE, REFERRED, TREATED_BY, VISITED
from graphsvc.web.i18n import label, t
from viz.model import GraphView, ViewEdge, legend_for

# Settlements and prescriptions aggregated per place: context, not evidence.
OFF_BY_DEFAULT = frozenset({VISITED, TREATED_BY})
EXTRA_OFF: dict[str, frozenset[str]] = {
    # the loop arcs say it; all referrals are one click away
    "fake_referral": frozenset({REFERRED}),
    # the identifiers are the point; the family links were weighed by detection already
    "shared_identity": frozenset({"SHARES_ACCOUNT", ACCOUNT_PAID_FOR}),
    # the flow is doctor -> pharmacy; the patients' referrals elsewhere sit on it
    "pharmacy_collusion": frozenset({REFERRED}),
}
HUB_KINDS = frozenset({"identifier"})

Layout = Callable[[GraphView, Mapping[str, Any], str], GraphView]


def evidence_layout(
    view: GraphView,
    typology: str | None,
    meta: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> GraphView:
    """``view`` arranged for its typology's evidence; settlement edges off by default."""
    hidden = set(OFF_BY_DEFAULT) | EXTRA_OFF.get(typology or "", frozenset())
    view = _hide(view, hidden)
    layout = LAYOUTS.get(typology or "", _star)
    out = _name_lone_evidence(layout(view, meta or {}, lang), lang)
    # fixed layouts span more than the canvas: fitting zooms out, so larger words
    out.font_size = 22 if not out.physics else 16
    out.legend = legend_for(out.nodes, out.edges)
    out.legend = [replace(e, hidden=e.key in hidden) for e in out.legend]
    return out


def _name_lone_evidence(view: GraphView, lang: str) -> GraphView:
    """A few evidence edges without numbers say what they are on the line (two records
    sharing an ID number); many of them leave that to the legend and the tooltip."""
    evidence = [e for e in view.edges if e.type == EVIDENCE]
    if len(evidence) > 4:
        return view
    edges = [
        replace(e, label=label("evidence_type", e.kind, lang))
        if e.type == EVIDENCE and not e.label and e.kind
        else e
        for e in view.edges
    ]
    return replace(view, edges=edges)


def _hide(view: GraphView, types: set[str]) -> GraphView:
    """Edges of ``types`` off, and the nodes only they tie in (never a member) with them:
    a clinic some members also visited must not sit on top of the evidence."""
    edges = [replace(e, hidden=e.type in types) for e in view.edges]
    tied = {x for e in edges if not e.hidden for x in (e.source, e.target)}
    nodes = [n if n.highlighted or n.id in tied else replace(n, hidden=True) for n in view.nodes]
    return replace(view, nodes=nodes, edges=edges)


def _visible(view: GraphView) -> list[ViewEdge]:
    return [e for e in view.edges if not e.hidden]


def _degree(edges: list[ViewEdge]) -> dict[str, int]:
    deg: dict[str, int] = defaultdict(int)
    for e in edges:
        deg[e.source] += 1
        deg[e.target] += 1
    return deg


def _place(view: GraphView, at: Mapping[str, tuple[float, float]], physics: bool) -> GraphView:
    nodes = [
        replace(n, x=at[n.id][0], y=at[n.id][1], fixed=True) if n.id in at else n
        for n in view.nodes
    ]
    return replace(view, nodes=nodes, physics=physics)


def _circle(
    ids: list[str], radius: float, start: float = -math.pi / 2, span: float = 2 * math.pi
) -> dict[str, tuple[float, float]]:
    """Points on a circle (or an arc of ``span``), the first at ``start`` (the top)."""
    n = len(ids)
    if n == 0:
        return {}
    step = span / n if span >= 2 * math.pi or n < 2 else span / (n - 1)
    return {
        i: (
            round(radius * math.cos(start + k * step), 1) + 0.0,
            round(radius * math.sin(start + k * step), 1) + 0.0,
        )
        for k, i in enumerate(ids)
    }


def _cycle_order(ids: list[str], edges: list[ViewEdge]) -> list[str]:
    """The loop's institutions in the order the referrals go round (smallest id first)."""
    succ: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.type == EVIDENCE and e.source in ids and e.target in ids:
            succ[e.source].append(e.target)
    order: list[str] = []
    left = sorted(ids)
    current = left[0] if left else None
    while current is not None:
        order.append(current)
        left.remove(current)
        nxt = sorted(s for s in succ[current] if s in left)
        current = nxt[0] if nxt else (left[0] if left else None)
    return order


def _fake_referral(view: GraphView, meta: Mapping[str, Any], lang: str) -> GraphView:
    """The institutions on a circle in loop order, their doctors just outside them, the
    patients in a column beside the loop: nothing sits on the arcs."""
    members = {n.id for n in view.nodes if n.highlighted}
    loop = [n.id for n in view.nodes if n.kind == "institution" and n.id in members]
    order = _cycle_order(loop, view.edges)
    radius = 150.0 + 25.0 * len(order)
    at = _circle(order, radius)
    workplace = {e.source: e.target for e in view.edges if e.type == "WORKS_AT"}
    near: dict[str, list[str]] = defaultdict(list)
    others: list[str] = []
    patients: list[str] = []
    for n in view.nodes:
        if n.id in at:
            continue
        if n.kind == "doctor" and workplace.get(n.id) in at:
            near[workplace[n.id]].append(n.id)
        elif n.kind == "participant":
            patients.append(n.id)
        elif not n.hidden:
            others.append(n.id)
    for inst, docs in near.items():
        x, y = at[inst]
        angle = math.atan2(y, x)
        for k, d in enumerate(sorted(docs)):
            a = angle + (k - (len(docs) - 1) / 2) * 0.25
            at[d] = (round((radius + 75) * math.cos(a), 1), round((radius + 75) * math.sin(a), 1))
    for k, p in enumerate(sorted(patients)):
        at[p] = (round(radius + 260 + 160 * (k // 8), 1), round(-radius + 70 * (k % 8), 1))
    at.update(_circle(sorted(others), radius + 170, start=math.pi * 0.6, span=math.pi * 0.8))
    return _place(view, at, physics=False)


def _age(birth: Any, on: Any) -> int | None:
    try:
        b, d = date.fromisoformat(str(birth)[:10]), date.fromisoformat(str(on)[:10])
    except ValueError:
        return None
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def _family(view: GraphView, meta: Mapping[str, Any], lang: str) -> GraphView:
    """The account holder in the middle, every beneficiary around it with the registered
    relation and the age (at the end of the ring's period) under its id."""
    paid = [e for e in view.edges if e.type in (EVIDENCE, ACCOUNT_PAID_FOR, "SHARES_ACCOUNT")]
    out_deg: dict[str, int] = defaultdict(int)
    for e in paid:
        out_deg[e.source] += 1
    people = [n for n in view.nodes if n.kind == "participant"]
    if not people:
        return _star(view, meta, lang)
    holder = max(people, key=lambda n: (out_deg[n.id], n.highlighted, n.id)).id
    relation = {
        e.target: e.label for e in view.edges if e.type == "SHARES_ACCOUNT" and e.source == holder
    }
    fan = sorted(n.id for n in people if n.id != holder and any(e.target == n.id for e in paid))
    at = {holder: (0.0, 0.0)}
    radius = 130.0 + 12.0 * len(fan)
    at.update(_circle(fan, radius))
    rest = sorted(n.id for n in view.nodes if n.id not in at and not n.hidden)
    if rest:
        at.update(_circle(rest, radius + 140.0, start=math.pi / 4))
    births = meta.get("birth_dates") or {}
    on = meta.get("period_end")
    nodes = []
    for n in view.nodes:
        extra = []
        if relation.get(n.id):
            extra.append(relation[n.id])
        age = _age(births.get(n.id), on) if on else None
        if age is not None:
            extra.append(t("age_years", lang, n=age))
        nodes.append(replace(n, label=f"{n.label}\n{' · '.join(extra)}") if extra else n)
    view = replace(view, nodes=nodes)
    # the relation is under the beneficiary now; the family links keep it too
    return _place(view, at, physics=False)


def _pharmacy(view: GraphView, meta: Mapping[str, Any], lang: str) -> GraphView:
    """Doctors on the left, pharmacies on the right, the flow between them as thick as its
    money; patients between the two, left to physics."""
    flows = [e for e in view.edges if e.type == EVIDENCE and e.amount]
    doctors = sorted({e.source for e in flows})
    pharmacies = sorted({e.target for e in flows})
    at: dict[str, tuple[float, float]] = {}
    for k, d in enumerate(doctors):
        at[d] = (-380.0, round(160.0 * (k - (len(doctors) - 1) / 2), 1))
    for k, p in enumerate(pharmacies):
        at[p] = (380.0, round(160.0 * (k - (len(pharmacies) - 1) / 2), 1))
    patients = sorted(
        n.id for n in view.nodes if n.kind == "participant" and n.highlighted and n.id not in at
    )
    for k, p in enumerate(patients):
        x = -240.0 + 480.0 * (k + 0.5) / len(patients)
        at[p] = (round(x, 1), round(200.0 + 50.0 * (1 - (x / 240.0) ** 2), 1))
    top = max((e.amount or 0.0 for e in flows), default=0.0)
    edges = [
        replace(e, width=round(3.0 + 12.0 * (e.amount or 0.0) / top, 1))
        if e.type == EVIDENCE and e.amount and top
        else e
        for e in view.edges
    ]
    return _place(replace(view, edges=edges), at, physics=True)


def _hubs(view: GraphView, meta: Mapping[str, Any], lang: str) -> GraphView:
    """Shared identifiers as large hubs (size grows with their holders), the holders
    around them by physics; the identifier's holders count is on the hub."""
    deg = _degree(_visible(view))
    nodes = [
        replace(
            n,
            size=int(22 + 8 * math.sqrt(deg[n.id])),
            font_size=20,
            label=f"{n.label}\n{t('holders_n', lang, n=deg[n.id])}",
        )
        if n.kind in HUB_KINDS
        else n
        for n in view.nodes
    ]
    return replace(view, nodes=nodes, physics=True)


def _star(view: GraphView, meta: Mapping[str, Any], lang: str) -> GraphView:
    """The place (institution or doctor) most evidence points at, fixed in the middle and
    enlarged; the people the evidence names around it by physics."""
    evidence = [e for e in view.edges if e.type == EVIDENCE]
    deg = _degree(evidence)
    places = [n for n in view.nodes if n.kind in ("institution", "doctor") and deg[n.id]]
    if not places:
        return replace(view, physics=True)
    centre = max(places, key=lambda n: (deg[n.id], n.id))
    nodes = [replace(n, size=n.size + 14) if n.id == centre.id else n for n in view.nodes]
    # the other accused places (its institution, co-accused doctors) close by, not on it
    near = sorted(
        n.id
        for n in view.nodes
        if n.kind in ("institution", "doctor") and n.highlighted and n.id != centre.id
    )
    at = {centre.id: (0.0, 0.0), **_circle(near, 170.0, start=-math.pi / 2)}
    return _place(replace(view, nodes=nodes), at, physics=True)


LAYOUTS: dict[str, Layout] = {
    "fake_referral": _fake_referral,
    "family_sharing_abuse": _family,
    "pharmacy_collusion": _pharmacy,
    "shared_identity": _hubs,
}
