"""Issue #19: every case package carries the signed audit head, and the head a liaison
holds catches a rewrite that every local check passes.

The attacker here is stronger than in tests/security/test_audit_anchor.py: they read
the audit key (it sits on the same machine by default), rewrite ``audit.head`` with it
and delete the local anchors. Only the head that left the machine in a package is out
of their reach.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from case_fixtures import KEY, run_cli
from pypdf import PdfReader
from test_case_package import INV, confirmed_case

from graphsvc.audit import AuditLog, _canonical, record_hash, record_mac
from graphsvc.audit_head import read_held
from graphsvc.cases import manifest as mf
from graphsvc.cases.package import Package, export_case
from graphsvc.config import Settings
from graphsvc.security import keys
from graphsvc.store import Store

AUDIT_KEY = "audit-key"


def audit_log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit", AUDIT_KEY, anchor_dir=tmp_path / "anchors", signer=KEY)


def unmask(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append(user="root", role="admin", action="unmask", target=f"participant:P{i}")


@pytest.fixture
def exported(ring_store: Store, tmp_path: Path) -> tuple[Store, str, AuditLog, Path, Package]:
    log = audit_log(tmp_path)
    unmask(log, 5)
    case_id = confirmed_case(ring_store)
    pkg = export_case(ring_store, case_id, viewer=INV, key=KEY, audit_head=log.signed_head())
    path = tmp_path / "liaison" / pkg.filename
    path.parent.mkdir()
    path.write_bytes(pkg.data)
    return ring_store, case_id, log, path, pkg


def test_package_manifest_and_report_carry_the_signed_head(
    exported: tuple[Store, str, AuditLog, Path, Package],
) -> None:
    _store, _case, log, path, pkg = exported
    last = list(log.records())[-1]
    head = pkg.manifest["audit_head"]
    assert (head["seq"], head["hash"], head["ts"]) == (5, last["hash"], last["ts"])
    assert head["signature"]["key_id"] == pkg.manifest["signature"]["key_id"]
    assert mf.verify_package(pkg.data, keys.public_pem(KEY)).ok
    files = mf.read_zip(pkg.data)
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["report.pdf"])).pages)
    assert f"5:{last['hash']}" in re.sub(r"\s+", "", pdf)  # the value --head takes
    assert f"--head 5:{last['hash']}" in files["report.html"].decode()
    held = read_held(str(path))
    assert (held.seq, held.hash) == (5, last["hash"])
    result = log.verify(held=[held])
    assert result.ok and result.held == 5, result.summary()
    assert [a["seq"] for a in log.anchors()] == [5]  # the exported head is anchored too


def test_same_log_same_package_bytes_a_grown_log_changes_only_the_head(
    exported: tuple[Store, str, AuditLog, Path, Package],
) -> None:
    store, case_id, log, _path, first = exported
    again = export_case(
        store,
        case_id,
        viewer=INV,
        key=KEY,
        audit_head=log.signed_head(),
        exported_at="2030-01-01T00:00:00Z",
    )
    a, b = mf.read_zip(first.data), mf.read_zip(again.data)
    assert [p for p in sorted(a) if a[p] != b[p]] == ["manifest.json"]
    unmask(log, 1)
    grown = mf.read_zip(
        export_case(store, case_id, viewer=INV, key=KEY, audit_head=log.signed_head()).data
    )
    assert [p for p in sorted(a) if a[p] != grown[p]] == [
        "SHA256SUMS",  # lists the two reports' hashes
        "manifest.json",
        "report.html",
        "report.pdf",
    ]


def _rewrite_with_the_key(log: AuditLog, keep: int, forged: int) -> None:
    """Cut the log to ``keep`` records, append ``forged`` ones chained and MAC'd with the
    stolen key, write a matching ``audit.head`` and delete the local anchors."""
    lines = log.path.read_text(encoding="utf-8").splitlines(keepends=True)[:keep]
    last = json.loads(lines[-1])
    for _ in range(forged):
        rec = {
            "seq": last["seq"] + 1,
            "ts": last["ts"],
            "user": "root",
            "role": "admin",
            "via": "local:root",
            "action": "noop",
            "target": "x",
            "outcome": "ok",
            "rows": None,
            "detail": {},
            "prev": last["hash"],
        }
        rec["hash"] = record_hash(rec)
        rec["mac"] = record_mac(AUDIT_KEY.encode(), rec["hash"])
        lines.append(_canonical(rec).decode() + "\n")
        last = rec
    log.path.write_text("".join(lines), encoding="utf-8")
    seq, digest = int(last["seq"]), str(last["hash"])
    log.head_path.write_text(
        json.dumps({"seq": seq, "hash": digest, "mac": log._head_mac(seq, digest)})
    )
    log.anchor_path.unlink()


def test_forged_append_over_a_cut_fails_against_the_packaged_head(
    exported: tuple[Store, str, AuditLog, Path, Package], tmp_path: Path
) -> None:
    _store, _case, log, path, _pkg = exported
    _rewrite_with_the_key(log, keep=3, forged=4)  # seq 4..7 forged: 5 is no longer 5
    fresh = audit_log(tmp_path)
    assert fresh.verify(anchor=False).ok  # every local check passes ...
    result = fresh.verify(held=[read_held(str(path))])  # ... the liaison's head does not
    assert not result.ok and result.bad_seq == 5
    assert "record 5 differs from the head held from" in result.reason
    assert "rewritten at or below seq 5" in result.reason


def test_truncation_with_an_old_head_fails_against_the_packaged_head(
    exported: tuple[Store, str, AuditLog, Path, Package], tmp_path: Path
) -> None:
    _store, _case, log, path, _pkg = exported
    _rewrite_with_the_key(log, keep=3, forged=0)  # three real unmask records erased
    fresh = audit_log(tmp_path)
    assert fresh.verify(anchor=False).ok
    held = read_held(str(path))
    for h in (held, read_held(held.compact())):  # the package, or the value from paper
        result = fresh.verify(held=[h], anchor=False)
        assert not result.ok and result.bad_seq == 4
        assert "log ends at record 3 but the head held from" in result.reason
        assert "records 4..5 removed" in result.reason


def test_an_altered_held_head_is_refused(
    exported: tuple[Store, str, AuditLog, Path, Package], tmp_path: Path
) -> None:
    _store, _case, log, _path, pkg = exported
    head = dict(pkg.manifest["audit_head"], seq=3)  # "the liaison's head says 3"
    forged = tmp_path / "head.json"
    forged.write_text(json.dumps(head))
    result = log.verify(held=[read_held(str(forged))])
    assert not result.ok and "signature invalid" in result.reason


def test_cli_audit_verify_head(ring_store: Store, tmp_path: Path) -> None:
    """``graphsvc audit verify --head PACKAGE``, on a data dir's own audit log."""
    data = Settings(data_dir=tmp_path / "data")
    log = AuditLog.from_settings(data)
    unmask(log, 2)
    old_head = log.head_path.read_bytes()
    kept = log.path.read_bytes()
    unmask(log, 1)
    case_id = confirmed_case(ring_store)
    pkg = export_case(ring_store, case_id, viewer=INV, key=KEY, audit_head=log.signed_head())
    path = tmp_path / pkg.filename
    path.write_bytes(pkg.data)
    ok = run_cli(["audit", "verify", "--head", str(path)], data)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "matches the held head of seq 3" in ok.stdout
    log.path.write_bytes(kept)  # record 3 cut, the old head put back, anchors gone
    log.head_path.write_bytes(old_head)
    log.anchor_path.unlink()
    assert run_cli(["audit", "verify"], data).returncode == 0
    cut = run_cli(["audit", "verify", "--head", str(path)], data)
    assert cut.returncode == 1, cut.stdout
    assert "BROKEN" in cut.stdout and "records 3..3 removed" in cut.stdout
