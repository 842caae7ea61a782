"""``graphsvc inspections draw|verify``: random inspections (双随机、一公开)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.errors import InputError
from graphsvc.store import open_store
from graphsvc.supervision import inspections


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inspections", help="random inspections drawn from a published seed")
    isub = p.add_subparsers(dest="inspections_command", metavar="ACTION", required=True)
    d = isub.add_parser("draw", help="draw institutions (weighted by grade) and inspectors")
    d.add_argument("--seed", type=int, required=True, help="the published seed (integer >= 0)")
    d.add_argument("--count", type=int, default=10, help="institutions to inspect")
    d.add_argument("--per", type=int, default=2, help="inspectors per inspection (>= 2)")
    d.add_argument("--roster", type=Path, help="inspector roster CSV (name,region,conflicts)")
    d.add_argument("--out", type=Path, help="write the list (JSON) here; default: stdout")
    d.set_defaults(func=run_draw)
    v = isub.add_parser("verify", help="recompute a published list from its seed")
    v.add_argument("list", type=Path, help="the published list (JSON)")
    v.add_argument("seed", type=int)
    v.set_defaults(func=run_verify)


def run_draw(args: argparse.Namespace) -> int:
    from graphsvc.commands.users import cli_actor, cli_audit

    settings = get_settings()
    store = open_store(settings)
    try:
        inputs = inspections.gather_inputs(
            store, settings, count=args.count, per=args.per, roster=args.roster
        )
    finally:
        store.close()
    listing = inspections.make_list(inputs, args.seed)
    draw_id = inspections.record_draw(settings, listing, cli_actor())
    cli_audit(settings, "inspections.draw", draw_id, seed=args.seed, rows=args.count)
    text = json.dumps(listing, ensure_ascii=False, indent=1) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.out}: cannot write: {exc.strerror}") from None
    sys.stderr.write(f"draw {draw_id}: {len(listing['inspections'])} inspections\n")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    try:
        listing = json.loads(args.list.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{args.list}: not a readable inspection list ({exc})") from None
    problems = inspections.verify(listing, args.seed)
    if problems:
        for p in problems:
            sys.stdout.write(f"MISMATCH: {p}\n")
        return 1
    sys.stdout.write(
        f"OK: {len(listing['inspections'])} inspections recomputed from seed {args.seed}\n"
    )
    return 0
