"""Detection benchmark: quality (ours vs the textbook baseline), time and peak memory.

    .venv/bin/python benchmarks/bench_detect.py --sizes 20000 200000 --seeds 1 2

For each size and seed a province is generated once into ``--workdir`` (reused on
later runs), then a fresh child process reads it from CSV, runs every detector and
the baseline and evaluates both against ``ground_truth.json`` (provinces are cached
in ``$TMPDIR/graphsvc-bench`` unless ``--workdir`` says otherwise). A child per case keeps
the peak RSS honest (``ru_maxrss`` of a process that did only that case). Results go
to stdout as a table and to ``--out`` as JSON. Targets: recall >= 0.95, precision >=
0.9, no legitimate group flagged; 1.2M settlements in <= 120 s and <= 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(workdir: Path, size: int, seed: int) -> Path:
    from graphsvc.generate import generate_province

    out = workdir / f"province-{size}-{seed}"
    if not (out / "ground_truth.json").exists():
        t0 = time.perf_counter()
        generate_province(out, participants=size, seed=seed)
        print(f"generated {out.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return out


def one_case(province: Path) -> dict[str, Any]:
    """Run in a child process: read, detect, baseline, evaluate."""
    from graphsvc.detection import DetectConfig, from_csv_dir, run_detectors
    from graphsvc.detection.baseline import TYPOLOGIES as BASE_T
    from graphsvc.detection.baseline import baseline_rings
    from graphsvc.detection.evaluate import evaluate, load_ground_truth, passes
    from graphsvc.detection.rings import TYPOLOGIES

    t0 = time.perf_counter()
    data = from_csv_dir(province)
    read_s = time.perf_counter() - t0
    rss_after_read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1, c1 = time.perf_counter(), time.process_time()
    result = run_detectors(data, DetectConfig())
    detect_s, detect_cpu_s = time.perf_counter() - t1, time.process_time() - c1
    rss_detect = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = load_ground_truth(province)
    ours = evaluate([r.to_json() for r in result.rings], truth, TYPOLOGIES)
    t2 = time.perf_counter()
    base = baseline_rings(data)
    base_s = time.perf_counter() - t2
    theirs = evaluate(base, truth, BASE_T)
    return {
        "province": province.name,
        "sizes": data.sizes(),
        "read_s": round(read_s, 1),
        "detect_s": round(detect_s, 1),
        # CPU seconds of this process: on a shared machine the wall time includes the
        # others' share of the cores, this does not (it does include the GIL-free
        # threads numpy/pandas may use, so it can exceed the wall time when idle).
        "detect_cpu_s": round(detect_cpu_s, 1),
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "detector_s": result.timings,
        "baseline_s": round(base_s, 1),
        "peak_rss_mib_after_read": round(rss_after_read),
        "peak_rss_mib": round(rss_detect),
        "rings": len(result.rings),
        "ours": ours,
        "ours_problems": passes(ours),
        "baseline": theirs,
        "baseline_problems": passes(theirs),
        "baseline_rings": len(base),
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| province | settlements | method | typology | planted | recall | precision "
        "| legit flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for method in ("ours", "baseline"):
            rep = r[method]
            legit = f"{len(rep['legit_flagged'])}/{rep['legit_groups']}"
            for t, m in rep["typologies"].items():
                lines.append(
                    f"| {r['province']} | {r['sizes']['prescriptions']:,} | {method} | {t} "
                    f"| {m['planted']} | {m['recall']} | {m['precision']} | {legit} |"
                )
    lines += ["", "| province | settlements | read s | detect s | per detector s | peak RSS MiB |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        per = ", ".join(f"{k} {v}" for k, v in r["detector_s"].items())
        lines.append(
            f"| {r['province']} | {r['sizes']['prescriptions']:,} | {r['read_s']} "
            f"| {r['detect_s']} | {per} | {r['peak_rss_mib']} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    cache = Path(tempfile.gettempdir()) / "graphsvc-bench"
    ap.add_argument("--workdir", type=Path, default=cache, help="generated provinces (reused)")
    ap.add_argument("--out", type=Path, default=cache / "bench_detect.json")
    ap.add_argument("--case", type=Path, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.case is not None:
        print(json.dumps(one_case(args.case)))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        for seed in args.seeds:
            province = generate(args.workdir, size, seed)
            proc = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
                [sys.executable, __file__, "--case", str(province)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(res)
            print(
                f"{province.name}: detect {res['detect_s']}s ({res['detect_cpu_s']} CPU s), "
                f"peak {res['peak_rss_mib']} MiB, "
                f"problems {res['ours_problems'] or 'none'}",
                file=sys.stderr,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
