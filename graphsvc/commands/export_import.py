"""``graphsvc export-import DIR OUT``: contract tables -> neo4j-admin import CSVs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export-import",
        help="write a contract directory as neo4j-admin import CSVs (first load into Neo4j)",
        description=(
            "Validate DIR exactly like 'graphsvc load' (same rules, same rejects) and write "
            "the graph it would build as 'neo4j-admin database import full' files in OUT: "
            "nodes/<Label>.csv and relationships/<TYPE>.csv with :ID(<Label>) id spaces, "
            ":LABEL/:TYPE columns and typed properties, plus import.sh (the import command), "
            "schema.cypher (constraints and indexes to run after the import), README.md and "
            "manifest.json. OUT must be absent or empty. No store is needed. See "
            "docs/neo4j.md."
        ),
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="directory holding the tables")
    p.add_argument("out", type=Path, metavar="OUT", help="output directory (absent or empty)")
    p.add_argument("--mapping", type=Path, metavar="FILE", help="YAML/JSON column mapping")
    p.add_argument(
        "--database", default="neo4j", help="database name used in import.sh (default neo4j)"
    )
    p.add_argument(
        "--load-id",
        default=None,
        help="load_id stored on every imported node (default neo4j-admin-import)",
    )
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphsvc.config import get_settings
    from graphsvc.exporters.neo4j_import import DEFAULT_LOAD_ID, export_directory
    from graphsvc.security.vault import pii_for_settings

    bar = tqdm(desc="tables", unit="table", file=sys.stderr, disable=args.no_progress)

    def on_table(name: str, rows: int) -> None:
        bar.set_postfix_str(f"{name}: {rows:,} rows")
        bar.update(1)

    try:
        report = export_directory(
            args.directory,
            args.out,
            mapping=args.mapping,
            load_id=args.load_id or DEFAULT_LOAD_ID,
            database=args.database,
            on_table=on_table,
            pii=pii_for_settings(get_settings()),  # the service's keys and vault (#14)
        )
    finally:
        bar.close()
    out = sys.stdout
    if args.json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
        return 0
    for name, c in report.tables.items():
        out.write(
            f"{name:<20} read {c['read']:>10,}  exported {c['exported']:>10,}  "
            f"rejected {c['rejected']:>8,}\n"
        )
    for s in report.files:
        out.write(f"  {s.path.relative_to(report.out)!s:<40} {s.rows:>10,} rows\n")
    if report.rejects_file:
        out.write(f"rejected rows: {report.out / report.rejects_file}\n")
    out.write(f"next: {report.out / 'import.sh'} {args.database} (see README.md there)\n")
    return 0
