"""Store, audit and key files are private to the service's user (issue #19).

Before: graph.rdb and the append-only logs were 0644 in 0755 directories, so any
local user could read full ID numbers. Checked on a real embedded store start.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.store import embedded, open_store


def _modes(root: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath) / name
            try:
                out[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
            except FileNotFoundError:
                continue  # a temporary file of a log rewrite that finished meanwhile
    return out


def _loose(modes: dict[str, int], root: Path) -> dict[str, str]:
    """Entries readable or writable by group/others."""
    return {
        p: oct(m) for p, m in modes.items() if m & 0o077 or ((root / p).is_dir() and m != 0o700)
    }


def test_store_files_are_private_after_start_and_save(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", store_port=embedded._free_port("127.0.0.1"))
    directory = embedded.store_dir(settings)
    # a store made by an older version: world-readable files in an open directory
    (directory / "appendonlydir").mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    old = directory / "graph.rdb.old"
    old.write_bytes(b"x")
    old.chmod(0o644)
    s = open_store(settings)
    try:
        s.query("CREATE (:Participant {id: 'P1', id_number: '11010519491231002X'})", write=True)
        s.save()  # graph.rdb and a rewritten append-only file, written by the server
        s.query("CREATE (:Participant {id: 'P2'})", write=True)
    finally:
        s.close()
    try:
        modes = _modes(directory)
        assert "graph.rdb" in modes and "appendonlydir" in modes
        assert any(p.startswith("appendonlydir/") for p in modes)
        assert _loose(modes, directory) == {}, modes
    finally:
        embedded.stop(settings)
    # files the server wrote on its way down (final snapshot) follow the umask too
    modes = _modes(directory)
    assert _loose(modes, directory) == {}, modes


def test_audit_and_key_files_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k")
    log = AuditLog.from_settings(settings)
    log.append(user="u", role="admin", action="x", target="t")
    assert log.verify().ok  # writes an anchor too
    for root in (log.directory, log.anchor_path.parent, tmp_path / "data" / "keys"):
        modes = _modes(root)
        assert len(modes) > 1, root
        assert _loose(modes, root) == {}, (root, modes)
