"""An entity's neighbourhood, hop by hop within a node budget."""

from __future__ import annotations

from collections import defaultdict

from graphsvc import model
from graphsvc.errors import InputError
from graphsvc.model import KIND_OF
from graphsvc.services.explore.entities import find_entity
from graphsvc.services.explore.query import _read
from graphsvc.services.explore.subgraph import MAX_VIEW_NODES, Subgraph, entity_key
from graphsvc.store import Node, Store

MAX_HOPS = 3
# Neighbourhood expansion stops at these: they connect to whole runs or case histories.
TERMINAL_LABELS = frozenset({model.RING, model.CASE, model.DETECTION_RUN, model.CASE_EVENT})


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
