"""Server-side algorithms (graphsvc.store.gds).

GDS cannot run here, so the GDS *call building* is checked with a recording fake of
the query runner (the pattern of the GDS client's own unit tests): which named
queries run, in which order and mode, with which parameters, and that the answers
map back to the same groups the Python path gives. The fake answers stream queries
by clustering the very rows it was asked to project, with community ids scrambled,
so an id mix-up anywhere in the round trip shows. Store behaviour itself is never
faked: the automatic choice is checked on the real embedded FalkorDB, and the real
GDS path against Neo4j (marker ``neo4j``) when GRAPHSVC_NEO4J_URI is set.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
import pytest

from graphsvc.config import Settings
from graphsvc.detection.common import components, leiden_communities
from graphsvc.detection.io import clustering_for
from graphsvc.errors import StoreError
from graphsvc.store import Store, open_store
from graphsvc.store.base import Result
from graphsvc.store.gds import (
    REQUIRED_PROCEDURES,
    GdsAlgorithms,
    has_gds,
)


class RecordingGds(Store):
    """A fake Neo4j+GDS query runner: records calls, answers like GDS would."""

    backend = "neo4j"

    def __init__(self, procedures: set[str] | None = None, fail_on: str | None = None) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []
        self._procedures = set(REQUIRED_PROCEDURES) if procedures is None else procedures
        self.fail_on = fail_on
        self.gds_functions = True
        self.projected: dict[str, list[dict[str, Any]]] = {}
        self.dropped: list[str] = []

    def run(
        self, name: str, params: Mapping[str, Any] | None = None, *, timeout_ms: int | None = None
    ) -> Result:
        self._name = name
        return super().run(name, params, timeout_ms=timeout_ms)

    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        timeout_ms: int | None = None,
    ) -> Result:
        name = self._name
        p = dict(params or {})
        self.calls.append(
            {"name": name, "text": cypher, "params": p, "write": write, "timeout_ms": timeout_ms}
        )
        if name == self.fail_on:
            raise StoreError(f"simulated failure in {name}")
        if name.startswith("gds_project_"):
            rows = p.get("edges", [{"s": 0, "t": 1, "w": 1.0}])
            self.projected[p["graph"]] = rows
            nodes = {r["s"] for r in rows} | {r["t"] for r in rows}
            return Result(
                ["graph", "nodes", "relationships"], [[p["graph"], len(nodes), len(rows)]]
            )
        if name in ("gds_leiden_stream", "gds_wcc_stream"):
            rows = self.projected[p["graph"]]
            edges = pd.DataFrame(
                {
                    "a": [f"{r['s']:06d}" for r in rows],
                    "b": [f"{r['t']:06d}" for r in rows],
                    "w": [r["w"] for r in rows],
                }
            )
            if name == "gds_leiden_stream":
                groups = leiden_communities(edges, "w", seed=p["seed"], resolution=p["gamma"])
            else:
                groups = components(zip(edges["a"], edges["b"], strict=True))
            # GDS community ids are arbitrary numbers: scramble them.
            out = [[int(n), 9000 - 7 * k] for k, g in enumerate(groups) for n in g]
            return Result(["node", "community"], sorted(out))
        if name in ("gds_leiden_stream_keys", "gds_wcc_stream_keys"):
            return Result(["node", "community"], [["P1", 4], ["P2", 4], ["P3", 11]])
        if name == "gds_graph_drop":
            self.dropped.append(p["graph"])
            return Result(["graph"], [[p["graph"]]])
        raise AssertionError(f"unexpected query {name}")

    def ensure_schema(self) -> None:
        raise AssertionError("not used")

    def save(self) -> None:
        raise AssertionError("not used")

    def drop_all(self) -> None:
        raise AssertionError("not used")

    def close(self) -> None:
        pass

    def procedures(self) -> set[str]:
        return set(self._procedures)

    def functions(self) -> set[str]:
        return {"gds.graph.project"} if self.gds_functions else set()


def two_rings_and_noise() -> pd.DataFrame:
    """Two dense weighted cliques joined by one weak edge, plus a separate pair."""
    rows: list[tuple[str, str, float]] = []
    for ring in (["P01", "P02", "P03", "P04", "P05"], ["P11", "P12", "P13", "P14"]):
        rows += [(a, b, 5.0) for i, a in enumerate(ring) for b in ring[i + 1 :]]
    rows += [("P05", "P11", 0.2), ("P90", "P91", 1.0)]
    return pd.DataFrame(rows, columns=["a", "b", "w"])


def test_leiden_runs_project_stream_drop_in_read_mode() -> None:
    fake = RecordingGds()
    edges = two_rings_and_noise()
    GdsAlgorithms(fake, timeout_ms=1234).leiden_communities(edges, "w", seed=3, resolution=0.8)
    assert [c["name"] for c in fake.calls] == [
        "gds_project_edges",
        "gds_leiden_stream",
        "gds_graph_drop",
    ]
    graphs = {c["params"]["graph"] for c in fake.calls}
    assert len(graphs) == 1 and next(iter(graphs)).startswith("graphsvc_leiden_")
    assert fake.dropped == list(graphs)
    assert not any(c["write"] for c in fake.calls)
    assert all(c["timeout_ms"] == 1234 for c in fake.calls)
    project, stream = fake.calls[0], fake.calls[1]
    assert "gds.graph.project(" in project["text"] and "$edges" in project["text"]
    # Integer ids 0..n-1 over the sorted names; weights as floats.
    ids = {r["s"] for r in project["params"]["edges"]} | {
        r["t"] for r in project["params"]["edges"]
    }
    assert ids == set(range(11))
    assert project["params"]["edges"][0] == {"s": 0, "t": 1, "w": 5.0}
    assert stream["params"] | {"graph": None} == {"graph": None, "seed": 3, "gamma": 0.8}
    assert "gds.leiden.stream" in stream["text"] and "randomSeed: $seed" in stream["text"]


def test_gds_path_gives_the_python_path_groups() -> None:
    edges = two_rings_and_noise()
    fake = RecordingGds()
    algos = GdsAlgorithms(fake)
    for seed in (1, 2):
        assert algos.leiden_communities(edges, "w", seed=seed) == leiden_communities(
            edges, "w", seed=seed
        )
    pairs = [("B", "A"), ("C", "D"), ("A", "E"), ("X", "Y")]
    assert algos.components(pairs) == components(pairs)
    assert algos.components(pairs) == [["A", "B", "E"], ["C", "D"], ["X", "Y"]]


def test_empty_input_asks_nothing() -> None:
    fake = RecordingGds()
    algos = GdsAlgorithms(fake)
    assert algos.leiden_communities(pd.DataFrame({"a": [], "b": [], "w": []}), "w", seed=1) == []
    assert algos.components([]) == []
    assert fake.calls == []


def test_projection_is_dropped_when_the_algorithm_fails() -> None:
    fake = RecordingGds(fail_on="gds_leiden_stream")
    with pytest.raises(StoreError, match="simulated"):
        GdsAlgorithms(fake).leiden_communities(two_rings_and_noise(), "w", seed=1)
    assert [c["name"] for c in fake.calls][-1] == "gds_graph_drop"
    assert fake.dropped == [fake.calls[0]["params"]["graph"]]


def test_stored_graph_projections_stream_node_keys() -> None:
    fake = RecordingGds()
    algos = GdsAlgorithms(fake)
    got = algos.shared_identifier_components(kinds=("phone", "device"), max_degree=20)
    assert got == {"P1": 4, "P2": 4, "P3": 11}
    names = [c["name"] for c in fake.calls]
    assert names == ["gds_project_shared_identifiers", "gds_wcc_stream_keys", "gds_graph_drop"]
    assert fake.calls[0]["params"]["kinds"] == ["phone", "device"]
    assert fake.calls[0]["params"]["max_degree"] == 20
    assert "gds.util.asNode(nodeId).id" in fake.calls[1]["text"]

    fake.calls.clear()
    algos.covisit_communities(max_session_size=30, min_covisits=3, seed=5)
    assert [c["name"] for c in fake.calls] == [
        "gds_project_covisits",
        "gds_leiden_stream_keys",
        "gds_graph_drop",
    ]
    assert fake.calls[0]["params"]["min_covisits"] == 3
    assert fake.calls[1]["params"]["seed"] == 5


def test_has_gds_needs_every_procedure() -> None:
    assert has_gds(RecordingGds())
    assert not has_gds(RecordingGds(procedures={"gds.wcc.stream", "gds.graph.drop"}))
    assert not has_gds(RecordingGds(procedures=set()))
    old = RecordingGds()
    old.gds_functions = False  # GDS before 2.4: no projection function
    assert not has_gds(old)


def test_choice_is_gds_on_neo4j_with_gds(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="graphsvc.detection.io"):
        chosen = clustering_for(RecordingGds())
    assert chosen.backend == "gds"
    assert "server-side" in caplog.text


def test_choice_is_python_on_falkordb(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    assert not has_gds(store)
    with caplog.at_level(logging.INFO, logger="graphsvc.detection.io"):
        chosen = clustering_for(store)
    assert chosen.backend == "python"
    assert "in Python (falkordb has no GDS)" in caplog.text
    edges = two_rings_and_noise()
    assert chosen.leiden_communities(edges, "w", seed=1) == leiden_communities(edges, "w", seed=1)
    assert chosen.leiden_communities(edges, "w", seed=1)[:2] == [
        ["P01", "P02", "P03", "P04", "P05"],
        ["P11", "P12", "P13", "P14"],
    ]


# -- against a real Neo4j with GDS (docker compose up) ---------------------------------
@pytest.fixture
def neo4j_gds_store() -> Iterator[Store]:
    if not os.environ.get("GRAPHSVC_NEO4J_URI"):
        pytest.skip("Neo4j backend: GRAPHSVC_NEO4J_URI is not set (run docker compose up)")
    s = open_store(Settings())
    try:
        if not has_gds(s):
            pytest.skip("the Neo4j server has no Graph Data Science plugin")
        s.drop_all()
        yield s
    finally:
        try:
            s.drop_all()
        finally:
            s.close()


@pytest.mark.neo4j
def test_real_gds_matches_python(neo4j_gds_store: Store) -> None:
    edges = two_rings_and_noise()
    chosen = clustering_for(neo4j_gds_store)
    assert chosen.backend == "gds"
    assert chosen.leiden_communities(edges, "w", seed=1) == leiden_communities(edges, "w", seed=1)
    pairs = list(zip(edges["a"], edges["b"], strict=True))
    assert chosen.components(pairs) == components(pairs)
    assert not neo4j_gds_store.query("CALL gds.graph.list() YIELD graphName RETURN graphName").rows


@pytest.mark.neo4j
def test_real_gds_shared_identifier_components(neo4j_gds_store: Store) -> None:
    s = neo4j_gds_store
    s.query(
        "UNWIND $rows AS r MERGE (p:Participant {id: r.p}) MERGE (i:Identifier {id: r.i}) "
        "SET i.kind = r.k MERGE (p)-[:HAS_IDENTIFIER]->(i)",
        {
            "rows": [
                {"p": "P1", "i": "phone:1", "k": "phone"},
                {"p": "P2", "i": "phone:1", "k": "phone"},
                {"p": "P2", "i": "device:9", "k": "device"},
                {"p": "P3", "i": "device:9", "k": "device"},
                {"p": "P4", "i": "email:x", "k": "email"},
                {"p": "P5", "i": "email:x", "k": "email"},
                {"p": "P6", "i": "address:a", "k": "address"},
            ]
        },
        write=True,
    )
    got = GdsAlgorithms(s).shared_identifier_components(
        kinds=["phone", "device", "email"], max_degree=20
    )
    assert sorted(sorted(g) for g in _groups(got)) == [["P1", "P2", "P3"], ["P4", "P5"]]


def _groups(membership: dict[str, int]) -> list[list[str]]:
    out: dict[int, list[str]] = {}
    for k, v in membership.items():
        out.setdefault(v, []).append(k)
    return list(out.values())
