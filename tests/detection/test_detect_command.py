"""``graphsvc detect`` as a user runs it: a subprocess on the real embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from graphsvc.config import Settings
from graphsvc.store import Store


def _cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["GRAPHSVC_DATA_DIR"] = str(settings.data_dir)
    env["GRAPHSVC_GRAPH_NAME"] = settings.graph_name
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", "detect", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_detect_json_only_and_config(
    store: Store, settings: Settings, province_dir: Path, tmp_path: Path
) -> None:
    from loaders import load_directory

    load_directory(store, province_dir)
    cfg = tmp_path / "detect.yaml"
    cfg.write_text("scoring:\n  min_adjusted_surprise: 2.5\n", encoding="utf-8")
    out = tmp_path / "rings.json"
    r = _cli(
        [
            "--json",
            str(out),
            "--only",
            "family_sharing_abuse,shared_identity",
            "--config",
            str(cfg),
        ],
        settings,
    )
    assert r.returncode == 0, r.stderr
    assert "rings, written, now current" in r.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"run_id", "generated_at", "rings"} and doc["rings"]
    assert {x["typology"] for x in doc["rings"]} <= {"family_sharing_abuse", "shared_identity"}
    scores = [x["score"] for x in doc["rings"]]
    assert scores == sorted(scores, reverse=True)
    ring = doc["rings"][0]
    assert set(ring) >= {"id", "typology", "score", "members", "reasons", "amount_at_risk",
                         "clause", "period", "evidence", "region_code", "member_count"}  # fmt: skip
    assert all(x["adjusted_surprise"] >= 2.5 for x in doc["rings"])
    stored = store.query(
        "MATCH (g:Ring)-[:IN_RUN]->(r:DetectionRun {current: true}) RETURN r.id, count(g)"
    ).rows
    assert stored == [[doc["run_id"], len(doc["rings"])]]


def test_detect_refuses_bad_input(settings: Settings, tmp_path: Path) -> None:
    r = _cli(["--only", "no_such_typology"], settings)
    assert r.returncode == 1
    assert [ln for ln in r.stderr.splitlines() if "unknown typologies" in ln]
    bad = tmp_path / "bad.yaml"
    bad.write_text("shared_identity:\n  hub_degre: 3\n", encoding="utf-8")
    r = _cli(["--config", str(bad)], settings)
    assert r.returncode == 1 and "unknown key shared_identity.hub_degre" in r.stderr
