"""The ground truth written beside a generated province (format: docs/conventions.md).

The detection benchmark matches flagged rings against ``rings`` on (kind, id), so a
ring lists exactly the entities an investigator would expect, no bystanders.
``bad_rows`` lists the rows planted with ``--with-errors`` so loader tests can assert
the rejects one by one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.contract.typologies import TYPOLOGIES as TYPOLOGIES  # the registry, re-exported
from graphsvc.model import RingMember

BENIGN_KINDS: tuple[str, ...] = (
    "household",
    "nursing_home",
    "hub_identifier",
    "chronic_cohort",
    "busy_clinic",
    "legit_referral",
    "long_prescription",
    "specialist_prescriber",
    "repeated_items",
    "rekeyed_record",
    "family_proxy",
    "travellers",
    "relative_buys",
    "multi_site_doctor",
    "moved_record",  # issue #15: person_variants (record linkage)
    "lookalike",
    "twins",
)


Member = RingMember  # the contract's member type, defined once in graphsvc.model


@dataclass
class PlantedRing:
    id: str
    typology: str
    members: list[Member]
    description: str
    # Which variant of the typology was planted (graphsvc.generate.shapes.SHAPES), so
    # quality can be reported per shape; an added field, old readers ignore it.
    shape: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "typology": self.typology,
            "members": [m.to_json() for m in self.members],
            "description": self.description,
        }
        if self.shape:
            out["shape"] = self.shape
        return out


@dataclass
class BenignGroup:
    id: str
    kind: str
    members: list[Member]
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "members": [m.to_json() for m in self.members],
        }
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class BadRow:
    """One planted bad row; ``line`` is the 1-based CSV line (header = line 1)."""

    table: str
    line: int
    key: str  # the row's own id (or participant_id for tables without one)
    column: str
    # bad_check_digit | future_birth_date | fund_paid_gt_total | unknown_reference | bad_enum
    reason: str

    @property
    def row(self) -> int:
        """0-based data row index (the position in a Parquet file)."""
        return self.line - 2

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "line": self.line,
            "row": self.row,
            "key": self.key,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class GroundTruth:
    seed: int
    participants: int
    rings: list[PlantedRing] = field(default_factory=list)
    benign_groups: list[BenignGroup] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "participants": self.participants,
            "rings": [r.to_json() for r in self.rings],
            "benign_groups": [g.to_json() for g in self.benign_groups],
            "bad_rows": [b.to_json() for b in self.bad_rows],
        }

    def write(self, path: Path) -> None:
        """JSON with one ring, group or bad row per line (readable, diffable, fast to write)."""
        data = self.to_json()
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f'{{"seed": {self.seed}, "participants": {self.participants}')
            for key in ("rings", "benign_groups", "bad_rows"):
                fh.write(f',\n "{key}": [')
                for j, item in enumerate(data[key]):
                    fh.write(("," if j else "") + "\n  " + json.dumps(item, ensure_ascii=False))
                fh.write("\n ]" if data[key] else "]")
            fh.write("\n}\n")

    def rings_of(self, typology: str) -> list[PlantedRing]:
        return [r for r in self.rings if r.typology == typology]

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        data = json.loads(path.read_text(encoding="utf-8"))

        def members(items: list[dict[str, str]]) -> list[Member]:
            return [Member(m["kind"], m["id"], m["role"]) for m in items]

        return cls(
            seed=data["seed"],
            participants=data["participants"],
            rings=[
                PlantedRing(
                    r["id"],
                    r["typology"],
                    members(r["members"]),
                    r["description"],
                    r.get("shape", ""),
                )
                for r in data["rings"]
            ],
            benign_groups=[
                BenignGroup(g["id"], g["kind"], members(g["members"]), g.get("description", ""))
                for g in data["benign_groups"]
            ],
            bad_rows=[
                BadRow(b["table"], b["line"], b["key"], b["column"], b["reason"])
                for b in data.get("bad_rows", [])
            ],
        )
