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

The load generator: ``wrk`` (Debian package, C, LuaJIT script below) when present,
else Python threads with httpx (``--load-generator`` chooses; the JSON records
which). Both are the same closed loop: ``--clients`` connections, each sending its
share of the request list one after the other, the next as soon as the previous
answer is in, no think time; latency per request from send to complete answer. The
Python client competes with the server for the same cores (and its 20 threads for
one GIL, which lands in the measured latency), wrk hardly does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
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


def start_server(
    settings: Any, port: int, workers: int = 1, answer_cache: int | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRAPHSVC_DATA_DIR": str(settings.data_dir),
        "GRAPHSVC_GRAPH_NAME": settings.graph_name,
        "GRAPHSVC_STORE_PORT": str(settings.store_port),
    }
    if answer_cache is not None:
        env["GRAPHSVC_ANSWER_CACHE_ENTRIES"] = str(answer_cache)
    proc = subprocess.Popen(  # noqa: S603  fixed argv, no shell, no user input
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

    every = explore.list_rings(store, per_page=500)["rings"]
    if not every:
        raise SystemExit("detection found no rings: nothing to benchmark")
    # The top 50 rings are what every investigator opens (their URLs repeat, as in
    # use); people and pairs are many, so each entity, neighbourhood, search and path
    # is asked about about once per run: those answers are computed, not cached.
    rings = every[:50]
    members = [(r, [m for m in r["members"] if m["kind"] == "participant"]) for r in rings]
    people = [m["id"] for _, ms in members for m in ms][:200]
    everyone = [[m for m in r["members"] if m["kind"] == "participant"] for r in every]
    pairs = [(ms[0]["id"], ms[-1]["id"]) for ms in everyone if len(ms) >= 2][:200]
    phones = store.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(i:Identifier {kind: 'phone'}) "
        "WHERE p.id IN $ids RETURN i.value LIMIT 50",
        {"ids": people},
    ).column("i.value")
    typologies = sorted({r["typology"] for r in rings})
    return {
        "html ring subgraph": [f"/api/rings/{r['id']}/subgraph?format=html" for r in rings],
        # the investigator's ring page (issue 13): evidence layout, charts, evidence table
        "html ring page": [f"/rings/{r['id']}?lang={lang}" for r in rings for lang in ("zh", "en")],
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
    generator: str = "python",
) -> dict[str, list[float]]:
    """Send ``urls`` (endpoint, path) over ``clients`` connections, client ``i`` taking
    ``urls[i::clients]`` in order; latencies in ms per endpoint."""
    if generator == "wrk":
        return hammer_wrk(base, token, urls, clients)
    return hammer_python(base, token, urls, clients)


