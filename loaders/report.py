"""The load report (data contract shape) and the rejects file."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.contract.cells import inert
from graphsvc.errors import InputError
from loaders.validate import Reject

REJECT_COLUMNS = ("file", "line", "column", "reason", "raw", "value_excerpt")


@dataclass
class TableCounts:
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    unchanged: int = 0  # loaded rows that were already stored exactly so
    # refund/reversal rows folded into the settlement they reverse, and settlements
    # (and their lines) reversed in full: not in ``read``, so read = loaded + rejected
    netted: int = 0

    def to_json(self) -> dict[str, int]:
        return {"read": self.read, "loaded": self.loaded, "rejected": self.rejected}


@dataclass
class LoadReport:
    """What a load did. ``to_json`` is the contract's shape plus extra fields."""

    tables: dict[str, TableCounts]
    rejects_file: str | None
    elapsed_s: float
    load_id: str = ""
    source: str = ""
    mapping: str | None = None
    created: dict[str, int] = field(default_factory=dict)  # label/type -> count
    timings_s: dict[str, float] = field(default_factory=dict)
    # "file column" -> code -> rows: codes the mapping's value tables lack
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)

    def unmapped_lines(self) -> list[str]:
        """One line per column and code, most rows first: fix the mapping in one pass.

        >>> LoadReport({}, None, 0.0, unmapped={"p.csv insutype": {"391": 2373}}).unmapped_lines()
        ['p.csv insutype 391: 2,373 rows']
        """
        out: list[tuple[int, str]] = []
        for column, codes in self.unmapped.items():
            for code, n in codes.items():
                out.append((-n, f"{column} {code}: {n:,} row{'s' if n != 1 else ''}"))
        return [text for _, text in sorted(out)]

    @property
    def rows_read(self) -> int:
        return sum(t.read for t in self.tables.values())

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables.values())

    def to_json(self) -> dict[str, Any]:
        elapsed = max(self.elapsed_s, 1e-9)
        return {
            "tables": {name: t.to_json() for name, t in self.tables.items()},
            "rejects_file": self.rejects_file,
            "elapsed_s": round(self.elapsed_s, 3),
            "load_id": self.load_id,
            "source": self.source,
            "mapping": self.mapping,
            "unchanged": {name: t.unchanged for name, t in self.tables.items()},
            "rows_per_s": round(self.rows_read / elapsed, 1),
            "created": dict(self.created),
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "netted": {name: t.netted for name, t in self.tables.items() if t.netted},
            "unmapped_codes": {k: dict(v) for k, v in self.unmapped.items()},
        }

    def summary(self) -> str:
        """A readable form for the terminal."""
        lines = [f"load {self.load_id} of {self.source}"]
        unmapped = self.unmapped_lines()
        if unmapped:
            lines.append("  codes the mapping does not know (add them to its values):")
            lines.extend(f"    {text}" for text in unmapped)
        lines.append(f"  {'table':<20}{'read':>10}{'loaded':>10}{'rejected':>10}{'unchanged':>11}")
        for name, t in self.tables.items():
            lines.append(
                f"  {name:<20}{t.read:>10,}{t.loaded:>10,}{t.rejected:>10,}{t.unchanged:>11,}"
            )
        netted = {name: t.netted for name, t in self.tables.items() if t.netted}
        if netted:
            lines.append(
                "  netted (refunds/reversals, not loaded): "
                + ", ".join(f"{k} {v:,}" for k, v in netted.items())
            )
        if self.created:
            made = ", ".join(f"{k} {v:,}" for k, v in sorted(self.created.items()) if v)
            lines.append(f"  created: {made or 'nothing (already loaded)'}")
        rate = self.rows_read / max(self.elapsed_s, 1e-9)
        lines.append(f"  {self.elapsed_s:.1f} s, {rate:,.0f} rows/s")
        if self.rejected:
            lines.append(f"  {self.rejected:,} rejected rows with reasons in {self.rejects_file}")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def check_writable(path: Path) -> None:
    """Fail before a load writes anything when its rejects file could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the rejects file: {exc.strerror}") from exc


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    """Write the rejects CSV; owner-only, because ``raw`` keeps personal data for repair."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    n = 0
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(REJECT_COLUMNS)
        for r in rejects:
            raw = json.dumps(dict(r.raw), ensure_ascii=False)
            cells = [r.file, r.line, r.column, r.reason, raw, r.value_excerpt]
            out.writerow([inert(c) for c in cells])  # the rejects are opened in spreadsheets
            n += 1
    return n
