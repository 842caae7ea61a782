"""Time the detection read (``graphsvc.detection.io``) table by table on a loaded store.

    .venv/bin/python benchmarks/bench_read.py --data-dir DIR --graph NAME

Reads each contract table the way ``graphsvc detect`` does (id-range pages of packed
rows) and prints rows, seconds and this process's peak RSS after each table; JSON goes
to ``--out``. The store must already hold a loaded province (e.g. one kept by
``bench_api.py --data-dir``). Nothing is written to the store.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine, peak_rss_bytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--graph", default="graphsvc")
    ap.add_argument("--page-size", type=int, default=200_000)
    ap.add_argument("--out", type=Path, default=OUT / "bench_read.json")
    args = ap.parse_args()

    from graphsvc.config import Settings
    from graphsvc.detection import io
    from graphsvc.store import open_store

    store = open_store(Settings(data_dir=args.data_dir.resolve(), graph_name=args.graph))
    report: dict[str, Any] = {"machine": machine(), "page_size": args.page_size, "tables": {}}
    try:
        report["counts"] = store.counts()
        t_all = time.perf_counter()
        bound = io.id_bound(store)
        for table in io.READS:
            t0 = time.perf_counter()
            df = io.read_table(store, table, page_size=args.page_size, bound=bound)
            row = {
                "rows": len(df),
                "seconds": round(time.perf_counter() - t0, 2),
                "peak_rss_mib": round(peak_rss_bytes() / 2**20),
            }
            report["tables"][table] = row
            print(
                f"{table:14} {row['rows']:>10,} rows {row['seconds']:7.2f} s "
                f"peak RSS {row['peak_rss_mib']:>6} MiB",
                flush=True,
            )
        report["total_s"] = round(time.perf_counter() - t_all, 2)
    finally:
        store.close()
    print(f"total {report['total_s']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
