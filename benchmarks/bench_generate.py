"""Generation time and peak memory of the synthetic province, per size.

Each size runs in a fresh subprocess (so peak RSS is that size's own) and writes
into a temporary directory that is removed afterwards. Prints one JSON line per
size and writes them all to benchmarks/out/generate.json.

    .venv/bin/python benchmarks/bench_generate.py --sizes 20000 200000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine, peak_rss_bytes


def one_size(participants: int, seed: int, fmt: str) -> dict[str, Any]:
    from graphsvc.generate import generate_province

    out = Path(tempfile.mkdtemp(prefix="graphsvc-gen-"))
    try:
        t0 = time.perf_counter()
        truth = generate_province(out, participants=participants, seed=seed, fmt=fmt)
        elapsed = time.perf_counter() - t0
        ext = "parquet" if fmt == "parquet" else "csv"
        if fmt == "parquet":
            import pyarrow.parquet as pq

            settlements = pq.ParquetFile(out / f"prescriptions.{ext}").metadata.num_rows
        else:
            with open(out / f"prescriptions.{ext}", "rb") as fh:
                settlements = sum(1 for _ in fh) - 1
        size = sum(p.stat().st_size for p in out.iterdir())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "participants": participants,
        "seed": seed,
        "format": fmt,
        "settlements": settlements,
        "rings": len(truth.rings),
        "benign_groups": len(truth.benign_groups),
        "seconds": round(elapsed, 2),
        "peak_rss_mib": round(peak_rss_bytes() / 2**20, 1),
        "bytes_written": size,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--format", dest="fmt", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.seed, args.fmt)))
        return 0
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        child = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
            [*cmd, "--format", args.fmt], capture_output=True, text=True, check=True
        )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{n:>9,} participants: {row['settlements']:>10,} settlements in "
            f"{row['seconds']:7.1f} s, peak RSS {row['peak_rss_mib']:,.0f} MiB",
            flush=True,
        )
        rows.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "generate.json").write_text(
        json.dumps({"machine": machine(), "results": rows}, indent=1) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
