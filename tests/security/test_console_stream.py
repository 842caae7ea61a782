"""Console rows cut in the store and console slots (issue #19).

The row cap is a ``LIMIT cap+1`` the store applies (``graphsvc.cypher_guard.limit``),
so a 3,000,000-row answer never reaches the API process; console queries take a
slot: one per user, ``console_concurrency`` in all, shared by every worker.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.cypher_guard import check_cypher
from graphsvc.cypher_guard.limit import limit_rows
from graphsvc.cypher_guard.tokens import tokenize
from graphsvc.errors import QueryRejected
from graphsvc.security.console_slots import ConsoleBusy, ConsoleSlots
from graphsvc.security.testing import bearer_headers
from graphsvc.store import Store
from graphsvc.store.queries import default_library

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tools" / "cypher-lint" / "lint.mjs"
CAP = 7

# (query, parameters, rows the store may send at most once limited, rows expected)
STORE_CASES: list[tuple[str, dict[str, Any], int]] = [
    ("UNWIND range(1, $n) AS x RETURN x, x AS y", {"n": 1000}, CAP + 1),
    ("UNWIND range(1, $n) AS x RETURN x // a trailing comment", {"n": 1000}, CAP + 1),
    ("UNWIND range(1, $n) AS x RETURN x ORDER BY x DESC LIMIT 500", {"n": 1000}, CAP + 1),
    ("UNWIND range(1, $n) AS x RETURN x LIMIT $k", {"n": 1000, "k": 900}, CAP + 1),
    ("UNWIND range(1, $n) AS x RETURN x LIMIT 3", {"n": 1000}, 3),  # below the cap: kept
    ("UNWIND range(1, $n) AS x RETURN x;", {"n": 1000}, CAP + 1),
    (
        "UNWIND range(1, $n) AS x RETURN x AS v UNION ALL UNWIND range(1, $n) AS y RETURN y AS v",
        {"n": 1000},
        2 * (CAP + 1),
    ),
    (
        "UNWIND range(1, $n) AS x RETURN x % 2 AS v UNION UNWIND range(1, $n) AS y RETURN y AS v",
        {"n": 1000},
        2 * (CAP + 1),
    ),
    (
        "UNWIND range(1, $n) AS x CALL { WITH x RETURN x * 2 AS d } RETURN x, d",
        {"n": 1000},
        CAP + 1,
    ),
]


@pytest.mark.parametrize(("query", "params", "most"), STORE_CASES)
def test_the_limited_query_runs_in_the_store_and_sends_at_most_cap_plus_one(
    store: Store, query: str, params: dict[str, Any], most: int
) -> None:
    checked = check_cypher(query)
    limited = limit_rows(checked.text, checked.tokens, CAP, params)
    check_cypher(limited)  # still passes the guard
    full = store.query(checked.text, params)
    cut = store.query(limited, params)
    assert cut.columns == full.columns
    assert len(cut.rows) <= most
    assert len(cut.rows) == min(len(full.rows), most) or "UNION" in query
    if "ORDER BY" in query:
        assert cut.rows == full.rows[: len(cut.rows)]  # the same first rows, in order
    if len(full.rows) > CAP:
        assert len(cut.rows) > CAP  # the extra row that says "truncated"


def test_the_limited_queries_parse_as_neo4j_5(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (LINT.parent / "node_modules" / "@neo4j-cypher").is_dir():
        pytest.skip("node or tools/cypher-lint's dependency is missing")
    for i, (query, params, _) in enumerate(STORE_CASES):
        checked = check_cypher(query)
        limited = limit_rows(checked.text, checked.tokens, CAP, params)
        (tmp_path / f"q{i:02d}.cypher").write_text(limited)
    proc = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [node, str(LINT), str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout
    assert f"{len(STORE_CASES)} files, 0 errors" in proc.stderr


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n LIMIT toInteger('5')",
        "MATCH (n) RETURN n LIMIT -1",
        "MATCH (n) WITH n",
    ],
)
def test_what_cannot_be_limited_is_refused(query: str) -> None:
    checked = check_cypher(query)
    with pytest.raises(QueryRejected, match="refused"):
        limit_rows(checked.text, checked.tokens, CAP)


def test_limit_words_inside_subqueries_and_properties_are_not_the_final_return() -> None:
    query = "MATCH (n) WHERE n.limit > 1 CALL { WITH n RETURN n.return AS r LIMIT 1 } RETURN r"
    checked = check_cypher(query)
    limited = limit_rows(checked.text, checked.tokens, CAP)
    assert limited.endswith(f"RETURN r\nLIMIT {CAP + 1}\n")
    assert "LIMIT 1 }" in limited


def test_three_million_rows_are_cut_in_the_store_with_memory_bounded(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    cap = app.state.settings.cypher_row_cap
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    resp = client.post(
        "/api/cypher",
        json={"query": "UNWIND range(1, $n) AS x RETURN x, x AS y", "parameters": {"n": 3_000_000}},
        headers={**headers["analyst"], "Accept-Language": "en"},
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["truncated"] is True and body["row_count"] == cap == len(body["rows"])
    assert body["rows"][-1] == [cap, cap]
    assert f"Truncated at {cap:,} rows" in body["notice"]
    assert grown_mb < 300, f"API process peak grew {grown_mb:.0f} MB"
    zh = client.post(
        "/api/cypher",
        json={"query": "UNWIND range(1, $n) AS x RETURN x", "parameters": {"n": cap + 10}},
        headers={**headers["analyst"], "Accept-Language": "zh-CN"},
    ).json()
    assert zh["truncated"] and "截断" in zh["notice"]
    small = client.post(
        "/api/cypher", json={"query": "RETURN 1 AS one"}, headers=headers["analyst"]
    ).json()
    assert small["truncated"] is False and small["notice"] is None
    record = next(r for r in app.state.audit.records() if r["action"] == "cypher.query")
    assert record["rows"] == cap and record["detail"]["truncated"] is True


# -- console slots -------------------------------------------------------------------


def test_one_query_per_user_and_a_global_limit(tmp_path: Path) -> None:
    slots = ConsoleSlots(2, path=tmp_path / "slots.db")
    first = slots.acquire("alice", 10)
    with pytest.raises(ConsoleBusy, match="you already have a console query running"):
        slots.acquire("alice", 10)
    second = slots.acquire("bob", 10)
    with pytest.raises(ConsoleBusy, match=r"busy \(2 of 2") as exc:
        slots.acquire("carol", 10)
    assert exc.value.http_status == 429 and exc.value.retry_after >= 1
    slots.release(first)
    slots.acquire("carol", 10)  # a freed slot is taken again
    slots.release(second)
    assert slots.running() == 1


def test_slots_are_shared_by_workers_and_dead_holders_are_reclaimed(tmp_path: Path) -> None:
    path = tmp_path / "slots.db"
    worker_a, worker_b = ConsoleSlots(1, path=path), ConsoleSlots(1, path=path)
    held = worker_a.acquire("alice", 10)
    with pytest.raises(ConsoleBusy, match="busy"):
        worker_b.acquire("bob", 10)  # the pool is one for the host, not per process
    worker_a.release(held)
    worker_b.acquire("bob", 10)
    # A worker killed mid-query: its pid is gone, its slot is freed for the next one.
    proc = subprocess.Popen(["sleep", "0"])  # noqa: S607  a pid that has exited
    proc.wait()
    with worker_a._con:
        worker_a._con.execute("UPDATE slots SET pid = ?", (proc.pid,))
    worker_a.acquire("carol", 10)
    # An expired slot (its query's timeout long past) is freed the same way.
    with worker_a._con:
        worker_a._con.execute("UPDATE slots SET expires = 0")
    worker_b.acquire("dave", 10)
    assert worker_b.running() == 1


def test_a_second_console_query_of_the_same_user_is_429(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    slots: ConsoleSlots = app.state.console_slots
    name = "busy_analyst"
    mine = bearer_headers(app.state.users, "analyst", name)
    slots.limit = 2  # room for a second user: the per-user rule alone is tested here
    held = slots.acquire(name, 10)  # this user's first query, still running
    try:
        resp = client.post("/api/cypher", json={"query": "RETURN 1 AS x"}, headers=mine)
        assert resp.status_code == 429, resp.text
        assert "you already have a console query running" in resp.json()["detail"]
        assert int(resp.headers["Retry-After"]) >= 1
        other = client.post(
            "/api/cypher", json={"query": "RETURN 1 AS x"}, headers=headers["analyst"]
        )
        assert other.status_code == 200, other.text  # another analyst is not held up
    finally:
        slots.release(held)
    again = client.post("/api/cypher", json={"query": "RETURN 1 AS x"}, headers=mine)
    assert again.status_code == 200, again.text
    assert slots.running() == 0  # released after the query, also after the refusal
    outcomes = [
        r["outcome"]
        for r in app.state.audit.records()
        if r["user"] == name and r["action"] == "cypher.query"
    ]
    assert outcomes[0].startswith("ConsoleBusy") and outcomes[1] == "ok"


def test_two_concurrent_queries_of_one_user_one_runs_one_is_refused(
    app: FastAPI, client: TestClient
) -> None:
    """Real concurrency: the first query is running in the store when the second comes."""
    slots: ConsoleSlots = app.state.console_slots
    mine = bearer_headers(app.state.users, "analyst", "racer")
    slow = {  # a few seconds of work, little memory (two short lists, counted, not collected)
        "query": "UNWIND range(1, $n) AS x UNWIND range(1, $n) AS y "
        "WITH x WHERE (x + y) % 3 = 0 RETURN count(x) AS c",
        "parameters": {"n": 3_000},
    }
    answers: list[Any] = []
    first = threading.Thread(
        target=lambda: answers.append(client.post("/api/cypher", json=slow, headers=mine))
    )
    first.start()
    deadline = time.monotonic() + 10
    while slots.running() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    second = client.post("/api/cypher", json={"query": "RETURN 1 AS x"}, headers=mine)
    still_running = first.is_alive()
    first.join()
    assert still_running, "the slow query ended before the second was sent: make it slower"
    assert second.status_code == 429, second.text
    assert "you already have a console query running" in second.json()["detail"]
    assert answers[0].status_code == 200, answers[0].text
    assert answers[0].json()["rows"] == [[3_000_000]]  # a third of the 9,000,000 (x, y) pairs
    assert slots.running() == 0


def test_the_global_limit_holds_over_the_api_and_saved_queries(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    slots: ConsoleSlots = app.state.console_slots
    limit = app.state.settings.console_concurrency
    assert limit >= 1
    held = [slots.acquire(f"someone{i}", 10) for i in range(limit)]
    try:
        resp = client.post(
            "/api/cypher", json={"query": "RETURN 1 AS x"}, headers=headers["analyst"]
        )
        assert resp.status_code == 429 and re.search(r"busy \(\d+ of \d+", resp.json()["detail"])
        saved = client.get("/api/queries", headers=headers["analyst"]).json()
        assert saved, "no saved queries to try"
        name = saved[0]["name"]
        params = {p: saved[0]["defaults"].get(p, "X") for p in saved[0]["params"]}
        run = client.post(
            f"/api/queries/{name}", json={"parameters": params}, headers=headers["analyst"]
        )
        assert run.status_code == 429, run.text
    finally:
        for slot in held:
            slots.release(slot)
    assert (
        client.post(
            "/api/cypher", json={"query": "RETURN 1 AS x"}, headers=headers["analyst"]
        ).status_code
        == 200
    )


def test_every_saved_query_can_be_limited() -> None:
    """Saved queries run through the same cap: none may be refused by it."""
    lib = default_library()
    for backend in ("falkordb", "neo4j"):
        for q in lib.saved(backend):
            limited = limit_rows(q.text, tokenize(q.text), CAP, dict(q.defaults))
            assert "LIMIT" in limited.upper(), q.name


def test_console_pid_is_recorded(tmp_path: Path) -> None:
    slots = ConsoleSlots(1, path=tmp_path / "s.db")
    with slots.hold("alice", 5):
        pid = slots._con.execute("SELECT pid FROM slots").fetchone()[0]
        assert pid == os.getpid()
    assert slots.running() == 0
