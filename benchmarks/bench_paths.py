"""Time the two steps of ``explore.shortest_paths`` on a loaded, detected store.

    .venv/bin/python benchmarks/bench_paths.py --data-dir DIR --graph NAME

For ring co-member pairs (what investigators ask about; within two hops through their
ring) and for pairs of the busiest institutions, doctors and shared identifiers (the
worst case), time the bound two-hop match (``explore_near_paths``) and FalkorDB's
``allShortestPaths`` (``explore_shortest_paths``) separately, as store round trips.
Prints medians and writes JSON to ``--out``. Nothing is written to the store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine

STEPS = ("explore_near_paths", "explore_shortest_paths")


def pairs(store: Any, n: int) -> dict[str, list[tuple[str, str]]]:
    members = store.query(
        "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->(p:Participant) "
        "WITH g, collect(p.id) AS ps WHERE size(ps) >= 2 "
        "RETURN ps[0], ps[size(ps) - 1] ORDER BY g.id LIMIT $n",
        {"n": n},
    ).rows
    out = {"ring co-members": [(f"participant:{a}", f"participant:{b}") for a, b in members]}
    for kind, label, rel in (
        ("institution", "Institution", "AT"),
        ("doctor", "Doctor", "PRESCRIBED_BY"),
    ):
        busiest = store.query(
            f"MATCH (x:{label})<-[:{rel}]-(s:Prescription) WITH x, count(s) AS n "
            "RETURN x.id ORDER BY n DESC, x.id LIMIT 2"
        ).column("x.id")
        out[f"busiest {kind}s"] = [(f"{kind}:{busiest[0]}", f"{kind}:{busiest[1]}")]
    shared = store.query(
        "MATCH (x:Identifier)<-[:HAS_IDENTIFIER]-(p:Participant) WITH x, count(p) AS n "
        "RETURN x.id ORDER BY n DESC, x.id LIMIT 2"
    ).column("x.id")
    out["most shared identifiers"] = [(f"identifier:{shared[0]}", f"identifier:{shared[1]}")]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--graph", default="graphsvc")
    ap.add_argument("--pairs", type=int, default=60, help="ring co-member pairs")
    ap.add_argument("--out", type=Path, default=OUT / "bench_paths.json")
    args = ap.parse_args()

    from graphsvc.config import Settings
    from graphsvc.services import explore
    from graphsvc.services.explore.query import _labelled
    from graphsvc.store import open_store

    store = open_store(Settings(data_dir=args.data_dir.resolve(), graph_name=args.graph))
    report: dict[str, Any] = {"machine": machine(), "groups": {}}
    try:
        for group, todo in pairs(store, args.pairs).items():
            times: dict[str, list[float]] = {s: [] for s in STEPS}
            found = 0
            for a, b in todo:
                (fk, fid), (tk, tid) = explore.parse_ref(a), explore.parse_ref(b)
                labels = {"from_label": explore.label_of(fk), "to_label": explore.label_of(tk)}
                params = {"from_id": fid, "to_id": tid, "cap": explore.NEAR_PATHS_CAP, "limit": 5}
                for step in STEPS:
                    text = _labelled(store, step, **labels)
                    t0 = time.perf_counter()
                    rows = store.query(text, params, timeout_ms=120_000).rows
                    times[step].append((time.perf_counter() - t0) * 1000)
                    if step == STEPS[0] and rows:
                        found += 1
            row = {
                "pairs": len(todo),
                "within_two_hops": found,
                **{f"{s}_median_ms": round(statistics.median(v), 2) for s, v in times.items()},
            }
            report["groups"][group] = row
            print(
                f"{group:24} pairs {row['pairs']:>3}  within 2 hops {found:>3}  "
                f"two-hop step {row['explore_near_paths_median_ms']:>8} ms  "
                f"allShortestPaths {row['explore_shortest_paths_median_ms']:>8} ms",
                flush=True,
            )
    finally:
        store.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
