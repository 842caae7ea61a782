"""Subgraph results: nodes, relationships, highlights and what was left out.

Subgraphs come back with *entity keys* (``kind:id``) as node ids and relationship
ends, so results of several queries merge safely (a backend's internal ids are only
stable within one query) and the view links straight to ``/entities/{kind}/{id}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphsvc.store import Node, Relationship
from graphsvc.store.values import keep_first, kind_of

MAX_VIEW_NODES = 2_000  # beyond this a browser view is no longer usable, even without physics


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
