"""The network picture of a case report: a seeded layout of the subgraph, members first
when capping, so the same case on the same data draws the same picture."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphsvc.cases.texts import TEXTS, both
from graphsvc.store.values import Node, Relationship, kind_of
from viz.model import KIND_STYLES, OTHER_STYLE, layout_positions

PICTURE_NODE_CAP = 150
LAYOUT_SEED = 7


@dataclass(frozen=True)
class PicNode:
    id: str
    label: str
    kind: str
    color: str
    x: float  # 0..1
    y: float  # 0..1
    member: bool


@dataclass(frozen=True)
class PicEdge:
    source: str
    target: str
    type: str


@dataclass
class Picture:
    nodes: list[PicNode] = field(default_factory=list)
    edges: list[PicEdge] = field(default_factory=list)
    hidden: int = 0


def picture(nodes: list[Node], rels: list[Relationship], members: set[str]) -> Picture:
    """A seeded layout of the subgraph, members first when capping, scaled to 0..1."""
    degree: Counter[str] = Counter()
    for r in rels:
        degree[r.start] += 1
        degree[r.end] += 1
    ordered = sorted(nodes, key=lambda n: (n.id not in members, -degree[n.id], n.id))
    kept = ordered[:PICTURE_NODE_CAP]
    ids = [n.id for n in kept]
    keep = set(ids)
    edges = sorted({(r.start, r.end, r.type) for r in rels if r.start in keep and r.end in keep})
    pos = layout_positions(ids, [(s, t) for s, t, _ in edges], seed=LAYOUT_SEED)
    if not pos:
        return Picture(hidden=len(nodes) - len(kept))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    out = Picture(hidden=len(nodes) - len(kept))
    for n in kept:
        kind = kind_of(n)
        x, y = pos[n.id]
        lab = str(
            n.properties.get("name")
            if kind == "institution" and n.properties.get("name")
            else n.properties.get("id", n.id)
        )
        if kind == "identifier":
            lab = str(n.properties.get("kind") or "identifier")
        out.nodes.append(
            PicNode(
                n.id,
                lab[:18],
                kind,
                KIND_STYLES.get(kind, OTHER_STYLE).color,
                round((x - min(xs)) / span_x, 4),
                round((y - min(ys)) / span_y, 4),
                n.id in members,
            )
        )
    out.edges = [PicEdge(s, t, ty) for s, t, ty in edges]
    return out


def legend(pic: Picture) -> list[tuple[str, str]]:
    """(colour, bilingual kind name) of the kinds drawn, in the styles' order."""
    kinds = {n.kind for n in pic.nodes}
    return [
        (style.color, both(f"kind.{kind}") if f"kind.{kind}" in TEXTS else kind)
        for kind, style in KIND_STYLES.items()
        if kind in kinds
    ]
