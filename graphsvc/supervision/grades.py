"""Credit grades A-D (信用分级分类监管, Hainan Art. 33; Heilongjiang (8)) in pure code.

Why points and not a model: a grade changes how an institution is supervised, so
anyone must be able to recompute it by hand from the rings and cases it cites. Each
ring membership adds ``score x role weight x (1 + amount / money_scale)`` points,
multiplied by ``confirmed_factor`` when a case on the ring was confirmed (or
transferred) and zero when the case was dismissed (a dismissed case clears). The
total maps to a grade by the thresholds; the explanation names the evidence.

>>> cfg = GradeConfig()
>>> rows = [Membership("r1", "h1", "organised_visits", 0.9, 84_000.0, "doctor", "D1", "hub doctor")]
>>> g = compute_grades(rows, {"h1": "confirmed"}, cfg)[0]
>>> (g.grade, g.explanation)
('C', 'C: hub doctor in 1 confirmed ring, ¥84,000')
>>> compute_grades(rows, {"h1": "dismissed"}, cfg)[0].grade
'A'
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graphsvc.errors import ConfigError

GRADES: tuple[str, ...] = ("A", "B", "C", "D")
# A case awaiting the supervisor's approval of its transfer is still confirmed.
CONFIRMED_STATUSES = frozenset({"confirmed", "pending_transfer", "transferred"})
DISMISSED = "dismissed"

ROLE_ZH: dict[str, str] = {
    "recruiter": "组织者",
    "account holder": "账户持有人",
    "hub doctor": "核心医生",
    "institution": "机构",
    "pharmacy": "药店",
    "doctor": "医生",
    "patient": "参保人",
    "member": "成员",
    "referrer": "转诊方",
    "receiver": "接收方",
}


class GradeConfig(BaseModel):
    """Method and weights; validated so a typo in the file cannot silently regrade."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "recruiter": 1.0,
            "account holder": 1.0,
            "hub doctor": 1.0,
            "institution": 0.8,
            "pharmacy": 0.8,
            "doctor": 0.6,
        }
    )
    default_role_weight: float = Field(0.4, ge=0)
    money_scale: float = Field(50_000.0, gt=0, description="yuan that double a ring's weight")
    confirmed_factor: float = Field(3.0, ge=1)
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"B": 0.5, "C": 2.5, "D": 8.0},
        description="lowest points of grades B, C, D; below B is A",
    )

    @model_validator(mode="after")
    def _check(self) -> GradeConfig:
        if set(self.thresholds) != {"B", "C", "D"}:
            raise ValueError("thresholds must name exactly B, C and D")
        t = self.thresholds
        if not 0 < t["B"] < t["C"] < t["D"]:
            raise ValueError("thresholds must rise: 0 < B < C < D")
        bad = [k for k, v in self.role_weights.items() if v < 0]
        if bad:
            raise ValueError(f"role_weights must be >= 0 (got {bad})")
        return self


def load_config(path: Path | None) -> GradeConfig:
    """Defaults, or a JSON file; errors name the file and field."""
    if path is None:
        return GradeConfig()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read grade config: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    try:
        return GradeConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"{path}: field {where}: {first['msg']}") from None


@dataclass(frozen=True)
class Membership:
    """One entity's place in one ring of the current run."""

    ring: str  # Ring.id (run_id:ring_id)
    ring_id: str  # content hash, what cases refer to
    typology: str
    score: float
    amount: float
    kind: str
    id: str
    role: str


@dataclass(frozen=True)
class Grade:
    kind: str
    id: str
    grade: str
    points: float
    rings: int
    confirmed: int
    cleared: int
    amount: float
    top_role: str
    explanation: str
    explanation_zh: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def grade_of(points: float, cfg: GradeConfig) -> str:
    """The highest grade whose threshold the points reach.

    >>> grade_of(0.0, GradeConfig()), grade_of(9.0, GradeConfig())
    ('A', 'D')
    """
    out = "A"
    for g in ("B", "C", "D"):
        if points >= cfg.thresholds[g]:
            out = g
    return out


