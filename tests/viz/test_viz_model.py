"""The view model: styles, highlights, caps, labels, layout. Pure, no server."""

from __future__ import annotations

from graphsvc.store.values import Node, Relationship
from viz.model import (
    EVIDENCE,
    KIND_STYLES,
    VISITED,
    build_view,
    edge_label,
    layout_positions,
)


def person(i: int) -> Node:
    return Node(f"participant:P{i}", ("Participant",), {"id": f"P{i}", "name": "张**"})


def clinic(i: int) -> Node:
    return Node(f"institution:H{i}", ("Institution",), {"id": f"H{i}", "name": f"Clinic {i}"})


def rel(a: Node, b: Node, rel_type: str = VISITED, **props: object) -> Relationship:
    return Relationship(f"{a.id}-{b.id}", rel_type, a.id, b.id, dict(props))


def test_nodes_are_styled_by_kind_and_members_highlighted() -> None:
    p, h = person(1), clinic(1)
    ident = Node(
        "identifier:phone:138****0000",
        ("Identifier",),
        {"id": "phone:138****0000", "kind": "phone", "value": "138****0000"},
    )
    view = build_view([p, h, ident], [rel(p, h, count=2)], highlight={p.id})
    by_id = {n.id: n for n in view.nodes}
    assert by_id[p.id].shape == KIND_STYLES["participant"].shape
    assert by_id[h.id].shape == KIND_STYLES["institution"].shape
    assert by_id[ident.id].color == KIND_STYLES["identifier"].color
    assert by_id[p.id].highlighted and not by_id[h.id].highlighted
    vis = {n["id"]: n for n in view.vis_data()["nodes"]}
    assert vis[p.id]["borderWidth"] > vis[h.id]["borderWidth"]
    # Names are personal data: people show their id, institutions their name.
    assert by_id[p.id].label == "P1"
    assert by_id[h.id].label == "Clinic 1"
    assert by_id[ident.id].label == "phone: 138****0000"


def test_edge_labels_and_widths_carry_counts_amounts_and_weights() -> None:
    p, q, h = person(1), person(2), clinic(1)
    visit = rel(p, h, VISITED, count=12, amount=3456.7)
    evidence = rel(p, q, EVIDENCE, evidence_type="SHARES_IDENTIFIER", weight=3.5)
    assert edge_label(visit) == "×12 ¥3,457"
    assert edge_label(evidence) == "SHARES_IDENTIFIER w=3.5"
    view = build_view([p, q, h], [visit, evidence])
    widths = {e.type: e.width for e in view.edges}
    assert widths[VISITED] > 1.0
    assert widths[EVIDENCE] > widths[VISITED] - 2  # evidence starts thicker


def test_cap_keeps_highlighted_then_best_connected_and_counts_the_rest() -> None:
    hub = clinic(0)
    people = [person(i) for i in range(50)]
    rels = [rel(p, hub) for p in people]
    view = build_view([hub, *people], rels, highlight={people[49].id}, cap=10)
    ids = [n.id for n in view.nodes]
    assert len(ids) == 10
    assert people[49].id in ids  # highlighted first
    assert hub.id in ids  # then the best connected
    assert view.hidden_nodes == 41
    assert all(e.source in ids and e.target in ids for e in view.edges)
    assert view.hidden_edges == 50 - len(view.edges)
    assert view.truncated


def test_same_input_same_picture() -> None:
    people = [person(i) for i in range(30)]
    rels = [rel(people[i], people[(i * 7) % 30]) for i in range(30) if i != (i * 7) % 30]
    a = build_view(list(reversed(people)), rels, cap=20)
    b = build_view(people, list(reversed(rels)), cap=20)
    assert [n.id for n in a.nodes] == [n.id for n in b.nodes]
    assert [(e.source, e.target) for e in a.edges] == [(e.source, e.target) for e in b.edges]


def test_edges_to_unknown_nodes_and_duplicates_are_dropped() -> None:
    p, h = person(1), clinic(1)
    ghost = person(99)
    view = build_view([p, h, p], [rel(p, h), rel(p, h), rel(p, ghost)])
    assert len(view.nodes) == 2
    assert len(view.edges) == 1


def test_big_graphs_get_a_seeded_layout_and_no_physics() -> None:
    people = [person(i) for i in range(60)]
    rels = [rel(people[i], people[i + 1]) for i in range(59)]
    small = build_view(people, rels, physics_limit=100)
    assert small.physics and all(n.x is None for n in small.nodes)
    big = build_view(people, rels, physics_limit=50)
    assert not big.physics
    assert all(n.x is not None and n.y is not None for n in big.nodes)
    again = build_view(people, rels, physics_limit=50)
    assert [(n.x, n.y) for n in big.nodes] == [(n.x, n.y) for n in again.nodes]
    xs = {n.x for n in big.nodes}
    assert len(xs) > 30  # spread out, not stacked


def test_layout_of_empty_graph() -> None:
    assert layout_positions([], []) == {}


def test_legend_lists_what_is_on_screen() -> None:
    p, h = person(1), clinic(1)
    view = build_view([p, h], [rel(p, h, count=1)])
    keys = [(e.key, e.count) for e in view.legend]
    assert keys == [("participant", 1), ("institution", 1), (VISITED, 1)]


def test_tooltips_are_plain_text_and_skip_blobs() -> None:
    ring = Node(
        "ring:r1",
        ("Ring",),
        {
            "id": "r1",
            "typology": "shared_identity",
            "score": 0.9,
            "evidence_json": "[" + "x" * 5000 + "]",
            "note": "<b>bold</b>",
        },
    )
    view = build_view([ring], [])
    title = view.nodes[0].title
    assert "evidence_json" not in title
    assert "typology: shared_identity" in title
    # vis-network 9 shows string titles as text: markup stays literal, never parsed.
    assert "<b>bold</b>" in title


def test_links_come_from_the_caller() -> None:
    p = person(1)
    view = build_view([p], [], link=lambda n: f"/entities/participant/{n.properties['id']}")
    assert view.nodes[0].url == "/entities/participant/P1"
    assert build_view([p], []).nodes[0].url is None
