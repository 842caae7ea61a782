"""Contract tables -> ``neo4j-admin database import full`` CSVs, for a province's first load.

Why: Neo4j's offline importer writes the store files directly (millions of
relationships per minute), where transactional UNWIND loading is bounded by the
transaction log. It needs an empty database and files of its own format: one file
per label or relationship type, a header naming the id space of each node
(``id:ID(Participant)``) and the id spaces relationships point into
(``:START_ID(Prescription)``, ``:END_ID(Participant)``), ``:LABEL`` / ``:TYPE``
columns, and typed properties (``total_amount:double``).

The rows come from the loader's own pure pipeline (:mod:`loaders.read` ->
:func:`loaders.validate.iter_checked` -> :func:`loaders.rows.table_batches`), so the
imported graph is the one ``graphsvc load`` would build: the same validation and
rejects, normalised identifiers, ids, properties (``row_hash`` and ``load_id``
included, so a later incremental ``graphsvc load`` recognises every row) and
relationships. Rows are streamed table by table; only ids are kept in memory.
"""

from __future__ import annotations

import csv
import json
import logging
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from graphsvc import model
from graphsvc.errors import InputError
from graphsvc.security.vault import Pii
from graphsvc.store import dialect

log = logging.getLogger(__name__)

DEFAULT_LOAD_ID = "neo4j-admin-import"

# Property types other than string (the importer's default), as the loader stores them.
PROPERTY_TYPES: dict[str, str] = {
    "level": "int",
    "total_amount": "double",
    "fund_paid": "double",
    "account_paid": "double",
    "quantity": "double",
    "unit_price": "double",
    "amount": "double",
}


def prop_header(name: str) -> str:
    """A property column's header: ``name`` for strings, ``name:type`` otherwise.

    >>> prop_header("total_amount"), prop_header("name")
    ('total_amount:double', 'name')
    """
    kind = PROPERTY_TYPES.get(name)
    return f"{name}:{kind}" if kind else name


def node_header(label: str, props: Iterable[str]) -> list[str]:
    """
    >>> node_header("Participant", ["name", "row_hash"])
    ['id:ID(Participant)', ':LABEL', 'name', 'row_hash']
    """
    return [f"id:ID({label})", ":LABEL", *(prop_header(p) for p in props)]


def rel_header(start: str, end: str, props: Iterable[str]) -> list[str]:
    """
    >>> rel_header("Prescription", "Item", ["quantity"])
    [':START_ID(Prescription)', ':END_ID(Item)', ':TYPE', 'quantity:double']
    """
    return [f":START_ID({start})", f":END_ID({end})", ":TYPE", *(prop_header(p) for p in props)]


