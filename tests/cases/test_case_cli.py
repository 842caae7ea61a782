"""``graphsvc case ...`` as a user runs it (subprocesses on the test's own graph)."""

from __future__ import annotations

import json
from pathlib import Path

from case_fixtures import (
    RING_ID,
    rezip,
    run_cli,
)

from graphsvc.cases import manifest as mf
from graphsvc.config import Settings
from graphsvc.store import Store


def ok(args: list[str], settings: Settings) -> str:
    r = run_cli(["case", *args], settings)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_create_list_update_export_verify(
    ring_store: Store, settings: Settings, tmp_path: Path
) -> None:
    created = json.loads(ok(["create", "--ring", RING_ID, "--as", "alice", "--json"], settings))
    case_id = created["id"]
    assert created["status"] == "open" and created["member_count"] == 4
    listed = json.loads(ok(["list", "--json"], settings))
    assert listed["total"] == 1 and listed["cases"][0]["id"] == case_id
    assert case_id in ok(["list"], settings)
    ok(["update", case_id, "--status", "in_review", "--as", "alice"], settings)
    ok(
        ["update", case_id, "--status", "confirmed", "--comment", "证据充分", "--as", "alice"],
        settings,
    )
    out = tmp_path / "pkg" / f"{case_id}.zip"
    assert "masked" in ok(["export", case_id, "--out", str(out), "--as", "alice"], settings)
    assert f"OK, {len(mf.read_zip(out.read_bytes())) - 1} files" in ok(
        ["verify", str(out)], settings
    )

    bad = tmp_path / "bad.zip"
    bad.write_bytes(rezip(out.read_bytes(), {"evidence/line_items.csv": b"x", "extra.txt": b"y"}))
    r = run_cli(["case", "verify", str(bad)], settings)
    assert r.returncode == 1
    assert f"{bad}: changed: evidence/line_items.csv" in r.stdout
    assert f"{bad}: added: extra.txt" in r.stdout
    assert r.stderr.count("graphsvc: error") == 1

    r = run_cli(["case", "verify", str(out), "--key", "not-the-key"], settings)
    assert r.returncode == 1 and "signature" in r.stdout

    history = json.loads(ok(["show", case_id], settings))
    assert [e["action"] for e in history["events"]] == ["created", "status", "status", "comment"]
    assert history["events"][-1]["actor"] == "alice"


def test_illegal_step_and_manual_case(ring_store: Store, settings: Settings) -> None:
    case_id = ok(
        [
            "create",
            "--member",
            "participant:P4:holder",
            "--member",
            "doctor:D1",
            "--title",
            "hand-picked",
        ],
        settings,
    ).split()[0]
    ok(["update", case_id, "--status", "dismissed"], settings)
    r = run_cli(["case", "update", case_id, "--status", "transferred", "--liaison", "p1"], settings)
    assert r.returncode == 1 and "dismissed case cannot be transferred" in r.stderr
    r = run_cli(["case", "create", "--member", "participant:NOPE"], settings)
    assert r.returncode == 1 and "participant NOPE" in r.stderr
