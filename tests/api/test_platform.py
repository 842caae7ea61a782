"""Platform API (issue 4): the Cypher console, the saved-query library and /health, on the
real embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.privacy import mask_value
from graphsvc.security.testing import bearer_headers, isolated_settings, seed
from graphsvc.security.vault import pii_for_store
from graphsvc.store import Store


@pytest.fixture
def platform_app(settings: Settings, store: Store, tmp_path: Path) -> FastAPI:
    seed(store)
    app_settings = isolated_settings(settings, tmp_path / "data").model_copy(
        update={"cypher_row_cap": 3, "cypher_timeout_ms": 1_000}
    )
    return create_app(app_settings)


@pytest.fixture
def client(platform_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(platform_app) as c:
        yield c


@pytest.fixture
def analyst(platform_app: FastAPI) -> dict[str, str]:
    return bearer_headers(platform_app.state.users, "analyst")


def test_console_table_and_row_cap(client: TestClient, analyst: dict[str, str]) -> None:
    resp = client.post(
        "/api/cypher",
        json={
            "query": "UNWIND range(1, $n) AS i RETURN i, i * 2 AS double",
            "parameters": {"n": 5},
        },
        headers=analyst,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["columns"] == ["i", "double"]
    assert body["rows"] == [[1, 2], [2, 4], [3, 6]]
    assert body["truncated"] is True and body["row_cap"] == 3 and body["row_count"] == 3
    assert body["graph"] is None
    small = client.post("/api/cypher", json={"query": "RETURN 1 AS one"}, headers=analyst).json()
    assert small["truncated"] is False and small["rows"] == [[1]]


def test_console_graph(client: TestClient, analyst: dict[str, str]) -> None:
    body = client.post(
        "/api/cypher",
        json={"query": "MATCH p = (g:Ring)-[:HAS_MEMBER]->(m) RETURN p"},
        headers=analyst,
    ).json()
    graph = body["graph"]
    assert {tuple(n["labels"]) for n in graph["nodes"]} == {("Ring",), ("Participant",)}
    assert [e["type"] for e in graph["edges"]] == ["HAS_MEMBER"]
    edge = graph["edges"][0]
    ids = {n["id"] for n in graph["nodes"]}
    assert edge["start"] in ids and edge["end"] in ids


def test_console_errors_carry_store_message(client: TestClient, analyst: dict[str, str]) -> None:
    resp = client.post("/api/cypher", json={"query": "MATCH (n RETURN n"}, headers=analyst)
    # issue 13: the store refusing the statement is the analyst's error, not a 502
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "QueryRejected"
    assert resp.json()["detail"]  # FalkorDB's own parse error
    negative = client.post(
        "/api/cypher",
        json={"query": "MATCH (n) RETURN n LIMIT $l", "parameters": {"l": -1}},
        headers=analyst,
    )
    assert negative.status_code == 400 and "non-negative" in negative.json()["detail"]
    literal = "UNWIND range(1, 100000000) AS i WITH i WHERE i % 7 = 3 RETURN count(i)"
    refused = client.post("/api/cypher", json={"query": literal}, headers=analyst)
    assert refused.status_code == 400  # issue #19: refused before running
    # a computed bound is refused (issue #19: range(1, n*n) grew the store to 21.7 GB)
    computed = client.post(
        "/api/cypher",
        json={"query": literal.replace("100000000", "toInteger($n)"), "parameters": {"n": 10**8}},
        headers=analyst,
    )
    assert computed.status_code == 400 and "computed bound" in computed.text
    # parameter bounds under the cap pass the guard; the timeout still bounds them
    nested = (  # 9,000,000 rows, a string each: past the 1 s timeout
        "UNWIND range(1, $n) AS i UNWIND range(1, $n) AS j "
        "WITH i WHERE toString(i * j + i) ENDS WITH '37' "
    )
    slow = client.post(
        "/api/cypher",
        json={"query": nested + "RETURN count(i)", "parameters": {"n": 3_000}},
        headers=analyst,
    )
    assert slow.status_code == 504, slow.text
    assert slow.json()["error"] == "QueryTimeout"


def test_console_refusal_is_400(client: TestClient, analyst: dict[str, str]) -> None:
    resp = client.post("/api/cypher", json={"query": "MATCH (n) DETACH DELETE n"}, headers=analyst)
    assert resp.status_code == 400
    assert "DETACH" in resp.json()["detail"]


def test_saved_queries(client: TestClient, analyst: dict[str, str], store: Store) -> None:
    listed = client.get("/api/queries", headers=analyst).json()
    names = {q["name"]: q for q in listed}
    assert names["console_ring_members"]["params"] == ["ring_id"]
    assert names["console_ring_members"]["description"]
    # Only read-only queries tagged "saved" are listed, so no write query can be reached.
    library = {q.name: q for q in store.library.all_files()}
    assert all(not library[n].write and library[n].saved for n in names)
    run = client.post(
        "/api/queries/console_ring_members",
        json={"parameters": {"ring_id": "run1:abc"}},
        headers=analyst,
    )
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["row_count"] == 1 and body["graph"]["edges"][0]["type"] == "HAS_MEMBER"
    shared = client.post(
        "/api/queries/console_shared_identifiers",
        json={"parameters": {"min_people": 2}},
        headers=analyst,
    ).json()
    # the identifier's id is kind:<pseudonym> (issue #14), shown masked by the console
    key = pii_for_store(store).key("phone", "13812345678")
    assert shared["rows"] == [["phone", "phone:" + mask_value("phone", key), 2]]
    # issue 13: every parameter with a declared default may be left out, and the
    # query runs with the defaults (it used to run with null: LIMIT null -> 502).
    for q in listed:
        if set(q["params"]) <= set(q["defaults"]):
            ran = client.post(f"/api/queries/{q['name']}", json={}, headers=analyst)
            assert ran.status_code == 200, (q["name"], ran.text)
    runs = names["detect_runs"]
    assert runs["defaults"] == {"limit": 20}
    defaulted = client.post("/api/queries/console_shared_identifiers", json={}, headers=analyst)
    assert defaulted.json()["rows"] == []  # min_people 3: the seeded phone has 2 holders
    missing = client.post("/api/queries/console_ring_members", json={}, headers=analyst)
    assert missing.status_code == 422
    assert client.post("/api/queries/nope", json={}, headers=analyst).status_code == 404
    writes = [q.name for q in store.library.all_files() if q.write]
    if writes:
        assert client.post(f"/api/queries/{writes[0]}", json={}, headers=analyst).status_code == 404


def test_health(client: TestClient, analyst: dict[str, str]) -> None:
    # anonymous (issue #19): the status and nothing about the data
    assert client.get("/health").json() == {"status": "ok"}
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/health", headers=bad).json() == {"status": "ok"}
    body = client.get("/health", headers=analyst).json()
    assert body["status"] == "ok"
    assert body["store"]["reachable"] is True
    assert body["counts"]["Participant"] == 2
    assert body["counts"]["Ring"] == 1
    assert body["last_detection_run"]["id"] == "run1"


def test_health_without_a_run(settings: Settings, store: Store, tmp_path: Path) -> None:
    app = create_app(isolated_settings(settings, tmp_path / "data"))
    with TestClient(app) as client:
        body = client.get("/health", headers=bearer_headers(app.state.users, "analyst")).json()
    assert body["last_detection_run"] is None
    assert body["counts"]["Participant"] == 0


def test_health_on_generated_province(
    loaded_settings: Settings, loaded_store: Store, tmp_path: Path
) -> None:
    app = create_app(isolated_settings(loaded_settings, tmp_path / "data"))
    with TestClient(app) as client:
        body = client.get("/health", headers=bearer_headers(app.state.users, "analyst")).json()
    assert body["counts"]["Participant"] >= 2_000
    assert body["counts"]["Prescription"] > body["counts"]["Participant"]


def test_openapi_behind_login(client: TestClient, analyst: dict[str, str]) -> None:
    assert client.get("/openapi.json").status_code == 401
    schema = client.get("/openapi.json", headers=analyst).json()
    assert "/api/cypher" in schema["paths"]
    page = client.get("/docs", headers=analyst)
    assert page.status_code == 200 and "/api/cypher" in page.text
    assert "cdn" not in page.text.lower() and "http://" not in page.text


def test_startup_retries_the_store_then_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphsvc.api import app as app_module
    from graphsvc.errors import StoreUnavailable
    from graphsvc.store import open_store as real_open

    calls: list[float] = []

    def counting_open(settings: Settings) -> Store:
        calls.append(1)
        return real_open(settings)

    monkeypatch.setattr(app_module, "open_store", counting_open)
    monkeypatch.setattr(app_module, "STORE_BACKOFF_S", 0.01)
    unreachable = Settings(data_dir=tmp_path, store_url="redis://127.0.0.1:1")
    with pytest.raises(StoreUnavailable):
        app_module.open_store_with_retry(unreachable)
    assert len(calls) == app_module.STORE_ATTEMPTS
