"""Issue #19: the audit chain is keyed and anchored, so it cannot be rewritten quietly.

Attacks are played as a local user who can write the audit directory but neither
read the audit key (kept elsewhere) nor write the anchor directory.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.audit import GENESIS, AuditLog, _canonical, record_hash

SIGNER = Ed25519PrivateKey.generate()


def _log(tmp_path: Path, n: int = 5, *, every: int = 1000) -> AuditLog:
    log = AuditLog(
        tmp_path / "audit",
        "audit-key",
        anchor_dir=tmp_path / "anchors",
        signer=SIGNER,
        anchor_every=every,
    )
    for i in range(n):
        log.append(user=f"u{i}", role="admin", action="unmask", target=f"P{i}")
    return log


def _forge(log: AuditLog, n: int, *, fake_mac: bool) -> None:
    """Append records the old way: plain SHA-256 chain recomputed from the last line."""
    last = json.loads(log.path.read_text(encoding="utf-8").splitlines()[-1])
    with log.path.open("a", encoding="utf-8") as fh:
        for _ in range(n):
            rec = {
                "seq": last["seq"] + 1,
                "ts": last["ts"],
                "user": "intruder",
                "role": "admin",
                "action": "noop",
                "target": "x",
                "outcome": "ok",
                "rows": None,
                "detail": {},
                "prev": last["hash"],
            }
            rec["hash"] = record_hash(rec)
            if fake_mac:
                rec["mac"] = "0" * 64
            fh.write(_canonical(rec).decode() + "\n")
            last = rec


def test_intact_log_passes_and_verify_anchors_the_head(tmp_path: Path) -> None:
    log = _log(tmp_path)
    result = log.verify()
    assert result.ok and result.records == 5 and result.anchored == 5
    assert result.legacy_until == 0
    anchors = log.anchors()
    assert [a["seq"] for a in anchors] == [5]
    assert anchors[0]["hash"] == list(log.records())[-1]["hash"]
    assert log.verify().ok and len(log.anchors()) == 1  # nothing new: no second anchor
    assert log.anchor_path.parent != log.directory


@pytest.mark.parametrize("fake_mac", [False, True], ids=["no-mac", "fake-mac"])
def test_forged_append_with_recomputed_chain_fails(tmp_path: Path, fake_mac: bool) -> None:
    log = _log(tmp_path)
    _forge(log, 2, fake_mac=fake_mac)
    result = log.verify()
    assert not result.ok
    assert (result.bad_seq, result.bad_line, result.records) == (6, 6, 5)
    expected = "bad MAC at seq 6" if fake_mac else "unkeyed record at seq 6 after keyed ones"
    assert expected in result.reason
    assert len(log.anchors()) == 0  # a failed verify anchors nothing


def test_server_does_not_bless_a_forgery_by_chaining_onto_it(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _forge(log, 1, fake_mac=True)
    again = AuditLog(tmp_path / "audit", "audit-key", anchor_dir=tmp_path / "anchors")
    again.append(user="real", role="admin", action="x", target="t")
    result = again.verify()
    assert not result.ok and result.bad_seq == 6


def test_truncation_with_an_older_head_fails_on_the_anchor(tmp_path: Path) -> None:
    log = _log(tmp_path, 3)
    old_head = tmp_path / "head-at-3"
    shutil.copy(log.head_path, old_head)
    kept = log.path.read_text(encoding="utf-8")
    for i in range(3):  # three real unmask records ...
        log.append(user="u", role="admin", action="unmask", target=f"Q{i}")
    assert log.verify().ok  # ... anchored at seq 6
    log.path.write_text(kept, encoding="utf-8")  # cut them and restore the old head
    shutil.copy(old_head, log.head_path)
    result = log.verify()
    assert not result.ok
    assert result.bad_seq == 4 and result.anchored == 6
    assert "missing records 4..6 after anchor" in result.reason


def test_anchor_every_n_records_catches_a_cut_without_any_verify(tmp_path: Path) -> None:
    log = _log(tmp_path, 7, every=3)
    assert [a["seq"] for a in log.anchors()] == [3, 6]
    lines = log.path.read_text(encoding="utf-8").splitlines(keepends=True)
    log.path.write_text("".join(lines[:4]), encoding="utf-8")
    head = json.loads(log.head_path.read_text())
    rec4 = json.loads(lines[3])
    head.update(seq=4, hash=rec4["hash"], mac=log._head_mac(4, rec4["hash"]))
    log.head_path.write_text(json.dumps(head))  # even a perfect head does not help
    result = log.verify()
    assert not result.ok and "missing records 5..6" in result.reason


def test_forged_anchor_signature_fails(tmp_path: Path) -> None:
    log = _log(tmp_path)
    assert log.verify().ok
    anchor = log.anchors()[0]
    anchor["seq"] = 4
    log.anchor_path.write_text(_canonical(anchor).decode() + "\n")
    result = log.verify()
    assert not result.ok and "anchor signature invalid" in result.reason


def _legacy_log(tmp_path: Path, n: int, head_key: str) -> None:
    """A log as written before keying: plain chain, head HMAC'd with the server key."""
    import hashlib
    import hmac

    directory = tmp_path / "audit"
    directory.mkdir()
    prev, lines = GENESIS, []
    for i in range(1, n + 1):
        rec = {"seq": i, "ts": "2026-01-01T00:00:00.000+00:00", "user": "old", "role": "admin"}
        rec |= {"action": "x", "target": str(i), "outcome": "ok", "rows": None, "detail": {}}
        rec["prev"] = prev
        rec["hash"] = prev = record_hash(rec)
        lines.append(_canonical(rec).decode() + "\n")
    (directory / "audit.jsonl").write_text("".join(lines), encoding="utf-8")
    mac = hmac.new(head_key.encode(), f"{n}:{prev}".encode(), hashlib.sha256).hexdigest()
    (directory / "audit.head").write_text(json.dumps({"seq": n, "hash": prev, "mac": mac}))


