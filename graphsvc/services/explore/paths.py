"""Shortest connections between two entities, merged into one subgraph."""

from __future__ import annotations

from graphsvc.errors import InputError
from graphsvc.services.explore.entities import find_entity, label_of, parse_ref
from graphsvc.services.explore.query import _labelled
from graphsvc.services.explore.subgraph import Subgraph
from graphsvc.store import Path, Store

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
        raise InputError("from and to are the same entity", text_key="err.same_entity")
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
