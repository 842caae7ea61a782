"""``graphsvc case ...`` as a user runs it (subprocesses on the test's own graph)."""

from __future__ import annotations

import json
from pathlib import Path

from case_fixtures import (
    RING_ID,
    rezip,
    run_cli,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.audit import AuditLog
from graphsvc.cases import manifest as mf
from graphsvc.config import Settings
from graphsvc.security import keys
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
    # Opening is audited like the API's (graphsvc.cases.service.open_case).
    opened = [r for r in AuditLog.from_settings(settings).records() if r["action"] == "case.create"]
    assert [(r["user"], r["target"], r["detail"]["via"]) for r in opened] == [
        ("alice", case_id, "cli")
    ]
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
    n = len(mf.read_zip(out.read_bytes())) - 1
    checked = ok(["verify", str(out)], settings).splitlines()
    assert checked[-3:-1] == [
        f"files: ok ({n} files)",
        f"signature: valid (Ed25519, key id {keys.key_id(keys.load(settings))})",
    ]
    # the export carries the audit head at export (issue #19): the record just before
    # the export's own
    head = json.loads(mf.read_zip(out.read_bytes())["manifest.json"])["audit_head"]
    records = list(AuditLog.from_settings(settings).records())
    last = records[head["seq"] - 1]
    assert head["hash"] == last["hash"] and records[head["seq"]]["action"] == "case.export"
    assert checked[-1].startswith(f"audit head: seq {head['seq']}, record of {last['ts']}")

    bad = tmp_path / "bad.zip"
    bad.write_bytes(rezip(out.read_bytes(), {"evidence/line_items.csv": b"x", "extra.txt": b"y"}))
    r = run_cli(["case", "verify", str(bad)], settings)
    assert r.returncode == 1
    assert "files: changed evidence/line_items.csv\n" in r.stdout
    assert "files: added extra.txt\n" in r.stdout
    assert r.stderr.count("graphsvc: error") == 1

    other = tmp_path / "other.pem"
    other.write_bytes(keys.public_pem(Ed25519PrivateKey.generate()))
    r = run_cli(["case", "verify", str(out), "--public-key", str(other)], settings)
    assert r.returncode == 1 and "signature: invalid (signed by key id" in r.stdout
    r = run_cli(["case", "verify", str(out), "--no-key"], settings)
    assert r.returncode == 1 and f"files: ok ({n} files)" in r.stdout
    assert "signature: not checked" in r.stdout
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(out.read_bytes()[: len(out.read_bytes()) // 2])
    r = run_cli(["case", "verify", str(corrupt)], settings)
    assert r.returncode == 1 and r.stdout.startswith("zip: corrupt (not a readable zip")
    assert r.stdout.count("\n") == 1

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
