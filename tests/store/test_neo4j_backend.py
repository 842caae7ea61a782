"""The Neo4j backend (graphsvc.store.neo4j_backend).

Three kinds of test:

* pure ones, always run: how driver values become graphsvc values and driver
  errors become graphsvc errors (driver value/exception objects built directly,
  as the driver's own hydration does; no store involved);
* connection behaviour against a closed loopback port, always run: unreachable
  server, retries of managed transactions, closed pool;
* against a real Neo4j 5 (marker ``neo4j``): run with ``docker compose up neo4j``
  and ``GRAPHSVC_NEO4J_URI=bolt://localhost:7687 GRAPHSVC_NEO4J_PASSWORD=...
  pytest -m neo4j``; they skip with the reason when GRAPHSVC_NEO4J_URI is unset.
  The shared store contract (test_contract.py) runs on Neo4j the same way.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from neo4j import exceptions as nx
from neo4j import graph as ng
from neo4j import time as nt

from graphsvc.config import Settings
from graphsvc.errors import (
    ConfigError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)
from graphsvc.model import LABELS, SECONDARY_INDEXES
from graphsvc.store import Node, Path, Relationship, open_store
from graphsvc.store.dialect import neo4j_schema_statements
from graphsvc.store.neo4j_backend import Neo4jStore, map_error, normalise

SKIP_REASON = "Neo4j backend: GRAPHSVC_NEO4J_URI is not set (run docker compose up)"


# -- pure: values ------------------------------------------------------------------
def _driver_path() -> ng.Path:
    g = ng.Graph()
    a = ng.Node(g, "4:db:1", 1, ["Participant"], {"id": "P1", "born": nt.Date(1950, 2, 3)})
    b = ng.Node(g, "4:db:2", 2, ["Identifier"], {"id": "phone:1380"})
    r = g.relationship_type("HAS_IDENTIFIER")(g, "5:db:9", 9, {"since": nt.Date(2020, 1, 1)})
    r._start_node, r._end_node = a, b  # as the driver's hydration sets them
    return ng.Path(a, r)


def test_nodes_relationships_paths_normalised_by_element_id() -> None:
    p = normalise(_driver_path())
    assert isinstance(p, Path)
    a, _b = p.nodes
    (r,) = p.relationships
    assert isinstance(a, Node) and a.id == "4:db:1" and a.labels == ("Participant",)
    assert a.properties == {"id": "P1", "born": "1950-02-03"}
    assert isinstance(r, Relationship) and r.id == "5:db:9" and r.type == "HAS_IDENTIFIER"
    assert (r.start, r.end) == ("4:db:1", "4:db:2")
    assert r.properties == {"since": "2020-01-01"}


def test_temporal_values_become_iso_strings() -> None:
    got = normalise(
        {
            "d": nt.Date(2024, 3, 1),
            "dt": [nt.DateTime(2024, 3, 1, 8, 30, 5)],
            "t": nt.Time(8, 30),
            "n": 3,
        }
    )
    assert got == {
        "d": "2024-03-01",
        "dt": ["2024-03-01T08:30:05.000000000"],
        "t": "08:30:00.000000000",
        "n": 3,
    }


def test_multi_label_nodes_have_a_stable_label_order() -> None:
    n = ng.Node(ng.Graph(), "4:db:3", 3, ["Ring", "Archived"], {})
    assert normalise(n).labels == ("Archived", "Ring")


# -- pure: errors --------------------------------------------------------------------
def server_error(code: str, message: str) -> nx.Neo4jError:
    """A server failure as the driver builds it from a Bolt FAILURE message."""
    return nx.Neo4jError._hydrate_neo4j(code=code, message=message)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", QueryTimeout),
        ("Neo.ClientError.Transaction.TransactionTimedOut", QueryTimeout),
        ("Neo.ClientError.Statement.AccessMode", ReadOnlyViolation),
        ("Neo.ClientError.Statement.SyntaxError", StoreError),
        ("Neo.ClientError.Schema.ConstraintValidationFailed", StoreError),
        ("Neo.ClientError.Database.DatabaseNotFound", StoreError),
    ],
)
def test_server_errors_map_with_their_message(code: str, expected: type[StoreError]) -> None:
    err = map_error(server_error(code, "the server says why"), timeout_ms=20)
    assert type(err) is expected
    assert "the server says why" in str(err)


def test_unreachable_and_auth_failures_are_unavailable() -> None:
    assert isinstance(map_error(nx.ServiceUnavailable("no route")), StoreUnavailable)
    assert isinstance(map_error(nx.SessionExpired("gone")), StoreUnavailable)
    auth = server_error("Neo.ClientError.Security.Unauthorized", "bad credentials")
    assert isinstance(auth, nx.AuthError)
    err = map_error(auth, where="bolt://db:7687")
    assert isinstance(err, StoreUnavailable) and "refused the credentials" in str(err)


def test_timeout_termination_is_a_timeout_other_termination_is_not() -> None:
    timed = server_error(
        "Neo.ClientError.Transaction.Terminated", "terminated: the transaction timed out"
    )
    killed = server_error("Neo.ClientError.Transaction.Terminated", "killed by an admin")
    assert type(map_error(timed)) is QueryTimeout
    assert type(map_error(killed)) is StoreError


def test_schema_statements_cover_the_model() -> None:
    ddl = neo4j_schema_statements()
    for label in LABELS:
        assert any(f"FOR (n:`{label}`) REQUIRE n.`id` IS UNIQUE" in s for s in ddl), label
    for label, props in SECONDARY_INDEXES.items():
        for prop in props:
            assert any(f"FOR (n:`{label}`) ON (n.`{prop}`)" in s for s in ddl), (label, prop)
    assert all("IF NOT EXISTS" in s for s in ddl)
    assert len({s.split()[2] for s in ddl}) == len(ddl)  # names are unique


# -- connection behaviour (loopback only) ------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed when the socket is


def test_unreachable_server_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="not reachable"):
        Neo4jStore(f"bolt://127.0.0.1:{closed_port()}", "neo4j", "pw", "neo4j")


def test_managed_transactions_are_retried(caplog: pytest.LogCaptureFixture) -> None:
    """Reads go through execute_read, which retries retryable failures until
    max_transaction_retry_time (auto-commit session.run would fail at once)."""
    store = Neo4jStore(
        f"bolt://127.0.0.1:{closed_port()}",
        "neo4j",
        "pw",
        "neo4j",
        verify=False,
        max_retry_time_s=0.5,
    )
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="neo4j"), pytest.raises(StoreUnavailable):
        store.query("RETURN 1")
    assert time.monotonic() - t0 >= 0.4
    assert "will be retried" in caplog.text
    store.close()


def test_closed_store_refuses_queries() -> None:
    store = Neo4jStore(f"bolt://127.0.0.1:{closed_port()}", "neo4j", "pw", "neo4j", verify=False)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreUnavailable, match="closed"):
        store.query("RETURN 1")


def test_bad_uri_and_missing_password() -> None:
    with pytest.raises(StoreUnavailable, match="bad Neo4j URI"):
        Neo4jStore("ftp://db", "neo4j", "pw", "neo4j")
    with pytest.raises(ConfigError, match="GRAPHSVC_NEO4J_PASSWORD"):
        open_store(Settings(neo4j_uri="bolt://127.0.0.1:1"))


def test_open_store_selects_neo4j_by_uri() -> None:
    settings = Settings(
        neo4j_uri=f"bolt://127.0.0.1:{closed_port()}",
        neo4j_password="pw",
        neo4j_database="fund",
    )
    assert settings.backend == "neo4j"
    with pytest.raises(StoreUnavailable, match=r"bolt://127\.0\.0\.1"):
        open_store(settings)


# -- against a real Neo4j ------------------------------------------------------------------
@pytest.fixture
def neo4j_store() -> Iterator[Neo4jStore]:
    if not os.environ.get("GRAPHSVC_NEO4J_URI"):
        pytest.skip(SKIP_REASON)
    store = Neo4jStore.from_settings(Settings())
    store.drop_all()
    try:
        yield store
    finally:
        try:
            store.drop_all()
        finally:
            store.close()


@pytest.mark.neo4j
def test_database_comes_from_settings(neo4j_store: Neo4jStore) -> None:
    settings = Settings()
    assert neo4j_store.database == settings.neo4j_database
    assert neo4j_store.query("CALL db.info() YIELD name RETURN name").scalar() == (
        settings.neo4j_database
    )


@pytest.mark.neo4j
def test_server_values_normalised(neo4j_store: Neo4jStore) -> None:
    neo4j_store.query(
        "CREATE (a:Participant {id: 'P1', born: date('1950-02-03')})"
        "-[:HAS_IDENTIFIER {at: datetime('2024-03-01T08:30:00Z')}]->(:Identifier {id: 'i'})",
        write=True,
    )
    res = neo4j_store.query(
        "MATCH p = (a:Participant)-[r]->(b) RETURN a, r, p, a.born AS born, elementId(a) AS eid"
    )
    a, r, p, born, eid = res.rows[0]
    assert a.id == eid and r.start == eid and p.nodes[0].id == eid
    assert born == "1950-02-03" and a.properties["born"] == "1950-02-03"
    assert r.properties["at"].startswith("2024-03-01T08:30:00")


@pytest.mark.neo4j
def test_reads_run_in_read_access_mode(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(ReadOnlyViolation):
        neo4j_store.query("MERGE (:Participant {id: 'X'})")
    with pytest.raises(ReadOnlyViolation):
        neo4j_store.run("load_institutions", {"rows": [{"id": "H1", "props": {}}], "load_id": "t"})
    assert neo4j_store.count("Participant") == 0
    assert neo4j_store.count("Institution") == 0


@pytest.mark.neo4j
def test_per_query_timeout(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(QueryTimeout):
        neo4j_store.query(
            "UNWIND range(1, 100000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)",
            timeout_ms=50,
        )
    assert neo4j_store.query("RETURN 1", timeout_ms=5_000).scalar() == 1


@pytest.mark.neo4j
def test_schema_creates_every_constraint_and_index(neo4j_store: Neo4jStore) -> None:
    neo4j_store.ensure_schema()
    neo4j_store.ensure_schema()
    constraints = neo4j_store.query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN labelsOrTypes[0] AS label,"
        " properties[0] AS prop, type"
    ).records()
    unique = {(c["label"], c["prop"]) for c in constraints if "UNIQUE" in c["type"]}
    assert unique >= {(label, "id") for label in LABELS}
    indexes = neo4j_store.query(
        "SHOW INDEXES YIELD labelsOrTypes, properties, type WHERE type = 'RANGE' "
        "RETURN labelsOrTypes[0] AS label, properties[0] AS prop"
    ).records()
    have = {(i["label"], i["prop"]) for i in indexes}
    assert have >= {(lb, p) for lb, props in SECONDARY_INDEXES.items() for p in props}
    neo4j_store.drop_all()
    assert not neo4j_store.query("SHOW CONSTRAINTS YIELD name RETURN name").rows


@pytest.mark.neo4j
def test_procedures_listed(neo4j_store: Neo4jStore) -> None:
    procs = neo4j_store.procedures()
    assert {"db.labels", "db.awaitIndexes"} <= procs


@pytest.mark.neo4j
def test_deadlocks_are_retried_not_raised(neo4j_store: Neo4jStore) -> None:
    """Two writers locking two nodes in opposite order deadlock; the server aborts
    one with a transient error and the driver retries it: both succeed."""
    if "apoc.util.sleep" not in neo4j_store.procedures():
        pytest.skip("APOC is not installed (docker compose enables it)")
    neo4j_store.query("CREATE (:Item {id: 'A', n: 0}), (:Item {id: 'B', n: 0})", write=True)
    text = (
        "MATCH (x:Item {id: $first}) SET x.n = x.n + 1 "
        "WITH x CALL apoc.util.sleep(300) "
        "MATCH (y:Item {id: $second}) SET y.n = y.n + 1 RETURN x.id"
    )
    errors: list[BaseException] = []

    def writer(first: str, second: str) -> None:
        try:
            neo4j_store.query(text, {"first": first, "second": second}, write=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=("A", "B")),
        threading.Thread(target=writer, args=("B", "A")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert neo4j_store.query("MATCH (i:Item) RETURN sum(i.n)").scalar() == 4


@pytest.mark.neo4j
def test_wrong_password_is_unavailable() -> None:
    uri = os.environ.get("GRAPHSVC_NEO4J_URI")
    if not uri:
        pytest.skip(SKIP_REASON)
    with pytest.raises(StoreUnavailable, match="credentials"):
        Neo4jStore(uri, "neo4j", "certainly-not-the-password", "neo4j")


@pytest.mark.neo4j
def test_close_closes_the_pool() -> None:
    if not os.environ.get("GRAPHSVC_NEO4J_URI"):
        pytest.skip(SKIP_REASON)
    store = Neo4jStore.from_settings(Settings())
    assert store.query("RETURN 1").scalar() == 1
    store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        store.query("RETURN 1")
