"""The in-process answer cache of the ring, entity and path endpoints
(graphsvc.services.cache): answers are reused only while the detection run and the
store's data are unchanged, stay masked, and a write by anyone (a load, a new run) is
seen on the very next request.

Each test has a fresh graph with the small seeded ring of graphsvc.security.testing.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.security.testing import PERSONAL_VALUES, bearer_headers, isolated_settings, seed
from graphsvc.store import Store
from graphsvc.web import i18n

RING = "run1:abc"
URLS = (
    "/api/rings",
    f"/api/rings/{RING}",
    f"/api/rings/{RING}/subgraph",
    "/api/entities/participant/P1",
    "/api/entities/participant/P1/neighborhood",
    "/api/entities/participant/P1/neighborhood?format=html&lang=en",
    "/api/paths?from=participant:P1&to=participant:P2",
    "/api/paths?from=participant:P1&to=participant:P2&format=html&lang=en",
    f"/api/rings/{RING}/subgraph?format=html&lang=en",
)


def _member(client: TestClient) -> dict[str, object]:
    body = client.get(f"/api/rings/{RING}/subgraph").json()
    nodes = {n["id"]: n for n in body["nodes"]}
    return dict(nodes["participant:P1"]["properties"])


def test_answers_are_reused_and_stay_masked(seeded_app: FastAPI, seeded_client: TestClient) -> None:
    cache = seeded_app.state.answer_cache
    first = [seeded_client.get(u) for u in URLS]
    assert [r.status_code for r in first] == [200] * len(URLS)
    hits = cache.hits
    again = [seeded_client.get(u) for u in URLS]
    assert cache.hits == hits + len(URLS)
    for a, b in zip(first, again, strict=True):
        assert a.content == b.content
        assert a.headers["content-type"] == b.headers["content-type"]
        assert b.headers["cache-control"] == "no-store"
        text = b.content.decode()
        for value in PERSONAL_VALUES:
            assert value not in text, "a cached answer carries personal data"
    # The language cookie is per request, not part of the cached body.
    assert i18n.COOKIE in again[-1].headers.get("set-cookie", "")


def test_a_write_is_seen_on_the_next_request(seeded_client: TestClient, store: Store) -> None:
    assert _member(seeded_client)["region_code"] == "460100"
    assert _member(seeded_client)["region_code"] == "460100"  # now from the cache
    # What a load does to an existing participant (any writer, any process).
    store.query("MATCH (p:Participant {id: 'P1'}) SET p.region_code = '469000'", write=True)
    assert _member(seeded_client)["region_code"] == "469000"
    entity = seeded_client.get("/api/entities/participant/P1").json()
    assert entity["properties"]["region_code"] == "469000"
    store.query("MATCH (p:Participant {id: 'P1'}) SET p.region_code = '460200'", write=True)
    entity = seeded_client.get("/api/entities/participant/P1").json()
    assert entity["properties"]["region_code"] == "460200"
    # A new member written to the ring shows up at once, in both formats.
    store.query(
        "MATCH (g:Ring {id: $ring}), (q:Participant {id: 'P2'}) "
        "CREATE (g)-[:HAS_MEMBER {role: 'recruited'}]->(q)",
        {"ring": RING},
        write=True,
    )
    ids = {n["id"] for n in seeded_client.get(f"/api/rings/{RING}/subgraph").json()["nodes"]}
    assert "participant:P2" in ids
    assert "P2" in seeded_client.get(f"/api/rings/{RING}/subgraph?format=html").text


def test_a_new_run_replaces_the_cached_ring_list(seeded_client: TestClient, store: Store) -> None:
    assert [r["id"] for r in seeded_client.get("/api/rings").json()["rings"]] == [RING]
    store.query(
        "MATCH (old:DetectionRun {id: 'run1'}) SET old.current = false "
        "CREATE (r:DetectionRun {id: 'run2', started_at: '2024-06-01T00:00:00', current: true, "
        "ring_count: 1}) "
        "CREATE (g:Ring {id: 'run2:def', ring_id: 'def', run_id: 'run2', "
        "typology: 'fake_referral', score: 0.5, reasons: []})-[:IN_RUN]->(r)",
        write=True,
    )
    body = seeded_client.get("/api/rings").json()
    assert body["run_id"] == "run2"
    assert [r["id"] for r in body["rings"]] == ["run2:def"]
    # A ring id by hash resolves within the current run: the old answer is not reused.
    assert seeded_client.get("/api/rings/abc").status_code == 404
    assert seeded_client.get("/api/rings/def").json()["id"] == "run2:def"


def test_answers_are_per_role(seeded_app: FastAPI, seeded_client: TestClient) -> None:
    """Masking is applied before caching, so a key must hold the role it was made for."""
    cache = seeded_app.state.answer_cache
    seeded_client.get(f"/api/rings/{RING}")
    misses = cache.misses
    analyst = bearer_headers(seeded_app.state.users, "analyst")
    assert seeded_client.get(f"/api/rings/{RING}", headers=analyst).status_code == 200
    assert cache.misses == misses + 1


def test_cache_can_be_turned_off(settings: Settings, store: Store, tmp_path: Path) -> None:
    seed(store)
    off = isolated_settings(settings, tmp_path / "off").model_copy(
        update={"answer_cache_entries": 0}
    )
    app = create_app(off)
    with TestClient(app) as c:
        c.headers.update(bearer_headers(app.state.users, "investigator"))
        bodies = [c.get(u).content for u in URLS for _ in range(2)]
    assert len(app.state.answer_cache) == 0
    assert json.loads(bodies[0]) == json.loads(bodies[1])
