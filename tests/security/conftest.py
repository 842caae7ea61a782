"""Fixtures for the security tests: the app on a small seeded graph, users of every role.

The seed holds one of everything personal (names, ID number, phone, address, bank
account) so masking can be checked in every output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.security.roles import ROLES
from graphsvc.security.testing import bearer_headers, isolated_settings, seed
from graphsvc.store import Store


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store


@pytest.fixture
def app_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test's graph, with users, audit trail and key in a data dir of its own."""
    result: Settings = isolated_settings(settings, tmp_path / "data")
    return result


@pytest.fixture
def app(app_settings: Settings, seeded: Store) -> FastAPI:
    return create_app(app_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def headers(app: FastAPI) -> dict[str, dict[str, str]]:
    """Bearer headers for one fresh user of each role."""
    return {role: bearer_headers(app.state.users, role) for role in ROLES}
