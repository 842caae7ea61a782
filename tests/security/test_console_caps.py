"""Console cost guards (issue #19): range and cartesian queries refused before running."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.cypher_guard import RANGE_CAP, check_cypher
from graphsvc.errors import QueryRejected

REFUSED = [
    ("UNWIND range(1,100000000) AS x RETURN count(x)", "range() would produce 100,000,000"),
    ("UNWIND range(1,3000000) AS x RETURN x, x AS y", "range() would produce 3,000,000"),
    ("UNWIND range(-5e6, 5e6) AS x RETURN count(x)", "range() would produce"),
    ("UNWIND range(1,1000) AS x UNWIND range(1,1000) AS y RETURN count(*)", "nested range()"),
    ("RETURN size(range(0, 10, 0))", "step 0"),
    ("MATCH (a),(b),(c) RETURN count(*)", "MATCH of 3 disconnected patterns"),
    ("MATCH (a:Participant) MATCH (b:Doctor) RETURN count(*)", "MATCH of 2 disconnected"),
    ("MATCH (a)-->(x), (b)-->(y) RETURN count(*)", "MATCH of 2 disconnected"),
]
ALLOWED = [
    f"UNWIND range(1, {RANGE_CAP}) AS x RETURN count(x)",
    "UNWIND range(100, 1, -1) AS x RETURN x",
    "UNWIND range(0, size($ids) - 1) AS i RETURN i",  # computed: left to the store's caps
    "MATCH (a)-[r]->(b), (b)-->(c) RETURN count(*)",  # connected through b
    "MATCH (p:Participant {id: $id}), (d:Doctor) RETURN p.id, d.id",  # one side anchored
    "MATCH (p:Participant) WITH p MATCH (p)-[:PRESCRIBED_BY]->(d) RETURN count(*)",
    "MATCH (p:Participant) RETURN p.range LIMIT 3",
]


@pytest.mark.parametrize(("query", "reason"), REFUSED)
def test_costly_queries_are_refused(query: str, reason: str) -> None:
    with pytest.raises(QueryRejected, match="refused") as exc:
        check_cypher(query)
    assert reason in str(exc.value)


@pytest.mark.parametrize("query", ALLOWED)
def test_ordinary_queries_pass(query: str) -> None:
    check_cypher(query)


def test_console_refuses_before_running_and_audits(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    resp = client.post(
        "/api/cypher",
        json={"query": "UNWIND range(1,100000000) AS x RETURN count(x)"},
        headers=headers["analyst"],
    )
    # refused, not run for 15 s: the audit says QueryRejected (no timing asserted)
    assert resp.status_code == 400, resp.text
    assert "range() would produce" in resp.json()["detail"]
    cartesian = client.post(
        "/api/cypher", json={"query": "MATCH (a),(b) RETURN count(*)"}, headers=headers["analyst"]
    )
    assert cartesian.status_code == 400 and "cartesian" in cartesian.json()["detail"]
    outcomes = [r["outcome"] for r in app.state.audit.records() if r["action"] == "cypher.query"]
    assert len(outcomes) == 2 and all(o.startswith("QueryRejected") for o in outcomes)


def test_range_bounds_the_guard_cannot_bound_are_refused(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    """``range(1, n*n)`` grew the store to 21.7 GB at 5,000 participants and ``range(1, $n)``
    with n = 1e10 took it down (issue #19): computed bounds are refused, parameter bounds
    are checked by value, ``size(list)`` bounds (a list that exists) pass."""
    analyst = headers["analyst"]
    for body, why in (
        ({"query": "MATCH (a) WITH count(a) AS n UNWIND range(1, n*n) AS x RETURN count(x)"},
         "computed bound"),
        ({"query": "UNWIND range(1, $n) AS x RETURN count(x)", "parameters": {"n": 10**10}},
         "10,000,000,000"),
    ):  # fmt: skip
        resp = client.post("/api/cypher", json=body, headers=analyst)
        assert resp.status_code == 400 and why in resp.text, resp.text
    ok = {"query": "WITH [5, 6, 7] AS l UNWIND range(0, size(l) - 1) AS i RETURN l[i] AS v"}
    resp = client.post("/api/cypher", json=ok, headers=analyst)
    assert resp.status_code == 200, resp.text
    assert [r[0] for r in resp.json()["rows"]] == [5, 6, 7]
