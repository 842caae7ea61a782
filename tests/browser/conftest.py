"""A live server (uvicorn on loopback) over a province with a detection run, and a
logged-in investigator's session cookie, for the headless-Chromium tests."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_cdp import LiveServer

from graphsvc.config import Settings
from graphsvc.store import Store, open_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_ring(store: Store) -> None:
    """Run detection; when it finds no ring with two or more participants (its rules or
    the generator may be mid-change), write one ring here from the most shared
    identifier in the data, so the explore views are tested whatever detection finds."""
    from graphsvc.detection.io import run_detection

    run_detection(store)
    usable = store.query(
        "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->(p:Participant) "
        "WITH g, count(p) AS n WHERE n >= 2 RETURN count(g)"
    ).scalar()
    if usable:
        return
    ident, holders = store.query(
        "MATCH (i:Identifier)<-[:HAS_IDENTIFIER]-(p:Participant) WITH i, collect(p.id) AS ps "
        "WHERE size(ps) >= 3 RETURN i.id, ps ORDER BY size(ps) DESC, i.id LIMIT 1"
    ).rows[0]
    holders = sorted(holders)[:12]
    evidence = [
        {
            "source": {"kind": "participant", "id": holders[0]},
            "target": {"kind": "participant", "id": other},
            "type": "SHARES_IDENTIFIER",
            "weight": 1.0,
            "detail": f"share {ident.split(':')[0]}",
        }
        for other in holders[1:]
    ]
    store.query("MATCH (old:DetectionRun {current: true}) SET old.current = false", write=True)
    store.query(
        "CREATE (run:DetectionRun {id: 'run-test', started_at: '2026-01-01T00:00:00Z', "
        "finished_at: '2026-01-01T00:00:01Z', current: true, ring_count: 1}) "
        "CREATE (g:Ring {id: 'run-test:si-test', ring_id: 'si-test', run_id: 'run-test', "
        "typology: 'shared_identity', score: 0.9, amount_at_risk: 1000.0, "
        "reasons: [$reason], clause: '', period_start: '2025-01-01', "
        "period_end: '2025-12-31', region_code: '460100', member_count: size($ids), "
        "created_at: '2026-01-01T00:00:01Z', evidence_json: $evidence, params_json: '{}'}) "
        "CREATE (g)-[:IN_RUN]->(run) "
        "WITH g UNWIND $ids AS pid MATCH (p:Participant {id: pid}) "
        "CREATE (g)-[:HAS_MEMBER {role: 'member'}]->(p)",
        {
            "ids": holders,
            "reason": f"{len(holders)} participants share one identifier",
            "evidence": json.dumps(evidence),
        },
        write=True,
    )


@pytest.fixture(scope="session")
def browser_settings(store_data_dir: Path, province_dir: Path) -> Iterator[Settings]:
    from loaders import load_directory

    settings = Settings(data_dir=store_data_dir, graph_name=f"browser_{uuid.uuid4().hex[:8]}")
    store = open_store(settings, start=False)
    try:
        store.ensure_schema()
        load_directory(store, province_dir)
        ensure_ring(store)
        yield settings
    finally:
        try:
            store.drop_all()
        finally:
            store.close()


@pytest.fixture(scope="session")
def live_server(browser_settings: Settings) -> Iterator[LiveServer]:
    import uvicorn

    from graphsvc.api.app import create_app
    from graphsvc.security import sessions

    app = create_app(browser_settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    key = browser_settings.resolved_secret_key()
    cookies: dict[str, dict[str, str]] = {}
    for role in ("investigator", "analyst"):
        name = f"{role[:3]}-{uuid.uuid4().hex[:6]}"
        app.state.users.add_user(name, role, f"pw-{uuid.uuid4().hex}")
        session_id = app.state.users.create_session(name)
        cookies[role] = {
            sessions.SESSION_COOKIE: sessions.sign_session(key, session_id),
            sessions.CSRF_COOKIE: sessions.csrf_for_session(key, session_id),
        }
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", cookies)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
