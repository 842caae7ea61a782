"""Server-side query caps of the embedded store (issue #19), on a store of its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from graphsvc.config import Settings
from graphsvc.errors import StoreError
from graphsvc.store import embedded, open_store


def test_memory_and_time_caps_are_set_and_enforced(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        store_port=embedded._free_port("127.0.0.1"),
        store_query_mem_mb=64,
        store_timeout_max_ms=60_000,
    )
    s = open_store(settings)
    try:
        import redis

        info = embedded.status(settings)
        assert info is not None
        raw = redis.Redis(
            host=info.host, port=info.port, password=settings.resolved_store_password()
        )
        try:
            mem = raw.execute_command("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY")
            tmax = raw.execute_command("GRAPH.CONFIG", "GET", "TIMEOUT_MAX")
        finally:
            raw.close()
        assert int(mem[1]) == 64 * 1024 * 1024
        assert int(tmax[1]) == 60_000
        started = time.monotonic()
        with pytest.raises(StoreError):  # ~10,000,000 values collected: far over 64 MB
            s.query("UNWIND range(1, 10000000) AS x RETURN collect(x) AS xs")
        assert time.monotonic() - started < 30
        assert s.query("RETURN 1 AS one").scalar() == 1  # the store is fine afterwards
    finally:
        s.close()
        embedded.stop(settings)
