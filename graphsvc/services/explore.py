"""Exploring the graph: ring lists, ring detail and subgraph, entities, neighbourhoods,
shortest connections and search. Routes and pages call these; they speak only the
Store interface and named queries in ``queries/explore/``.

Subgraphs come back with *entity keys* (``kind:id``) as node ids and relationship
ends, so results of several queries merge safely (a backend's internal ids are only
stable within one query) and the view links straight to ``/entities/{kind}/{id}``.

Labels in queries: a few queries need the label of an entity chosen at run time
(index lookups need it). Their text holds a backticked placeholder such as
``(n:`$label`)``; it is replaced only by a label from ``graphsvc.model.ENTITY_KINDS``
(see ``_labelled``), never by input.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphsvc import model
from graphsvc.contract.normalise import identifier_id, normalise_identifier
from graphsvc.contract.typologies import TYPOLOGIES as TYPOLOGIES
from graphsvc.errors import ConfigError, InputError, NotFound, UnknownLabel
from graphsvc.model import (
    ACCOUNT_PAID_FOR,
    EVIDENCE,
    KIND_OF,
    REFERRED,
    TREATED_BY,
    VISITED,
)
from graphsvc.privacy import mask_properties
from graphsvc.store import Node, Path, Relationship, Store
from graphsvc.store.values import keep_first, kind_of

log = logging.getLogger(__name__)

SortKey = Literal[
    "score",
    "amount_at_risk",
    "member_count",
    "typology",
    "region_code",
    "period_start",
    "period_end",
    "id",
]
SORT_KEYS: tuple[str, ...] = (
    "score",
    "amount_at_risk",
    "member_count",
    "typology",
    "region_code",
    "period_start",
    "period_end",
    "id",
)
MAX_PER_PAGE = 500
MAX_HOPS = 3
MAX_VIEW_NODES = 2_000  # beyond this a browser view is no longer usable, even without physics
# Neighbourhood expansion stops at these: they connect to whole runs or case histories.
TERMINAL_LABELS = frozenset({model.RING, model.CASE, model.DETECTION_RUN, model.CASE_EVENT})


# -- results --------------------------------------------------------------------
@dataclass
class Subgraph:
    """Nodes keyed ``kind:id``; ``hidden`` counts entities known to exist but not fetched."""

    nodes: dict[str, Node] = field(default_factory=dict)
    rels: list[Relationship] = field(default_factory=list)
    highlight: set[str] = field(default_factory=set)
    hidden: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def add(self, node: Node) -> str:
        key = entity_key(node)
        if key not in self.nodes:
            self.nodes[key] = Node(id=key, labels=node.labels, properties=dict(node.properties))
        return key

    def link(
        self,
        rel_type: str,
        start: str,
        end: str,
        props: Mapping[str, Any] | None = None,
    ) -> None:
        self.rels.append(
            Relationship(
                id=f"{start}|{rel_type}|{end}|{len(self.rels)}",
                type=rel_type,
                start=start,
                end=end,
                properties=dict(props or {}),
            )
        )

    def to_json(self) -> dict[str, Any]:
        """Nodes, edges, properties (as stored or masked, see ``masked``)."""
        return {
            "nodes": [
                {
                    "id": key,
                    "kind": kind_of(n),
                    "labels": list(n.labels),
                    "properties": n.properties,
                    "highlight": key in self.highlight,
                }
                for key, n in sorted(self.nodes.items())
            ],
            "edges": [
                {"source": r.start, "target": r.end, "type": r.type, "properties": r.properties}
                for r in self.rels
            ],
            "hidden_nodes": self.hidden,
            **self.meta,
        }


def entity_key(node: Node) -> str:
    return f"{kind_of(node)}:{node.properties.get('id', node.id)}"


def parse_ref(ref: str) -> tuple[str, str]:
    """``kind:id`` -> (kind, id); the id may itself hold colons (ring and identifier ids).

    >>> parse_ref("participant:P000123")
    ('participant', 'P000123')
    >>> parse_ref("identifier:phone:13800138000")
    ('identifier', 'phone:13800138000')
    """
    kind, sep, ident = (ref or "").strip().partition(":")
    if not sep or not ident:
        raise InputError(f"expected kind:id, e.g. participant:P000123 (got {len(ref or '')} chars)")
    label_of(kind)
    return kind, ident


def label_of(kind: str) -> str:
    try:
        return model.ENTITY_KINDS[kind]
    except KeyError:
        raise NotFound(
            f"unknown entity kind {kind!r}; one of {', '.join(model.ENTITY_KINDS)}"
        ) from None


def _labelled(store: Store, name: str, **labels: str) -> str:
    """A named query's text with its backticked label placeholders filled from the model."""
    text = store.named(name).text
    for placeholder, label in labels.items():
        if label not in model.LABELS:
            raise UnknownLabel(f"label {label!r} is not in graphsvc.model.LABELS")
        text = text.replace(f"`${placeholder}`", f"`{label}`")
    if "`$" in text:
        raise ConfigError(f"query {name} has an unfilled label placeholder")
    return text


