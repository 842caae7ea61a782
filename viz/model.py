"""Graph records -> a view model (what to draw, how it looks), in pure code.

Why a separate view model: the API's JSON, the server-rendered pages, the
self-contained HTML of case packages and the Cypher console all draw the same
way, and what is drawn (caps, highlights, styles) is testable without a browser
or a server. HTML is written by ``viz.render``.

Nodes and relationships come in as ``graphsvc.store.values`` objects whose
``Relationship.start``/``end`` refer to ``Node.id`` of the same batch (the
explore service uses entity keys ``kind:id`` for both).

>>> from graphsvc.store.values import Node, Relationship
>>> a = Node("participant:P1", ("Participant",), {"id": "P1"})
>>> b = Node("institution:H1", ("Institution",), {"id": "H1", "name": "City Clinic"})
>>> v = build_view([a, b], [Relationship("r1", "VISITED", a.id, b.id, {"count": 3})],
...                highlight={a.id})
>>> [(n.label, n.kind, n.highlighted) for n in v.nodes]
[('P1', 'participant', True), ('City Clinic', 'institution', False)]
>>> v.edges[0].label
'×3'
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Relationship types, kind_of and keep_first live below services and viz
# (graphsvc.model, graphsvc.store.values): services use them without importing viz.
from graphsvc.model import (
    ACCOUNT_PAID_FOR,
    EVIDENCE,
    REFERRED,
    TREATED_BY,
    VISITED,
)
from graphsvc.store.values import Node, Relationship, keep_first, kind_of
from graphsvc.web.i18n import fact_label, fact_value, label
from graphsvc.web.i18n import t as text_of
from viz.evidence_text import detail_text

PHYSICS_NODE_LIMIT = 1_000  # above this, a precomputed layout and no physics (pyvis pain)
DEFAULT_CAP = 500

_LAYOUT_LOCK = threading.Lock()


@dataclass(frozen=True)
class KindStyle:
    color: str
    shape: str
    size: int


# Colours from the Tableau 10 palette (distinguishable, print in grey), shapes
# differ too so colour is never the only cue.
KIND_STYLES: dict[str, KindStyle] = {
    "participant": KindStyle("#4e79a7", "dot", 14),
    "doctor": KindStyle("#59a14f", "triangle", 16),
    "institution": KindStyle("#f28e2b", "square", 18),
    "prescription": KindStyle("#bab0ac", "dot", 7),
    "identifier": KindStyle("#e15759", "diamond", 12),
    "item": KindStyle("#b07aa1", "triangleDown", 10),
    "referral": KindStyle("#76b7b2", "star", 12),
    "ring": KindStyle("#edc948", "hexagon", 20),
    "case": KindStyle("#9c755f", "hexagon", 18),
}
OTHER_STYLE = KindStyle("#999999", "dot", 10)
HIGHLIGHT_BORDER = "#b10026"


@dataclass(frozen=True)
class EdgeStyle:
    color: str
    dashes: bool = False


EDGE_STYLES: dict[str, EdgeStyle] = {
    EVIDENCE: EdgeStyle("#b10026"),
    "HAS_IDENTIFIER": EdgeStyle("#e15759"),
    "SHARES_ACCOUNT": EdgeStyle("#8c564b"),
    ACCOUNT_PAID_FOR: EdgeStyle("#8c564b"),
    VISITED: EdgeStyle("#f28e2b"),
    TREATED_BY: EdgeStyle("#59a14f"),
    REFERRED: EdgeStyle("#76b7b2"),
    "REFERS": EdgeStyle("#76b7b2"),
    "REFERRED_FROM": EdgeStyle("#76b7b2"),
    "REFERRED_TO": EdgeStyle("#76b7b2"),
    "REFERRED_BY": EdgeStyle("#76b7b2"),
    "HAS_MEMBER": EdgeStyle("#c9b458", dashes=True),
    "WORKS_AT": EdgeStyle("#59a14f", dashes=True),
}
OTHER_EDGE = EdgeStyle("#b0b0b0")

# Tooltip: these properties first, then the rest alphabetically; long JSON blobs left out.
TOOLTIP_FIRST = (
    "id",
    "name",
    "kind",
    "typology",
    "score",
    "role",
    "date",
    "total_amount",
    "fund_paid",
    "amount_at_risk",
    "region_code",
    "department",
    "level",
)
TOOLTIP_SKIP = frozenset(
    {
        "evidence_json",
        "params_json",
        "reasons",
        "reasons_zh",
        # the loader's bookkeeping and the pseudonym keys: nothing an investigator reads
        "load_id",
        "row_hash",
        "key",
        "id_bucket",
    }
)
MONEY_FIELDS = frozenset({"amount", "total_amount", "fund_paid", "account_paid", "amount_at_risk"})
TOOLTIP_MAX_LINES = 12


@dataclass(frozen=True)
class ViewNode:
    id: str
    label: str
    kind: str
    color: str
    shape: str
    size: int
    title: str
    highlighted: bool = False
    url: str | None = None
    x: float | None = None
    y: float | None = None
    fixed: bool = False  # an evidence layout placed it; physics moves the others only
    hidden: bool = False  # only tied by edges drawn off by default; shown with them
    font_size: int | None = None  # larger words on the nodes an evidence layout stresses


@dataclass(frozen=True)
class ViewEdge:
    id: str
    source: str
    target: str
    type: str
    label: str
    title: str
    width: float
    color: str
    dashes: bool = False
    hidden: bool = False  # off by default; the legend turns it on
    amount: float | None = None  # money on the edge (yuan), for widths by amount
    kind: str = ""  # an evidence edge's evidence type (REFERS_IN_LOOP, ...)


@dataclass(frozen=True)
class LegendEntry:
    """One legend line; ``key`` is a node kind or an edge type (render translates it)."""

    key: str
    color: str
    shape: str  # node shape, or "line"/"dashed" for edges
    count: int
    hidden: bool = False  # an edge type drawn off by default


@dataclass
class GraphView:
    nodes: list[ViewNode]
    edges: list[ViewEdge]
    hidden_nodes: int = 0
    hidden_edges: int = 0
    physics: bool = True
    legend: list[LegendEntry] = field(default_factory=list)
    font_size: int | None = None  # words larger than the default (a layout zoomed out)

    @property
    def truncated(self) -> bool:
        return self.hidden_nodes > 0 or self.hidden_edges > 0

    def vis_data(self) -> dict[str, Any]:
        """The vis-network DataSet payload plus view flags, as the browser script reads it."""
        nodes = []
        for n in self.nodes:
            d: dict[str, Any] = {
                "id": n.id,
                "label": n.label,
                "title": n.title,
                "shape": n.shape,
                "size": n.size + (6 if n.highlighted else 0),
                "color": {
                    "background": n.color,
                    "border": HIGHLIGHT_BORDER if n.highlighted else n.color,
                },
                "borderWidth": 4 if n.highlighted else 1,
                "kind": n.kind,
            }
            if n.url:
                d["url"] = n.url
            if n.x is not None and n.y is not None:
                d["x"], d["y"] = n.x, n.y
            if n.fixed:
                d["fixed"] = True
            if n.hidden:
                d["hidden"] = True
            if n.highlighted:
                d["member"] = True
            if n.font_size:
                d["font"] = {"size": n.font_size}
            nodes.append(d)
        edges = [
            {
                "id": e.id,
                "from": e.source,
                "to": e.target,
                "label": e.label,
                "title": e.title,
                "width": e.width,
                "color": {"color": e.color},
                "dashes": e.dashes,
                "type": e.type,
                "hidden": e.hidden,
            }
            for e in self.edges
        ]
        return {
            "nodes": nodes,
            "edges": edges,
            "physics": self.physics,
            "hidden_nodes": self.hidden_nodes,
            "hidden_edges": self.hidden_edges,
        }


def node_label(node: Node, kind: str, lang: str | None = None) -> str:
    """Short text under a node. People show their id (names are personal data).
    With ``lang``, identifier kinds and typologies are said in words, not keys."""
    p = node.properties
    if kind == "institution" and p.get("name"):
        return str(p["name"])
    if kind == "identifier":
        value = p.get("value")
        what = str(p.get("kind", "identifier"))
        if lang is not None:
            what = str(fact_value("kind", what, lang))
        return f"{what}: {value}" if value else what
    if kind == "ring":
        typology = p.get("typology")
        if typology and lang is not None:
            return label("typology", str(typology), lang)
        return str(typology or p.get("ring_id") or p.get("id", ""))
    if kind == "item" and p.get("name"):
        return str(p["name"])
    return str(p.get("id", node.id))


def _fmt(value: Any, prop: str = "", lang: str | None = None) -> str:
    if prop in MONEY_FIELDS and isinstance(value, int | float):
        return f"¥{value:,.2f}"
    if lang is not None and prop:
        value = fact_value(prop, value, lang)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _shown(key: str) -> bool:
    return key not in TOOLTIP_SKIP and not key.startswith("_") and not key.endswith("_key")


def tooltip(heading: str, props: Mapping[str, Any], lang: str | None = None) -> str:
    """Plain-text tooltip (vis-network 9 shows strings as text, so no HTML injection).

    With ``lang``, property names and coded values are said in that language and money
    as ¥1,234.56; internal properties (load ids, row hashes, pseudonym keys) never show.
    """
    keys = [k for k in TOOLTIP_FIRST if k in props and _shown(k)]
    keys += sorted(k for k in props if k not in TOOLTIP_FIRST and _shown(k))
    lines = [heading]
    for k in keys[:TOOLTIP_MAX_LINES]:
        if props[k] is not None and props[k] != "":
            name = _prop_name(k, lang) if lang is not None else k
            lines.append(f"{name}: {_fmt(props[k], k, lang)}")
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def _prop_name(prop: str, lang: str) -> str:
    """A property's name: the entity fact's, else the page text of that name (cached:
    a ring's tooltips ask for the same few names thousands of times)."""
    name = fact_label(prop, lang)
    if name == prop:
        name = label("prop", prop, lang)
    return name


def edge_label(rel: Relationship, lang: str | None = None) -> str:
    """Counts, amounts and weights on the line itself, where an investigator reads them.

    With ``lang``: evidence types, relations and roles in words, the loop's patients
    per arc and the records an evidence edge stands for."""
    p = rel.properties
    if lang is not None:
        return _said_edge_label(rel, lang)
    parts: list[str] = []
    if p.get("evidence_type"):
        parts.append(str(p["evidence_type"]))
    if p.get("count") is not None:
        parts.append(f"×{p['count']}")
    if p.get("amount") is not None:
        parts.append(f"¥{float(p['amount']):,.0f}")
    if p.get("weight") is not None:
        w = p["weight"]
        parts.append(f"w={w:g}" if isinstance(w, int | float) else f"w={w}")
    if p.get("relation"):
        parts.append(str(p["relation"]))
    if p.get("role") and rel.type == "HAS_MEMBER":
        parts.append(str(p["role"]))
    return " ".join(parts)


def _said_edge_label(rel: Relationship, lang: str) -> str:
    p = rel.properties
    parts: list[str] = []
    if p.get("evidence_type"):
        # the type is in the legend and the tooltip; the line carries the numbers
        if p.get("patients") is not None:
            parts.append(text_of("arc_patients", lang, n=p["patients"]))
        elif p.get("fills") is not None:
            parts.append(text_of("fills_n", lang, n=p["fills"]))
        elif isinstance(p.get("records"), int) and p["records"] > 1:
            parts.append(f"×{p['records']}")
    elif p.get("count") is not None:
        parts.append(f"×{p['count']}")
    if p.get("amount") is not None:
        parts.append(f"¥{float(p['amount']):,.0f}")
    if p.get("relation"):
        parts.append(str(fact_value("relation", str(p["relation"]), lang)))
    if p.get("role") and rel.type == "HAS_MEMBER":
        parts.append(label("role", str(p["role"]), lang))
    return " ".join(parts)


def edge_width(rel: Relationship) -> float:
    p = rel.properties
    strength = p.get("weight") if p.get("weight") is not None else p.get("count")
    base = 2.0 if rel.type == EVIDENCE else 1.0
    if isinstance(strength, int | float) and strength > 0:
        return round(base + min(5.0, math.log2(1.0 + float(strength))), 2)
    return base


def build_view(
    nodes: Iterable[Node],
    rels: Iterable[Relationship],
    highlight: Collection[str] = (),
    cap: int = DEFAULT_CAP,
    link: Callable[[Node], str | None] | None = None,
    physics_limit: int = PHYSICS_NODE_LIMIT,
    layout_seed: int = 7,
    lang: str | None = None,
) -> GraphView:
    """Style, cap and (for big graphs) lay out a subgraph.

    Kept when over ``cap``: highlighted nodes first, then the best connected,
    then by id, so the same data always draws the same picture. Edges whose
    ends are not both kept are dropped and counted. Duplicate node ids (the
    same entity reached twice) are merged; edges to unknown nodes are dropped.
    """
    by_id: dict[str, Node] = {}
    for n in nodes:
        by_id.setdefault(n.id, n)
    rel_list: list[Relationship] = []
    seen_rel: set[tuple[str, str, str, str]] = set()
    for r in rels:
        key = (r.id, r.type, r.start, r.end)
        if r.start in by_id and r.end in by_id and key not in seen_rel:
            seen_rel.add(key)
            rel_list.append(r)
    kept_nodes = [by_id[i] for i in keep_first(by_id, rel_list, highlight, cap)]
    kept = {n.id for n in kept_nodes}
    kept_rels = sorted(
        (r for r in rel_list if r.start in kept and r.end in kept),
        key=lambda r: (r.start, r.end, r.type, r.id),
    )
    positions: dict[str, tuple[float, float]] = {}
    physics = len(kept_nodes) <= physics_limit
    if not physics:
        positions = layout_positions(
            [n.id for n in kept_nodes], [(r.start, r.end) for r in kept_rels], seed=layout_seed
        )
    view_nodes: list[ViewNode] = []
    for n in kept_nodes:
        kind = kind_of(n)
        style = KIND_STYLES.get(kind, OTHER_STYLE)
        text = node_label(n, kind, lang)
        xy = positions.get(n.id)
        view_nodes.append(
            ViewNode(
                id=n.id,
                label=text,
                kind=kind,
                color=style.color,
                shape=style.shape,
                size=style.size,
                title=tooltip(_heading(kind, text, lang), n.properties, lang),
                highlighted=n.id in highlight,
                url=link(n) if link else None,
                x=xy[0] if xy else None,
                y=xy[1] if xy else None,
            )
        )
    view_edges: list[ViewEdge] = []
    for i, r in enumerate(kept_rels):
        edge_style = EDGE_STYLES.get(r.type, OTHER_EDGE)
        view_edges.append(
            ViewEdge(
                id=f"e{i}",
                source=r.start,
                target=r.end,
                type=r.type,
                label=edge_label(r, lang),
                title=tooltip(label("edge", r.type, lang) if lang else r.type, r.properties, lang),
                width=edge_width(r),
                color=edge_style.color,
                dashes=edge_style.dashes,
                amount=_amount(r),
                kind=str(r.properties.get("evidence_type") or ""),
            )
        )
    return GraphView(
        nodes=view_nodes,
        edges=view_edges,
        hidden_nodes=len(by_id) - len(kept_nodes),
        hidden_edges=len(rel_list) - len(kept_rels),
        physics=physics,
        legend=legend_for(view_nodes, view_edges),
    )


def _heading(kind: str, text: str, lang: str | None) -> str:
    return f"{label('kind', kind, lang) if lang else kind} {text}"


def _said(rel: Relationship, lang: str | None) -> Mapping[str, Any]:
    """An edge's properties for its tooltip: with ``lang``, the evidence type in words
    and detection's detail in that language (``viz.evidence_text``)."""
    p = rel.properties
    if lang is None or not p.get("evidence_type"):
        return p
    kind = str(p["evidence_type"])
    out = dict(p)
    out["evidence_type"] = label("evidence_type", kind, lang)
    twin = out.pop("detail_zh", None)
    if p.get("detail") is not None:
        out["detail"] = detail_text(kind, p["detail"], lang, twin)
    return out


def _amount(rel: Relationship) -> float | None:
    value = rel.properties.get("amount")
    return float(value) if isinstance(value, int | float) else None


def legend_for(nodes: Iterable[ViewNode], edges: Iterable[ViewEdge]) -> list[LegendEntry]:
    """Only what is on screen, nodes then edges, in the style tables' order."""
    node_counts = Counter(n.kind for n in nodes)
    edge_counts = Counter(e.type for e in edges)
    out: list[LegendEntry] = []
    kinds = [k for k in KIND_STYLES if k in node_counts]
    kinds += sorted(k for k in node_counts if k not in KIND_STYLES)
    for k in kinds:
        style = KIND_STYLES.get(k, OTHER_STYLE)
        out.append(LegendEntry(k, style.color, style.shape, node_counts[k]))
    types = [t for t in EDGE_STYLES if t in edge_counts]
    types += sorted(t for t in edge_counts if t not in EDGE_STYLES)
    for t in types:
        es = EDGE_STYLES.get(t, OTHER_EDGE)
        out.append(LegendEntry(t, es.color, "dashed" if es.dashes else "line", edge_counts[t]))
    return out


def layout_positions(
    ids: list[str], edges: list[tuple[str, str]], seed: int = 7, scale: float = 30.0
) -> dict[str, tuple[float, float]]:
    """A seeded force-directed layout (igraph's Fruchterman-Reingold), for graphs too big
    for browser physics. Deterministic: the start positions come from the seed.

    >>> pos = layout_positions(["a", "b", "c"], [("a", "b"), ("b", "c")])
    >>> pos == layout_positions(["a", "b", "c"], [("a", "b"), ("b", "c")])
    True
    """
    import igraph
    import numpy as np

    if not ids:
        return {}
    index = {n: i for i, n in enumerate(ids)}
    g = igraph.Graph(n=len(ids), edges=[(index[a], index[b]) for a, b in edges if a != b])
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1.0, 1.0, size=(len(ids), 2)).tolist()
    # igraph draws from a process-wide generator: give it a seeded one for this call.
    with _LAYOUT_LOCK:
        igraph.set_random_number_generator(random.Random(seed))  # noqa: S311  seeded for reproducible results, not for security
        try:
            layout = g.layout_fruchterman_reingold(seed=start, niter=100, grid=True)
        finally:
            igraph.set_random_number_generator(random)
    # Spread so vis-network's default node sizes do not overlap.
    factor = scale * math.sqrt(len(ids)) / max(1.0, _extent(layout.coords))
    return {
        n: (round(layout.coords[i][0] * factor, 1), round(layout.coords[i][1] * factor, 1))
        for n, i in index.items()
    }


def _extent(coords: list[list[float]]) -> float:
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    return max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2.0
