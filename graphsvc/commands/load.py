"""``graphsvc load DIR``: load a contract directory (CSV, CSV.gz, Parquet) into the store."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.store import open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "load",
        help="load a directory of contract tables into the graph store",
        description=(
            "Read participants, prescriptions and the optional tables (institutions, doctors, "
            "identifiers, family_links, prescription_items, referrals) from DIR as .csv, "
            ".csv.gz or .parquet, validate every row, and write the valid ones. Rejected rows "
            "go, with file, line, column and reason, to a rejects CSV beside the report. "
            "Loading the same directory twice changes nothing; a later directory adds to what "
            "is stored. A file that cannot be parsed stops the load before anything is "
            "written; a failure while writing removes what this load wrote. See "
            "docs/loading.md."
        ),
    )
    p.add_argument(
        "directory", type=Path, nargs="?", metavar="DIR", help="directory holding the table files"
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE|NAME",
        help=(
            "YAML/JSON column (and value) mapping file, or the name of a shipped one "
            "(national: the national medical-insurance platform's field codes)"
        ),
    )
    p.add_argument("--report", type=Path, metavar="FILE", help="write the load report JSON here")
    p.add_argument(
        "--rejects",
        type=Path,
        metavar="FILE",
        help="rejects CSV (default: beside the report, or DIR's parent)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="rows per write statement (default GRAPHSVC_BATCH_SIZE)",
    )
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help=(
            "reject settlement, discharge and referral dates after this day "
            "(default: today); e.g. the extraction date of the files"
        ),
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument(
        "--rollback",
        metavar="LOAD_ID",
        help="instead of loading, remove what an interrupted load LOAD_ID wrote",
    )
    p.set_defaults(func=run)


def default_rejects_path(directory: Path, report: Path | None) -> Path:
    """Beside the report; without one, beside the input directory (never inside it)."""
    if report is not None:
        return report.with_name(f"{report.stem}.rejects.csv")
    directory = directory.resolve()
    return directory.parent / f"{directory.name}.rejects.csv"


def run(args: argparse.Namespace) -> int:
    from graphsvc.errors import InputError
    from loaders import journal, load_directory, rollback

    settings = get_settings()
    out = sys.stdout
    if args.rollback:
        with open_store(settings) as store:
            removed = rollback(store, args.rollback)
            store.save()
        journal.finish(journal.journal_dir(settings.data_dir), args.rollback)
        out.write(f"load {args.rollback}: removed {removed:,} nodes and relationships\n")
        return 0
    if args.directory is None:
        raise InputError("give the directory to load (graphsvc load DIR)")
    rejects = args.rejects or default_rejects_path(args.directory, args.report)
    with open_store(settings) as store:
        report = load_directory(
            store,
            args.directory,
            mapping=args.mapping,
            rejects_path=rejects,
            progress=not args.no_progress,
            batch_size=args.batch_size or settings.batch_size,
            today=args.as_of,
            journal_dir=journal.journal_dir(settings.data_dir),
        )
    if args.report:
        report.write(args.report)
    out.write(report.summary() + "\n")
    if args.report:
        out.write(f"  report: {args.report}\n")
    else:
        out.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    return 0
