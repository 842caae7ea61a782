"""The ``graphsvc`` command line: one argparse parser, subcommands from graphsvc.commands.

Exit codes: 0 ok, 1 failure (one-line reason on stderr), 2 usage (argparse).
Each command module registers itself; a module that fails to import (an optional
feature whose dependency is missing) is reported, not fatal to the others.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from graphsvc import __version__
from graphsvc.errors import GraphsvcError

log = logging.getLogger(__name__)

# Order = order in --help.
COMMAND_MODULES = (
    "store",
    "generate",
    "load",
    "detect",
    "screen",
    "cypher",
    "serve",
    "demo",
    "case",
    "users",
    "tokens",
    "keys",
    "audit",
    "export_import",
    "grades",
    "inspections",
    "publish",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphsvc",
        description=(
            "Graph analytics for medical-insurance fund supervision: load settlements into a "
            "graph, detect fraud rings, serve them to investigators."
        ),
        epilog="Settings come from GRAPHSVC_* environment variables (docs/configuration.md).",
    )
    parser.add_argument("--version", action="version", version=f"graphsvc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"graphsvc.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"graphsvc.commands.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except GraphsvcError as exc:
        sys.stderr.write(f"graphsvc: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("graphsvc: interrupted\n")
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`: quiet exit, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
