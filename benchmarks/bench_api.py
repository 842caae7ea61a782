"""API latency benchmark: ring subgraph HTML and the JSON explore endpoints under
20 concurrent clients, on loopback only.

    .venv/bin/python benchmarks/bench_api.py --participants 200000
    .venv/bin/python benchmarks/bench_api.py --participants 20000 --json-requests 400

A province is generated (cached under benchmarks/out), loaded into a private
embedded store, detection runs once, then the real app is served by uvicorn in a
child process on 127.0.0.1 and hit by ``--clients`` threads, each with its own
HTTP connection. Every loop is bounded by a request count and a per-request
timeout; nothing leaves the machine. Targets (issue 4): ring subgraph HTML
(<= 500 nodes) p95 <= 300 ms; JSON endpoints p95 <= 100 ms.
Results: a table on stdout and JSON in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import OUT, machine, private_store, province  # noqa: E402
from graphsvc.config import Settings  # noqa: E402
from graphsvc.store import Store, open_store  # noqa: E402

HTML_P95_MS = 300.0
JSON_P95_MS = 100.0


@contextmanager
def bench_store(data_dir: Path | None) -> Iterator[tuple[Store, Settings]]:
    """A private throwaway store, or a kept one under ``data_dir`` (left running)."""
    if data_dir is None:
        with private_store("bench_api") as (store, settings, _pid):
            yield store, settings
        return
    settings = Settings(data_dir=data_dir.resolve(), graph_name="bench_api")
    store = open_store(settings)
    try:
        yield store, settings
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Any, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRAPHSVC_DATA_DIR": str(settings.data_dir),
        "GRAPHSVC_GRAPH_NAME": settings.graph_name,
        "GRAPHSVC_STORE_PORT": str(settings.store_port),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "graphsvc.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited: {err[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 120 s")


def targets(store: Any) -> dict[str, list[str]]:
    """URLs per endpoint, from the data: rings of the current run and their members."""
    from graphsvc.services import explore

    rings = explore.list_rings(store, per_page=500)["rings"]
    if not rings:
        raise SystemExit("detection found no rings: nothing to benchmark")
    rings = rings[:50]
    members = [(r, [m for m in r["members"] if m["kind"] == "participant"]) for r in rings]
    people = [m["id"] for _, ms in members for m in ms][:200]
    pairs = [(ms[0]["id"], ms[-1]["id"]) for _, ms in members if len(ms) >= 2][:50]
    phones = store.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(i:Identifier {kind: 'phone'}) "
        "WHERE p.id IN $ids RETURN i.value LIMIT 50",
        {"ids": people},
    ).column("i.value")
    typologies = sorted({r["typology"] for r in rings})
    return {
        "html ring subgraph": [f"/api/rings/{r['id']}/subgraph?format=html" for r in rings],
        "GET /api/rings": ["/api/rings"]
        + [f"/api/rings?typology={t}&sort=amount_at_risk" for t in typologies],
        "GET /api/rings/{id}": [f"/api/rings/{r['id']}" for r in rings],
        "GET /api/rings/{id}/subgraph": [f"/api/rings/{r['id']}/subgraph" for r in rings],
        "GET /api/entities/{kind}/{id}": [f"/api/entities/participant/{p}" for p in people],
        "GET neighborhood hops=1": [
            f"/api/entities/participant/{p}/neighborhood?hops=1" for p in people
        ],
        "GET /api/search": [f"/api/search?q={p}" for p in people[:50]]
        + [f"/api/search?q={ph}" for ph in phones],
        "GET /api/paths": [f"/api/paths?from=participant:{a}&to=participant:{b}" for a, b in pairs],
    }


def hammer(
    base: str,
    token: str,
    urls: list[tuple[str, str]],
    clients: int,
) -> dict[str, list[float]]:
    """Send ``urls`` (endpoint, path) over ``clients`` connections; latencies in ms."""
    import httpx

    chunks = [urls[i::clients] for i in range(clients)]

    def worker(chunk: list[tuple[str, str]]) -> list[tuple[str, float, int]]:
        out = []
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            for name, path in chunk:
                t0 = time.perf_counter()
                resp = client.get(path)
                out.append((name, (time.perf_counter() - t0) * 1000, resp.status_code))
        return out

    lat: dict[str, list[float]] = defaultdict(list)
    with ThreadPoolExecutor(clients) as pool:
        for result in pool.map(worker, chunks):
            for name, ms, status in result:
                if status != 200:
                    raise SystemExit(f"{name}: HTTP {status}")
                lat[name].append(ms)
    return lat


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


def expand(urls: dict[str, list[str]], names: list[str], total: int) -> list[tuple[str, str]]:
    """``total`` requests spread evenly over the endpoints, cycling through their URLs."""
    out = []
    per = max(1, total // len(names))
    for name in names:
        pool = urls[name]
        out += [(name, pool[i % len(pool)]) for i in range(per)]
    # Interleave endpoints so every client sees the same mix.
    return [out[i] for i in sorted(range(len(out)), key=lambda i: (i % per, i))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--html-requests", type=int, default=400)
    ap.add_argument("--json-requests", type=int, default=1_400)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Keep the store here and reuse it on later runs (skips loading and detection "
        "when already done); default: a private store deleted afterwards.",
    )
    args = ap.parse_args()

    from graphsvc.detection.io import run_detection
    from graphsvc.security.users import UserDB
    from graphsvc.services import explore
    from loaders import load_directory

    path = province(args.participants, args.seed)
    report: dict[str, Any] = {
        "machine": machine(),
        "workers": args.workers,
        "participants": args.participants,
        "seed": args.seed,
        "clients": args.clients,
    }
    with bench_store(args.data_dir) as (store, settings):
        t0 = time.perf_counter()
        if not store.count("Participant"):
            store.ensure_schema()
            load_directory(store, path)
        report["load_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        if explore.current_run(store) is None:
            run_detection(store)
        report["detect_s"] = round(time.perf_counter() - t0, 1)
        report["counts"] = store.counts()
        report["rings"] = explore.list_rings(store, per_page=1)["total"]
        urls = targets(store)
        users = UserDB.from_settings(settings)
        name = f"bench-{uuid.uuid4().hex[:6]}"
        users.add_user(name, "investigator", uuid.uuid4().hex)
        _, token = users.create_token(name)
        port = free_port()
        server = start_server(settings, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            json_names = [n for n in urls if not n.startswith("html")]
            # Warm-up: one of each URL kind, not measured.
            hammer(base, token, [(n, u[0]) for n, u in urls.items()], 1)
            html = hammer(
                base, token, expand(urls, ["html ring subgraph"], args.html_requests), args.clients
            )
            js = hammer(base, token, expand(urls, json_names, args.json_requests), args.clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
    rows = {**{k: summary(v) for k, v in html.items()}, **{k: summary(v) for k, v in js.items()}}
    all_json = [ms for v in js.values() for ms in v]
    report["endpoints"] = rows
    report["html_p95_ms"] = rows["html ring subgraph"]["p95_ms"]
    report["json_p95_ms"] = summary(all_json)["p95_ms"]
    report["json_worst_endpoint_p95_ms"] = max(
        r["p95_ms"] for k, r in rows.items() if not k.startswith("html")
    )
    report["targets"] = {"html_p95_ms": HTML_P95_MS, "json_p95_ms": JSON_P95_MS}
    report["pass"] = (
        report["html_p95_ms"] <= HTML_P95_MS and report["json_worst_endpoint_p95_ms"] <= JSON_P95_MS
    )

    print(
        f"{args.participants} participants, {report['rings']} rings, "
        f"{args.clients} concurrent clients (load {report['load_s']} s, "
        f"detect {report['detect_s']} s)"
    )
    print(f"{'endpoint':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for k, r in rows.items():
        print(f"{k:34} {r['n']:>5} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}")
    print(
        f"HTML p95 {report['html_p95_ms']} ms (target {HTML_P95_MS}); JSON p95 all "
        f"{report['json_p95_ms']} ms, worst endpoint {report['json_worst_endpoint_p95_ms']} ms "
        f"(target {JSON_P95_MS}) -> {'PASS' if report['pass'] else 'FAIL'}"
    )
    out = args.out or OUT / f"bench_api-{args.participants}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
