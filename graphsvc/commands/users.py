"""``graphsvc users add|list|disable|enable|passwd``: accounts of the web service.

Whoever can run this on the server owns the data directory anyway; each change
is still written to the audit trail as ``cli:<os user>``.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from datetime import UTC, datetime

from graphsvc.audit import AuditLog
from graphsvc.config import Settings, get_settings
from graphsvc.errors import InputError
from graphsvc.security.roles import ROLES
from graphsvc.security.users import UserDB


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli:unknown"


def cli_audit(
    settings: Settings, action: str, target: str, outcome: str = "ok", **detail: object
) -> None:
    AuditLog.from_settings(settings).append(
        user=cli_actor(),
        role="admin",
        action=action,
        target=target,
        outcome=outcome,
        detail=dict(detail),
    )


def read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): --generate, --password-stdin, or an interactive prompt."""
    if args.generate:
        return secrets.token_urlsafe(12), True
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if not sys.stdin.isatty():
        raise InputError("no terminal: use --password-stdin or --generate")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise InputError("passwords differ")
    return first, False


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="manage web users (add, list, disable)")
    us = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = us.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--generate", action="store_true", help="generate a password, print it once")
    add.set_defaults(func=run_add)

    ls = us.add_parser("list", help="list users")
    ls.set_defaults(func=run_list)

    dis = us.add_parser("disable", help="disable a user (ends their sessions)")
    dis.add_argument("username")
    dis.set_defaults(func=run_disable, disabled=True)

    en = us.add_parser("enable", help="enable a disabled user")
    en.add_argument("username")
    en.set_defaults(func=run_disable, disabled=False)

    pw = us.add_parser("passwd", help="set a user's password (ends their sessions)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.add_argument("--generate", action="store_true")
    pw.set_defaults(func=run_passwd)


def run_add(args: argparse.Namespace) -> int:
    settings = get_settings()
    password, generated = read_password(args)
    rec = UserDB.from_settings(settings).add_user(args.username, args.role, password)
    cli_audit(settings, "users.add", f"user:{rec.username}", role=rec.role)
    sys.stdout.write(f"added {rec.username} ({rec.role})\n")
    if generated:
        sys.stdout.write(f"password (shown once): {password}\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    users = UserDB.from_settings(get_settings()).list_users()
    sys.stdout.write(f"{'username':<24} {'role':<13} {'status':<9} created\n")
    for u in users:
        created = datetime.fromtimestamp(u.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        status = "disabled" if u.disabled else "active"
        sys.stdout.write(f"{u.username:<24} {u.role:<13} {status:<9} {created}\n")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    settings = get_settings()
    UserDB.from_settings(settings).set_disabled(args.username, args.disabled)
    action = "users.disable" if args.disabled else "users.enable"
    cli_audit(settings, action, f"user:{args.username}")
    sys.stdout.write(f"{'disabled' if args.disabled else 'enabled'} {args.username}\n")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    settings = get_settings()
    password, generated = read_password(args)
    UserDB.from_settings(settings).set_password(args.username, password)
    cli_audit(settings, "users.password", f"user:{args.username}")
    sys.stdout.write(f"password changed for {args.username}\n")
    if generated:
        sys.stdout.write(f"password (shown once): {password}\n")
    return 0
