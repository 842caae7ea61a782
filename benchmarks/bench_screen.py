"""Screening speed: index build time and memory, single-settlement p95 at 20 clients,
batch throughput (issue 16). Run: .venv/bin/python -m benchmarks.bench_screen N

Single and batch go through the whole app (FastAPI TestClient in-process: auth,
audit with fsync, JSON), so they include everything but the network hop.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.common import OUT, machine, private_store, province


def main(participants: int = 5_000, seed: int = 7) -> None:
    from fastapi.testclient import TestClient

    from graphsvc.api.app import create_app
    from graphsvc.detection import run_detection
    from graphsvc.screening import build_index
    from graphsvc.security.testing import bearer_headers, isolated_settings
    from loaders import load_directory

    src = province(participants, seed)
    with (src / "prescriptions.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with private_store() as (store, settings, _pid):
        load_directory(store, src)
        run_detection(store)
        tracemalloc.start()
        t0 = time.perf_counter()
        index = build_index(store)
        build_s = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        app = create_app(isolated_settings(settings, Path(tempfile.mkdtemp()) / "data"))
        with TestClient(app) as client:
            client.headers.update(bearer_headers(app.state.users, "investigator"))
            client.post("/api/screen", json=rows[0])  # builds the app's index

            def one(row: dict[str, str]) -> float:
                t = time.perf_counter()
                assert client.post("/api/screen", json=row).status_code == 200
                return time.perf_counter() - t

            sample = rows[:2_000]
            with ThreadPoolExecutor(20) as pool:
                lat = sorted(pool.map(one, sample))
            p95 = lat[int(0.95 * len(lat)) - 1] * 1000
            # batches of 1,000: a request body stays under settings.max_request_bytes
            t = time.perf_counter()
            for lo in range(0, 5_000, 1_000):
                got = client.post("/api/screen", json={"prescriptions": rows[lo : lo + 1_000]})
                assert got.status_code == 200, got.text[:200]
            per_s = 5_000 / (time.perf_counter() - t)
    result = {
        "participants": participants,
        "settlements_indexed": len(index.settlements),
        "index_build_s": round(build_s, 2),
        "index_peak_python_mb": round(peak / 2**20, 1),
        "single_p95_ms_20_clients": round(p95, 2),
        "single_median_ms": round(statistics.median(lat) * 1000, 2),
        "batch_settlements_per_s": round(per_s),
        "machine": machine(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"bench_screen-{participants}.json").write_text(json.dumps(result, indent=1))
    sys.stdout.write(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
