"""Secrets are created 0600 in one step and published atomically (issue #14).

Checked two ways: the mode of the file right after creation (with the most
permissive umask, so the mode comes from the creating call and not from luck), and
the code path itself: every file the secret code creates is created by ``os.open``
with ``O_CREAT | O_EXCL`` and mode 0600, nothing is chmod-ed or written through a
path, and at the moment a secret appears under its name it is already complete
and 0600.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.config import Settings
from graphsvc.security import secretfile
from graphsvc.security.users import UserDB


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """Every ``os.open`` that may create a file, and no chmod or path write at all."""
    calls: list[tuple[str, int, int]] = []
    real_open = os.open

    def tracing_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        if flags & os.O_CREAT:
            calls.append((str(path), flags, mode))
        return real_open(path, flags, mode, **kw)

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"secret written then chmod-ed / written by path: {args}")

    monkeypatch.setattr(os, "open", tracing_open)
    for name in ("chmod", "fchmod"):
        monkeypatch.setattr(os, name, forbidden)
    for name in ("chmod", "write_text", "write_bytes"):
        monkeypatch.setattr(Path, name, forbidden)
    return calls


def _all_created_0600_exclusive(calls: list[tuple[str, int, int]]) -> None:
    assert calls
    for path, flags, created_mode in calls:
        assert flags & os.O_EXCL, path
        assert created_mode == 0o600, (path, oct(created_mode))


def test_secret_is_0600_right_after_creation(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "keys" / "k.pem"
    assert secretfile.create_secret(path, b"s3cret")
    assert mode(path) == 0o600 and path.read_bytes() == b"s3cret"
    assert mode(path.parent) == 0o700
    assert not secretfile.create_secret(path, b"other")  # never replaced
    assert path.read_bytes() == b"s3cret"
    assert [p.name for p in path.parent.iterdir()] == ["k.pem"]  # no temporary left


def test_no_window_with_wider_permissions(
    tmp_path: Path, open_umask: None, traced: list[tuple[str, int, int]], monkeypatch: Any
) -> None:
    seen: list[tuple[int, bytes]] = []
    real_link = os.link

    def checking_link(src: Any, dst: Any, **kw: Any) -> None:
        # The moment the secret gets its name: already complete and 0600.
        seen.append((mode(Path(src)), Path(src).read_bytes()))
        real_link(src, dst, **kw)

    monkeypatch.setattr(os, "link", checking_link)
    path = tmp_path / "secret"
    assert secretfile.read_or_create(path, b"abc") == b"abc"
    assert secretfile.read_or_create(path, b"xyz") == b"abc"
    _all_created_0600_exclusive(traced)
    assert seen == [(0o600, b"abc")]
    assert mode(path) == 0o600


def test_racing_creators_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    results: dict[int, bytes] = {}
    barrier = threading.Barrier(8)

    def create(i: int) -> None:
        barrier.wait()
        results[i] = secretfile.read_or_create(path, f"value-{i}".encode())

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results.values())) == 1
    assert path.read_bytes() in results.values()
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_generated_settings_secrets_are_0600_without_chmod(
    tmp_path: Path, open_umask: None, traced: list[tuple[str, int, int]]
) -> None:
    settings = Settings(data_dir=tmp_path, environment="development")
    value = settings._secret_file("secret_key")
    assert len(value) > 20 and settings._secret_file("secret_key") == value
    _all_created_0600_exclusive(traced)
    assert mode(tmp_path / ".secret_key") == 0o600


def test_signing_and_audit_keys_are_0600(tmp_path: Path, open_umask: None) -> None:
    from graphsvc.audit import audit_key
    from graphsvc.security import keys

    settings = Settings(data_dir=tmp_path, environment="development")
    keys.load(settings)
    audit_key(settings)
    for name in (keys.KEY_FILE, "audit_hmac.key"):
        assert mode(tmp_path / "keys" / name) == 0o600, name


def test_user_database_exists_0600_before_sqlite_writes_hashes(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    path = tmp_path / "users.db"
    modes: list[int] = []
    real_connect = sqlite3.connect

    def checking_connect(target: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if Path(str(target)) == path:
            modes.append(mode(path))
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", checking_connect)
    UserDB(path)
    assert modes and set(modes) == {0o600}
    assert mode(path) == 0o600