# One wrk thread per connection, so request() and response() of a connection run in
# one Lua state and alternate; the clock is CLOCK_MONOTONIC through LuaJIT's ffi. A
# thread that has answered its share writes its latencies (to a temporary name, then
# renamed) and stops; wrk's own summary is not used.
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } gs_timespec;
int clock_gettime(int clk_id, gs_timespec *tp);
]]
local ts = ffi.new("gs_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  dir = args[1]
  local clients = tonumber(args[2])
  local token = io.open(dir .. "/token"):read("*l")
  headers = { ["Authorization"] = "Bearer " .. token }
  names, paths, out, n, t0 = {}, {}, {}, 0, 0
  local i = 0
  for line in io.lines(dir .. "/urls.tsv") do
    if i % clients == id then
      local name, path = line:match("^(%d+)\t(.*)$")
      names[#names + 1] = name
      paths[#paths + 1] = path
    end
    i = i + 1
  end
end

function request()
  t0 = now_ms()
  return wrk.format("GET", paths[math.min(n + 1, #paths)], headers)
end

function response(status, headers, body)
  local ms = now_ms() - t0
  n = n + 1
  if n <= #paths then
    out[n] = names[n] .. "\t" .. string.format("%.3f", ms) .. "\t" .. status
  end
  if n == #paths then
    local tmp = dir .. "/thread-" .. id .. ".part"
    local f = io.open(tmp, "w")
    f:write(table.concat(out, "\n"), "\n")
    f:close()
    os.rename(tmp, dir .. "/thread-" .. id .. ".tsv")
    wrk.thread:stop()
  end
end
"""


def wrk_version() -> str | None:
    exe = shutil.which("wrk")
    if exe is None:
        return None
    res = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)  # noqa: S603  fixed argv, no shell, no user input
    first = (res.stdout or res.stderr).splitlines()
    return first[0].strip() if first else "wrk"


def hammer_wrk(
    base: str, token: str, urls: list[tuple[str, str]], clients: int, limit_s: int = 900
) -> dict[str, list[float]]:
    """The same closed loop as ``hammer_python``, driven by wrk (-t = -c = clients)."""
    if len(urls) < clients:
        raise SystemExit(f"{len(urls)} requests for {clients} clients: give each one some")
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk not found (apt-get install wrk), or use --load-generator python")
    names = sorted({n for n, _ in urls})
    index = {n: i for i, n in enumerate(names)}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        d = Path(tmp)
        (d / "token").write_text(token + "\n")
        (d / "urls.tsv").write_text("".join(f"{index[n]}\t{p}\n" for n, p in urls))
        (d / "script.lua").write_text(WRK_SCRIPT)
        cmd = [
            exe,
            "-t",
            str(clients),
            "-c",
            str(clients),
            "-d",
            f"{limit_s}s",
            "--timeout",
            "30s",
            "-s",
            str(d / "script.lua"),
            base + "/",
            "--",
            tmp,
            str(clients),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603  fixed argv, no shell, no user input
        files = [d / f"thread-{k}.tsv" for k in range(clients)]
        deadline = time.monotonic() + limit_s + 30
        # wrk sleeps for its whole -d even when every thread has stopped: interrupt it
        # once all shares are answered (SIGINT ends the sleep, threads join, wrk exits).
        while proc.poll() is None and time.monotonic() < deadline:
            if all(f.exists() for f in files):
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        missing = [f.name for f in files if not f.exists()]
        if missing:
            raise SystemExit(f"wrk did not finish {missing}: {(out + err)[-1500:]}")
        lat: dict[str, list[float]] = defaultdict(list)
        for f in files:
            for line in f.read_text().splitlines():
                i, ms, status = line.split("\t")
                if status != "200":
                    raise SystemExit(f"{names[int(i)]}: HTTP {status}")
                lat[names[int(i)]].append(float(ms))
    if sum(len(v) for v in lat.values()) != len(urls):
        raise SystemExit("wrk answered a different number of requests than sent")
    return lat


def hammer_python(
    base: str,
    token: str,
    urls: list[tuple[str, str]],
    clients: int,
) -> dict[str, list[float]]:
    """Threads of this process, one httpx connection each."""
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


def server_stack() -> dict[str, Any]:
    """What uvicorn picks with its defaults ("auto"): the C parser and loop when installed."""
    import importlib.util

    return {
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
    }


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
    ap.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed, else Python threads",
    )
    ap.add_argument(
        "--answer-cache",
        type=int,
        default=None,
        help="GRAPHSVC_ANSWER_CACHE_ENTRIES for the server (0: every answer computed; "
        "default: the setting's default)",
    )
    ap.add_argument("--html-requests", type=int, default=400)
    ap.add_argument(
        "--ring-pages",
        action="store_true",
        help="also measure the HTML ring page /rings/{id} (zh and en), --html-requests of them",
    )
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

    generator = args.load_generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    path = province(args.participants, args.seed)
    report: dict[str, Any] = {
        "machine": machine(),
        "load_generator": {
            "tool": generator,
            "version": wrk_version() if generator == "wrk" else sys.version.split()[0],
            "mode": "closed loop: one connection per client, next request when the "
            "previous answer is complete, no think time",
        },
        "server": server_stack(),
        "workers": args.workers,
        "answer_cache_entries": (
            args.answer_cache
            if args.answer_cache is not None
            else Settings.model_fields["answer_cache_entries"].default
        ),
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
        server = start_server(settings, port, args.workers, args.answer_cache)
        base = f"http://127.0.0.1:{port}"
        try:
            json_names = [n for n in urls if not n.startswith("html")]
            if not args.ring_pages:
                urls.pop("html ring page")
            # Warm-up: one of each URL kind, not measured.
            hammer(base, token, [(n, u[0]) for n, u in urls.items()], 1)
            html = hammer(
                base,
                token,
                expand(urls, ["html ring subgraph"], args.html_requests),
                args.clients,
                generator,
            )
            if args.ring_pages:
                html.update(
                    hammer(
                        base,
                        token,
                        expand(urls, ["html ring page"], args.html_requests),
                        args.clients,
                        generator,
                    )
                )
            js = hammer(
                base, token, expand(urls, json_names, args.json_requests), args.clients, generator
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    measured = {**html, **js}
    rows = {k: summary(measured[k]) for k in urls if k in measured}
    all_json = [ms for v in js.values() for ms in v]
    report["endpoints"] = rows
    report["html_p95_ms"] = rows["html ring subgraph"]["p95_ms"]
    if "html ring page" in rows:
        report["ring_page_p95_ms"] = rows["html ring page"]["p95_ms"]
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
        f"{args.clients} concurrent clients, {args.workers} worker(s), load generator "
        f"{generator} (load {report['load_s']} s, detect {report['detect_s']} s)"
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
