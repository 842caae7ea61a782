"""``graphsvc load`` as a user runs it (subprocess against the session's embedded store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loader_fixtures import contract_tables, write_dir

from graphsvc.config import Settings
from graphsvc.store import Store


def run_load(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        GRAPHSVC_DATA_DIR=str(settings.data_dir),
        GRAPHSVC_GRAPH_NAME=settings.graph_name,
    )
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", "load", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_cli_load_writes_report_and_rejects(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    tables = contract_tables()
    tables["participants"][3]["gender"] = "U"
    d = write_dir(tmp_path / "in", tables)
    report_path = tmp_path / "out" / "load.json"
    r = run_load([str(d), "--report", str(report_path)], settings)
    assert r.returncode == 0, r.stderr
    doc = json.loads(report_path.read_text(encoding="utf-8"))
    assert doc["tables"]["participants"] == {"read": 4, "loaded": 3, "rejected": 1}
    assert doc["rejects_file"] == str(tmp_path / "out" / "load.rejects.csv")
    assert "gender must be one of M, F" in Path(doc["rejects_file"]).read_text(encoding="utf-8")
    assert isinstance(doc["elapsed_s"], float)
    assert "participants" in r.stdout and "rejected" in r.stdout
    assert "load participants" in r.stderr  # progress bar
    assert store.count("Participant") == 3


def test_cli_unparseable_input_is_one_line_and_exit_1(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    d = write_dir(tmp_path / "in", contract_tables())
    (d / "prescriptions.csv").write_bytes(b"prescription_id\n\xff\n")
    r = run_load([str(d), "--no-progress"], settings)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"graphsvc: error: {d / 'prescriptions.csv'}: line 2: not valid utf-8 text; "
        "if the file is e.g. GBK, set 'encoding' in a mapping file"
    ]
    assert sum(store.counts().values()) == 0


def test_cli_rollback_removes_an_interrupted_load(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    from loaders import load_directory

    report = load_directory(store, write_dir(tmp_path / "in", contract_tables()))
    assert store.count("Prescription") == 3
    r = run_load(["--rollback", report.load_id], settings)
    assert r.returncode == 0, r.stderr
    assert f"load {report.load_id}: removed" in r.stdout
    assert sum(store.counts().values()) == 0
    assert store.query("MATCH ()-[r]->() RETURN count(r)").scalar() == 0


def test_cli_load_finds_the_shipped_national_mapping_by_name(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    from test_national import national_dir

    d = national_dir(tmp_path, insutype_of_p3="395")
    r = run_load([str(d), "--mapping", "national", "--no-progress"], settings)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1] == "  codes the mapping does not know (add them to its values):"
    assert lines[2] == "    psn_info.csv insutype 395: 1 row"
    assert "netted (refunds/reversals, not loaded): prescriptions 3" in r.stdout
    assert store.count("Prescription") == 3
    r = run_load([str(d), "--mapping", "nationa", "--no-progress"], settings)
    assert r.returncode == 1
    assert "nationa: no such mapping file, nor a shipped mapping (shipped: national)" in r.stderr