def _read(
    store: Store, name: str, params: Mapping[str, Any], **labels: str
) -> list[dict[str, Any]]:
    if labels:
        return store.query(_labelled(store, name, **labels), params).records()
    return store.run(name, params).records()


# -- masking ----------------------------------------------------------------------
def masked(sub: Subgraph) -> Subgraph:
    """A copy with personal data masked (``graphsvc.privacy``); identifier keys, which
    contain the raw value, are replaced by their masked form (numbered if two collide)."""
    out = Subgraph(highlight=set(), hidden=sub.hidden, meta=dict(sub.meta))
    renamed: dict[str, str] = {}
    for key, n in sub.nodes.items():
        props = mask_properties(n.label, n.properties)
        new_key = key
        if n.label == model.IDENTIFIER:
            new_key = f"identifier:{props.get('id', '')}"
            base, i = new_key, 1
            while new_key in out.nodes:
                i += 1
                new_key = f"{base}~{i}"
            props["_masked"] = True
        renamed[key] = new_key
        out.nodes[new_key] = Node(id=new_key, labels=n.labels, properties=props)
    out.highlight = {renamed[k] for k in sub.highlight if k in renamed}
    for k in ("center", "from", "to"):  # entity keys in the answer's header, too
        if out.meta.get(k) in renamed:
            out.meta[k] = renamed[out.meta[k]]
    for r in sub.rels:
        # Evidence details are free text that may quote identifiers; the others are counts.
        props = mask_properties("", r.properties) if r.type == EVIDENCE else r.properties
        out.link(r.type, renamed.get(r.start, r.start), renamed.get(r.end, r.end), props)
    return out


def entity_link(node: Node) -> str | None:
    """Page of an entity; none for masked identifiers (their id is no longer the key)."""
    from urllib.parse import quote

    kind = kind_of(node)
    if kind not in model.ENTITY_KINDS or node.properties.get("_masked"):
        return None
    ident = node.properties.get("id")
    if ident is None:
        return None
    return f"/entities/{kind}/{quote(str(ident), safe='')}"


# -- rings ------------------------------------------------------------------------
def current_run(store: Store) -> dict[str, Any] | None:
    rows = store.run("explore_current_run").records()
    return rows[0] if rows else None


@dataclass(frozen=True)
class RingFilters:
    typology: str | None = None
    region: str | None = None
    min_score: float | None = None
    min_amount: float | None = None
    period_from: str | None = None
    period_to: str | None = None
    run_id: str | None = None
    # Only these ring ids (Ring.id), e.g. those with a member of a bad credit grade.
    ring_ids: frozenset[str] | None = None

    def validate(self) -> RingFilters:
        if self.typology and self.typology not in TYPOLOGIES:
            raise InputError(f"unknown typology; one of {', '.join(TYPOLOGIES)}")
        if self.region and not re.fullmatch(r"\d{2,6}", self.region):
            raise InputError("region must be 2 to 6 digits (a region code or its prefix)")
        for name in ("period_from", "period_to"):
            value = getattr(self, name)
            if value and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise InputError(f"{name} must be YYYY-MM or YYYY-MM-DD")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError("min_score must be within [0, 1]")
        return self


