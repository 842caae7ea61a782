"""Record linkage of participant records (issue #15) at province scale.

Times :func:`graphsvc.detection.linkage.link_records` on a generated province's
participants and identifiers read from its CSVs (the store read is timed by
bench_detect.py): features, fitting (λ, seeded u sample, two EM sessions) and
prediction, with the peak RSS of the process (those two tables + linkage), and scores
the links against the generator's ground truth (same-person pairs: ``moved_record``
and the ``mistyped_id`` duplicate enrolments; pairs that must stay apart:
``lookalike`` and ``twins``).

    .venv/bin/python benchmarks/bench_linkage.py --participants 200000 --seed 11
    .venv/bin/python benchmarks/bench_linkage.py --dir /tmp/province-200k
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine, peak_rss_bytes, province
from graphsvc.detection.config import LinkageConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.linkage import features, link_records
from graphsvc.generate.truth import GroundTruth


def _pairs(truth: GroundTruth) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    same = [tuple(sorted(m.id for m in g.members)) for g in truth.benign_groups
            if g.kind == "moved_record"]  # fmt: skip
    same += [tuple(sorted(m.id for m in r.members)) for r in truth.rings
             if r.shape == "mistyped_id"]  # fmt: skip
    apart = [tuple(sorted(m.id for m in g.members)) for g in truth.benign_groups
             if g.kind in ("lookalike", "twins")]  # fmt: skip
    return same, apart


def run(directory: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    # the two tables linkage reads (a detection run holds the others too: bench_detect.py)
    frames = {
        t: pd.read_csv(directory / f"{t}.csv", dtype=str, keep_default_na=False, na_values=[""])
        for t in ("participants", "identifiers")
    }
    data = GraphData.create(**frames)
    t_read = time.perf_counter() - t0
    cfg = LinkageConfig()
    t0 = time.perf_counter()
    feats = features(data, cfg.max_holders)
    t_feat = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = link_records(data, cfg)
    t_link = time.perf_counter() - t0
    truth = GroundTruth.read(directory / "ground_truth.json")
    same, apart = _pairs(truth)
    found = sum(got.person(a) == got.person(b) for a, b in same)
    wrong = sum(got.person(a) == got.person(b) for a, b in apart)
    return {
        "machine": machine(),
        "participants": len(data.participants),
        "read_csv_s": round(t_read, 1),
        "features_s": round(t_feat, 1),
        "link_records_s": round(t_link, 1),
        "pairs_at_threshold": got.pairs_compared,
        "links": len(got.links),
        "people_of_several_records": len(got.groups()),
        "same_person_pairs": len(same),
        "same_person_linked": found,
        "recall": round(found / max(1, len(same)), 4),
        "lookalike_and_twin_pairs": len(apart),
        "false_links_among_them": wrong,
        "peak_rss_mib": round(peak_rss_bytes() / 2**20),
        "features_rows": len(feats),
        "model": got.model,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--participants", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--dir", type=Path, help="a generated province (else one is generated)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    directory = args.dir or province(args.participants, args.seed)
    out = run(directory)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_linkage_{out['participants']}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps({k: v for k, v in out.items() if k != "model"}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