def cell(value: Any) -> Any:
    """A CSV cell: None -> empty (the importer stores no property), floats as repr.

    >>> [cell(None), cell(1.5), cell(2), cell("a")]
    ['', '1.5', 2, 'a']
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


@dataclass
class Sink:
    """One import CSV: a node label or a relationship type, header written first."""

    kind: str  # "nodes" | "relationships"
    name: str  # label or type
    header: list[str]
    props: list[str]
    path: Path
    rows: int = 0
    multiline: bool = False
    _fh: IO[str] | None = field(default=None, repr=False)
    _csv: Any = field(default=None, repr=False)

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(self.header)

    def write(self, fixed: list[Any], props: Mapping[str, Any]) -> None:
        values = [*fixed, *(props.get(p) for p in self.props)]
        for v in values:
            if isinstance(v, str) and ("\n" in v or "\r" in v):
                self.multiline = True
        self._csv.writerow([cell(v) for v in values])
        self.rows += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class ExportReport:
    out: Path
    files: list[Sink]
    tables: dict[str, dict[str, int]]
    rejects_file: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "tables": self.tables,
            "files": [
                {
                    "kind": s.kind,
                    "name": s.name,
                    "path": str(s.path.relative_to(self.out)),
                    "header": s.header,
                    "rows": s.rows,
                }
                for s in self.files
            ],
            "rejects_file": self.rejects_file,
        }


class _Writer:
    """Turns the loader's UNWIND rows (per named load query) into import CSV rows."""

    def __init__(self, out: Path, load_id: str, extras: Mapping[str, list[str]]) -> None:
        self.out, self.load_id, self.extras = out, load_id, extras
        self.sinks: dict[tuple[str, str], Sink] = {}
        self.seen: dict[str, set[str]] = {model.IDENTIFIER: set(), model.ITEM: set()}

    # -- sinks ---------------------------------------------------------------------
    def _sink(self, kind: str, name: str, header: list[str], props: list[str]) -> Sink:
        key = (kind, name)
        sink = self.sinks.get(key)
        if sink is None:
            sink = Sink(kind, name, header, props, self.out / kind / f"{name}.csv")
            sink.open()
            self.sinks[key] = sink
        return sink

    def node(self, label: str, props: list[str]) -> Sink:
        return self._sink("nodes", label, node_header(label, props), props)

    def rel(self, rel_type: str, start: str, end: str, props: list[str]) -> Sink:
        return self._sink("relationships", rel_type, rel_header(start, end, props), props)

    def entity_props(self, table: str) -> list[str]:
        from loaders.rows import NODE_PROPS

        return [*NODE_PROPS[table], *self.extras.get(table, []), "row_hash", "load_id"]

    # -- one handler per load query (loaders.rows.WRITE_PLAN) ------------------------
    def _entity(self, table: str, label: str, row: Mapping[str, Any]) -> None:
        sink = self.node(label, self.entity_props(table))
        sink.write([row["id"], label], {**row["props"], "load_id": self.load_id})

    def _plain(self, rel_type: str, start: str, end: str, a: Any, b: Any) -> None:
        self.rel(rel_type, start, end, []).write([a, b, rel_type], {})

    def handle(self, query: str, row: Mapping[str, Any]) -> None:
        m = model
        lid = {"load_id": self.load_id}
        if query == "load_institutions":
            self._entity("institutions", m.INSTITUTION, row)
        elif query == "load_doctors":
            self._entity("doctors", m.DOCTOR, row)
        elif query == "load_works_at":
            self._plain(m.REL_WORKS_AT, m.DOCTOR, m.INSTITUTION, row["id"], row["institution_id"])
        elif query == "load_participants":
            self._entity("participants", m.PARTICIPANT, row)
        elif query == "load_identifiers":
            if row["id"] not in self.seen[m.IDENTIFIER]:
                self.seen[m.IDENTIFIER].add(row["id"])
                self.node(m.IDENTIFIER, ["kind", "value", "key", "load_id"]).write(
                    [row["id"], m.IDENTIFIER],
                    {"kind": row["kind"], "value": row["value"], "key": row.get("key"), **lid},
                )
            props = [*self.extras.get("identifiers", []), "load_id"]
            self.rel(m.REL_HAS_IDENTIFIER, m.PARTICIPANT, m.IDENTIFIER, props).write(
                [row["participant_id"], row["id"], m.REL_HAS_IDENTIFIER], {**row["props"], **lid}
            )
        elif query == "load_family_links":
            props = ["relation", "since", *self.extras.get("family_links", []), "load_id"]
            self.rel(m.REL_SHARES_ACCOUNT, m.PARTICIPANT, m.PARTICIPANT, props).write(
                [row["holder_id"], row["member_id"], m.REL_SHARES_ACCOUNT], {**row["props"], **lid}
            )
        elif query == "load_prescriptions":
            self._entity("prescriptions", m.PRESCRIPTION, row)
            self._plain(
                m.REL_PATIENT, m.PRESCRIPTION, m.PARTICIPANT, row["id"], row["participant_id"]
            )
            self._plain(m.REL_AT, m.PRESCRIPTION, m.INSTITUTION, row["id"], row["institution_id"])
        elif query == "load_prescribed_by":
            self._plain(m.REL_PRESCRIBED_BY, m.PRESCRIPTION, m.DOCTOR, row["id"], row["doctor_id"])
        elif query == "load_paid_by_account":
            self.rel(m.REL_PAID_BY_ACCOUNT, m.PRESCRIPTION, m.PARTICIPANT, ["amount"]).write(
                [row["id"], row["holder_id"], m.REL_PAID_BY_ACCOUNT], {"amount": row.get("amount")}
            )
        elif query == "load_contains":
            code = row["item_code"]
            if code not in self.seen[m.ITEM]:
                self.seen[m.ITEM].add(code)
                self.node(m.ITEM, ["name", "load_id"]).write(
                    [code, m.ITEM], {"name": row.get("item_name"), **lid}
                )
            props = [
                "line_id",
                "quantity",
                "unit_price",
                "trace_code",
                *self.extras.get("prescription_items", []),
                "load_id",
            ]
            self.rel(m.REL_CONTAINS, m.PRESCRIPTION, m.ITEM, props).write(
                [row["prescription_id"], code, m.REL_CONTAINS], {**row["props"], **lid}
            )
        elif query == "load_referrals":
            self._entity("referrals", m.REFERRAL, row)
            rid = row["id"]
            self._plain(m.REL_REFERS, m.REFERRAL, m.PARTICIPANT, rid, row["participant_id"])
            self._plain(m.REL_REFERRED_FROM, m.REFERRAL, m.INSTITUTION, rid, row["from_id"])
            self._plain(m.REL_REFERRED_TO, m.REFERRAL, m.INSTITUTION, rid, row["to_id"])
        elif query == "load_referred_by":
            self._plain(m.REL_REFERRED_BY, m.REFERRAL, m.DOCTOR, row["id"], row["doctor_id"])
        else:  # a load query added to the loader without an export: fail loudly
            raise InputError(f"export-import does not know load query {query!r}")

    def close(self) -> list[Sink]:
        for s in self.sinks.values():
            s.close()
        order = {"nodes": 0, "relationships": 1}
        return sorted(self.sinks.values(), key=lambda s: (order[s.kind], s.name))


