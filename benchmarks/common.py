"""Shared plumbing of the benchmarks: a private embedded store, machine facts, RSS."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphsvc.config import Settings
from graphsvc.store import Store, embedded, open_store

OUT = Path(__file__).resolve().parent / "out"


def machine() -> dict[str, Any]:
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) * 1024
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / 2**30, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }


def peak_rss_bytes() -> int:
    """Peak RSS of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def children_peak_rss_bytes() -> int:
    """Largest peak RSS among this process's reaped children (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def process_hwm_bytes(pid: int) -> int:
    """Peak RSS (VmHWM) of another process, e.g. the store's redis-server."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextmanager
def private_store(graph: str = "bench") -> Iterator[tuple[Store, Settings, int]]:
    """A fresh embedded FalkorDB in a temp dir, so figures do not mix with other data."""
    data = Path(tempfile.mkdtemp(prefix="graphsvc-bench-"))
    port = embedded._free_port("127.0.0.1")
    settings = Settings(data_dir=data, graph_name=graph, store_port=port)
    info = embedded.start(settings)
    store = open_store(settings, start=False)
    try:
        yield store, settings, info.pid
    finally:
        store.close()
        embedded.stop(settings)
        subprocess.run(["rm", "-rf", str(data)], check=False)  # noqa: S603, S607  fixed argv, no shell; the tool is found on PATH on purpose


def province(participants: int, seed: int) -> Path:
    """Generate (once, cached under benchmarks/out) a province of this size and seed."""
    from graphsvc.generate import generate_province

    path = OUT / f"province-{participants}-{seed}"
    if not (path / "ground_truth.json").exists():
        generate_province(path, participants=participants, seed=seed)
    return path
