"""Detection quality on the held-out seeds (graphsvc.generate.shapes.HELDOUT_SEEDS).

Thresholds are tuned on TUNING_SEEDS only; this prints, per typology and per shape,
planted / found / recall summed over the held-out provinces, and per typology the
precision at 2 x planted and the legitimate groups flagged (docs/benchmarks.md).

    .venv/bin/python -m benchmarks.bench_quality_heldout [--participants N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from graphsvc.detection import DetectConfig, from_csv_dir, run_detectors
from graphsvc.detection.evaluate import evaluate, load_ground_truth
from graphsvc.detection.rings import TYPOLOGIES
from graphsvc.generate import generate_province
from graphsvc.generate.shapes import HELDOUT_SEEDS, SHAPES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--participants", type=int, default=20_000)
    args = ap.parse_args()
    shape_counts: dict[str, list[int]] = {}  # typology/shape -> [planted, found]
    typ: dict[str, list[int]] = {t: [0, 0, 0, 0] for t in TYPOLOGIES}  # planted found top ok
    legit = 0
    for seed in HELDOUT_SEEDS:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            generate_province(out, participants=args.participants, seed=seed)
            truth = load_ground_truth(out)
            rings = [r.to_json() for r in run_detectors(from_csv_dir(out), DetectConfig()).rings]
        rep = evaluate(rings, truth, TYPOLOGIES)
        legit += len(rep["legit_flagged"])
        for t, m in rep["typologies"].items():
            typ[t][0] += m["planted"]
            typ[t][1] += m["found"]
            typ[t][2] += m["top_k"]
            typ[t][3] += round(m["precision"] * m["top_k"]) if m["top_k"] else 0
        missed = {pid for m in rep["typologies"].values() for pid in m["missed"]}
        for r in truth["rings"]:
            c = shape_counts.setdefault(f"{r['typology']}/{r['shape']}", [0, 0])
            c[0] += 1
            c[1] += r["id"] not in missed
    print(f"held-out seeds {HELDOUT_SEEDS}, {args.participants} participants each")
    print("| typology | planted | found | recall | precision@2N |")
    print("|---|---|---|---|---|")
    for t, (p, f, k, ok) in typ.items():
        prec = f"{ok / k:.3f}" if k else "-"
        print(f"| {t} | {p} | {f} | {f / p:.3f} | {prec} |" if p else f"| {t} | 0 | 0 | - | - |")
    print("\n| typology/shape | planted | found | recall |")
    print("|---|---|---|---|")
    for t, shapes in SHAPES.items():
        for s in shapes:
            p, f = shape_counts.get(f"{t}/{s}", [0, 0])
            print(f"| {t}/{s} | {p} | {f} | {f / p:.3f} |" if p else f"| {t}/{s} | 0 | 0 | - |")
    print(f"\nlegitimate groups flagged: {legit}")


if __name__ == "__main__":
    main()
