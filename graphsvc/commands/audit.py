"""``graphsvc audit verify|show``: check the hash chain; read recent records."""

from __future__ import annotations

import argparse
import json
import sys

from graphsvc.audit import AuditLog
from graphsvc.audit_head import read_held
from graphsvc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="verify or read the audit trail")
    ps = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = ps.add_parser(
        "verify",
        help="check chain, MACs and signed anchors; exit 1 naming the first bad record and how; "
        "on success, write a signed anchor of the head",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument(
        "--head",
        action="append",
        default=[],
        metavar="FILE_OR_VALUE",
        help="a head held outside this machine, which the log must still hold: a case "
        "package zip, its manifest.json, a head as JSON, or SEQ:HASH as printed in the "
        "case report (repeatable)",
    )
    verify.set_defaults(func=run_verify)

    show = ps.add_parser("show", help="print recent records as JSON lines, newest first")
    show.add_argument("--user")
    show.add_argument("--action")
    show.add_argument("--limit", type=int, default=20)
    show.set_defaults(func=run_show)


def run_verify(args: argparse.Namespace) -> int:
    held = [read_held(h) for h in args.head]
    log = AuditLog.from_settings(get_settings())
    result = log.verify(held=held)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        sys.stdout.write(f"audit trail {result.summary()}\n  log: {log.path}\n")
        sys.stdout.write(f"  anchors: {log.anchor_path}\n")
    return 0 if result.ok else 1


def run_show(args: argparse.Namespace) -> int:
    _, records = AuditLog.from_settings(get_settings()).search(
        user=args.user, action=args.action, limit=args.limit
    )
    for rec in records:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0
