"""Ring pages pick the reasons of the page language; rings of older runs (no Chinese
reasons) show English on the Chinese pages. Real embedded store, seeded graph."""

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

EN = "2 participants share phone 138****5678"
ZH = "2名参保人共用同一手机号码 138****5678"
RING_PAGE = "/rings/run1%3Aabc"


@pytest.fixture
def app(settings: Settings, store: Store, tmp_path: Path) -> FastAPI:
    seed(store)
    return create_app(isolated_settings(settings, tmp_path / "data"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        c.headers.update(bearer_headers(app.state.users, "investigator"))
        yield c


def test_pages_show_reasons_in_the_page_language(client: TestClient) -> None:
    for url in (RING_PAGE, "/rings"):
        zh = client.get(f"{url}?lang=zh").text
        assert ZH in zh and EN not in zh, url
        en = client.get(f"{url}?lang=en").text
        assert EN in en and ZH not in en, url


def test_rings_of_older_runs_fall_back_to_english(client: TestClient, store: Store) -> None:
    store.query("MATCH (g:Ring) REMOVE g.reasons_zh", write=True)
    assert client.get("/api/rings/run1%3Aabc").json()["reasons_zh"] == []
    for url in (RING_PAGE, "/rings"):
        assert EN in client.get(f"{url}?lang=zh").text, url
