"""``graphsvc tokens create|list|revoke``: bearer tokens for API scripts (stored hashed).

A token is minted only by its own user (issue #14): ``create`` asks for that user's
password, so the operator of the shell cannot mint a token to act as someone else.
Listing and revoking stay the operator's (an admin disables and revokes).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from graphsvc.commands.users import cli_audit
from graphsvc.config import get_settings
from graphsvc.errors import InputError, PermissionDenied
from graphsvc.security.users import UserDB


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tokens", help="manage API tokens (create, list, revoke)")
    ts = p.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)

    create = ts.add_parser(
        "create", help="create a token for your own account (its password is asked); printed once"
    )
    create.add_argument("username")
    create.add_argument("--name", default="api", help="what the token is for")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the user's password from stdin"
    )
    create.set_defaults(func=run_create)

    ls = ts.add_parser("list", help="list tokens (never their secret)")
    ls.add_argument("--user")
    ls.set_defaults(func=run_list)

    revoke = ts.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=run_revoke)


def _own_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise InputError("no terminal: give the user's password with --password-stdin")
    return getpass.getpass(f"password of {args.username}: ")


def run_create(args: argparse.Namespace) -> int:
    settings = get_settings()
    db = UserDB.from_settings(settings)
    password = _own_password(args)
    user = db.get_user(args.username)
    if (
        not db.check_current_password(args.username, password)
        or user is None
        or user.disabled
        or user.must_change_password
    ):
        cli_audit(settings, "tokens.create", f"user:{args.username}", outcome="refused")
        raise PermissionDenied(
            "a token is minted only by its own user: give that user's current password "
            "(active account, no pending password change)"
        )
    rec, clear = db.create_token(args.username, args.name)
    cli_audit(settings, "tokens.create", f"token:{rec.id}", user=args.username, name=args.name)
    sys.stderr.write(f"token {rec.id} for {rec.username}; shown once, store it safely:\n")
    sys.stdout.write(clear + "\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    tokens = UserDB.from_settings(get_settings()).list_tokens(args.user)
    sys.stdout.write(f"{'id':<18} {'user':<20} {'name':<16} {'status':<8} created\n")
    for t in tokens:
        created = datetime.fromtimestamp(t.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        status = "revoked" if t.revoked else "active"
        sys.stdout.write(f"{t.id:<18} {t.username:<20} {t.name:<16} {status:<8} {created}\n")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    settings = get_settings()
    UserDB.from_settings(settings).revoke_token(args.token_id)
    cli_audit(settings, "tokens.revoke", f"token:{args.token_id}")
    sys.stdout.write(f"revoked {args.token_id}\n")
    return 0