def _money(amount: float) -> str:
    return f"¥{amount:,.0f}"


def _explain(
    grade: str, role: str, live: int, confirmed: int, cleared: int, amount: float
) -> tuple[str, str]:
    role_zh = ROLE_ZH.get(role, role)
    if live == 0:
        en = f"{grade}: no open evidence"
        zh = f"{grade}：无有效证据"
        if cleared:
            en += f" ({cleared} ring{'s' if cleared != 1 else ''} cleared by dismissed cases)"
            zh += f"（{cleared}个团伙经撤销案件清除）"
        return en, zh
    if confirmed:
        en = f"{grade}: {role} in {confirmed} confirmed ring{'s' if confirmed != 1 else ''}"
        zh = f"{grade}：{confirmed}个已查实团伙中的{role_zh}"
        others = live - confirmed
        if others:
            en += f" and {others} flagged"
            zh += f"，另{others}个疑似团伙"
    else:
        en = f"{grade}: {role} in {live} flagged ring{'s' if live != 1 else ''}"
        zh = f"{grade}：{live}个疑似团伙中的{role_zh}"
    en += f", {_money(amount)}"
    zh += f"，涉及{_money(amount)}"
    if cleared:
        en += f"; {cleared} cleared"
        zh += f"；{cleared}个已清除"
    return en, zh


def compute_grades(
    memberships: Iterable[Membership], case_status: Mapping[str, str], cfg: GradeConfig
) -> list[Grade]:
    """Grades of every entity that appears in a ring, sorted by (kind, id).

    ``case_status`` maps a ring's content hash to the status of its latest case.
    The top role is the one that contributed most points (ties: alphabetical).
    """
    by_entity: dict[tuple[str, str], list[Membership]] = defaultdict(list)
    for m in memberships:
        by_entity[(m.kind, m.id)].append(m)
    out: list[Grade] = []
    for (kind, eid), rows in sorted(by_entity.items()):
        seen: set[str] = set()
        points = 0.0
        live = confirmed = cleared = 0
        amount = 0.0
        role_points: dict[str, float] = defaultdict(float)
        for m in sorted(rows, key=lambda r: r.ring):
            if m.ring in seen:
                continue
            seen.add(m.ring)
            status = case_status.get(m.ring_id)
            if status == DISMISSED:
                cleared += 1
                continue
            weight = cfg.role_weights.get(m.role, cfg.default_role_weight)
            p = max(m.score, 0.0) * weight * (1.0 + max(m.amount, 0.0) / cfg.money_scale)
            if status in CONFIRMED_STATUSES:
                p *= cfg.confirmed_factor
                confirmed += 1
            live += 1
            amount += max(m.amount, 0.0)
            points += p
            role_points[m.role] += p
        top = min(role_points, key=lambda r: (-role_points[r], r)) if role_points else ""
        g = grade_of(points, cfg)
        en, zh = _explain(g, top, live, confirmed, cleared, amount)
        out.append(
            Grade(
                kind,
                eid,
                g,
                round(points, 4),
                live,
                confirmed,
                cleared,
                round(amount, 2),
                top,
                en,
                zh,
            )
        )
    return out


def memberships_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Membership]:
    """Store rows (queries/supervision/grades_ring_members.cypher) as memberships."""
    from graphsvc.model import KIND_OF_LABEL

    out = []
    for r in rows:
        kind = next((KIND_OF_LABEL[lb] for lb in r["labels"] or [] if lb in KIND_OF_LABEL), None)
        if kind is None:
            continue
        out.append(
            Membership(
                ring=str(r["ring"]),
                ring_id=str(r["ring_id"]),
                typology=str(r["typology"]),
                score=float(r["score"] or 0.0),
                amount=float(r["amount"] or 0.0),
                kind=kind,
                id=str(r["id"]),
                role=str(r["role"] or ""),
            )
        )
    return out


def latest_case_status(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Ring hash -> status of its most recently updated case (rows sorted by update)."""
    out: dict[str, str] = {}
    for r in rows:
        out[str(r["ring_id"])] = str(r["status"])
    return out
