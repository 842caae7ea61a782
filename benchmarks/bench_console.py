"""Console under load (issue #19): does the ring list answer while console queries run?

    .venv/bin/python benchmarks/bench_console.py --participants 20000
    .venv/bin/python benchmarks/bench_console.py --participants 5000 --threads 2 4

A province is generated (cached under benchmarks/out), loaded into a private embedded
store and detection runs once. Then, for each store thread count (``--threads``,
FalkorDB THREAD_COUNT; the store is restarted on the same files between them):

1. ``GET /api/rings`` alone, ``--requests`` times (the baseline);
2. the same while two heavy console queries run:
   - ``cartesian``: ``MATCH (a),(b),(c) RETURN count(*)`` sent straight to the store
     read-only with the console's timeout (the API refuses it before running now: it
     stands for a costly query the guards do not recognise);
   - ``api``: two analysts post ``MATCH (a)--(b)--(c)--(d)--(e) RETURN count(*)`` to
     ``/api/cypher`` (one connected pattern passes the guard; it runs until the console
     timeout).

Run it under ``ulimit -v`` on a shared machine: a first version posted ``MATCH (a)
WITH count(a) AS n UNWIND range(1, n * n) AS x RETURN count(x)``, which passes the
guard (computed bounds) and grew the store to 21.7 GB until the kernel killed it;
QUERY_MEM_CAPACITY does not stop one huge range() allocation (docs/security.md).

The app runs in this process (TestClient, one thread per caller); its answer cache is
off so each ring list reaches the store. Latency per request, p50/p95/max; a timing is
reported, never asserted. Results: a table on stdout and JSON in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import OUT, machine, province  # noqa: E402
from graphsvc.config import Settings  # noqa: E402
from graphsvc.store import Store, embedded, open_store  # noqa: E402

CARTESIAN = "MATCH (a),(b),(c) RETURN count(*)"
API_HEAVY = "MATCH (a)--(b)--(c)--(d)--(e) RETURN count(*)"


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else [ordered[0]] * 99
    )
    return {
        "n": len(ordered),
        "p50_ms": round(q[49], 1),
        "p95_ms": round(q[94], 1),
        "max_ms": round(ordered[-1], 1),
    }


def ring_list_latencies(client: Any, headers: dict[str, str], n: int) -> list[float]:
    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get("/api/rings", headers=headers)
        out.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"/api/rings answered {resp.status_code}: {resp.text[:200]}")
    return out


def under_load(
    client: Any,
    headers: dict[str, str],
    n: int,
    heavy: list[Any],
    settle_s: float = 0.5,
) -> tuple[list[float], list[str]]:
    """Ring-list latencies while the ``heavy`` callables run in threads (and ``n`` at
    least): a ring list blocked until the heavy ones end is one slow sample, the ones
    after it would be fast, so sampling stops with them rather than after ``n``."""
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda f=f: outcomes.append(f())) for f in heavy]
    for th in threads:
        th.start()
    time.sleep(settle_s)  # both heavy queries are in the store before the first ring list
    lat: list[float] = []
    # Ring lists one after the other for as long as a heavy query runs (n at least).
    while len(lat) < n or any(th.is_alive() for th in threads):
        lat += ring_list_latencies(client, headers, 1)
    for th in threads:
        th.join()
    return lat, outcomes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--requests", type=int, default=30, help="ring lists per phase")
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 4], help="THREAD_COUNTs")
    ap.add_argument(
        "--console-concurrency",
        type=int,
        default=Settings.model_fields["console_concurrency"].default,
        help="GRAPHSVC_CONSOLE_CONCURRENCY of the app (the API phase posts two queries)",
    )
    ap.add_argument("--out", type=Path, default=OUT / "bench_console.json")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from graphsvc.api.app import create_app
    from graphsvc.detection.io import run_detection
    from graphsvc.security.testing import bearer_headers
    from loaders import load_directory

    path = province(args.participants, args.seed)
    data = Path(tempfile.mkdtemp(prefix="graphsvc-bench-console-"))
    port = embedded._free_port("127.0.0.1")
    report: dict[str, Any] = {
        "machine": machine(),
        "participants": args.participants,
        "requests": args.requests,
        "cartesian": CARTESIAN,
        "api_heavy": API_HEAVY,
        "console_concurrency": args.console_concurrency,
        "runs": [],
    }
    first = True
    for threads in args.threads:
        settings = Settings(
            data_dir=data,
            graph_name="bench_console",
            store_port=port,
            store_thread_count=threads,
            answer_cache_entries=0,
            console_concurrency=args.console_concurrency,
        )
        embedded.start(settings)
        store: Store = open_store(settings, start=False)
        try:
            if first:
                t0 = time.perf_counter()
                store.ensure_schema()
                load_directory(store, path)
                run_detection(store)
                report["load_detect_s"] = round(time.perf_counter() - t0, 1)
                report["counts"] = store.counts()
                first = False
            run: dict[str, Any] = {"thread_count": threads}
            app = create_app(settings)
            with TestClient(app) as client:
                inv = bearer_headers(app.state.users, "investigator")
                analysts = [bearer_headers(app.state.users, "analyst") for _ in range(2)]
                ring_list_latencies(client, inv, 3)  # warm-up
                run["alone"] = summary(ring_list_latencies(client, inv, args.requests))

                def cartesian(s: Store = store, ms: int = settings.cypher_timeout_ms) -> str:
                    t0 = time.perf_counter()
                    try:
                        s.query(CARTESIAN, timeout_ms=ms)
                        what = "finished"
                    except Exception as exc:  # the timeout, expected
                        what = type(exc).__name__
                    return f"{what} after {time.perf_counter() - t0:.1f} s"

                lat, outcomes = under_load(client, inv, args.requests, [cartesian, cartesian])
                run["with_two_cartesian_in_store"] = {**summary(lat), "queries": outcomes}

                def via_api(h: dict[str, str]) -> Any:
                    def post() -> str:
                        t0 = time.perf_counter()
                        resp = client.post("/api/cypher", json={"query": API_HEAVY}, headers=h)
                        return f"HTTP {resp.status_code} after {time.perf_counter() - t0:.1f} s"

                    return post

                lat, outcomes = under_load(
                    client, inv, args.requests, [via_api(h) for h in analysts]
                )
                run["with_two_api_console_queries"] = {**summary(lat), "queries": outcomes}
                refused = client.post("/api/cypher", json={"query": CARTESIAN}, headers=analysts[0])
                run["api_cartesian_answer"] = refused.status_code
            report["runs"].append(run)
        finally:
            store.close()
            embedded.stop(settings)
    embedded.wipe(Settings(data_dir=data, store_port=port))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"participants {args.participants}; counts {report.get('counts')}")
    print(f"{'threads':>7} | {'phase':<30} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8}")
    for run in report["runs"]:
        for phase in ("alone", "with_two_cartesian_in_store", "with_two_api_console_queries"):
            s = run[phase]
            print(
                f"{run['thread_count']:>7} | {phase:<30} | {s['p50_ms']:>8} | {s['p95_ms']:>8} | "
                f"{s['max_ms']:>8} {' '.join(s.get('queries', []))}"
            )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
