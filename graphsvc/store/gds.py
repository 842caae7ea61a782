"""Server-side community detection and components on Neo4j with Graph Data Science.

Why: at provincial scale the co-visit and shared-identifier graphs are too large to
pull into Python; with GDS the store projects them in memory and runs Leiden / WCC
next to the data. The choice is automatic (``graphsvc.detection.io.clustering_for``,
which sits above the store so the store never imports detection) and logged:
Neo4j with the GDS procedures -> server-side; anything else (FalkorDB) -> the
detection package's Python implementations (igraph/leidenalg, union-find).

Both paths take and return the same plain structures as
``graphsvc.detection.common``: ``leiden_communities(edges, weight, *, seed,
resolution)`` and ``components(pairs)`` -> ``list[list[str]]`` sorted by size then
first member; ``*_membership`` functions return ``{node key: community id}``.

Every Cypher text is a named query in ``queries/gds/`` (``*.neo4j.cypher``); this
module only chooses queries and parameters and turns rows into groups, so its
query building is unit-tested with a recording fake store (tests/store/test_neo4j_gds.py).

GDS >= 2.4 is needed (the ``gds.graph.project`` Cypher aggregation function).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from graphsvc.errors import StoreError
from graphsvc.store.base import Store

log = logging.getLogger(__name__)

# Procedures whose presence selects the server-side path.
REQUIRED_PROCEDURES: frozenset[str] = frozenset(
    {"gds.leiden.stream", "gds.wcc.stream", "gds.graph.drop"}
)
# The Cypher projection is a function (GDS >= 2.4), listed apart from procedures.
PROJECTION_FUNCTION = "gds.graph.project"

LeidenFn = Callable[..., list[list[str]]]
ComponentsFn = Callable[[Iterable[tuple[str, str]]], list[list[str]]]


# -- pure helpers -------------------------------------------------------------------
def edge_rows(edges: pd.DataFrame, weight: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Node names (sorted) and projection rows ``{s, t, w}`` with integer node ids.

    Sorted names and edges in (a, b) order, as the Python path builds its igraph, so
    both paths see the same graph.

    >>> e = pd.DataFrame({"a": ["y", "x"], "b": ["z", "y"], "w": [2, 1.5]})
    >>> edge_rows(e, "w")
    (['x', 'y', 'z'], [{'s': 0, 't': 1, 'w': 1.5}, {'s': 1, 't': 2, 'w': 2.0}])
    """
    if edges.empty:
        return [], []
    names = sorted(set(edges["a"].astype(str)) | set(edges["b"].astype(str)))
    index = {n: i for i, n in enumerate(names)}
    e = edges.sort_values(["a", "b"], kind="stable")
    rows = [
        {"s": index[str(a)], "t": index[str(b)], "w": float(w)}
        for a, b, w in zip(e["a"], e["b"], e[weight], strict=True)
    ]
    return names, rows


