"""Screening speed (issue 16): index build time and memory, single-settlement latency at
20 concurrent clients, batch throughput.

    .venv/bin/python benchmarks/bench_screen.py --participants 20000
    .venv/bin/python benchmarks/bench_screen.py --participants 200000 --workers 2

A province is generated (cached under benchmarks/out), loaded into a private embedded
store and detected once. The index build is timed in this process (tracemalloc peak
of the Python heap, and RSS growth). Then the real app is served by uvicorn in a child
process on 127.0.0.1 (as ``benchmarks/bench_api.py`` does) and hit by ``--clients``
threads, each with its own HTTP connection, in a closed loop (next request when the
previous answer is in, no think time): every request goes through auth, the rate
limiter, JSON and the fsync'd audit append, so only the network hop is missing. The
client threads share this machine's cores with the server, which lands in the
measured latency. Batch throughput: ``--batch`` settlements per request, sequential,
and the pure rules on the in-process index (no HTTP, no audit).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import tracemalloc
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_api import bench_store, free_port, start_server  # noqa: E402
from benchmarks.common import OUT, machine, peak_rss_bytes, province  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(q * len(ordered)) - 1)]


def closed_loop(base: str, token: str, rows: list[dict[str, str]], clients: int) -> list[float]:
    """Latencies (ms) of single-settlement POSTs, client ``i`` sending ``rows[i::clients]``."""
    import httpx

    def worker(chunk: list[dict[str, str]]) -> list[float]:
        out = []
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            for row in chunk:
                t0 = time.perf_counter()
                resp = client.post("/api/screen", json=row)
                out.append((time.perf_counter() - t0) * 1000)
                if resp.status_code != 200:
                    raise SystemExit(f"HTTP {resp.status_code}: {resp.text[:200]}")
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [
            ms for got in pool.map(worker, [rows[i::clients] for i in range(clients)]) for ms in got
        ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2_000)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--batch", type=int, default=1_000, help="settlements per batch request")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Keep the store here and reuse it (graph bench_api, as bench_api.py keeps it: "
        "loading and detection skipped when done); default: a private store deleted after.",
    )
    args = ap.parse_args()

    import httpx

    from graphsvc.detection import run_detection
    from graphsvc.screening import build_index, screen_batch
    from graphsvc.security.users import UserDB
    from graphsvc.services import explore
    from loaders import load_directory

    src = province(args.participants, args.seed)
    with (src / "prescriptions.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    result: dict[str, Any] = {
        "participants": args.participants,
        "clients": args.clients,
        "workers": args.workers,
        "machine": machine(),
    }
    with bench_store(args.data_dir) as (store, settings):
        t0 = time.perf_counter()
        if not store.count("Participant"):
            store.ensure_schema()
            load_directory(store, src)
        result["load_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        if explore.current_run(store) is None:
            run_detection(store)
        result["detect_s"] = round(time.perf_counter() - t0, 1)
        # Timed without tracemalloc (it slows every allocation 2-3x), then built again
        # under tracemalloc for the Python heap's peak.
        rss0 = peak_rss_bytes()
        t0 = time.perf_counter()
        index = build_index(store)
        result["index_build_s"] = round(time.perf_counter() - t0, 2)
        result["process_peak_rss_growth_mb"] = round((peak_rss_bytes() - rss0) / 2**20, 1)
        del index
        tracemalloc.start()
        t0 = time.perf_counter()
        index = build_index(store)
        result["index_build_under_tracemalloc_s"] = round(time.perf_counter() - t0, 2)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["index_peak_python_mb"] = round(peak / 2**20, 1)
        result["settlements_indexed"] = len(index.settlements)
        sample = rows[: max(args.batch * 5, 5_000)]
        t0 = time.perf_counter()
        screen_batch(index, sample)
        result["pure_rules_settlements_per_s"] = round(len(sample) / (time.perf_counter() - t0))

        users = UserDB.from_settings(settings)
        name = f"bench-{uuid.uuid4().hex[:6]}"
        users.add_user(name, "investigator", uuid.uuid4().hex)
        _, token = users.create_token(name)
        port = free_port()
        server = start_server(settings, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            head = {"Authorization": f"Bearer {token}"}
            for _ in range(max(1, args.workers) * 4):  # every worker builds its index
                got = httpx.post(f"{base}/api/screen", json=rows[0], headers=head, timeout=300)
                assert got.status_code == 200, got.text[:200]
            single = rows[: args.requests]
            one = closed_loop(base, token, single[:300], 1)
            many = closed_loop(base, token, single, args.clients)
            result["single_1_client_p50_ms"] = round(statistics.median(one), 2)
            result["single_1_client_p95_ms"] = round(_pct(one, 0.95), 2)
            result[f"single_{args.clients}_clients_p50_ms"] = round(statistics.median(many), 2)
            result[f"single_{args.clients}_clients_p95_ms"] = round(_pct(many, 0.95), 2)
            result["single_requests_per_s"] = round(len(many) / (sum(many) / 1000 / args.clients))
            n = args.batch * 5
            t0 = time.perf_counter()
            with httpx.Client(base_url=base, headers=head, timeout=300) as client:
                for lo in range(0, n, args.batch):
                    got = client.post(
                        "/api/screen", json={"prescriptions": rows[lo : lo + args.batch]}
                    )
                    assert got.status_code == 200, got.text[:200]
            result["batch_http_settlements_per_s"] = round(n / (time.perf_counter() - t0))
        finally:
            server.terminate()
            server.wait(timeout=30)
    out = args.out or OUT / f"bench_screen-{args.participants}-{args.workers}w.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    sys.stdout.write(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
