"""The embedded FalkorDB server: persistence, loopback, password, ports, clear failures."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import redis

from graphsvc.config import Settings
from graphsvc.errors import StoreUnavailable
from graphsvc.store import embedded, open_store


@pytest.fixture
def own_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", store_port=embedded._free_port("127.0.0.1"))


def test_restart_keeps_every_node(own_settings: Settings) -> None:
    s = open_store(own_settings)
    try:
        s.write_batches(
            "UNWIND $rows AS r CREATE (:Participant {id: r.id})",
            [{"id": f"P{i}"} for i in range(500)],
        )
        s.save()
    finally:
        s.close()
    assert embedded.stop(own_settings)
    assert embedded.status(own_settings) is None
    s = open_store(own_settings)
    try:
        assert s.count("Participant") == 500
    finally:
        s.close()
        embedded.stop(own_settings)


def test_kill_after_save_keeps_data(own_settings: Settings) -> None:
    """A crash (SIGKILL) loses nothing that a load ended with SAVE."""
    import os
    import signal
    import time

    s = open_store(own_settings)
    info = embedded.status(own_settings)
    assert info is not None
    try:
        s.query("CREATE (:Doctor {id: 'D1'})", write=True)
        s.save()
    finally:
        s.close()
    os.kill(info.pid, signal.SIGKILL)
    for _ in range(50):
        if embedded.status(own_settings) is None:
            break
        time.sleep(0.1)
    s = open_store(own_settings)
    try:
        assert s.count("Doctor") == 1
    finally:
        s.close()
        embedded.stop(own_settings)


def test_loopback_only_and_password_required(own_settings: Settings) -> None:
    info = embedded.start(own_settings)
    try:
        assert info.host == "127.0.0.1"
        anonymous = redis.Redis(host=info.host, port=info.port)
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        anonymous.close()
        cfg = redis.Redis(
            host=info.host, port=info.port, password=own_settings.resolved_store_password()
        ).config_get("bind")
        assert cfg["bind"] == "127.0.0.1"
    finally:
        embedded.stop(own_settings)


def test_non_loopback_bind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="loopback"):
        embedded.start(Settings(data_dir=tmp_path, store_host="0.0.0.0"))  # noqa: S104  a test value; nothing binds to it here


def test_taken_port_falls_back_to_a_free_one(own_settings: Settings) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", own_settings.store_port))
        blocker.listen()
        info = embedded.start(own_settings)
        try:
            assert info.port != own_settings.store_port
            s = open_store(own_settings, start=False)
            s.close()
        finally:
            embedded.stop(own_settings)


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        target = Path("/proc/graphsvc-cannot-exist")  # even root cannot mkdir in /proc
    else:
        target = tmp_path / "ro"
        target.mkdir(mode=0o500)
    settings = Settings(data_dir=target, store_password="x")
    with pytest.raises(StoreUnavailable, match="cannot create store directory"):
        embedded.start(settings)


def test_not_running_without_start_is_clear(own_settings: Settings) -> None:
    with pytest.raises(StoreUnavailable, match="not running"):
        open_store(own_settings, start=False)


def test_memory_figure_grows_with_data(store) -> None:
    """benchmarks report the store's own memory; it must be a real, moving number."""
    before = store.memory_bytes()
    store.write_batches(
        "UNWIND $rows AS r CREATE (:Participant {id: r.id, name: r.id})",
        [{"id": f"P{i:07d}"} for i in range(50_000)],
    )
    assert before > 0
    assert store.memory_bytes() > before + 1_000_000
