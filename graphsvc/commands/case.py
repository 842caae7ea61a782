"""``graphsvc case create|list|show|update|export|verify``: cases from the shell.

The operator of the CLI has the server's shell, its store and its key, so it acts
as an investigator under the name given with ``--as`` (default: the login name);
every export is written to the audit trail like an API download. Transfers are not
done here: they take two authenticated officers (an investigator proposes, a
supervisor approves, Hainan Art. 29), and ``--as`` is a claim, not a login.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphsvc.config import get_settings
from graphsvc.errors import GraphsvcError, InputError

if TYPE_CHECKING:  # imported when run: the CLI starts without loading the audit module
    from graphsvc.audit import AuditLog

CLI_ROLE = "investigator"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "case",
        help="open, list, change, export and verify investigation cases",
        description=(
            "Cases snapshot a flagged ring (or hand-picked entities) and follow it "
            "open -> in_review -> confirmed | dismissed; confirmed -> pending_transfer -> "
            "transferred through the API or pages (proposal + supervisor approval). A package is a "
            "signed zip (report.html/pdf, evidence CSVs, subgraph, network.html, manifest.json)."
        ),
    )
    ps = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    def actor(q: argparse.ArgumentParser) -> None:
        q.add_argument("--as", dest="actor", help="who acts (history, audit); default: login name")

    c = ps.add_parser("create", help="open a case from a ring or from entities")
    src = c.add_mutually_exclusive_group(required=True)
    src.add_argument("--ring", help="ring_id in the current run, or run_id:ring_id")
    src.add_argument(
        "--member",
        action="append",
        metavar="KIND:ID[:ROLE]",
        help="a hand-picked member (participant|doctor|institution); repeat",
    )
    c.add_argument("--title")
    c.add_argument("--assignee")
    c.add_argument("--typology", help="with --member: the suspected typology")
    c.add_argument("--clause", help="with --member: legal basis, e.g. 'Hainan Art. 23(7)'")
    c.add_argument("--reason", action="append", default=[], help="with --member; repeat")
    c.add_argument("--json", action="store_true")
    actor(c)
    c.set_defaults(func=run_create)

    ls = ps.add_parser("list", help="list cases, newest first")
    ls.add_argument("--status")
    ls.add_argument("--assignee")
    ls.add_argument("--typology")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    sh = ps.add_parser("show", help="one case with its history (JSON)")
    sh.add_argument("id")
    sh.set_defaults(func=run_show)

    up = ps.add_parser("update", help="change status, assignee or title; comment")
    up.add_argument("id")
    up.add_argument("--status", help="in_review, confirmed, dismissed, open")
    up.add_argument("--assignee", help="'' unassigns")
    up.add_argument(
        "--liaison", help="refused: a transfer is proposed and approved in the API or pages"
    )
    up.add_argument("--title")
    up.add_argument("--comment")
    actor(up)
    up.set_defaults(func=run_update)

    ex = ps.add_parser("export", help="write a case's signed package (zip)")
    ex.add_argument("id")
    ex.add_argument("--out", required=True, type=Path, help="FILE.zip")
    ex.add_argument("--lang", choices=["zh", "en"], default="zh", help="network.html language")
    actor(ex)
    ex.set_defaults(func=run_export)

    ve = ps.add_parser(
        "verify",
        help="check a package's hashes and signature; exit 1 naming changed/missing/added files",
    )
    ve.add_argument("file", type=Path)
    ve.add_argument(
        "--public-key",
        type=Path,
        help="the fund's public key, PEM (default: this server's, `graphsvc keys export-public`)",
    )
    ve.add_argument(
        "--no-key",
        action="store_true",
        help="check the files only; the signature is reported 'not checked' (exit 1)",
    )
    ve.add_argument(
        "--hmac-key",
        help="old (format /1) packages only: the shared HMAC key they were signed with",
    )
    ve.add_argument("--json", action="store_true")
    ve.set_defaults(func=run_verify)


class CliAudit:
    """The CLI operator's audit records (``--as`` name, investigator role), in the shape
    the case service writes them through (``graphsvc.cases.service.Recorder``)."""

    def __init__(self, log: AuditLog, user: str, role: str) -> None:
        self._log, self.user, self.role = log, user, role

    def record(
        self,
        action: str,
        target: str,
        outcome: str = "ok",
        rows: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> object:
        return self._log.append(
            user=self.user,
            role=self.role,
            action=action,
            target=target,
            outcome=outcome,
            rows=rows,
            detail=detail,
        )


def _actor(args: argparse.Namespace) -> Any:
    from graphsvc.cases.service import Viewer

    name = getattr(args, "actor", None) or getpass.getuser()
    return Viewer(name, CLI_ROLE)


def parse_member(text: str) -> Any:
    """``participant:P1:recruiter`` -> CaseMember.

    >>> parse_member("doctor:D9")
    RingMember(kind='doctor', id='D9', role='')
    """
    from graphsvc.cases.records import CaseMember

    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise InputError(f"--member needs KIND:ID[:ROLE], got {text!r}")
    ident, _, role = rest.partition(":")
    return CaseMember(kind.strip().lower(), ident.strip(), role.strip())


def run_create(args: argparse.Namespace) -> int:
    from graphsvc.audit import AuditLog
    from graphsvc.cases import service
    from graphsvc.store import open_store

    settings = get_settings()
    who = _actor(args)
    request = service.CaseRequest(
        ring_id=args.ring,
        members=[parse_member(m) for m in args.member or []],
        title=args.title,
        assignee=args.assignee,
        typology=args.typology,
        clause=args.clause,
        reasons=args.reason,
    )
    audit = CliAudit(AuditLog.from_settings(settings), who.username, who.role)
    with open_store(settings) as store:
        case = service.open_case(store, request, actor=who.username, audit=audit, via="cli")
    if args.json:
        sys.stdout.write(json.dumps(case.to_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(f"{case.id} opened ({case.member_count} members)\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from graphsvc.cases import service
    from graphsvc.store import open_store

    with open_store(get_settings()) as store:
        rows, total = service.list_cases(
            store,
            status=args.status,
            assignee=args.assignee,
            typology=args.typology,
            limit=args.limit,
        )
    out = sys.stdout
    if args.json:
        out.write(json.dumps({"total": total, "cases": rows}, ensure_ascii=False) + "\n")
        return 0
    fmt = "{:<10} {:<12} {:<22} {:>7} {:>14} {:<12} {}\n"
    out.write(fmt.format("id", "status", "typology", "members", "at risk", "assignee", "title"))
    for r in rows:
        amount = "" if r["amount_at_risk"] is None else f"{float(r['amount_at_risk']):,.2f}"
        out.write(
            fmt.format(
                r["id"],
                r["status"],
                r["typology"] or "-",
                r["member_count"] or 0,
                amount,
                r["assignee"] or "-",
                r["title"],
            )
        )
    out.write(f"({len(rows)} of {total})\n")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from graphsvc.cases import service
    from graphsvc.store import open_store

    with open_store(get_settings()) as store:
        case = service.get_case(store, args.id)
        events = service.get_events(store, args.id)
    doc = {"case": case.to_json(), "events": [e.to_json() for e in events]}
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return 0


def run_update(args: argparse.Namespace) -> int:
    from graphsvc.cases import service
    from graphsvc.store import open_store

    with open_store(get_settings()) as store:
        case = service.update_case(
            store,
            args.id,
            actor=_actor(args),
            status=args.status,
            assignee=args.assignee,
            liaison=args.liaison,
            title=args.title,
            comment=args.comment,
        )
    sys.stdout.write(f"{case.id}: {case.status} (version {case.version})\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from graphsvc.audit import AuditLog
    from graphsvc.cases.package import export_case
    from graphsvc.security import keys
    from graphsvc.store import open_store

    settings = get_settings()
    who = _actor(args)
    audit = AuditLog.from_settings(settings)
    with open_store(settings) as store:
        try:
            pkg = export_case(
                store,
                args.id,
                viewer=who,
                key=keys.load(settings),
                lang=args.lang,
                font_file=settings.report_font,
                audit_head=audit.signed_head(),
            )
        except GraphsvcError as exc:
            audit.append(
                user=who.username,
                role=who.role,
                action="case.export",
                target=args.id,
                outcome="error",
                detail={"via": "cli", "error": type(exc).__name__},
            )
            raise
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pkg.data)
    audit.append(
        user=who.username,
        role=who.role,
        action="case.export",
        target=args.id,
        rows=len(pkg.manifest["files"]),
        detail={"via": "cli", "masked": pkg.manifest["masked"], "out": str(args.out)},
    )
    sys.stdout.write(
        f"{args.out}: {len(pkg.manifest['files'])} files, "
        f"{'masked' if pkg.manifest['masked'] else 'UNMASKED personal data'}, signed "
        f"(key id {pkg.manifest['signature']['key_id']})\n"
    )
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Each check on its own line (the standalone verifier's lines); exit 1 unless all pass."""
    from graphsvc.cases.manifest import verify_package

    if not args.file.is_file():
        raise InputError(f"no such file: {args.file}")
    pem: bytes | None = None
    if args.public_key is not None:
        if not args.public_key.is_file():
            raise InputError(f"no such public key file: {args.public_key}")
        pem = args.public_key.read_bytes()
    elif not args.no_key:
        from graphsvc.security import keys

        pem = keys.public_pem(keys.load(get_settings()))
    result = verify_package(args.file.read_bytes(), pem, hmac_key=args.hmac_key)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in result.lines()))
    if result.ok:
        return 0
    raise GraphsvcError(f"{args.file}: verification failed: {'; '.join(result.problems())}")
