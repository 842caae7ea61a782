"""``graphsvc generate OUT_DIR``: a synthetic province with planted rings and ground truth."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from graphsvc.generate import generate_province
from graphsvc.generate.province import FORMATS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "generate",
        help="generate a synthetic province (contract CSVs + ground_truth.json)",
        description=(
            "Write a realistic synthetic province in the data contract's format into OUT_DIR: "
            "participants, identifiers, institutions, doctors, prescriptions, "
            "prescription_items, family_links, referrals, plus ground_truth.json listing the "
            "planted fraud rings and the benign look-alikes (docs/generator.md). The same size "
            "and seed always give byte-identical files."
        ),
    )
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="directory to write into")
    p.add_argument(
        "--participants", type=int, default=20_000, help="insured participants (default 20000)"
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        default="csv",
        help="file format (default csv; national: a national-platform export, docs/loading.md)",
    )
    p.add_argument(
        "--with-errors",
        action="store_true",
        help="add ~0.1%% rows that break one contract rule each (listed in ground_truth bad_rows)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    truth = generate_province(
        args.out_dir,
        participants=args.participants,
        seed=args.seed,
        fmt=args.fmt,
        with_errors=args.with_errors,
        progress=not args.no_progress,
    )
    elapsed = time.perf_counter() - started
    rings = Counter(r.typology for r in truth.rings)
    benign = Counter(g.kind for g in truth.benign_groups)
    out = sys.stdout
    out.write(
        f"generated {args.participants:,} participants (seed {args.seed}) into {args.out_dir} "
        f"in {elapsed:.1f}s\n"
    )
    out.write("planted rings: " + ", ".join(f"{k} {v}" for k, v in sorted(rings.items())) + "\n")
    out.write("benign groups: " + ", ".join(f"{k} {v}" for k, v in sorted(benign.items())) + "\n")
    if truth.bad_rows:
        out.write(f"bad rows: {len(truth.bad_rows)} (see ground_truth.json bad_rows)\n")
    return 0
