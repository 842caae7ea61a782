"""A live server (uvicorn on loopback) over a province with a detection run, and a
logged-in investigator's session cookie, for the headless-Chromium tests."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from browser_cdp import LiveServer

from graphsvc.config import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_settings(
    detected_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The shared graph with the province loaded and detection run (tests/conftest.py),
    with a data directory of its own: what the pages write there (users, audit, grades
    computed on a tip-off's triage) must not leak into other tests' shared one."""
    from graphsvc.security.testing import isolated_settings

    result: Settings = isolated_settings(detected_settings, tmp_path_factory.mktemp("browser"))
    return result


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
    for role in ("investigator", "analyst", "supervisor"):
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
