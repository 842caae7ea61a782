"""Failures that used to pass in silence or as bare 500s (issue #18): a router module
missing from ROUTERS stops the start-up; input the store client refuses is a 400."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api import app as app_module
from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.errors import ConfigError, InputError, UnknownLabel
from graphsvc.security.testing import bearer_headers, isolated_settings, seed
from graphsvc.services.explore.query import _read
from graphsvc.store import Store


def test_missing_router_module_stops_startup(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "ROUTERS", ("health", "no_such_router"))
    with pytest.raises(ConfigError, match=r"graphsvc\.api\.routes\.no_such_router"):
        create_app(isolated_settings(settings, tmp_path / "data"))


def test_every_listed_router_is_included(settings: Settings, tmp_path: Path) -> None:
    app = create_app(isolated_settings(settings, tmp_path / "data"))
    assert app.state.routers == list(app_module.ROUTERS)


@pytest.fixture
def analyst_client(settings: Settings, store: Store, tmp_path: Path) -> Iterator[TestClient]:
    seed(store)
    app: FastAPI = create_app(isolated_settings(settings, tmp_path / "data"))
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers.update(bearer_headers(app.state.users, "analyst"))
        yield c


@pytest.mark.parametrize(
    "parameters",
    [{"x": {"": 1}}, {"x": [{"a`b": 1}]}, {"": 1}],
    ids=["empty-map-key", "backtick-map-key", "empty-name"],
)
def test_parameters_the_store_client_refuses_are_a_400(
    analyst_client: TestClient, parameters: dict[str, object]
) -> None:
    # These raised ValueError inside the falkordb client and were answered 500.
    resp = analyst_client.post("/api/cypher", json={"query": "RETURN 1", "parameters": parameters})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "QueryRejected"
    assert "parameters the store cannot take" in resp.json()["detail"]


def test_good_parameters_still_answer(analyst_client: TestClient) -> None:
    resp = analyst_client.post(
        "/api/cypher", json={"query": "RETURN $x AS x", "parameters": {"x": {"a": 1}}}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"] == [[{"a": 1}]]


def test_unknown_labels_are_input_errors(store: Store) -> None:
    with pytest.raises(UnknownLabel) as raised:
        store.count("NoSuchLabel")
    assert isinstance(raised.value, InputError) and isinstance(raised.value, ValueError)
    with pytest.raises(UnknownLabel):
        _read(store, "explore_neighbour_count", {"ids": []}, label="NoSuchLabel")
