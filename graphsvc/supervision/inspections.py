"""Random inspections (双随机、一公开: Heilongjiang (11); two officers: Hainan Art. 29).

Why a published algorithm over published inputs: a random draw nobody can check is a
choice. The list carries its inputs (institutions with region and grade, the roster,
the weights) and the seed; ``graphsvc inspections verify LIST SEED`` recomputes it
with :func:`draw` and compares. Algorithm ``graphsvc-draw-1``:

1. ``rng = numpy.random.Generator(numpy.random.PCG64(seed))``.
2. Institutions are grouped by credit grade (ungraded = A), each group sorted by id.
   The ``count`` inspections are apportioned to the grades by largest remainders
   over ``weight x group size`` (weights in ``WEIGHTS``: an institution of a worse
   grade is likelier to be drawn), never more than a group holds; ties go to the
   worse grade (:func:`apportion`).
3. For each grade in the order D, C, B, A: ``rng.choice(group size, quota,
   replace=False)`` picks the institutions, in the order drawn.
4. For each drawn institution in turn, the roster (sorted by name) minus inspectors of
   the institution's region and those with a recorded conflict on it;
   ``rng.choice(eligible, per, replace=False)`` picks ``per`` (at least 2) inspectors.

>>> apportion({"A": 10, "B": 0, "C": 2, "D": 1}, 4, WEIGHTS)
{'D': 1, 'C': 1, 'B': 0, 'A': 2}
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from graphsvc.config import Settings
from graphsvc.errors import InputError, NotFound
from graphsvc.store.base import Store
from graphsvc.supervision import history

ALGORITHM = "graphsvc-draw-1"
ORDER = ("D", "C", "B", "A")
WEIGHTS: dict[str, float] = {"D": 4.0, "C": 3.0, "B": 2.0, "A": 1.0}
MIN_INSPECTORS = 2
RESULTS = ("compliant", "violations", "referred", "not_inspected")
MAX_COUNT = 1_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS draws (
  id TEXT PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  seed INTEGER NOT NULL, list_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
  draw_id TEXT NOT NULL, n INTEGER NOT NULL, result TEXT NOT NULL, note TEXT NOT NULL,
  recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (draw_id, n));
"""


