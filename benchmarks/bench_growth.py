"""Growth of load and detection with province size (issue: provincial scale).

For each size, in a fresh subprocess (so peak RSS is per size) and a fresh embedded
store: load the generated province, run every detector, record time, peak RSS of the
service process and of the store, and the store's memory per node and relationship.
Then fit time ~ a * settlements^k (log-log least squares) and memory ~ b_n * nodes +
b_r * rels, and draw docs/img/growth.png.

    .venv/bin/python benchmarks/bench_growth.py --sizes 20000 50000 100000 200000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    OUT,
    machine,
    peak_rss_bytes,
    private_store,
    process_hwm_bytes,
    province,
)


def one_size(participants: int, seed: int) -> dict[str, Any]:
    from graphsvc.detection import run_detection
    from loaders import load_directory

    directory = province(participants, seed)
    with private_store() as (store, _settings, pid):
        t0 = time.perf_counter()
        report = load_directory(store, directory)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        det = run_detection(store)
        detect_s = time.perf_counter() - t0
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
            "rings": len(det.to_json()["rings"]),
            "service_peak_rss_mib": round(peak_rss_bytes() / 2**20, 1),
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
    out["service_peak_mib_per_million_settlements"] = round(
        float(np.mean([r["service_peak_rss_mib"] / r["settlements"] * 1e6 for r in rows])), 1
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
    ax2.plot(s, [r["service_peak_rss_mib"] for r in rows], "^-", label="service peak RSS")
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
        child = subprocess.run(
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
