"""Random inspections on the detected province: stratified by grade, two eligible
inspectors each, reproducible from the seed, verifiable from the published list."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.cli import main
from graphsvc.config import Settings
from graphsvc.errors import InputError
from graphsvc.security.testing import bearer_headers, isolated_settings
from graphsvc.store import open_store
from graphsvc.supervision import inspections


def _institutions(settings: Settings) -> list[dict[str, str]]:
    store = open_store(settings, start=False)
    try:
        rows = store.run("inspections_institutions", {}).records()
    finally:
        store.close()
    return sorted(
        ({"id": str(r["id"]), "region": str(r["region"])} for r in rows), key=lambda r: r["id"]
    )


def _write_roster(path: Path, regions: list[str], conflict_on: str) -> None:
    """Two inspectors per region and two from outside; one has a conflict."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "region", "conflicts"])
        for k, region in enumerate([*regions, "999999"]):
            w.writerow([f"inspector-{k}-a", region, conflict_on if k == 0 else ""])
            w.writerow([f"inspector-{k}-b", region, ""])


def test_draw_is_stratified_eligible_reproducible_and_verifiable(
    detected_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = isolated_settings(detected_settings, tmp_path / "data")
    institutions = _institutions(settings)
    regions = sorted({i["region"] for i in institutions})
    app = create_app(settings)
    with TestClient(app) as c:
        sup = bearer_headers(app.state.users, "supervisor")
        # no roster yet: a clear refusal, nothing drawn
        assert c.post("/api/inspections/draw", json={"seed": 1}, headers=sup).status_code == 422
        first_id = institutions[0]["id"]
        _write_roster(inspections.roster_path(settings), regions, first_id)
        inv = bearer_headers(app.state.users, "investigator")
        assert c.post("/api/inspections/draw", json={"seed": 1}, headers=inv).status_code == 403
        assert (
            c.post("/api/inspections/draw", json={"seed": 1, "per": 1}, headers=sup).status_code
            == 422
        )
        resp = c.post("/api/inspections/draw", json={"seed": 20261203, "count": 8}, headers=sup)
        assert resp.status_code == 201, resp.text
        drawn = resp.json()
        listing = drawn["list"]
        inputs = listing["inputs"]
        roster = {r["name"]: r for r in inputs["roster"]}
        by_id = {i["id"]: i for i in inputs["institutions"]}
        insp = listing["inspections"]
        assert len(insp) == 8 and len({i["institution"] for i in insp}) == 8
        for i in insp:
            assert len(set(i["inspectors"])) == 2
            for name in i["inspectors"]:
                assert roster[name]["region"] != by_id[i["institution"]]["region"]
                assert i["institution"] not in roster[name]["conflicts"]
        # stratified: each grade gets its quota, worse grades first; a worse grade's
        # institutions are likelier drawn (weights 1-4)
        sizes = {g: sum(1 for x in inputs["institutions"] if x["grade"] == g) for g in "ABCD"}
        quota = inspections.apportion(sizes, 8, inspections.WEIGHTS)
        assert sum(1 for n in sizes.values() if n) >= 2, f"one grade only: {sizes}"
        assert {g: sum(1 for i in insp if i["grade"] == g) for g in "DCBA"} == quota
        shares = {g: quota[g] / sizes[g] for g in sizes if sizes[g]}
        assert max(shares, key=lambda g: (shares[g], g)) != "A" or len(shares) == 1
        assert [i["grade"] for i in insp] == sorted((i["grade"] for i in insp), reverse=True)

        # reproducible and verifiable; another seed draws another list
        assert inspections.verify(json.loads(json.dumps(listing)), 20261203) == []
        assert inspections.verify(listing, 20261204)
        assert inspections.draw(inputs, 20261203) == insp
        assert inspections.draw(inputs, 7) != insp
        tampered = json.loads(json.dumps(listing))
        tampered["inspections"][0]["inspectors"].reverse()
        assert "recomputing the draw gives other inspections" in inspections.verify(
            tampered, 20261203
        )

        # results per inspection; the page shows the draw in both languages
        url = f"/api/inspections/{drawn['id']}/1/result"
        ok = c.put(url, json={"result": "violations", "note": "挂床"}, headers=sup)
        assert ok.status_code == 200 and ok.json()["results"]["1"]["result"] == "violations"
        assert (
            c.put(
                f"/api/inspections/{drawn['id']}/99/result",
                json={"result": "compliant"},
                headers=sup,
            ).status_code
            == 404
        )
        assert c.get("/api/inspections", headers=sup).json()["draws"][0]["id"] == drawn["id"]
        zh = c.get("/inspections?lang=zh", headers=sup).text
        en = c.get("/inspections?lang=en", headers=sup).text
        assert "双随机" in zh and "Random inspections" in en and insp[0]["institution"] in en

    # the CLI: draw with the same seed, verify the published list, catch a wrong seed
    out = tmp_path / "list.json"
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GRAPHSVC_STORE_URL", str(settings.store_url))
    monkeypatch.setenv("GRAPHSVC_GRAPH_NAME", settings.graph_name)
    monkeypatch.setenv("GRAPHSVC_STORE_PASSWORD", str(settings.store_password))
    from graphsvc.config import get_settings

    get_settings.cache_clear()
    try:
        assert (
            main(["inspections", "draw", "--seed", "20261203", "--count", "8", "--out", str(out)])
            == 0
        )
        assert json.loads(out.read_text())["inspections"] == insp
        assert main(["inspections", "verify", str(out), "20261203"]) == 0
        assert main(["inspections", "verify", str(out), "5"]) == 1
    finally:
        get_settings.cache_clear()


def test_too_small_a_roster_is_refused() -> None:
    inputs = {
        "count": 1,
        "per": 2,
        "weights": inspections.WEIGHTS,
        "institutions": [{"id": "I1", "region": "460100", "grade": "A"}],
        "roster": [
            {"name": "a", "region": "460100", "conflicts": []},
            {"name": "b", "region": "460200", "conflicts": ["I1"]},
            {"name": "c", "region": "460300", "conflicts": []},
        ],
    }
    with pytest.raises(InputError, match="1 eligible inspectors, 2 needed"):
        inspections.draw(inputs, 1)