def apportion(sizes: Mapping[str, int], count: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Largest remainders (Hamilton) over ``weight x size``, capped at each group's size.

    Why not D'Hondt: it starves small groups, and the worst grades are the small ones
    (two C institutions among a hundred would never be drawn for a list of eight)."""
    quota = dict.fromkeys(ORDER, 0)
    target = min(count, sum(sizes.get(g, 0) for g in ORDER))
    left = target
    while left > 0:
        room = {g: sizes.get(g, 0) - quota[g] for g in ORDER if sizes.get(g, 0) > quota[g]}
        total = sum(weights[g] * n for g, n in room.items())
        exact = {g: left * weights[g] * n / total for g, n in room.items()}
        for g in room:
            quota[g] += min(int(exact[g]), room[g])
        rest = target - sum(quota.values())
        by_remainder = sorted(room, key=lambda g: (-(exact[g] - int(exact[g])), ORDER.index(g)))
        for g in by_remainder:
            if rest and quota[g] < sizes[g]:
                quota[g] += 1
                rest -= 1
        left = target - sum(quota.values())
    return quota


def _digest(inputs: Mapping[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def draw(inputs: Mapping[str, Any], seed: int) -> list[dict[str, Any]]:
    """The inspections drawn from ``inputs`` (see the module docstring); pure."""
    if seed < 0:
        raise InputError("the seed is a non-negative integer", text_key="err.draw_seed")
    per = int(inputs["per"])
    if per < MIN_INSPECTORS:
        raise InputError(f"at least {MIN_INSPECTORS} inspectors per inspection (Hainan Art. 29)")
    rng = np.random.Generator(np.random.PCG64(seed))
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in ORDER}
    for inst in sorted(inputs["institutions"], key=lambda i: str(i["id"])):
        groups[inst["grade"] if inst["grade"] in groups else "A"].append(inst)
    quota = apportion(
        {g: len(v) for g, v in groups.items()}, int(inputs["count"]), inputs["weights"]
    )
    chosen = []
    for g in ORDER:
        if quota[g]:
            for i in rng.choice(len(groups[g]), size=quota[g], replace=False):
                chosen.append(groups[g][int(i)])
    roster = sorted(inputs["roster"], key=lambda r: str(r["name"]))
    out = []
    for n, inst in enumerate(chosen, start=1):
        eligible = [
            r for r in roster if r["region"] != inst["region"] and inst["id"] not in r["conflicts"]
        ]
        if len(eligible) < per:
            raise InputError(
                f"institution {inst['id']}: {len(eligible)} eligible inspectors, {per} needed "
                "(none of its region, none with a conflict): extend the roster"
            )
        picks = rng.choice(len(eligible), size=per, replace=False)
        out.append(
            {
                "n": n,
                "institution": inst["id"],
                "region": inst["region"],
                "grade": inst["grade"],
                "inspectors": [eligible[int(i)]["name"] for i in picks],
            }
        )
    return out


def read_roster(path: Path) -> list[dict[str, Any]]:
    """CSV ``name,region,conflicts``; conflicts are institution ids separated by ``;``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"inspector roster {path}: {exc.strerror}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"name", "region"} <= set(rows[0]):
        raise InputError(f"inspector roster {path}: needs columns name, region, conflicts")
    roster = []
    names = set()
    for row in rows:
        name = (row.get("name") or "").strip()
        if not name or name in names:
            raise InputError(f"inspector roster {path}: empty or repeated name {name!r}")
        names.add(name)
        conflicts = sorted(c.strip() for c in (row.get("conflicts") or "").split(";") if c.strip())
        roster.append(
            {"name": name, "region": (row.get("region") or "").strip(), "conflicts": conflicts}
        )
    return sorted(roster, key=lambda r: str(r["name"]))


def roster_path(settings: Settings) -> Path:
    return settings.inspections_roster or settings.ensure_data_dir() / "inspectors.csv"


def gather_inputs(
    store: Store, settings: Settings, *, count: int, per: int, roster: Path | None = None
) -> dict[str, Any]:
    """The draw's inputs: institutions with region and latest grade, the roster, weights."""
    if not 1 <= count <= MAX_COUNT:
        raise InputError(f"count is 1 to {MAX_COUNT}", text_key="err.draw_count", n=MAX_COUNT)
    run_id: str | None = None
    try:
        run_id, _ = history.compute_current(store, settings)
    except NotFound:
        run_id = history.latest_run(settings)
    grade_of = {}
    if run_id is not None:
        grade_of = {
            g.id: g.grade for g in history.list_grades(settings, run_id, kind="institution")
        }
    institutions = [
        {
            "id": str(r["id"]),
            "region": str(r["region"] or ""),
            "grade": grade_of.get(str(r["id"]), "A"),
        }
        for r in store.run("inspections_institutions", {}).records()
    ]
    if not institutions:
        raise NotFound("no institutions loaded: nothing to inspect", text_key="err.no_institutions")
    return {
        "algorithm": ALGORITHM,
        "grades_run": run_id,
        "count": count,
        "per": per,
        "weights": WEIGHTS,
        "institutions": sorted(institutions, key=lambda i: i["id"]),
        "roster": read_roster(roster or roster_path(settings)),
    }


def make_list(inputs: dict[str, Any], seed: int) -> dict[str, Any]:
    """The publishable list: seed, inputs, their digest, the inspections."""
    return {
        "algorithm": ALGORITHM,
        "seed": seed,
        "inputs_sha256": _digest(inputs),
        "inputs": inputs,
        "inspections": draw(inputs, seed),
    }


def verify(listing: Mapping[str, Any], seed: int) -> list[str]:
    """Problems found recomputing a published list with ``seed`` (empty: it checks)."""
    problems = []
    if listing.get("algorithm") != ALGORITHM:
        problems.append(f"algorithm {listing.get('algorithm')!r}, this tool is {ALGORITHM}")
    if listing.get("seed") != seed:
        problems.append(f"the list says seed {listing.get('seed')}, given {seed}")
    inputs = listing.get("inputs")
    if not isinstance(inputs, dict):
        return [*problems, "the list carries no inputs"]
    if _digest(inputs) != listing.get("inputs_sha256"):
        problems.append("the inputs do not match their published digest")
    again = draw(inputs, seed)
    if again != listing.get("inspections"):
        problems.append("recomputing the draw gives other inspections")
    return problems


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(settings.ensure_data_dir() / "inspections.sqlite")
    con.row_factory = sqlite3.Row
    try:
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_draw(settings: Settings, listing: dict[str, Any], actor: str) -> str:
    draw_id = f"D{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    with connect(settings) as con:
        con.execute(
            "INSERT INTO draws (id, created_at, created_by, seed, list_json) "
            "VALUES (?, ?, ?, ?, ?)",
            (draw_id, _now(), actor, int(listing["seed"]), json.dumps(listing, ensure_ascii=False)),
        )
    return draw_id


def get_draw(settings: Settings, draw_id: str) -> dict[str, Any]:
    """A recorded draw: its list (as published, verifiable) and, apart, the result of
    each inspection so far (keyed by the inspection number as text, like JSON)."""
    with connect(settings) as con:
        row = con.execute("SELECT * FROM draws WHERE id=?", (draw_id,)).fetchone()
        if row is None:
            raise NotFound(
                f"no inspection draw {draw_id}", text_key="err.no_draw", draw_id=draw_id[:60]
            )
        results = {
            str(r["n"]): {k: r[k] for k in ("result", "note", "recorded_by", "recorded_at")}
            for r in con.execute("SELECT * FROM results WHERE draw_id=?", (draw_id,))
        }
    return {
        "id": draw_id,
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "list": json.loads(row["list_json"]),
        "results": results,
    }


def list_draws(settings: Settings) -> list[dict[str, Any]]:
    with connect(settings) as con:
        rows = con.execute(
            "SELECT id, created_at, created_by, seed FROM draws ORDER BY created_at DESC, id"
        ).fetchall()
    return [dict(r) for r in rows]


def record_result(
    settings: Settings, draw_id: str, n: int, result: str, note: str, actor: str
) -> dict[str, Any]:
    """The outcome of one inspection of a draw (recorded again: replaced, by whom is kept)."""
    if result not in RESULTS:
        raise InputError(f"result is one of {', '.join(RESULTS)}")
    listing = get_draw(settings, draw_id)["list"]
    if not any(int(i["n"]) == n for i in listing["inspections"]):
        raise NotFound(f"draw {draw_id} has no inspection {n}")
    with connect(settings) as con:
        con.execute(
            "INSERT OR REPLACE INTO results (draw_id, n, result, note, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (draw_id, n, result, note[:2000], actor, _now()),
        )
    return get_draw(settings, draw_id)
