"""Detection output snapshot, per detector, to show a speed change leaves the rings alone.

    .venv/bin/python benchmarks/ring_snapshot.py run PROVINCE_DIR before.json
    (change the code)
    .venv/bin/python benchmarks/ring_snapshot.py run PROVINCE_DIR after.json
    .venv/bin/python benchmarks/ring_snapshot.py compare before.json after.json

``run`` reads a contract directory (``from_csv_dir``, as ``bench_detect.py`` does), runs
every detector (or ``--only``) and writes, per detector: its candidates before the
threshold (members, surprise, adjusted surprise), its finalised rings (``Ring.to_json``:
ids, members, scores, reasons, money) and, for a full run, the rings after ``absorb``,
with wall and CPU seconds per detector (CPU time is the fairer figure on a shared
machine). ``compare`` exits 1 when anything differs and says which detector and field.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(province: Path, out: Path, only: str | None) -> None:
    from graphsvc.detection import DetectConfig, from_csv_dir
    from graphsvc.detection.common import PYTHON_CLUSTERING
    from graphsvc.detection.runner import absorb, detector, finalise, parse_only, sort_rings

    data = from_csv_dir(province)
    config = DetectConfig()
    per: dict[str, list[dict[str, Any]]] = {}
    cands: dict[str, list[Any]] = {}
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    kept_all = []
    for name in parse_only(only):
        t0, c0 = time.perf_counter(), time.process_time()
        found = detector(name)(data, config, clustering=PYTHON_CLUSTERING)
        cands[name] = sorted(
            [
                sorted([m.kind, m.id, m.role] for m in r.members),
                round(r.surprise, 6),
                round(r.adjusted_surprise, 6),
            ]
            for r in found
        )
        kept = finalise(found, name, config)
        wall[name] = round(time.perf_counter() - t0, 2)
        cpu[name] = round(time.process_time() - c0, 2)
        per[name] = [r.to_json() for r in kept]
        kept_all.extend(kept)
        print(f"{name}: {len(kept)} rings, {wall[name]} s, CPU {cpu[name]} s", file=sys.stderr)
    final = [r.to_json() for r in sort_rings(absorb(kept_all))] if only is None else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    doc = {"per": per, "cands": cands, "final": final, "wall_s": wall, "cpu_s": cpu}
    doc["peak_rss_mib"] = round(peak)
    out.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def compare(a: Path, b: Path) -> int:
    x = json.loads(a.read_text(encoding="utf-8"))
    y = json.loads(b.read_text(encoding="utf-8"))
    differ = 0
    for name in sorted(set(x["per"]) & set(y["per"])):
        same_rings = x["per"][name] == y["per"][name]
        same_cands = x["cands"][name] == y["cands"][name]
        print(
            f"{name}: rings {'identical' if same_rings else 'DIFFER'} "
            f"({len(x['per'][name])} vs {len(y['per'][name])}), candidates "
            f"{'identical' if same_cands else 'DIFFER'}"
        )
        if not same_rings:
            old = {r["id"]: r for r in x["per"][name]}
            new = {r["id"]: r for r in y["per"][name]}
            print(f"  only before: {sorted(set(old) - set(new))[:10]}")
            print(f"  only after: {sorted(set(new) - set(old))[:10]}")
            for rid in sorted(set(old) & set(new)):
                fields = [f for f in old[rid] if old[rid][f] != new[rid].get(f)]
                if fields:
                    print(f"  {rid}: {fields}")
        differ += (not same_rings) + (not same_cands)
    if x["final"] is not None and y["final"] is not None:
        same = x["final"] == y["final"]
        print(f"after absorb: {'identical' if same else 'DIFFER'}")
        differ += not same
    return 1 if differ else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("province", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--only", help="comma-separated typologies (no after-absorb rings)")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.province, args.out, args.only)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    raise SystemExit(main())
