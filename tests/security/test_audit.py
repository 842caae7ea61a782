"""The audit trail: chained, durable before the answer, tamper-evident, searchable."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.audit import AuditLog, record_hash


def _log(tmp_path: Path, n: int = 5) -> AuditLog:
    log = AuditLog(tmp_path / "audit", "test-key")
    for i in range(n):
        log.append(
            user=f"u{i}",
            role="investigator",
            action="ring.view",
            target=f"ring:{i}",
            rows=i,
            detail={"query": "MATCH (n) RETURN n", "parameters": {"i": i}},
        )
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_chain_is_intact_and_linked(tmp_path: Path) -> None:
    log = _log(tmp_path)
    result = log.verify()
    assert result.ok and result.records == 5
    records = list(log.records())
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    for prev, rec in itertools.pairwise(records):
        assert rec["prev"] == prev["hash"]
        assert rec["hash"] == record_hash(rec)
    assert {"user", "role", "ts", "action", "target", "outcome", "rows", "detail"} <= set(
        records[0]
    )


def test_edit_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[2] = lines[2].replace('"rows":2', '"rows":0')
    log.path.write_text("".join(lines), encoding="utf-8")
    result = log.verify()
    assert not result.ok and result.bad_line == 3 and "edited" in result.reason


def test_edit_with_recomputed_hash_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    rec = json.loads(lines[1])
    rec["user"] = "someone-else"
    rec["hash"] = record_hash(rec)
    lines[1] = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    log.path.write_text("".join(lines), encoding="utf-8")
    result = log.verify()
    # keyed chain (issue #19): the edited record itself fails, not only the next link
    assert not result.ok and result.bad_line == 2 and "bad MAC at seq 2" in result.reason


def test_removal_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    del lines[1]
    log.path.write_text("".join(lines), encoding="utf-8")
    result = log.verify()
    assert not result.ok and result.bad_line == 2


def test_reorder_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_text("".join(lines), encoding="utf-8")
    result = log.verify()
    assert not result.ok and result.bad_line == 2


def test_truncation_at_end_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    log.path.write_text("".join(_lines(log)[:3]), encoding="utf-8")
    result = log.verify()
    assert not result.ok and result.bad_line == 4 and "removed" in result.reason


def test_forged_head_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)[:3]
    log.path.write_text("".join(lines), encoding="utf-8")
    last = json.loads(lines[-1])
    log.head_path.write_text(json.dumps({"seq": 3, "hash": last["hash"], "mac": "0" * 64}))
    assert not log.verify().ok


def test_appends_continue_the_chain_after_reopen(tmp_path: Path) -> None:
    _log(tmp_path, 2)
    again = AuditLog(tmp_path / "audit", "test-key")
    rec = again.append(user="x", role="admin", action="a", target="t")
    assert rec["seq"] == 3
    assert again.verify().ok


def test_cli_verify_names_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphsvc.cli import main
    from graphsvc.config import Settings, get_settings

    settings = Settings(data_dir=tmp_path, secret_key="cli-test-key")
    log = AuditLog.from_settings(settings)
    for i in range(4):
        log.append(user="u", role="admin", action="x", target=str(i))
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRAPHSVC_SECRET_KEY", "cli-test-key")
    get_settings.cache_clear()
    try:
        assert main(["audit", "verify"]) == 0
        assert "intact: 4 records" in capsys.readouterr().out
        lines = _lines(log)
        lines[1], lines[2] = lines[2], lines[1]
        log.path.write_text("".join(lines), encoding="utf-8")
        assert main(["audit", "verify"]) == 1
        assert "line 2" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def test_every_request_recorded_before_the_answer(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    """When the client holds the answer, its record is already on disk."""
    log: AuditLog = app.state.audit
    for path in ("/api/rings", "/api/me", "/api/search?q=x"):
        resp = client.get(path, headers=headers["investigator"])
        assert resp.status_code < 500
        last = json.loads(_lines(log)[-1])
        assert last["user"].startswith("investigator-")
        assert last["role"] == "investigator"
        assert last["target"] == path.split("?")[0] or last["detail"].get("path") == path
    # Refusals are recorded too.
    client.get("/api/audit", headers=headers["analyst"])
    last = json.loads(_lines(log)[-1])
    assert last["role"] == "analyst" and last["outcome"] == "http 403"
    assert log.verify().ok


def test_admin_searches_audit(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    client.post(
        "/api/cypher",
        json={
            # the graph holds ID numbers only as pseudonyms (issue #14): the filter finds
            # no one, and is audited with its parameter all the same
            "query": "MATCH (p:Participant) WHERE p.id_number = $n OR p.id = 'P1' RETURN p.id",
            "parameters": {"n": "46010019850312123X"},
        },
        headers=headers["analyst"],
    )
    client.post("/api/cypher", json={"query": "CREATE (n)"}, headers=headers["analyst"])
    resp = client.get("/api/audit", params={"action": "cypher.query"}, headers=headers["admin"])
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 2
    refused, ran = body["records"]  # newest first
    assert refused["outcome"].startswith("QueryRejected")
    assert ran["rows"] == 1 and ran["detail"]["query"].startswith("MATCH"), ran
    # Full parameters are on disk; the screen masks the ID number.
    assert ran["detail"]["parameters"]["n"] == "4601**********123X"
    assert "46010019850312123X" in app.state.audit.path.read_text(encoding="utf-8")
    only = client.get(
        "/api/audit", params={"user": ran["user"], "outcome": "ok"}, headers=headers["admin"]
    ).json()
    assert only["total"] == 1
    assert client.get("/api/audit/verify", headers=headers["admin"]).json()["ok"] is True