def import_command(files: list[Sink], out: Path, database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` arguments for the written files.

    Paths are relative to ``out`` (the script cds there). Labels and types come from
    the ``:LABEL`` / ``:TYPE`` columns.
    """
    args = ["neo4j-admin", "database", "import", "full"]
    args += [f"--{s.kind}={s.path.relative_to(out)}" for s in files]
    # Ids are strings (the importer's default id type), one id space per label.
    args += ["--bad-tolerance=0", "--skip-bad-relationships=false"]
    if any(s.multiline for s in files):
        args.append("--multiline-fields=true")
    args += ["--overwrite-destination=${OVERWRITE:-false}", database]
    return args


def _script(args: list[str], database: str) -> str:
    quoted = [a if "${" in a else shlex.quote(a) for a in args[4:-1]]
    body = " \\\n  ".join([" ".join(args[:4]), *quoted, '"$DATABASE"'])
    return f"""#!/usr/bin/env bash
# Offline first load of a province into Neo4j 5 (written by graphsvc export-import).
# Run on the Neo4j host with the target database STOPPED (community edition: stop
# the server); set OVERWRITE=true to replace an existing database.
# Afterwards start Neo4j and create the indexes/constraints:
#   cypher-shell -d "$DATABASE" -f schema.cypher
set -euo pipefail
DATABASE="${{1:-{database}}}"
cd "$(dirname "$0")"
{body}
"""


def _readme(report: ExportReport, database: str) -> str:
    lines = [
        "# neo4j-admin import files",
        "",
        "Written by `graphsvc export-import`. Import into an empty (stopped) database:",
        "",
        "```sh",
        f"./import.sh {database}           # or: OVERWRITE=true ./import.sh {database}",
        "# start Neo4j, then:",
        f"cypher-shell -d {database} -f schema.cypher",
        "```",
        "",
        "With docker compose (see docs/neo4j.md), mount this directory and run the script",
        "in the neo4j container while the database is stopped.",
        "",
        "| file | header | rows |",
        "| --- | --- | --- |",
    ]
    for s in report.files:
        rel = s.path.relative_to(report.out)
        lines.append(f"| {rel} | `{','.join(s.header)}` | {s.rows} |")
    if report.rejects_file:
        lines += ["", f"Rejected rows (not exported): {report.rejects_file}"]
    return "\n".join(lines) + "\n"


def export_directory(
    directory: Path,
    out: Path,
    *,
    mapping: Path | None = None,
    load_id: str = DEFAULT_LOAD_ID,
    database: str = "neo4j",
    today: date | None = None,
    on_table: Callable[[str, int], None] | None = None,
    pii: Pii | None = None,
) -> ExportReport:
    """Validate a contract directory like the loader and write import CSVs to ``out``.

    ``pii``: pseudonymise like the loader (issue #14; the CLI always passes the service's),
    so the imported graph holds no raw personal value and the vault gets them.

    ``out`` must be absent or empty (import files are never mixed with old ones).
    ``on_table(name, rows_read)`` is called after each table (progress).
    """
    from loaders.mapping import ColumnMapping, read_mapping
    from loaders.read import read_directory
    from loaders.report import write_rejects
    from loaders.rows import table_batches
    from loaders.validate import Reject, iter_checked, new_context

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: exists and is not an empty directory")
    colmap = read_mapping(mapping) if mapping else ColumnMapping()
    tables = read_directory(Path(directory), colmap)  # InputError here: nothing written
    out.mkdir(parents=True, exist_ok=True)
    extras = {name: [p for p, _ in t.extras] for name, t in tables.items()}
    writer = _Writer(out, load_id, extras)
    ctx = new_context(today=today or date.today(), pii=pii)
    rejects: list[Reject] = []
    counts: dict[str, dict[str, int]] = {}
    try:
        for name, table in tables.items():
            table_rejects: list[Reject] = []
            valid = 0

            def counted(rows: Iterable[Any]) -> Iterable[Any]:
                nonlocal valid
                for r in rows:
                    valid += 1
                    yield r

            # In order: the first batch streams the rows and fills the later ones.
            for batch in table_batches(name, counted(iter_checked(table, ctx, table_rejects))):
                for row in batch.rows:
                    writer.handle(batch.query, row)
            counts[name] = {
                "read": valid + len(table_rejects),
                "exported": valid,
                "rejected": len(table_rejects),
            }
            rejects.extend(table_rejects)
            if on_table is not None:
                on_table(name, counts[name]["read"])
    finally:
        files = writer.close()
        if pii is not None:
            pii.vault.flush()  # the raw values behind the files' pseudonyms
    rejects_file = None
    if rejects:
        path = out / "rejects.csv"
        write_rejects(path, rejects)
        rejects_file = path.name
    report = ExportReport(out=out, files=files, tables=counts, rejects_file=rejects_file)
    args = import_command(files, out, database)
    script = out / "import.sh"
    script.write_text(_script(args, database), encoding="utf-8")
    script.chmod(0o755)
    (out / "schema.cypher").write_text(
        "".join(f"{s};\n" for s in dialect.neo4j_schema_statements()), encoding="utf-8"
    )
    (out / "README.md").write_text(_readme(report, database), encoding="utf-8")
    (out / "manifest.json").write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log.info("exported %s to %s: %d files", directory, out, len(files))
    return report
