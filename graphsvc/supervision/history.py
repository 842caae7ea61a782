"""Grades per detection run, kept in SQLite beside the store (``data_dir/supervision.sqlite``).

Why not the graph: grades are derived, per run, and must outlive pruned runs as a
history an institution can be shown ("B since run X, C since run Y"); a small
relational table answers "all grades of this entity over time" directly, and the
graph stays the evidence. The I/O lives here; the method in ``grades``.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphsvc.config import Settings
from graphsvc.contract.cells import inert
from graphsvc.errors import NotFound
from graphsvc.store.base import Store
from graphsvc.supervision.grades import (
    Grade,
    GradeConfig,
    compute_grades,
    latest_case_status,
    load_config,
    memberships_from_rows,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS grade_runs (
  run_id TEXT PRIMARY KEY, computed_at TEXT NOT NULL, config_json TEXT NOT NULL,
  entities INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
  run_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, grade TEXT NOT NULL,
  points REAL NOT NULL, rings INTEGER NOT NULL, confirmed INTEGER NOT NULL,
  cleared INTEGER NOT NULL, amount REAL NOT NULL, top_role TEXT NOT NULL,
  explanation TEXT NOT NULL, explanation_zh TEXT NOT NULL,
  PRIMARY KEY (run_id, kind, id));
CREATE INDEX IF NOT EXISTS grades_entity ON grades (kind, id);
"""
COLUMNS = (
    "kind",
    "id",
    "grade",
    "points",
    "rings",
    "confirmed",
    "cleared",
    "amount",
    "top_role",
    "explanation",
    "explanation_zh",
)
# Literal SQL (no string building): the columns above, in order.
SELECT_GRADES = (
    "SELECT kind, id, grade, points, rings, confirmed, cleared, amount, top_role, "
    "explanation, explanation_zh FROM grades WHERE run_id=?"
)
INSERT_GRADE = (
    "INSERT INTO grades (run_id, kind, id, grade, points, rings, confirmed, cleared, amount, "
    "top_role, explanation, explanation_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def db_path(settings: Settings) -> Path:
    return settings.ensure_data_dir() / "supervision.sqlite"


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def config_of(settings: Settings) -> GradeConfig:
    return load_config(settings.grades_config)


def compute_current(store: Store, settings: Settings, *, force: bool = False) -> tuple[str, int]:
    """Grade the current run's rings and keep them under its run id.

    A run already graded is left alone unless ``force`` (cases changed since):
    the history must show what was decided at the time."""
    run = store.run("explore_current_run", {}).records()
    if not run:
        raise NotFound("no current detection run: run `graphsvc detect` first", text_key="no_run")
    run_id = str(run[0]["id"])
    cfg = config_of(settings)
    with connect(db_path(settings)) as con:
        have = con.execute("SELECT entities FROM grade_runs WHERE run_id=?", (run_id,)).fetchone()
        if have is not None and not force:
            return run_id, int(have["entities"])
        # Read the rings only when grading: entity pages ask on every view.
        rows = [r for r in store.run("grades_ring_members", {}).records() if r["run_id"] == run_id]
        status = latest_case_status(store.run("grades_case_status", {}).records())
        grades = compute_grades(memberships_from_rows(rows), status, cfg)
        con.execute("DELETE FROM grades WHERE run_id=?", (run_id,))
        con.execute("DELETE FROM grade_runs WHERE run_id=?", (run_id,))
        con.executemany(
            INSERT_GRADE,
            [(run_id, *(getattr(g, c) for c in COLUMNS)) for g in grades],
        )
        con.execute(
            "INSERT INTO grade_runs VALUES (?, ?, ?, ?)",
            (
                run_id,
                datetime.now(UTC).isoformat(timespec="seconds"),
                cfg.model_dump_json(),
                len(grades),
            ),
        )
    return run_id, len(grades)


def latest_run(settings: Settings) -> str | None:
    with connect(db_path(settings)) as con:
        row = con.execute(
            "SELECT run_id FROM grade_runs ORDER BY computed_at DESC, run_id LIMIT 1"
        ).fetchone()
    return None if row is None else str(row["run_id"])


def list_grades(
    settings: Settings, run_id: str, *, kind: str | None = None, grade: str | None = None
) -> list[Grade]:
    sql = SELECT_GRADES
    params: list[Any] = [run_id]
    if kind:
        sql += " AND kind=?"
        params.append(kind)
    if grade:
        sql += " AND grade=?"
        params.append(grade)
    sql += " ORDER BY grade DESC, points DESC, kind, id"
    with connect(db_path(settings)) as con:
        return [Grade(**dict(r)) for r in con.execute(sql, params)]


def entity_history(settings: Settings, kind: str, eid: str) -> list[dict[str, Any]]:
    """Every graded run of one entity, newest first."""
    with connect(db_path(settings)) as con:
        rows = con.execute(
            "SELECT g.run_id, r.computed_at, g.grade, g.points, g.explanation, g.explanation_zh "
            "FROM grades g JOIN grade_runs r USING (run_id) WHERE g.kind=? AND g.id=? "
            "ORDER BY r.computed_at DESC, g.run_id",
            (kind, eid),
        ).fetchall()
    return [dict(r) for r in rows]


def run_config(settings: Settings, run_id: str) -> dict[str, Any]:
    with connect(db_path(settings)) as con:
        row = con.execute("SELECT config_json FROM grade_runs WHERE run_id=?", (run_id,)).fetchone()
    if row is None:
        raise NotFound(f"no grades for run {run_id}", text_key="err.no_grades", run_id=run_id)
    out: dict[str, Any] = json.loads(row["config_json"])
    return out


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (graphsvc.contract.cells).

    >>> safe_cell("=HYPERLINK(1)"), safe_cell(-3), safe_cell("ok")
    ("'=HYPERLINK(1)", '-3', 'ok')
    """
    return inert(value)


def grades_csv(grades: list[Grade], run_id: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["run_id", *COLUMNS])
    for g in grades:
        w.writerow([safe_cell(run_id), *(safe_cell(getattr(g, c)) for c in COLUMNS)])
    return buf.getvalue()


def standing(store: Store, settings: Settings, kind: str, eid: str) -> dict[str, Any] | None:
    """An entity's grade in the current run (an entity in none of its rings is A, with
    no explanation of its own) and its earlier grades, newest first; ``None`` when
    there is no detection run to grade.

    Why the current run and not the newest row of the history: an entity graded C in
    an old run and in no ring now is A now; its badge must not show the old C."""
    try:
        run_id, _ = compute_current(store, settings)
    except NotFound:
        return None
    hist = entity_history(settings, kind, eid)
    now = next((h for h in hist if h["run_id"] == run_id), None)
    return {
        "run_id": run_id,
        "grade": now["grade"] if now else "A",
        "explanation": now["explanation"] if now else None,
        "explanation_zh": now["explanation_zh"] if now else None,
        "earlier": [h for h in hist if h["run_id"] != run_id][:5],
    }


def rings_graded(
    store: Store, settings: Settings, worst: str, kind: str | None = None
) -> frozenset[str]:
    """Ids of the current run's rings with a member (of ``kind``, or any) graded
    ``worst`` or worse (``C``: C or D), for the ring list's grade filter."""
    from graphsvc.supervision.grades import GRADES

    run_id, _ = compute_current(store, settings)
    bad = set(GRADES[GRADES.index(worst) :])
    graded = {(g.kind, g.id) for g in list_grades(settings, run_id, kind=kind) if g.grade in bad}
    members = memberships_from_rows(store.run("grades_ring_members", {}).records())
    return frozenset(m.ring for m in members if (m.kind, m.id) in graded)