def list_rings(
    store: Store,
    filters: RingFilters | None = None,
    *,
    sort: str = "score",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """The contract's ring list (current run unless ``filters.run_id``), filtered,
    sorted (ties by id, so pages are stable) and paged."""
    f = (filters or RingFilters()).validate()
    if sort not in SORT_KEYS:
        raise InputError(f"sort must be one of {', '.join(SORT_KEYS)}")
    if order not in ("asc", "desc"):
        raise InputError("order must be asc or desc")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    run = None
    run_id = f.run_id
    if run_id is None:
        run = current_run(store)
        run_id = run["id"] if run else None
    answer: dict[str, Any] = {
        "run_id": run_id,
        "generated_at": (run or {}).get("finished_at") or (run or {}).get("started_at"),
        "total": 0,
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "order": order,
        "rings": [],
    }
    if run_id is None:
        return answer
    rows = _read(
        store,
        "explore_rings",
        {
            "run_id": run_id,
            "typology": f.typology or None,
            "region": f.region or None,
            "min_score": f.min_score,
            "min_amount": f.min_amount,
            "period_from": f.period_from or None,
            "period_to": f.period_to or None,
        },
    )
    if f.ring_ids is not None:
        rows = [r for r in rows if str(r.get("id")) in f.ring_ids]
    # Ties by ascending id (stable sorts), rings without the value last in both orders.
    rows.sort(key=lambda r: str(r.get("id")))
    present = [r for r in rows if r.get(sort) is not None]
    present.sort(key=lambda r: r[sort], reverse=order == "desc")
    rows = present + [r for r in rows if r.get(sort) is None]
    answer["total"] = len(rows)
    chunk = rows[(page - 1) * per_page : page * per_page]
    members = _members(store, [r["id"] for r in chunk])
    answer["rings"] = [_ring_summary(r, members.get(r["id"], [])) for r in chunk]
    return answer


def _members(store: Store, ring_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    if not ring_ids:
        return out
    for row in _read(store, "explore_ring_members", {"ids": ring_ids}):
        kind = next((KIND_OF[lb] for lb in row["labels"] if lb in KIND_OF), "node")
        out[row["ring"]].append({"kind": kind, "id": str(row["id"]), "role": row.get("role") or ""})
    order = {"institution": 0, "doctor": 1, "participant": 2}
    for lst in out.values():
        lst.sort(key=lambda m: (order.get(m["kind"], 3), m["id"]))
    return out


def _ring_summary(row: Mapping[str, Any], members: list[dict[str, str]]) -> dict[str, Any]:
    reasons = row.get("reasons") or []
    # Rings written before Chinese reasons existed have none: pages fall back to English.
    reasons_zh = row.get("reasons_zh") or []
    return {
        "id": row["id"],
        "ring_id": row.get("ring_id"),
        "run_id": row.get("run_id"),
        "typology": row.get("typology"),
        "score": row.get("score"),
        "members": members,
        "member_count": row.get("member_count")
        if row.get("member_count") is not None
        else len(members),
        "reasons": list(reasons) if isinstance(reasons, list | tuple) else [str(reasons)],
        "reasons_zh": list(reasons_zh)
        if isinstance(reasons_zh, list | tuple)
        else [str(reasons_zh)],
        "amount_at_risk": row.get("amount_at_risk"),
        "region_code": row.get("region_code"),
        "period": {"start": row.get("period_start"), "end": row.get("period_end")},
        "clause": row.get("clause"),
    }


def find_ring(store: Store, ring_id: str) -> Node:
    """A ring by full id (``run:hash``), or by hash within the current run."""
    rows = store.run("explore_ring", {"id": ring_id}).rows
    if not rows:
        run = current_run(store)
        if run:
            rows = store.run("explore_ring_by_hash", {"ring_id": ring_id, "run_id": run["id"]}).rows
    if not rows:
        raise NotFound("no such ring")
    node: Node = rows[0][0]
    return node


def parse_evidence(raw: Any) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        log.warning("ring evidence_json is not valid JSON; ignored")
        return []
    return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []


def ring_detail(store: Store, ring_id: str) -> dict[str, Any]:
    """The contract's ring shape plus evidence, clause, period, run and parameters."""
    g = find_ring(store, ring_id)
    p = g.properties
    members = _members(store, [p["id"]]).get(p["id"], [])
    out = _ring_summary({**p, "id": p["id"]}, members)
    out["evidence"] = parse_evidence(p.get("evidence_json"))
    out["created_at"] = p.get("created_at")
    try:
        out["params"] = json.loads(p["params_json"]) if p.get("params_json") else None
    except ValueError:
        out["params"] = None
    return out


def ring_subgraph(store: Store, ring_id: str, cap: int = 500) -> Subgraph:
    """A ring's members and what ties them: detection's evidence edges, shared
    identifiers, family-account links and payments, and settlements aggregated per
    institution and doctor (one weighted edge instead of hundreds of settlement
    nodes). Institutions and doctors appear when two or more members used them or
    they are members. ``cap`` bounds nodes fetched; the rest is counted as hidden.
    """
    g = find_ring(store, ring_id)
    rid = g.properties["id"]
    sub = Subgraph(meta={"ring": rid, "typology": g.properties.get("typology")})
    for row in _read(store, "explore_ring_member_nodes", {"id": rid}):
        key = sub.add(row["node"])
        sub.highlight.add(key)
    members = set(sub.highlight)

    for ev in parse_evidence(g.properties.get("evidence_json")):
        src, tgt = ev.get("source") or {}, ev.get("target") or {}
        s, t = f"{src.get('kind')}:{src.get('id')}", f"{tgt.get('kind')}:{tgt.get('id')}"
        if s in sub.nodes and t in sub.nodes:
            sub.link(
                EVIDENCE,
                s,
                t,
                {
                    "evidence_type": ev.get("type"),
                    "weight": ev.get("weight"),
                    "detail": ev.get("detail"),
                },
            )

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


def _capped(sub: Subgraph, cap: int) -> Subgraph:
    """Drop the least connected non-highlighted nodes beyond ``cap`` (counted as hidden);
    the view applies the same rule, so JSON and picture agree."""
    if len(sub.nodes) <= cap:
        return sub
    kept = set(keep_first(sub.nodes, sub.rels, sub.highlight, cap))
    out = Subgraph(
        nodes={k: sub.nodes[k] for k in sorted(kept)},
        rels=[r for r in sub.rels if r.start in kept and r.end in kept],
        highlight=sub.highlight & kept,
        hidden=sub.hidden + len(sub.nodes) - len(kept),
        meta=sub.meta,
    )
    return out


# -- entities ---------------------------------------------------------------------
def find_entity(store: Store, kind: str, ident: str) -> Node:
    label = label_of(kind)
    rows = store.query(_labelled(store, "explore_entity", label=label), {"id": ident}).rows
    if not rows:
        raise NotFound(f"no {kind} with that id")
    node: Node = rows[0][0]
    return node


def entity_facts(store: Store, kind: str, ident: str) -> dict[str, Any]:
    """Properties, relationship counts by type, and the rings the entity is a member of."""
    node = find_entity(store, kind, ident)
    label = node.label if node.label in model.LABELS else label_of(kind)
    degree = {
        r["type"]: int(r["count"])
        for r in _read(store, "explore_entity_degree", {"id": ident}, label=label)
    }
    rings = _read(store, "explore_entity_rings", {"id": ident}, label=label)
    return {
        "kind": kind,
        "id": ident,
        "labels": list(node.labels),
        "properties": dict(node.properties),
        "relationships": degree,
        "rings": rings,
    }


def neighbourhood(
    store: Store,
    kind: str,
    ident: str,
    hops: int = 1,
    limit: int = 500,
) -> Subgraph:
    """Breadth-first, hop by hop, at most ``limit`` nodes in all.

    Each step asks only for as many neighbours as still fit (plus one, to know
    more exist), ordered by id, so the answer is deterministic and a hub (a busy
    pharmacy, a common drug) cannot blow up the request. Rings, cases and runs
    are shown but not expanded through. When the cap cuts a step, the number of
    neighbours left out of that step is counted as hidden.
    """
    if not 1 <= hops <= MAX_HOPS:
        raise InputError(f"hops must be 1 to {MAX_HOPS}")
    if not 1 <= limit <= MAX_VIEW_NODES:
        raise InputError(f"limit must be 1 to {MAX_VIEW_NODES}")
    start = find_entity(store, kind, ident)
    sub = Subgraph(meta={"center": None, "hops": hops, "limit": limit})
    center = sub.add(start)
    sub.highlight.add(center)
    sub.meta["center"] = center
    frontier: dict[str, Node] = {center: sub.nodes[center]}
    seen_rels: set[tuple[str, str, str]] = set()
    for _hop in range(hops):
        by_label: dict[str, list[str]] = defaultdict(list)
        for node in frontier.values():
            if node.label not in TERMINAL_LABELS or node.id == center:
                by_label[node.label].append(str(node.properties.get("id")))
        nxt: dict[str, Node] = {}
        for label in sorted(by_label):
            ids = sorted(by_label[label])
            room = limit - len(sub.nodes)
            if room <= 0:
                sub.hidden += _count_neighbours(store, label, ids)
                continue
            fetch = room * 4 + 1  # rows are relationships; several may reach one node
            rows = _read(store, "explore_neighbours", {"ids": ids, "limit": fetch}, label=label)
            shown: set[str] = set()
            cut = False
            for row in rows:
                key = entity_key(row["node"])
                if key not in sub.nodes:
                    if len(sub.nodes) >= limit:
                        cut = True
                        continue
                    sub.add(row["node"])
                    nxt[key] = sub.nodes[key]
                shown.add(key)
                from_key = f"{KIND_OF.get(label, label.lower())}:{row['from_id']}"
                start_key, end_key = (
                    (from_key, key) if str(row["start"]) == str(row["from_id"]) else (key, from_key)
                )
                rk = (start_key, row["type"], end_key)
                if rk not in seen_rels:
                    seen_rels.add(rk)
                    sub.link(row["type"], start_key, end_key, row.get("props") or {})
            if cut or len(rows) == fetch:
                sub.hidden += max(0, _count_neighbours(store, label, ids) - len(shown))
        frontier = nxt
        if not frontier:
            break
    return sub


def _count_neighbours(store: Store, label: str, ids: list[str]) -> int:
    """Distinct neighbours of ``ids`` (hidden counts are this minus those shown)."""
    rows = _read(store, "explore_neighbour_count", {"ids": ids}, label=label)
    return int(rows[0]["neighbours"]) if rows else 0


# Rows fetched by the two-hop step: the shortest come first, and two entities rarely
# share more than a few dozen one- or two-hop connections.
NEAR_PATHS_CAP = 200


def shortest_paths(store: Store, from_ref: str, to_ref: str, limit: int = 5) -> Subgraph:
    """Every shortest connection (up to 4 hops, any direction, ``limit`` paths) between
    two entities, merged into one subgraph; both ends highlighted.

    4 hops reach what ties people in practice (a shared identifier or family account:
    2 or 1; the same clinic, doctor or referral: 4). Longer searches run through hub
    institutions and took seconds on 200k participants (measured), as did paths through
    drug/service items, which every patient shares and which prove nothing."""
    fk, fid = parse_ref(from_ref)
    tk, tid = parse_ref(to_ref)
    if (fk, fid) == (tk, tid):
        raise InputError("from and to are the same entity")
    a = find_entity(store, fk, fid)
    b = find_entity(store, tk, tid)
    limit = max(1, min(limit, 50))
    labels = {"from_label": label_of(fk), "to_label": label_of(tk)}
    # Two hops first (ring co-members, shared identifiers, family accounts): a bound
    # variable-length match is ~15x cheaper than allShortestPaths, and when it finds
    # anything its shortest rows are exactly allShortestPaths' answer.
    near = store.query(
        _labelled(store, "explore_near_paths", **labels),
        {"from_id": fid, "to_id": tid, "cap": NEAR_PATHS_CAP},
    ).rows
    if near:
        shortest = min(int(hops) for _, hops in near)
        rows = [[path] for path, hops in near if int(hops) == shortest][:limit]
    else:
        rows = store.query(
            _labelled(store, "explore_shortest_paths", **labels),
            {"from_id": fid, "to_id": tid, "limit": limit},
        ).rows
    sub = Subgraph()
    sub.highlight = {sub.add(a), sub.add(b)}
    lengths: list[int] = []
    for (path,) in rows:
        if isinstance(path, Path):
            lengths.append(len(path.relationships))
            _add_path(sub, path)
    sub.meta = {
        "from": f"{fk}:{fid}",
        "to": f"{tk}:{tid}",
        "paths": len(lengths),
        "length": min(lengths) if lengths else None,
    }
    return sub


def _add_path(sub: Subgraph, path: Path) -> None:
    keys = {n.id: sub.add(n) for n in path.nodes}
    existing = {(r.start, r.type, r.end) for r in sub.rels}
    for r in path.relationships:
        s, e = keys.get(r.start), keys.get(r.end)
        if s and e and (s, r.type, e) not in existing:
            existing.add((s, r.type, e))
            sub.link(r.type, s, e, r.properties)


# -- search -----------------------------------------------------------------------
IDENTIFIER_KINDS = ("phone", "email", "bank_account", "device", "address")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def search_keys(q: str) -> dict[str, Any]:
    """Normalise a search box entry into the values the store holds: the same rules as
    the loader (full-width -> half-width, trim, case, phone digits only), so
    ``１３８-0013 8000`` finds phone ``13800138000`` and a lower-case ``x`` finds an ID number.

    >>> k = search_keys(" １３８-0013 8000 ")
    >>> k["q"], "phone:13800138000" in k["identifier_ids"]
    ('138-0013 8000', True)
    >>> search_keys("46010019900101123x")["id_number"]
    '46010019900101123X'
    """
    text = unicodedata.normalize("NFKC", q).strip()
    compact = re.sub(r"[\s-]", "", text).upper()
    id_number = compact if _ID_NUMBER.match(compact) else None
    keys = []
    for kind in IDENTIFIER_KINDS:
        value = normalise_identifier(kind, text)
        if value and (kind not in ("phone", "bank_account") or len(value) >= 5):
            keys.append(identifier_id(kind, value))
    return {"q": text, "id_number": id_number, "identifier_ids": sorted(set(keys))}


def search(store: Store, q: str, limit: int = 50) -> list[dict[str, Any]]:
    """Entities matching an id, ID number, person name, institution name part, or an
    identifier value (the participants holding it too). One entry per entity."""
    if not q or not q.strip():
        raise InputError("empty search")
    if len(q) > 200:
        raise InputError("search text too long (200 characters at most)")
    limit = max(1, min(limit, 200))
    rows = _read(store, "explore_search", {**search_keys(q), "limit": limit})
    out: dict[str, dict[str, Any]] = {}
    order = {"id": 0, "id_number": 1, "identifier": 2, "name": 3}
    for row in sorted(rows, key=lambda r: (order.get(r["via"], 9), entity_key(r["node"]))):
        node: Node = row["node"]
        key = entity_key(node)
        if key not in out:
            out[key] = {
                "key": key,
                "kind": kind_of(node),
                "id": node.properties.get("id"),
                "labels": list(node.labels),
                "properties": dict(node.properties),
                "via": row["via"],
            }
    return list(out.values())[:limit]
