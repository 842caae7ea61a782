"""``graphsvc grades compute|export``: credit grades of the current detection run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.errors import InputError, NotFound
from graphsvc.store import open_store
from graphsvc.supervision import history
from graphsvc.supervision.grades import GRADES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("grades", help="credit grades A-D of institutions, doctors, participants")
    gsub = p.add_subparsers(dest="grades_command", metavar="ACTION", required=True)
    c = gsub.add_parser("compute", help="grade the current detection run (kept per run)")
    c.add_argument("--force", action="store_true", help="regrade a run already graded")
    c.set_defaults(func=run_compute)
    e = gsub.add_parser("export", help="grades as CSV (formula-safe cells)")
    e.add_argument("--run", help="run id (default: the latest graded run)")
    e.add_argument("--kind", choices=["participant", "doctor", "institution"])
    e.add_argument("--grade", choices=list(GRADES))
    e.add_argument("--out", type=Path, help="file to write (default: stdout)")
    e.set_defaults(func=run_export)


def run_compute(args: argparse.Namespace) -> int:
    settings = get_settings()
    store = open_store(settings)
    try:
        run_id, n = history.compute_current(store, settings, force=args.force)
    finally:
        store.close()
    sys.stdout.write(f"graded {n} entities of run {run_id}\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    settings = get_settings()
    run_id = args.run or history.latest_run(settings)
    if run_id is None:
        raise NotFound("no graded run: run `graphsvc grades compute` first")
    text = history.grades_csv(
        history.list_grades(settings, run_id, kind=args.kind, grade=args.grade), run_id
    )
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{args.out}: cannot write: {exc.strerror}") from None
    return 0
