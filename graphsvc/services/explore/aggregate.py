"""A neighbourhood aggregated by kind for people to read (issue #13): settlements,
referrals and line items become counts and weighted edges between the entities they
tie, and a kind with more entities than a picture can label keeps its best connected
and counts the rest.

Why: two or three hops from a participant reach hundreds of settlement nodes, each
an unlabelled dot, and the entities an investigator looks for (the institutions, the
doctors, the other patients) drown among them. A settlement is an event between a
patient, an institution and a doctor; drawn as one ``VISITED`` edge per patient and
institution (with its count and amount) it says the same thing at a glance.

Pure: it takes and returns ``Subgraph`` values, so the JSON neighbourhood answer
(``neighbourhood``) stays the store's own shape and this picture is computed from it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from graphsvc.model import ACCOUNT_PAID_FOR, REFERRED, TREATED_BY, VISITED
from graphsvc.services.explore.subgraph import Subgraph
from graphsvc.store import Relationship

# Event kinds: walked through, never drawn, counted.
EVENT_KINDS = frozenset({"prescription", "referral", "item"})
# A doctor's prescriptions settled at an institution (a pharmacy filling them), aggregated
# like VISITED; only pictures draw it (entity summaries too), so it lives here rather
# than in graphsvc.model.
SETTLED_AT = "SETTLED_AT"
# (event kind, type to A, type to B, the aggregated A -> B type); event rels point from
# the event to the entity: (Prescription)-[:AT]->(Institution).
PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("prescription", "PATIENT", "AT", VISITED),
    ("prescription", "PATIENT", "PRESCRIBED_BY", TREATED_BY),
    ("prescription", "PRESCRIBED_BY", "AT", SETTLED_AT),
    ("prescription", "PAID_BY_ACCOUNT", "PATIENT", ACCOUNT_PAID_FOR),
    ("referral", "REFERRED_FROM", "REFERRED_TO", REFERRED),
    ("referral", "REFERRED_BY", "REFERRED_TO", REFERRED),
)
PER_KIND = 40  # labelled entities of one kind a picture still reads


def aggregate_by_kind(sub: Subgraph, per_kind: int = PER_KIND) -> Subgraph:
    """``sub`` with its events folded into weighted edges and each kind capped.

    ``meta["aggregated"]``: ``[{kind, count}]``, what is not drawn, by kind (the events
    walked through and the entities past ``per_kind``); ``hidden`` keeps what the
    neighbourhood never fetched.

    >>> from graphsvc.store import Node
    >>> s = Subgraph()
    >>> for k, lb in (("participant:P1", "Participant"), ("institution:I1", "Institution"),
    ...               ("prescription:S1", "Prescription"), ("prescription:S2", "Prescription")):
    ...     _ = s.add(Node(k, (lb,), {"id": k.partition(":")[2], "total_amount": 5.0}))
    >>> for e in ("prescription:S1", "prescription:S2"):
    ...     s.link("PATIENT", e, "participant:P1"); s.link("AT", e, "institution:I1")
    >>> out = aggregate_by_kind(s)
    >>> sorted(out.nodes), [(r.type, r.properties) for r in out.rels]
    (['institution:I1', 'participant:P1'], [('VISITED', {'count': 2, 'amount': 10.0})])
    >>> out.meta["aggregated"]
    [{'kind': 'prescription', 'count': 2}]
    """
    kind_of = {key: key.partition(":")[0] for key in sub.nodes}
    is_event = {k for k, kind in kind_of.items() if kind in EVENT_KINDS and k not in sub.highlight}
    ends: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    direct: dict[tuple[str, str, str], Relationship] = {}
    for r in sub.rels:
        if r.start in is_event and r.end not in is_event:
            ends[r.start][r.type].append(r.end)
        elif r.start not in is_event and r.end not in is_event:
            direct.setdefault((r.start, r.type, r.end), r)
    folded = _fold(sub, ends, kind_of)
    kept = {k for k in sub.nodes if k not in is_event}
    counted: Counter[str] = Counter(kind_of[k] for k in is_event)
    edges = [(s, t, e) for (s, t, e) in direct] + [(a, t, b) for (a, t, b) in folded]
    kept = _capped_by_kind(kept, kind_of, edges, sub.highlight, per_kind, counted)
    out = Subgraph(hidden=sub.hidden, meta=dict(sub.meta))
    for key in sorted(kept):
        out.nodes[key] = sub.nodes[key]
    out.highlight = sub.highlight & kept
    for (s, _t, e), r in direct.items():
        if s in kept and e in kept:
            out.link(r.type, s, e, r.properties)
    for (a, t, b), props in sorted(folded.items()):
        if a in kept and b in kept:
            out.link(t, a, b, props)
    out.meta["aggregated"] = [{"kind": k, "count": n} for k, n in sorted(counted.items())]
    return out


def _fold(
    sub: Subgraph, ends: dict[str, dict[str, list[str]]], kind_of: dict[str, str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """One ``(a, type, b)`` edge per pair an event ties, with the events' count and amount."""
    folded: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event, by_type in sorted(ends.items()):
        amount = sub.nodes[event].properties.get("total_amount")
        for kind, to_a, to_b, out_type in PAIRS:
            if kind_of[event] != kind:
                continue
            for a in by_type.get(to_a, ()):
                for b in by_type.get(to_b, ()):
                    if a == b:
                        continue
                    agg = folded.setdefault((a, out_type, b), {"count": 0})
                    agg["count"] += 1
                    if isinstance(amount, int | float):
                        agg["amount"] = round(agg.get("amount", 0.0) + float(amount), 2)
    return folded


def _capped_by_kind(
    kept: set[str],
    kind_of: dict[str, str],
    edges: list[tuple[str, str, str]],
    highlight: set[str],
    per_kind: int,
    counted: Counter[str],
) -> set[str]:
    """At most ``per_kind`` entities of each kind (highlighted ones always), best
    connected first, then by key; the rest are added to ``counted``."""
    degree: Counter[str] = Counter()
    for s, _t, e in edges:
        if s in kept and e in kept:
            degree[s] += 1
            degree[e] += 1
    by_kind: dict[str, list[str]] = defaultdict(list)
    for key in kept:
        if key not in highlight:
            by_kind[kind_of[key]].append(key)
    out = set(highlight & kept)
    for kind, keys in by_kind.items():
        keys.sort(key=lambda k: (-degree[k], k))
        out.update(keys[:per_kind])
        if len(keys) > per_kind:
            counted[kind] += len(keys) - per_kind
    return out
