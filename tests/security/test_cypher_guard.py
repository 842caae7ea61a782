"""Hostile console queries: each refused (by the guard, or at worst by the store) and the
data unchanged afterwards; harmless queries that merely look dangerous still run."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.cypher_guard import check_cypher, tokenize
from graphsvc.errors import QueryRejected, ReadOnlyViolation
from graphsvc.security.testing import bearer_headers, snapshot
from graphsvc.store import Store

# Each is refused by the guard itself (QueryRejected, HTTP 400).
HOSTILE: list[str] = [
    "CREATE (n)",
    "create (n:Participant {id: 'X'})",
    "CrEaTe (n)",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) DELETE n",
    "MATCH (n:Participant) SET n.name = 'x'",
    "MATCH (n) SET n += {a: 1}",
    "MATCH (n) SET n:Hacked",
    "MATCH (n) REMOVE n.name",
    "MATCH (n) REMOVE n:Participant",
    "MERGE (n:X {id: 1})",
    "MATCH (n) WITH n MERGE (m:X) RETURN m",
    "MATCH (n) FOREACH (x IN [1] | SET n.a = 1)",
    "DROP INDEX ON :Participant(id)",
    "CREATE INDEX FOR (n:X) ON (n.id)",
    "CREATE CONSTRAINT c FOR (n:X) REQUIRE n.id IS UNIQUE",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "LOAD CSV WITH HEADERS FROM 'http://203.0.113.9/x.csv' AS r RETURN r",
    "USING PERIODIC COMMIT LOAD CSV FROM 'file:///x' AS r RETURN r",
    "CALL dbms.procedures()",
    "CALL apoc.cypher.runWrite('CREATE (n)', {})",
    "CALL db.idx.fulltext.createNodeIndex('Participant', 'name')",
    "CALL db.idx.fulltext.drop('Participant')",
    "CALL dbms.security.createUser('x', 'y', false)",
    "CALL db.createLabel('X')",
    "CALL db.clearQueryCaches()",
    "CALL dbms.killQueries(['1'])",
    "CALL gds.graph.drop('x')",
    "CALL `apoc.create.node`(['X'], {})",
    "CALL `db`.`idx`.`fulltext`.`drop`('Participant')",
    "WITH 1 AS x CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {}) "
    "YIELD batches RETURN batches",
    "RETURN apoc.cypher.runFirstColumn('MATCH (n) DETACH DELETE n', {})",
    "RETURN apoc.load.json('http://203.0.113.9/')",
    "RETURN `apoc.cypher.runFirstColumnSingle`('MATCH (n) DELETE n', {})",
    "CALL db.idx.fulltext.queryNodes('Participant', 'x') YIELD node SET node.x = 1",
    "CALL db.labels() YIELD label MERGE (x:Y)",
    "CALL { CREATE (n) } IN TRANSACTIONS",
    "MATCH (n) CALL { WITH n DETACH DELETE n } RETURN 1",
    "MATCH (n) /* harmless? */ DELETE n",
    "MATCH (n) // comment\nDELETE n",
    "match (n)\r\ndelete n",
    "MATCH (n) DETACH\tDELETE n",
    "MATCH (n) RETURN n; CREATE (m)",
    "RETURN 1;\nMATCH (n) DETACH DELETE n",
    "RETURN 'a\\' CREATE (n) //'",
    'MATCH (n) WHERE n.name = "x\\"" DELETE n',
    "ＣＲＥＡＴＥ (n)",
    "ｍａｔｃｈ (n) ｄｅｔａｃｈ ｄｅｌｅｔｅ n",
    "CRE\u200bATE (n)",
    "MATCH (n) \u202eETELED n",
    "MATCH (n)\u00a0SET n.x = 1",
    "MATCH (n)\u3000DELETE n",
    "\u0421REATE (n)",  # Cyrillic С
    "MATCH (n) DELETE\u00adn",  # soft hyphen
    "EXPLAIN CREATE (n)",
    "PROFILE MATCH (n) DELETE n",
    "CREATE DATABASE x",
    "DROP DATABASE neo4j",
    "ALTER USER neo4j SET PASSWORD 'x'",
    "GRANT ALL ON DATABASE * TO reader",
    "SHOW USERS",
    "START DATABASE x",
    "USE system SHOW DATABASES",
    "/* unterminated comment CREATE (n)",
    "RETURN 'unterminated",
    "MATCH (`a``b`) RETURN 1",
    "MATCH (n) WITH n, 1 AS x. DELETE n",
    "MATCH (n) WITH n AS x, 1 AS y. SET x.a = 1",
    "RETURN 1 " + " " * 20_001,
    "",
    "   // only a comment",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_guard_refuses(query: str) -> None:
    with pytest.raises(QueryRejected):
        check_cypher(query)


def test_at_least_fifty_hostile_queries() -> None:
    assert len(set(HOSTILE)) >= 50


HARMLESS: list[str] = [
    "MATCH (p:Participant) RETURN p.id ORDER BY p.id",
    "RETURN 'CREATE (n) DETACH DELETE n' AS text",
    "MATCH (n) // DELETE n\nRETURN count(n)",
    "MATCH (n) /* SET n.x = 1 */ RETURN count(n)",
    "MATCH (`DELETE`:Participant) RETURN count(`DELETE`)",
    "CALL db.labels()",
    "CALL db.labels() YIELD label RETURN label ORDER BY label",
    "MATCH (n:Participant) WHERE n.id STARTS WITH 'P' RETURN n.id AS id",
    "match (g:Ring)-[m:HAS_MEMBER]->(p) return g.typology, m.role",
    "RETURN toUpper('set') AS s",
]


@pytest.mark.parametrize("query", HARMLESS)
def test_guard_admits(query: str) -> None:
    assert check_cypher(query).text


def test_tokenizer_keeps_literals_apart() -> None:
    toks = tokenize("MATCH (n) WHERE n.name = 'CREATE' RETURN `DELETE`")
    kinds = {t.text: t.kind for t in toks}
    assert kinds["CREATE"] == "string"
    assert kinds["DELETE"] == "bident"
    assert kinds["MATCH"] == "ident"


@pytest.fixture
def roomy_app(app_settings: Settings, seeded: Store) -> FastAPI:
    """The app with a rate limit high enough for 70 queries in a row."""
    return create_app(app_settings.model_copy(update={"rate_limit_per_minute": 10_000}))


def test_hostile_queries_refused_over_api_and_data_unchanged(
    roomy_app: FastAPI, seeded: Store
) -> None:
    before = snapshot(seeded)
    with TestClient(roomy_app) as client:
        analyst = bearer_headers(roomy_app.state.users, "analyst")
        for query in HOSTILE:
            resp = client.post("/api/cypher", json={"query": query}, headers=analyst)
            # 422 only for the over-long query (refused by the request model itself).
            assert resp.status_code in (400, 422), (query, resp.status_code, resp.text)
            assert resp.json()["error"] in ("QueryRejected", "ValidationError"), query
        for query in HARMLESS:
            resp = client.post("/api/cypher", json={"query": query}, headers=analyst)
            assert resp.status_code == 200, (query, resp.text)
    assert snapshot(seeded) == before


def test_guard_bypass_still_read_only(seeded: Store) -> None:
    """Defence in depth: even a write the guard missed fails in the store's read-only mode."""
    before = snapshot(seeded)
    for query in ("CREATE (n:X)", "MATCH (n) DETACH DELETE n", "MATCH (n) SET n.x = 1"):
        with pytest.raises(ReadOnlyViolation):
            seeded.query(query, write=False)
    assert snapshot(seeded) == before
