"""``graphsvc screen FILE``: verdicts, the JSON file, the audit record, a field-naming error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.store import Store


def _cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["GRAPHSVC_DATA_DIR"] = str(settings.data_dir)
    env["GRAPHSVC_GRAPH_NAME"] = settings.graph_name
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", "screen", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_screen_file(store: Store, settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "rx.csv"
    src.write_text(
        "prescription_id,participant_id,institution_id,date\nS1,P404,H404,2026-01-02\n",
        encoding="utf-8",
    )
    out = tmp_path / "v.json"
    done = _cli([str(src), "--json", str(out)], settings)
    assert done.returncode == 0, done.stderr
    assert "1 settlements: 0 pass, 1 review, 0 hold" in done.stdout
    verdict = json.loads(out.read_text())["verdicts"][0]
    assert [r["code"] for r in verdict["reasons"]] == ["unknown_participant", "unknown_institution"]
    records = [r for r in AuditLog.from_settings(settings).records() if r["action"] == "screen"]
    assert records[-1]["detail"]["verdicts"][0] == {
        "id": "S1",
        "verdict": "review",
        "reasons": ["unknown_participant", "unknown_institution"],
    }
    src.write_text("prescription_id,participant_id,institution_id,date\nS1,P1,H1,\n")
    bad = _cli([str(src)], settings)
    assert bad.returncode == 1 and "prescriptions[0]: date is required" in bad.stderr
