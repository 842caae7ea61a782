"""Where FalkorDB and Neo4j speak differently: schema DDL and procedures.

Everything else is Cypher in the subset both accept (see docs/graph-model.md).
Labels and properties come from graphsvc.model, never from input.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphsvc.model import LABELS, SECONDARY_INDEXES

# Labels whose ``id`` is unique. Every label in the model has a unique id.
UNIQUE_ID_LABELS: tuple[str, ...] = LABELS


@dataclass(frozen=True)
class IndexSpec:
    label: str
    prop: str
    unique: bool


def schema_specs() -> list[IndexSpec]:
    """The model's indexes, backend-neutral, in a stable order."""
    specs = [IndexSpec(label, "id", True) for label in UNIQUE_ID_LABELS]
    for label, props in SECONDARY_INDEXES.items():
        specs.extend(IndexSpec(label, p, False) for p in props)
    return specs


# -- FalkorDB ------------------------------------------------------------------
def falkordb_index_statement(spec: IndexSpec) -> str:
    """FalkorDB range index. A unique constraint additionally needs
    ``GRAPH.CONSTRAINT CREATE <graph> UNIQUE NODE <label> PROPERTIES 1 <prop>``
    (a server command, not Cypher) *after* this exact-match index exists."""
    return f"CREATE INDEX FOR (n:`{spec.label}`) ON (n.`{spec.prop}`)"


def falkordb_constraint_args(graph: str, spec: IndexSpec) -> list[str]:
    return [
        "GRAPH.CONSTRAINT",
        "CREATE",
        graph,
        "UNIQUE",
        "NODE",
        spec.label,
        "PROPERTIES",
        "1",
        spec.prop,
    ]


# FalkorDB answers these when the object already exists: safe to ignore on re-runs.
FALKORDB_ALREADY_EXISTS = ("already indexed", "already exists")


# -- Neo4j 5 -------------------------------------------------------------------
def neo4j_schema_statements() -> list[str]:
    """Neo4j 5 DDL for the same model (idempotent with IF NOT EXISTS)."""
    out: list[str] = []
    for spec in schema_specs():
        name = f"{spec.label.lower()}_{spec.prop}"
        if spec.unique:
            out.append(
                f"CREATE CONSTRAINT {name}_unique IF NOT EXISTS "
                f"FOR (n:`{spec.label}`) REQUIRE n.`{spec.prop}` IS UNIQUE"
            )
        else:
            out.append(
                f"CREATE INDEX {name}_idx IF NOT EXISTS FOR (n:`{spec.label}`) ON (n.`{spec.prop}`)"
            )
    return out


# Procedures a read-only console may call, per backend.
READ_PROCEDURES: dict[str, frozenset[str]] = {
    "falkordb": frozenset({"db.labels", "db.relationshiptypes", "db.propertykeys", "db.indexes"}),
    "neo4j": frozenset(
        {"db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization"}
    ),
}
