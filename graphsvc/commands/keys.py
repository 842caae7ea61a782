"""``graphsvc keys generate|export-public``: the fund's package-signing key pair.

The private key stays in the data directory (0600); the public key is what the
fund publishes to liaisons so they can verify packages alone (docs/cases.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphsvc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help="the package-signing key pair (generate, export-public)")
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    gen = ks.add_parser("generate", help="create the Ed25519 signing key (refuses to overwrite)")
    gen.set_defaults(func=run_generate)

    exp = ks.add_parser("export-public", help="print (or write) the public key, PEM")
    exp.add_argument("--out", type=Path, help="write to FILE instead of stdout")
    exp.set_defaults(func=run_export_public)


def run_generate(args: argparse.Namespace) -> int:
    from graphsvc.security import keys

    settings = get_settings()
    path = keys.generate(settings)
    sys.stdout.write(
        f"{path}: new Ed25519 signing key, key id {keys.key_id(keys.load(settings))}\n"
    )
    return 0


def run_export_public(args: argparse.Namespace) -> int:
    from graphsvc.security import keys

    key = keys.load(get_settings())
    pem = keys.public_pem(key)
    if args.out is None:
        sys.stdout.write(pem.decode("ascii"))
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(pem)
        sys.stdout.write(f"{args.out}: public key, key id {keys.key_id(key)}\n")
    return 0
