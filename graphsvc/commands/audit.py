"""``graphsvc audit verify|show``: check the hash chain; read recent records."""

from __future__ import annotations

import argparse
import json
import sys

from graphsvc.audit import AuditLog
from graphsvc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="verify or read the audit trail")
    ps = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = ps.add_parser(
        "verify", help="check the chain; exit 1 naming the first bad line if tampered with"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=run_verify)

    show = ps.add_parser("show", help="print recent records as JSON lines, newest first")
    show.add_argument("--user")
    show.add_argument("--action")
    show.add_argument("--limit", type=int, default=20)
    show.set_defaults(func=run_show)


def run_verify(args: argparse.Namespace) -> int:
    log = AuditLog.from_settings(get_settings())
    result = log.verify()
    if args.json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    elif result.ok:
        sys.stdout.write(f"audit trail intact: {result.records} records ({log.path})\n")
    else:
        sys.stdout.write(
            f"audit trail BROKEN at line {result.bad_line} of {log.path}: {result.reason} "
            f"({result.records} records verified before it)\n"
        )
    return 0 if result.ok else 1


def run_show(args: argparse.Namespace) -> int:
    _, records = AuditLog.from_settings(get_settings()).search(
        user=args.user, action=args.action, limit=args.limit
    )
    for rec in records:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0
