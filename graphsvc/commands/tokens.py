"""``graphsvc tokens create|list|revoke``: bearer tokens for API scripts (stored hashed)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from graphsvc.commands.users import cli_audit
from graphsvc.config import get_settings
from graphsvc.security.users import UserDB


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tokens", help="manage API tokens (create, list, revoke)")
    ts = p.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)

    create = ts.add_parser("create", help="create a token for a user; printed once")
    create.add_argument("username")
    create.add_argument("--name", default="api", help="what the token is for")
    create.set_defaults(func=run_create)

    ls = ts.add_parser("list", help="list tokens (never their secret)")
    ls.add_argument("--user")
    ls.set_defaults(func=run_list)

    revoke = ts.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=run_revoke)


def run_create(args: argparse.Namespace) -> int:
    settings = get_settings()
    rec, clear = UserDB.from_settings(settings).create_token(args.username, args.name)
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
