"""The grades API and page on the seeded graph: role checks, both languages, CSV."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.security.testing import bearer_headers, isolated_settings, seed
from graphsvc.store import Store


def test_grades_api_page_and_roles(settings: Settings, store: Store, tmp_path: Path) -> None:
    seed(store)
    app = create_app(isolated_settings(settings, tmp_path / "data"))
    with TestClient(app) as c:
        users = app.state.users
        inv = bearer_headers(users, "investigator")
        body = c.get("/api/grades", headers=inv).json()
        assert body["run_id"] == "run1" and body["grades"]
        assert all(g["explanation"].startswith(g["grade"]) for g in body["grades"])
        assert c.get("/api/grades", headers=bearer_headers(users, "liaison")).status_code == 403
        assert c.post("/api/grades/compute", headers=inv).status_code == 403
        ok = c.post("/api/grades/compute", headers=bearer_headers(users, "admin"))
        assert ok.status_code == 200 and ok.json()["run_id"] == "run1"
        csv = c.get("/api/grades?format=csv", headers=inv)
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("run_id,kind,id,grade")
        zh = c.get("/grades?lang=zh", headers=inv)
        en = c.get("/grades?lang=en", headers=inv)
        assert "信用分级" in zh.text and "Credit grades" in en.text
        first = body["grades"][0]
        hist = c.get(f"/api/grades/{first['kind']}/{first['id']}", headers=inv).json()
        assert [h["run_id"] for h in hist["history"]] == ["run1"]
