"""Plain values that query results are normalised into, whatever the backend.

Callers (detection, API, viz) never see a driver's own Node/Record classes, so
swapping FalkorDB for Neo4j changes nothing above the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from graphsvc.model import KIND_OF


@dataclass(frozen=True)
class Node:
    """A graph node. ``id`` is the backend's internal id (stable only within a query)."""

    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "labels": list(self.labels), "properties": dict(self.properties)}


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    start: str
    end: str
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "properties": dict(self.properties),
        }


@dataclass(frozen=True)
class Path:
    nodes: tuple[Node, ...]
    relationships: tuple[Relationship, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "relationships": [r.to_json() for r in self.relationships],
        }


def to_jsonable(value: Any) -> Any:
    """Turn a normalised result value into JSON-ready data (nodes as dicts, etc.)."""
    if isinstance(value, Node | Relationship | Path):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


# Helpers on these values that both services (capping subgraphs) and viz (drawing them)
# need: here, below both, so services never import viz (issue #18).
def kind_of(node: Node) -> str:
    """The entity kind of a node (its first label the model knows), else its label."""
    for label in node.labels:
        if label in KIND_OF:
            return KIND_OF[label]
    return (node.label or "node").lower()


def keep_first(
    ids: Iterable[str], rels: Iterable[Relationship], highlight: Collection[str], cap: int
) -> list[str]:
    """The ``cap`` nodes a capped view keeps: highlighted first, then the best connected,
    then by id (so the same data always keeps the same nodes).

    >>> r = [Relationship("1", "T", "a", "b"), Relationship("2", "T", "c", "b")]
    >>> keep_first(["a", "b", "c", "d"], r, highlight={"d"}, cap=2)
    ['d', 'b']
    """
    degree: Counter[str] = Counter()
    for r in rels:
        degree[r.start] += 1
        degree[r.end] += 1
    ordered = sorted(ids, key=lambda n: (n not in highlight, -degree[n], n))
    return ordered[: max(cap, 0)]
