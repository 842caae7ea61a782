"""The small seeded graph of graphsvc.security.testing (one ring, two participants with
personal data), served by an app with its own users and audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.security.testing import bearer_headers, isolated_settings, seed
from graphsvc.store import Store


@pytest.fixture
def seeded_app(settings: Settings, store: Store, tmp_path: Path) -> FastAPI:
    seed(store)
    return create_app(isolated_settings(settings, tmp_path / "data"))


@pytest.fixture
def seeded_client(seeded_app: FastAPI) -> Iterator[TestClient]:
    """An investigator's client of ``seeded_app``."""
    with TestClient(seeded_app) as c:
        c.headers.update(bearer_headers(seeded_app.state.users, "investigator"))
        yield c
