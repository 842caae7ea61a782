"""``graphsvc detect``: run the fraud-ring detectors on the store and write a new run."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.detection.rings import TYPOLOGIES
from graphsvc.errors import InputError
from graphsvc.store import open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "detect",
        help="find fraud rings and write them as the current detection run",
        description=(
            "Reads the graph, runs every detector (or those named with --only), writes the "
            "rings as a new detection run that becomes current (earlier runs are kept, no "
            "longer current) and prints a summary. Typologies: " + ", ".join(TYPOLOGIES) + "."
        ),
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the rings as JSON")
    p.add_argument("--only", metavar="A,B", help="comma-separated typologies to run (default: all)")
    p.add_argument(
        "--config", type=Path, metavar="FILE", help="YAML/JSON thresholds (docs/detection.md)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="detect and print, but write nothing to the store"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphsvc.detection.config import load_config
    from graphsvc.detection.io import run_detection
    from graphsvc.detection.runner import parse_only

    only = parse_only(args.only)
    config = load_config(args.config)
    if args.json is not None and args.json.parent and not args.json.parent.exists():
        raise InputError(f"directory of {args.json} does not exist")
    settings = get_settings()
    graded: tuple[str, int] | None = None
    with open_store(settings) as store:
        result = run_detection(
            store,
            config,
            only,
            progress=True,
            write=not args.dry_run,
            linkage_cache=settings.data_dir / "cache" / "linkage",
        )
        if not args.dry_run:
            # Credit grades follow every run (issue 17): the history shows each run's grades.
            from graphsvc.supervision import history

            graded = history.compute_current(store, settings)
    doc = result.to_json()
    if args.json is not None:
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    out = sys.stdout
    counts = Counter(r.typology for r in result.rings)
    amount = sum(r.amount_at_risk for r in result.rings)
    state = "not written (dry run)" if args.dry_run else "written, now current"
    out.write(f"detection run {result.run_id}: {len(result.rings)} rings, {state}\n")
    for t in only:
        rings = [r for r in result.rings if r.typology == t]
        top = f", top score {rings[0].score:.2f}" if rings else ""
        out.write(
            f"  {t:<22} {counts.get(t, 0):>4} rings  "
            f"¥{sum(r.amount_at_risk for r in rings):>14,.2f} at risk  "
            f"{result.timings.get(t, 0.0):6.2f}s{top}\n"
        )
    out.write(f"  {'total':<22} {len(result.rings):>4} rings  ¥{amount:>14,.2f} at risk\n")
    if result.superseded:
        out.write(f"  superseded {result.superseded} earlier current run\n")
    if args.json is not None:
        out.write(f"  rings written to {args.json}\n")
    if graded is not None:
        out.write(f"  credit grades: {graded[1]} entities graded for run {graded[0]}\n")
    return 0
