"""``graphsvc cypher QUERY``: what cypher-shell is to Neo4j, read-only unless --write."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from graphsvc.audit import AuditLog
from graphsvc.config import Settings, get_settings
from graphsvc.contract.cells import inert
from graphsvc.errors import GraphsvcError, ReadOnlyViolation
from graphsvc.store import open_store
from graphsvc.store.values import to_jsonable


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "cypher",
        help="run a Cypher query (read-only unless --write)",
        description="Run one Cypher statement, or a saved query with --name, against the store.",
    )
    p.add_argument("query", nargs="?", help="Cypher text ('-' reads standard input)")
    p.add_argument("--name", help="run the saved query of queries/ with this name instead")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="K=V",
        help="a parameter; V is parsed as JSON when it can be (numbers, lists), else a string",
    )
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--write", action="store_true", help="allow writes")
    p.add_argument("--timeout-ms", type=int, help="query time limit")
    p.set_defaults(func=run)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; values parsed as JSON when possible.

    >>> parse_params(["n=3", "ids=[\\"a\\"]", "name=Wang"])
    {'n': 3, 'ids': ['a'], 'name': 'Wang'}
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise GraphsvcError(f"--param needs K=V, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def _cell(value: Any) -> str:
    v = to_jsonable(value)
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _audit(
    settings: Settings,
    args: argparse.Namespace,
    text: str,
    params: dict[str, Any],
    *,
    outcome: str = "ok",
    rows: int | None = None,
) -> None:
    """One ``cypher.query`` record, like the API console's, with target ``cli``.

    Why the CLI too (issue #19): reading full ID numbers through the shell must leave
    the same trace as through the web console.
    """
    from graphsvc.commands.users import cli_actor

    detail: dict[str, Any] = {"query": text, "parameters": params, "write": bool(args.write)}
    if args.name:
        detail["name"] = args.name
    AuditLog.from_settings(settings).append(
        user=cli_actor(),
        role="cli",
        action="cypher.query",
        target="cli",
        outcome=outcome,
        rows=rows,
        detail=detail,
    )


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    params = parse_params(args.param)
    text = ""
    try:
        with open_store(settings) as store:
            if args.name:
                q = store.named(args.name)
                text = q.text
                if q.write and not args.write:
                    raise GraphsvcError(f"saved query {args.name!r} writes; pass --write")
                res = store.query(q.text, params, write=q.write, timeout_ms=args.timeout_ms)
            else:
                text = sys.stdin.read() if args.query in (None, "-") else args.query
                if not text.strip():
                    raise GraphsvcError("no query given")
                try:
                    res = store.query(text, params, write=args.write, timeout_ms=args.timeout_ms)
                except ReadOnlyViolation as exc:
                    raise ReadOnlyViolation(f"{exc} (pass --write to allow writes)") from exc
    except GraphsvcError as exc:
        if text.strip():
            _audit(settings, args, text, params, outcome=f"{type(exc).__name__}: {exc}"[:300])
        raise
    _audit(settings, args, text, params, rows=len(res.rows))  # before any row is shown
    out = sys.stdout
    if args.format == "json":
        out.write(
            json.dumps(
                [{k: to_jsonable(v) for k, v in r.items()} for r in res.records()],
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    elif args.format == "csv":
        w = csv.writer(out)
        w.writerow(res.columns)
        w.writerows([inert(_cell(v)) for v in row] for row in res.rows)
    else:
        cells = [[_cell(v) for v in row] for row in res.rows]
        widths = [
            min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(res.columns)
        ]
        fmt = " | ".join(f"{{:<{w}}}" for w in widths)
        out.write(fmt.format(*res.columns) + "\n")
        out.write("-+-".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write(fmt.format(*(c[:60] for c in row)) + "\n")
        out.write(f"({len(res.rows)} row{'s' if len(res.rows) != 1 else ''})\n")
    return 0
