"""Console results as the API answers them: rows capped and masked, plus a graph of
every node and relationship they hold."""

from __future__ import annotations

from typing import Any

from graphsvc.privacy import mask_free_string, mask_properties
from graphsvc.store.values import Node, Path, Relationship


def shape_result(
    columns: list[str], rows: list[list[Any]], *, personal: bool, cap: int
) -> dict[str, Any]:
    """Rows (capped, masked) plus a graph of every node/relationship they hold."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}

    def node_json(n: Node) -> dict[str, Any]:
        data = {
            "id": n.id,
            "labels": list(n.labels),
            "properties": mask_properties(n.label, n.properties),
        }
        nodes.setdefault(n.id, data)
        return data

    def rel_json(r: Relationship) -> dict[str, Any]:
        data = {
            "id": r.id,
            "type": r.type,
            "start": r.start,
            "end": r.end,
            "properties": mask_properties(r.type, r.properties),
        }
        edges.setdefault(r.id, data)
        return data

    def convert(value: Any, hint: str | None) -> Any:
        if isinstance(value, Node):
            return node_json(value)
        if isinstance(value, Relationship):
            return rel_json(value)
        if isinstance(value, Path):
            return {
                "nodes": [node_json(n) for n in value.nodes],
                "relationships": [rel_json(r) for r in value.relationships],
            }
        if isinstance(value, list | tuple):
            return [convert(v, hint) for v in value]
        if isinstance(value, dict):
            if personal:
                return {str(k): convert(v, str(k)) for k, v in value.items()}
            masked = mask_properties("", {str(k): v for k, v in value.items()})
            return {k: convert(v, k) for k, v in masked.items()}
        if isinstance(value, str):
            return mask_free_string(value, personal=personal, hint=hint)
        return value

    def column_hint(column: str) -> str:
        return column.rsplit(".", 1)[-1]

    truncated = len(rows) > cap
    out_rows = [
        [convert(v, column_hint(c)) for c, v in zip(columns, row, strict=True)]
        for row in rows[:cap]
    ]
    graph = None
    if nodes or edges:
        # Edges whose end nodes are not in the result cannot be drawn.
        graph = {
            "nodes": list(nodes.values()),
            "edges": [e for e in edges.values() if e["start"] in nodes and e["end"] in nodes],
        }
    return {
        "columns": columns,
        "rows": out_rows,
        "row_count": len(out_rows),
        "truncated": truncated,
        "row_cap": cap,
        "masked_all_strings": personal,
        "graph": graph,
    }
