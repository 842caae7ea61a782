"""The store contract: what every backend must do the same way."""

from __future__ import annotations

import pytest

from graphsvc.errors import QueryTimeout, ReadOnlyViolation, StoreError
from graphsvc.store import Node, Path, Relationship, Store
from graphsvc.store.queries import QueryLibrary


def test_nodes_relationships_paths_are_normalised(any_store: Store) -> None:
    any_store.query(
        "CREATE (:Participant {id: 'P1', birth_date: '1950-02-03'})"
        "-[:HAS_IDENTIFIER]->(:Identifier {id: 'phone:1380', kind: 'phone'})",
        write=True,
    )
    res = any_store.query(
        "MATCH p = (a:Participant)-[r:HAS_IDENTIFIER]->(b:Identifier) "
        "RETURN a, r, b, p, a.birth_date AS born"
    )
    assert res.columns == ["a", "r", "b", "p", "born"]
    a, r, b, p, born = res.rows[0]
    assert isinstance(a, Node) and a.labels == ("Participant",) and a.properties["id"] == "P1"
    assert isinstance(r, Relationship) and r.type == "HAS_IDENTIFIER"
    assert (r.start, r.end) == (a.id, b.id)
    assert isinstance(p, Path) and [n.properties["id"] for n in p.nodes] == ["P1", "phone:1380"]
    assert born == "1950-02-03"
    assert res.records()[0]["born"] == "1950-02-03"


def test_read_mode_refuses_writes_and_changes_nothing(any_store: Store) -> None:
    with pytest.raises(ReadOnlyViolation):
        any_store.query("CREATE (:Participant {id: 'X'})")
    assert any_store.count("Participant") == 0


def test_errors_carry_the_store_message(any_store: Store) -> None:
    with pytest.raises(StoreError) as info:
        any_store.query("MATCH (n RETURN n")
    assert str(info.value).strip()


def test_timeout_is_enforced(any_store: Store) -> None:
    with pytest.raises(QueryTimeout):
        any_store.query(
            "UNWIND range(1, 50000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)",
            timeout_ms=20,
        )


def test_large_parameter_batches(any_store: Store) -> None:
    rows = [{"id": f"P{i:06d}", "n": i} for i in range(20_000)]
    sent = any_store.write_batches(
        "UNWIND $rows AS row CREATE (:Participant {id: row.id, n: row.n})", rows, batch_size=20_000
    )
    assert sent == 20_000
    assert any_store.count("Participant") == 20_000
    res = any_store.query("MATCH (p:Participant) WHERE p.n >= $lo RETURN count(p)", {"lo": 19_990})
    assert res.scalar() == 10


def test_write_batches_adds_up_the_statements_counters(any_store: Store) -> None:
    """The loader verifies its writes from these counters (issue #20): a MATCH that
    misses must show as fewer relationships created, not as the rows sent."""
    any_store.write_batches(
        "UNWIND $rows AS row CREATE (:Doctor {id: row.id})",
        [{"id": f"D{i}"} for i in range(7)],
        batch_size=3,
    )
    counters: dict[str, float] = {}
    sent = any_store.write_batches(
        "UNWIND $rows AS row MATCH (d:Doctor {id: row.id}) CREATE (d)-[:WORKS_AT]->(:Institution)",
        [{"id": f"D{i}"} for i in range(10)],  # D7-D9 do not exist: no edge, no node
        batch_size=4,
        counters=counters,
    )
    assert sent == 10
    assert counters["relationships_created"] == 7
    assert counters["nodes_created"] == 7


def test_schema_is_idempotent_and_ids_unique(any_store: Store) -> None:
    any_store.ensure_schema()
    any_store.ensure_schema()
    any_store.query("CREATE (:Doctor {id: 'D1'})", write=True)
    with pytest.raises(StoreError):
        any_store.query("CREATE (:Doctor {id: 'D1'})", write=True)
    assert any_store.count("Doctor") == 1


def test_named_queries_run_by_name(any_store: Store, tmp_path) -> None:
    (tmp_path / "add.cypher").write_text(
        "// description: add one\n// params: id\n// mode: write\nCREATE (:Item {id: $id})\n"
    )
    (tmp_path / "get.cypher").write_text(
        "// description: read one\n// params: id\n// tags: saved\n"
        "MATCH (i:Item {id: $id}) RETURN i.id AS id\n"
    )
    any_store.library = QueryLibrary(tmp_path)
    any_store.run("add", {"id": "X1"})
    assert any_store.run("get", {"id": "X1"}).records() == [{"id": "X1"}]
    assert [q.name for q in any_store.library.saved(any_store.backend)] == ["get"]


def test_unknown_label_is_refused(any_store: Store) -> None:
    with pytest.raises(ValueError):
        any_store.count("Participant`) DETACH DELETE (n")
