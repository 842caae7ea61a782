"""Growth of load and detection with province size (issue: provincial scale).

For each size, in a fresh subprocess and a fresh embedded store: load the generated
province (in that subprocess, whose peak RSS is the loader's), then run detection
exactly as an operator does -- ``graphsvc detect --json FILE`` in its own child
process, timed from outside and with its own peak RSS (``wait4``) -- and score the
rings it wrote against the province's ``ground_truth.json``. Record the store's peak
RSS and its memory per node and relationship. Then fit time ~ a * settlements^k
(log-log least squares) and memory ~ b_n * nodes + b_r * rels, and draw
docs/img/growth.png.

    .venv/bin/python benchmarks/bench_growth.py --sizes 20000 50000 100000 200000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    OUT,
    children_peak_rss_bytes,
    machine,
    peak_rss_bytes,
    private_store,
    process_hwm_bytes,
    province,
)


def detect_cli(settings: Any, out: Path) -> tuple[float, int, str]:
    """``graphsvc detect --json out`` against this store: wall s, peak RSS bytes, stdout."""
    env = {
        **os.environ,
        "GRAPHSVC_DATA_DIR": str(settings.data_dir),
        "GRAPHSVC_GRAPH_NAME": settings.graph_name,
        "GRAPHSVC_STORE_PORT": str(settings.store_port),
    }
    cmd = [sys.executable, "-m", "graphsvc", "detect", "--json", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603  fixed argv, no shell, no user input
    stdout, stderr = proc.communicate()  # reaps the child: its rusage is read below
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"graphsvc detect failed: {stderr.decode(errors='replace')[-2000:]}")
    return wall, children_peak_rss_bytes(), stdout.decode(errors="replace")


def one_size(participants: int, seed: int) -> dict[str, Any]:
    from graphsvc.detection.evaluate import evaluate, load_ground_truth, passes
    from graphsvc.detection.rings import TYPOLOGIES
    from loaders import load_directory

    directory = province(participants, seed)
    with private_store() as (store, settings, pid):
        t0 = time.perf_counter()
        report = load_directory(store, directory)
        load_s = time.perf_counter() - t0
        load_peak = peak_rss_bytes()
        rings_file = settings.data_dir / "rings.json"
        detect_s, detect_peak, _ = detect_cli(settings, rings_file)
        rings = json.loads(rings_file.read_text())["rings"]
        quality = evaluate(rings, load_ground_truth(directory), TYPOLOGIES)
        counts = store.counts()
        rels = int(store.query("MATCH ()-[r]->() RETURN count(r)").scalar() or 0)
        used = int(store.memory_bytes()) if hasattr(store, "memory_bytes") else 0
        mem = store.memory_breakdown() if hasattr(store, "memory_breakdown") else {}
        node_mb = (
            mem.get("amortized_node_block_sz_mb", 0)
            + mem.get("amortized_node_attributes_by_label_sz_mb", 0)
            + mem.get("label_matrices_sz_mb", 0)
        )
        rel_mb = (
            mem.get("amortized_edge_block_sz_mb", 0)
            + mem.get("amortized_edge_attributes_by_type_sz_mb", 0)
            + mem.get("relation_matrices_sz_mb", 0)
        )
        tables = report.to_json()["tables"]
        return {
            "participants": participants,
            "seed": seed,
            "settlements": tables.get("prescriptions", {}).get("loaded", 0),
            "nodes": sum(counts.values()),
            "relationships": rels,
            "load_s": round(load_s, 2),
            "detect_s": round(detect_s, 2),
            "rings": len(rings),
            "quality_problems": passes(quality),
            "recall": {t: m["recall"] for t, m in quality["typologies"].items()},
            "precision": {t: m["precision"] for t, m in quality["typologies"].items()},
            "legit_flagged": len(quality["legit_flagged"]),
            "load_peak_rss_mib": round(load_peak / 2**20, 1),
            "detect_peak_rss_mib": round(detect_peak / 2**20, 1),
            "store_peak_rss_mib": round(process_hwm_bytes(pid) / 2**20, 1),
            "store_used_memory_mib": round(used / 2**20, 1),
            "graph_memory_mb": mem,
            "bytes_per_node": round(node_mb * 2**20 / max(sum(counts.values()), 1), 1),
            "bytes_per_relationship": round(rel_mb * 2**20 / max(rels, 1), 1),
        }


def fit(rows: list[dict[str, Any]]) -> dict[str, Any]:
    import numpy as np

    x = np.log([r["settlements"] for r in rows])
    out: dict[str, Any] = {}
    for key in ("load_s", "detect_s"):
        y = np.log([max(r[key], 1e-3) for r in rows])
        k, log_a = np.polyfit(x, y, 1)
        out[key] = {"exponent": round(float(k), 3), "coef": float(np.exp(log_a))}
    # Nodes and relationships grow in lockstep, so a regression cannot separate them:
    # FalkorDB's own per-structure accounting (GRAPH.MEMORY USAGE) does, per row.
    out["bytes_per_node"] = round(float(np.mean([r["bytes_per_node"] for r in rows])), 1)
    out["bytes_per_relationship"] = round(
        float(np.mean([r["bytes_per_relationship"] for r in rows])), 1
    )
    per_settlement = [r["store_used_memory_mib"] * 2**20 / r["settlements"] for r in rows]
    out["store_bytes_per_settlement"] = round(float(np.mean(per_settlement)), 1)
    out["detect_peak_mib_per_million_settlements"] = round(
        float(np.mean([r["detect_peak_rss_mib"] / r["settlements"] * 1e6 for r in rows])), 1
    )
    return out


def plot(rows: list[dict[str, Any]], fitted: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    s = np.array([r["settlements"] for r in rows], dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("load_s", "load"), ("detect_s", "detect")):
        y = [r[key] for r in rows]
        ax1.loglog(s, y, "o", label=f"{label} (measured)")
        grid = np.geomspace(s.min(), 5e8, 50)
        f = fitted[key]
        ax1.loglog(
            grid, f["coef"] * grid ** f["exponent"], "--", label=f"{label} fit ~ n^{f['exponent']}"
        )
    ax1.set_xlabel("settlements")
    ax1.set_ylabel("seconds")
    ax1.legend(fontsize=8)
    ax1.grid(True, which="both", alpha=0.3)
    ax2.plot(s, [r["store_used_memory_mib"] for r in rows], "o-", label="store used memory")
    ax2.plot(s, [r["store_peak_rss_mib"] for r in rows], "s-", label="store peak RSS")
    ax2.plot(s, [r["load_peak_rss_mib"] for r in rows], "^-", label="loader peak RSS")
    ax2.plot(s, [r["detect_peak_rss_mib"] for r in rows], "v-", label="graphsvc detect peak RSS")
    ax2.set_xlabel("settlements")
    ax2.set_ylabel("MiB")
    ax2.legend(fontsize=8)
    ax2.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000, 100_000, 200_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode
    ap.add_argument("--plot", type=Path, default=Path("docs/img/growth.png"))
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.seed)))
        return 0
    rows = []
    for n in args.sizes:
        child = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            return 1
        row = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        rows.append(row)
    result: dict[str, Any] = {"machine": machine(), "rows": rows}
    if len(rows) >= 2:
        result["fit"] = fit(rows)
        plot(rows, result["fit"], args.plot)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "growth.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result.get("fit", {}), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