def test_legacy_unkeyed_log_still_verifies_and_is_named(tmp_path: Path) -> None:
    _legacy_log(tmp_path, 3, "server-secret")
    log = AuditLog(
        tmp_path / "audit",
        "audit-key",
        anchor_dir=tmp_path / "anchors",
        signer=SIGNER,
        legacy_head_key="server-secret",
    )
    result = log.verify()
    assert result.ok and result.legacy_until == 3
    assert "legacy, unkeyed up to seq 3" in result.summary()
    log.append(user="new", role="admin", action="x", target="t")
    result = log.verify()
    assert result.ok and (result.records, result.legacy_until, result.anchored) == (4, 3, 4)
    assert log.anchors()[-1]["keyed_from"] == 4


def test_rewriting_keyed_records_as_legacy_fails(tmp_path: Path) -> None:
    """Downgrade: replace the whole log by an unkeyed chain of the same length."""
    log = _log(tmp_path, 3)
    assert log.verify().ok  # anchor says MACs begin at seq 1
    anchors = log.anchor_path.read_bytes()
    shutil.rmtree(log.directory)
    _legacy_log(tmp_path, 3, "server-secret")
    log.anchor_path.write_bytes(anchors)
    result = AuditLog(
        tmp_path / "audit",
        "audit-key",
        anchor_dir=tmp_path / "anchors",
        signer=SIGNER,
        legacy_head_key="server-secret",
    ).verify()
    assert not result.ok  # the anchor's hash no longer matches, or keyed_from does
    assert "anchor" in result.reason


def test_settings_keep_the_key_and_anchors_out_of_the_audit_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphsvc.cli import main
    from graphsvc.config import Settings, get_settings

    key_file = tmp_path / "elsewhere" / "audit.key"
    settings = Settings(
        data_dir=tmp_path / "data", secret_key="s", audit_key_file=key_file, audit_anchor_every=2
    )
    log = AuditLog.from_settings(settings)
    for i in range(3):
        log.append(user="u", role="admin", action="x", target=str(i))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [a["seq"] for a in log.anchors()] == [2]
    assert log.anchor_path.parent == tmp_path / "data" / "audit-anchors"
    assert not any(p.name.endswith(".key") for p in log.directory.iterdir())
    _forge(log, 1, fake_mac=True)
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GRAPHSVC_SECRET_KEY", "s")
    monkeypatch.setenv("GRAPHSVC_AUDIT_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    try:
        assert main(["audit", "verify"]) == 1
        out = capsys.readouterr().out
        assert "bad MAC at seq 4" in out and "line 4, seq 4" in out
        monkeypatch.setenv("GRAPHSVC_AUDIT_KEY_FILE", str(tmp_path / "other.key"))
        get_settings.cache_clear()
        assert main(["audit", "verify"]) == 1  # another key: the first record fails
        assert "bad MAC at seq 1" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
