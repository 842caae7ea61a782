"""Request size limit, rate limits, security headers, no CORS, the store on loopback with
a password."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.errors import StoreUnavailable
from graphsvc.security.testing import bearer_headers
from graphsvc.store import Store, embedded


def test_security_headers_on_every_answer(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    for resp in (
        client.get("/health"),
        client.get("/login"),
        client.get("/api/rings"),  # 401
        client.get("/api/rings", headers=headers["investigator"]),
        client.get("/rings", headers=headers["investigator"]),
    ):
        csp = dict(
            d.strip().split(" ", 1) for d in resp.headers["content-security-policy"].split(";")
        )
        assert csp["default-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["object-src"] == "'none'"
        assert csp["script-src"].startswith("'self'")
        assert "unsafe" not in csp["script-src"] and "*" not in csp["script-src"]
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert resp.headers["cache-control"] == "no-store"
        assert "server" not in resp.headers or "uvicorn" not in resp.headers["server"]


def test_no_cors(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    origin = {"Origin": "http://elsewhere.example"}
    pre = client.options("/api/rings", headers={**origin, "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in pre.headers
    got = client.get("/api/rings", headers={**origin, **headers["investigator"]})
    assert "access-control-allow-origin" not in got.headers


@pytest.fixture
def small_app(app_settings: Settings, seeded: Store) -> FastAPI:
    return create_app(
        app_settings.model_copy(update={"max_request_bytes": 2_000, "rate_limit_per_minute": 5})
    )


def test_request_size_limit(small_app: FastAPI) -> None:
    with TestClient(small_app) as client:
        analyst = bearer_headers(small_app.state.users, "analyst")
        big = {"query": "RETURN 1", "parameters": {"x": "a" * 5_000}}
        resp = client.post("/api/cypher", json=big, headers=analyst)
        assert resp.status_code == 413

        # Without a Content-Length (chunked), counted while streaming.
        def chunks() -> object:
            yield b'{"query": "RETURN 1", "parameters": {"x": "'
            for _ in range(10):
                yield b"a" * 500
            yield b'"}}'

        resp = client.post(
            "/api/cypher",
            content=chunks(),
            headers={**analyst, "Content-Type": "application/json"},
        )
        assert resp.status_code == 413
        ok = client.post("/api/cypher", json={"query": "RETURN 1"}, headers=analyst)
        assert ok.status_code == 200


def test_rate_limit_per_user(small_app: FastAPI) -> None:
    with TestClient(small_app) as client:
        one = bearer_headers(small_app.state.users, "analyst")
        other = bearer_headers(small_app.state.users, "analyst")
        codes = [
            client.post("/api/cypher", json={"query": "RETURN 1"}, headers=one).status_code
            for _ in range(6)
        ]
        assert codes == [200] * 5 + [429]
        limited = client.post("/api/cypher", json={"query": "RETURN 1"}, headers=one)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Someone else's budget is untouched.
        assert (
            client.post("/api/cypher", json={"query": "RETURN 1"}, headers=other).status_code == 200
        )


def test_embedded_store_loopback_with_password(settings: Settings, tmp_path: Path) -> None:
    info = embedded.status(settings)
    assert info is not None
    assert info.host in ("127.0.0.1", "::1")
    anonymous = redis.Redis(host=info.host, port=info.port, socket_timeout=2)
    try:
        with pytest.raises(redis.exceptions.AuthenticationError):
            anonymous.ping()
    finally:
        anonymous.close()
    authed = redis.Redis(
        host=info.host,
        port=info.port,
        password=settings.resolved_store_password(),
        socket_timeout=2,
    )
    try:
        bind = str(authed.config_get("bind")["bind"])
        assert bind.split() and all(a in ("127.0.0.1", "::1", "-::1") for a in bind.split())
        assert authed.config_get("requirepass")["requirepass"]
    finally:
        authed.close()
    exposed = Settings(data_dir=tmp_path, store_host="0.0.0.0")  # noqa: S104  a test value; nothing binds to it here
    with pytest.raises(StoreUnavailable):
        embedded.start(exposed)