def pair_rows(pairs: Iterable[tuple[str, str]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Like :func:`edge_rows` for an unweighted pair list (weight 1).

    >>> pair_rows([("b", "a"), ("c", "d")])
    (['a', 'b', 'c', 'd'], [{'s': 1, 't': 0, 'w': 1.0}, {'s': 2, 't': 3, 'w': 1.0}])
    """
    plist = [(str(a), str(b)) for a, b in pairs]
    names = sorted({n for p in plist for n in p})
    index = {n: i for i, n in enumerate(names)}
    return names, [{"s": index[a], "t": index[b], "w": 1.0} for a, b in plist]


def membership_from_rows(
    rows: Iterable[Sequence[Any]], names: Sequence[str] | None = None
) -> dict[str, int]:
    """``{key: community}`` from stream rows ``(node, community)``.

    ``names`` maps integer GDS node ids back to keys (edge-list projections); without
    it the node column already holds the key (projections of stored nodes).

    >>> membership_from_rows([(0, 7), (1, 7), (2, 9)], ["a", "b", "c"])
    {'a': 7, 'b': 7, 'c': 9}
    """
    out: dict[str, int] = {}
    for node, community in rows:
        key = names[int(node)] if names is not None else str(node)
        out[key] = int(community)
    return out


def groups_from_membership(membership: Mapping[str, Any]) -> list[list[str]]:
    """Communities as sorted member lists, largest first, ties by first member.

    The order of ``graphsvc.detection.common.leiden_communities`` and
    ``components``, so callers cannot tell the paths apart.

    >>> groups_from_membership({"c": 2, "a": 1, "b": 1, "d": 2, "e": 2})
    [['c', 'd', 'e'], ['a', 'b']]
    """
    groups: dict[Any, list[str]] = {}
    for key in sorted(membership):
        groups.setdefault(membership[key], []).append(key)
    return sorted(groups.values(), key=lambda c: (-len(c), c[0]))


# -- GDS on a store -----------------------------------------------------------------
def has_gds(store: Store) -> bool:
    """Whether ``store`` is Neo4j with the GDS procedures this module calls."""
    if store.backend != "neo4j":
        return False
    functions = getattr(store, "functions", None)
    try:
        if not REQUIRED_PROCEDURES.issubset(store.procedures()):
            return False
        if callable(functions) and PROJECTION_FUNCTION not in functions():
            log.warning("GDS is older than 2.4 (no %s function)", PROJECTION_FUNCTION)
            return False
    except StoreError as exc:
        log.warning("cannot list procedures (%s); using the Python algorithms", exc)
        return False
    return True


class GdsAlgorithms:
    """Leiden and WCC run by GDS inside the store; results as plain Python.

    Projected graphs get a unique name and are dropped in ``finally``, so a failure
    leaves no graph in the catalog (which holds memory until dropped).
    """

    def __init__(self, store: Store, *, timeout_ms: int | None = None) -> None:
        self.store = store
        self.timeout_ms = timeout_ms

    def _run(self, name: str, params: Mapping[str, Any]) -> list[list[Any]]:
        return self.store.run(name, params, timeout_ms=self.timeout_ms).rows

    @contextmanager
    def projected(self, query: str, params: Mapping[str, Any], purpose: str) -> Iterator[str]:
        """Project with named query ``query``; yield the catalog graph name; drop it."""
        graph = f"graphsvc_{purpose}_{uuid.uuid4().hex[:12]}"
        rows = self._run(query, {**params, "graph": graph})
        if rows:
            log.info("GDS projected %s: %s nodes, %s relationships", graph, rows[0][1], rows[0][2])
        try:
            yield graph
        finally:
            try:
                self._run("gds_graph_drop", {"graph": graph})
            except StoreError as exc:  # the original failure, if any, matters more
                log.warning("could not drop GDS graph %s: %s", graph, exc)

    # Edge-list variants: the same signatures as graphsvc.detection.common.
    def leiden_membership(
        self, edges: pd.DataFrame, weight: str, *, seed: int, resolution: float = 1.0
    ) -> dict[str, int]:
        names, rows = edge_rows(edges, weight)
        if not rows:
            return {}
        with self.projected("gds_project_edges", {"edges": rows}, "leiden") as graph:
            stream = self._run(
                "gds_leiden_stream", {"graph": graph, "seed": int(seed), "gamma": resolution}
            )
        return membership_from_rows(stream, names)

    def leiden_communities(
        self, edges: pd.DataFrame, weight: str, *, seed: int, resolution: float = 1.0
    ) -> list[list[str]]:
        """Drop-in for ``graphsvc.detection.common.leiden_communities``."""
        return groups_from_membership(
            self.leiden_membership(edges, weight, seed=seed, resolution=resolution)
        )

    def components_membership(self, pairs: Iterable[tuple[str, str]]) -> dict[str, int]:
        names, rows = pair_rows(pairs)
        if not rows:
            return {}
        with self.projected("gds_project_edges", {"edges": rows}, "wcc") as graph:
            stream = self._run("gds_wcc_stream", {"graph": graph})
        return membership_from_rows(stream, names)

    def components(self, pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
        """Drop-in for ``graphsvc.detection.common.components``."""
        return groups_from_membership(self.components_membership(pairs))

    # Projections of the stored graph: nothing leaves the server but the answer.
    def shared_identifier_components(
        self, *, kinds: Sequence[str], max_degree: int
    ) -> dict[str, int]:
        """Participant id -> component of the shared-identifier graph."""
        params = {"kinds": list(kinds), "max_degree": int(max_degree)}
        with self.projected("gds_project_shared_identifiers", params, "ident") as graph:
            stream = self._run("gds_wcc_stream_keys", {"graph": graph})
        return membership_from_rows(stream)

    def shared_identifier_communities(
        self, *, kinds: Sequence[str], max_degree: int, seed: int, resolution: float = 1.0
    ) -> dict[str, int]:
        """Participant id -> Leiden community of the shared-identifier graph."""
        params = {"kinds": list(kinds), "max_degree": int(max_degree)}
        with self.projected("gds_project_shared_identifiers", params, "ident") as graph:
            stream = self._run(
                "gds_leiden_stream_keys", {"graph": graph, "seed": int(seed), "gamma": resolution}
            )
        return membership_from_rows(stream)

    def covisit_communities(
        self,
        *,
        max_session_size: int,
        min_covisits: int,
        seed: int,
        resolution: float = 1.0,
    ) -> dict[str, int]:
        """Participant id -> Leiden community of the co-visit graph (raw co-visit counts)."""
        params = {"max_session_size": int(max_session_size), "min_covisits": int(min_covisits)}
        with self.projected("gds_project_covisits", params, "covisit") as graph:
            stream = self._run(
                "gds_leiden_stream_keys", {"graph": graph, "seed": int(seed), "gamma": resolution}
            )
        return membership_from_rows(stream)


# -- the automatic choice -------------------------------------------------------------
@dataclass(frozen=True)
class Clustering:
    """The community/component functions to use, and where they run."""

    backend: Literal["gds", "python"]
    leiden_communities: LeidenFn
    components: ComponentsFn
