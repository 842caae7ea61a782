"""Published results (定期向社会公布: Hainan Art. 33): inspections and confirmed cases
counted by region, typology and money, with no personal data.

Why counts with small cells suppressed and not lists: a published table is read by
anyone, including neighbours of the people in it. "One confirmed case of shared
identities in county X, ¥12,345" names a family to whoever lives there. So:

- regions are prefectures (the first four digits of the code, ``4601`` -> ``460100``),
  never counties;
- a cell counting fewer than ``MIN_CELL`` (3) cases or inspections is shown as "<3"
  with its money withheld (primary suppression);
- a row or column with exactly one withheld cell would give it away by subtraction
  from its total, so the smallest other cell of that line is withheld too, or the
  total when there is none (secondary suppression, shown "×", repeated until no line
  has a single withheld cell);
- money is in ten thousands of yuan, one decimal, and is the amount *at risk* that
  detection estimated for the confirmed cases: graphsvc does not record money
  recovered, and the page says so rather than call an estimate a recovery.

Nothing but the status, typology, region and amount of each case is read, and
nothing but the region and the recorded result of each inspection: names, ids, ID
numbers and phones never enter the publication (tests/supervision/test_publish.py
searches the rendered files for every personal value of the store).

>>> cells = {("4601", "a"): 5, ("4601", "b"): 1, ("4601", "c"): 4,
...          ("4602", "a"): 6, ("4602", "b"): 7, ("4602", "c"): 8}
>>> t = suppress({k: (n, 0.0) for k, n in cells.items()})
>>> [t.cells[k].shown for k in sorted(cells)]
['5', '<3', '×', '6', '×', '×']
>>> t.row_totals["4601"].shown, t.col_totals["b"].shown, t.total.shown
('10', '8', '31')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphsvc.config import Settings
from graphsvc.store.base import Store
from graphsvc.supervision import inspections
from graphsvc.supervision.grades import CONFIRMED_STATUSES

MIN_CELL = 3
UNKNOWN_REGION = "—"
PENDING = "pending"
WITHHELD = "×"
MANUAL = "manual"  # a case opened on hand-picked entities has no typology
INSPECTION_RESULTS: tuple[str, ...] = (*inspections.RESULTS, PENDING)


def prefecture(code: object) -> str:
    """The prefecture of a region code (``460105`` -> ``460100``); unknown -> ``—``.

    >>> prefecture("460105"), prefecture("46"), prefecture(None)
    ('460100', '—', '—')
    """
    text = str(code or "").strip()
    if len(text) < 4 or not text[:4].isdigit():
        return UNKNOWN_REGION
    return f"{text[:4]}00"


@dataclass(frozen=True)
class Cell:
    """A published count and its money; ``None``: withheld, either because it is small
    (shown ``<3``) or so that a small one cannot be worked out (shown ``×``)."""

    count: int | None
    amount: float | None = None
    small: bool = False

    @property
    def shown(self) -> str:
        if self.count is not None:
            return str(self.count)
        return f"<{MIN_CELL}" if self.small else WITHHELD

    @property
    def money(self) -> str:
        """Ten thousands of yuan, one decimal; withheld cells show a dash."""
        return "—" if self.amount is None else f"{self.amount / 10_000:,.1f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.shown,
            "amount_10k_yuan": None if self.amount is None else round(self.amount / 10_000, 1),
        }


@dataclass
class Table:
    rows: list[str]
    cols: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    row_totals: dict[str, Cell] = field(default_factory=dict)
    col_totals: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=lambda: Cell(0, 0.0))

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "cols": self.cols,
            "cells": {r: {c: self.cells[(r, c)].to_json() for c in self.cols} for r in self.rows},
            "row_totals": {r: self.row_totals[r].to_json() for r in self.rows},
            "col_totals": {c: self.col_totals[c].to_json() for c in self.cols},
            "total": self.total.to_json(),
        }


def _cell(count: int, amount: float, hidden: bool) -> Cell:
    if not hidden:
        return Cell(count, amount)
    return Cell(None, None, small=0 < count < MIN_CELL)


def _withhold_lines(
    values: Mapping[tuple[str, str], int],
    hidden: set[tuple[str, str]],
    lines: Iterable[list[tuple[str, str]]],
) -> tuple[bool, list[int]]:
    """One pass of secondary suppression over ``lines``; returns (changed, lines whose
    total must be withheld because no other cell can be)."""
    changed = False
    bare: list[int] = []
    for i, line in enumerate(lines):
        if sum(1 for k in line if k in hidden) != 1:
            continue
        others = sorted((values[k], k) for k in line if k not in hidden and values[k] > 0)
        if others:
            hidden.add(others[0][1])
            changed = True
        else:
            bare.append(i)
    return changed, bare


def _margin(
    counts: Mapping[str, int], amounts: Mapping[str, float], withheld: set[str]
) -> dict[str, Cell]:
    """Totals of rows (or columns): small ones withheld, and a lone withheld one joined
    by the next smallest (the grand total would give it away otherwise)."""
    hidden = {k for k, n in counts.items() if 0 < n < MIN_CELL} | set(withheld)
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in counts.items() if k not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    return {k: _cell(counts[k], amounts[k], k in hidden) for k in counts}


def suppress(
    data: Mapping[tuple[str, str], tuple[int, float]],
    rows: Iterable[str] | None = None,
    cols: Iterable[str] | None = None,
) -> Table:
    """Region x column counts and money as a publishable table (module docstring)."""
    row_keys = sorted(set(rows or ()) | {r for r, _ in data})
    col_keys = list(dict.fromkeys([*(cols or ()), *sorted({c for _, c in data})]))
    values = {(r, c): data.get((r, c), (0, 0.0))[0] for r in row_keys for c in col_keys}
    money = {(r, c): data.get((r, c), (0, 0.0))[1] for r in row_keys for c in col_keys}
    hidden = {k for k, n in values.items() if 0 < n < MIN_CELL}
    row_lines = [[(r, c) for c in col_keys] for r in row_keys]
    col_lines = [[(r, c) for r in row_keys] for c in col_keys]
    bare_rows: set[str] = set()
    bare_cols: set[str] = set()
    changed = True
    while changed:
        a, rb = _withhold_lines(values, hidden, row_lines)
        b, cb = _withhold_lines(values, hidden, col_lines)
        bare_rows |= {row_keys[i] for i in rb}
        bare_cols |= {col_keys[i] for i in cb}
        changed = a or b
    table = Table(row_keys, col_keys)
    for k, n in values.items():
        table.cells[k] = _cell(n, money[k], k in hidden)
    table.row_totals = _margin(
        {r: sum(values[(r, c)] for c in col_keys) for r in row_keys},
        {r: sum(money[(r, c)] for c in col_keys) for r in row_keys},
        bare_rows,
    )
    table.col_totals = _margin(
        {c: sum(values[(r, c)] for r in row_keys) for c in col_keys},
        {c: sum(money[(r, c)] for r in row_keys) for c in col_keys},
        bare_cols,
    )
    n = sum(values.values())
    table.total = _cell(n, sum(money.values()), 0 < n < MIN_CELL)
    return table


@dataclass
class Publication:
    as_of: str
    cases: Table
    inspections: Table
    draws: list[dict[str, Any]]
    min_cell: int = MIN_CELL

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "min_cell": self.min_cell,
            "money_unit": "10k_yuan",
            "money_meaning": "amount at risk estimated by detection for confirmed cases; "
            "money recovered is not recorded",
            "regions": "prefecture (first four digits of the region code)",
            "confirmed_cases": self.cases.to_json(),
            "inspections": self.inspections.to_json(),
            "draws": self.draws,
        }


def case_counts(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[int, float]]:
    """Confirmed (or transferred) cases per (prefecture, typology): count and money."""
    out: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for r in rows:
        if r.get("status") not in CONFIRMED_STATUSES:
            continue
        cell = out[(prefecture(r.get("region")), str(r.get("typology") or MANUAL))]
        cell[0] += 1
        cell[1] += float(r.get("amount") or 0.0)
    return {k: (int(v[0]), float(v[1])) for k, v in out.items()}


def inspection_counts(
    draws: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str], tuple[int, float]]:
    """Inspections per (prefecture, result); not yet recorded: ``pending``."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for d in draws:
        results = d.get("results") or {}
        for i in d["list"]["inspections"]:
            res = results.get(str(i["n"]), {}).get("result", PENDING)
            out[(prefecture(i.get("region")), str(res))] += 1
    return {k: (n, 0.0) for k, n in out.items()}


def gather(store: Store, settings: Settings, *, as_of: str | None = None) -> Publication:
    """The publication of today (or ``as_of``, a date written on it) from the store's
    cases and the recorded inspection draws."""
    rows = store.run("publish_cases", {}).records()
    draws = [inspections.get_draw(settings, d["id"]) for d in inspections.list_draws(settings)]
    return Publication(
        as_of=as_of or datetime.now(UTC).date().isoformat(),
        cases=suppress(case_counts(rows)),
        inspections=suppress(inspection_counts(draws), cols=INSPECTION_RESULTS),
        # The draws themselves are public (一公开): id, date, seed; not the institutions.
        draws=[
            {
                "id": d["id"],
                "date": d["created_at"][:10],
                "seed": d["list"]["seed"],
                "inspections": len(d["list"]["inspections"]),
            }
            for d in draws
        ],
    )
