"""``graphsvc screen FILE [--json OUT]``: verdicts on settlements from a file.

The file is the contract's prescriptions table (CSV with a header row) or JSON (a
list of settlements, or ``{"prescriptions": [...]}``). The index is built from the
store once; one audit record holds every verdict with its inputs, as the API does.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from graphsvc.errors import InputError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("screen", help="screen settlements (pass / review / hold) from a file")
    p.add_argument("file", type=Path, help="prescriptions CSV or JSON")
    p.add_argument("--json", dest="out", type=Path, help="write the verdicts as JSON here")
    p.set_defaults(func=run)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(f"{path}: not JSON ({exc})") from exc
        rows = body.get("prescriptions") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise InputError(f"{path}: expected a list of settlements or {{prescriptions: [...]}}")
        return rows
    with path.open(newline="", encoding="utf-8") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def run(args: argparse.Namespace) -> int:
    from graphsvc.audit import AuditLog
    from graphsvc.commands.users import cli_actor
    from graphsvc.config import get_settings
    from graphsvc.screening import build_index
    from graphsvc.screening.rules import audit_detail, screen_batch
    from graphsvc.store import open_store
    from graphsvc.supervision.grades import load_config

    settings = get_settings()
    rows = read_rows(args.file)
    with open_store(settings) as store:
        index = build_index(store, grade_config=load_config(settings.grades_config))
    audit = AuditLog.from_settings(settings)
    try:
        verdicts = screen_batch(index, rows)
    except InputError as exc:
        audit.append(
            user=cli_actor(),
            role="admin",
            action="screen",
            target=str(args.file),
            outcome="error",
            rows=len(rows),
            detail={"via": "cli", "error": str(exc)},
        )
        raise
    audit.append(
        user=cli_actor(),
        role="admin",
        action="screen",
        target=str(args.file),
        rows=len(verdicts),
        detail={"via": "cli", **audit_detail(index, rows, verdicts)},
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"verdicts": verdicts}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    counts = {k: sum(v["verdict"] == k for v in verdicts) for k in ("pass", "review", "hold")}
    for v in verdicts:
        if v["verdict"] != "pass":
            codes = ",".join(r["code"] for r in v["reasons"])
            sys.stdout.write(f"{v['prescription_id']}\t{v['verdict']}\t{codes}\n")
    sys.stdout.write(
        f"{len(verdicts)} settlements: {counts['pass']} pass, {counts['review']} review, "
        f"{counts['hold']} hold\n"
    )
    return 0
