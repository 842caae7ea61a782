"""explore.shortest_paths takes a cheap two-hop step before allShortestPaths: its answer
must be allShortestPaths' answer, at every distance (real embedded store)."""

from __future__ import annotations

from graphsvc.services import explore
from graphsvc.services.explore.query import _labelled
from graphsvc.store import Store
from graphsvc.store.values import Path


def _reference(store: Store, a: str, b: str) -> set[tuple[str, ...]]:
    """Node-id sequences of every shortest path, by allShortestPaths alone."""
    text = _labelled(
        store, "explore_shortest_paths", from_label="Participant", to_label="Participant"
    )
    rows = store.query(text, {"from_id": a, "to_id": b, "limit": 1000}).rows
    return {
        tuple(str(n.properties.get("id")) for n in p.nodes) for (p,) in rows if isinstance(p, Path)
    }


def _pairs(store: Store) -> list[tuple[str, str]]:
    """A family-account pair (1 hop), a shared-device pair (2 hops) and patients of one
    small institution (mostly 4 hops, nothing else in common)."""
    one = store.query(
        "MATCH (a:Participant)-[:SHARES_ACCOUNT]->(b:Participant) "
        "RETURN a.id, b.id ORDER BY a.id, b.id LIMIT 1"
    ).rows
    two = store.query(
        "MATCH (a:Participant)-[:HAS_IDENTIFIER]->(:Identifier {kind: 'device'})"
        "<-[:HAS_IDENTIFIER]-(b:Participant) WHERE a.id < b.id "
        "RETURN a.id, b.id ORDER BY a.id, b.id LIMIT 1"
    ).rows
    far = store.query(
        "MATCH (i:Institution)<-[:AT]-(:Prescription)-[:PATIENT]->(p:Participant) "
        "WITH i, collect(DISTINCT p.id) AS ps WHERE size(ps) >= 2 "
        "RETURN ps[0], ps[1] ORDER BY size(ps), i.id LIMIT 20"
    ).rows
    return [(str(x), str(y)) for x, y in [*one, *two, *far]]


def test_two_hop_step_agrees_with_all_shortest_paths(loaded_store: Store) -> None:
    lengths = set()
    for a, b in _pairs(loaded_store):
        expected = _reference(loaded_store, a, b)
        if len(expected) > 50:
            continue  # a truncated answer is some 50 of them: not comparable as a set
        sub = explore.shortest_paths(loaded_store, f"participant:{a}", f"participant:{b}", limit=50)
        assert sub.meta["paths"] == len(expected), (a, b)
        if expected:
            assert sub.meta["length"] == len(next(iter(expected))) - 1
            lengths.add(sub.meta["length"])
            shown = {str(n.properties.get("id")) for n in sub.nodes.values()}
            assert set().union(*map(set, expected)) <= shown, (a, b)
    assert {1, 2} <= lengths and max(lengths) >= 3, f"distances covered: {sorted(lengths)}"


def test_limit_is_respected(loaded_store: Store) -> None:
    a, b = _pairs(loaded_store)[1]
    for limit in (1, 3):
        sub = explore.shortest_paths(
            loaded_store, f"participant:{a}", f"participant:{b}", limit=limit
        )
        assert 1 <= sub.meta["paths"] <= limit
