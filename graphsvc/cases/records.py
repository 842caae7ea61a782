"""Cases and their history as plain data, and how they map to store properties.

Why a snapshot and not a reference to the ring: detection re-runs, thresholds
change and old runs may be pruned, but a case must keep saying what was found
when it was opened (members, roles, reasons, run id, detection parameters). The
snapshot lives in the Case node's properties (JSON for nested parts), the
members also as ``CONCERNS`` relationships so Cypher can join cases to entities.

>>> c = CaseRecord(id="C-000001", seq=1, title="t", status="open", typology="shared_identity",
...                members=[CaseMember("participant", "P1", "recruiter")])
>>> CaseRecord.from_props(c.to_props()) == c
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from graphsvc.cases.texts import pair
from graphsvc.model import MEMBER_KINDS, RingMember

MANUAL = "manual"  # source of a case opened on hand-picked entities
RING = "ring"


def case_id_of(seq: int) -> str:
    """Case numbers count up and read well on paper.

    >>> case_id_of(42)
    'C-000042'
    """
    return f"C-{seq:06d}"


CaseMember = RingMember  # the contract's member type, defined once in graphsvc.model


@dataclass
class CaseEventRecord:
    """One history entry: who did what, when; comments are events too."""

    seq: int
    at: str
    actor: str
    action: str  # created | status | assignee | liaison | title | comment | transfer_*
    field: str | None = None
    old: str | None = None
    new: str | None = None
    text: str | None = None
    id: str = ""

    def to_props(self, case_id: str) -> dict[str, Any]:
        props = {**asdict(self), "id": f"{case_id}:{self.seq:04d}", "case_id": case_id}
        return {k: v for k, v in props.items() if v is not None}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CaseEventRecord:
        return cls(
            seq=int(row["seq"]),
            at=str(row["at"]),
            actor=str(row["actor"]),
            action=str(row["action"]),
            field=row.get("field"),
            old=row.get("old"),
            new=row.get("new"),
            text=row.get("text"),
            id=str(row.get("id") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CaseRecord:
    """A case with its snapshot. ``version`` counts changes (optimistic locking)."""

    id: str
    seq: int
    title: str
    status: str
    typology: str | None = None
    source: str = RING
    ring_key: str | None = None  # Ring.id = run_id:ring_id
    ring_id: str | None = None
    run_id: str | None = None
    clause: str | None = None
    score: float | None = None
    amount_at_risk: float | None = None
    period_start: str | None = None
    period_end: str | None = None
    region_code: str | None = None
    reasons: list[str] = field(default_factory=list)
    reasons_zh: list[str] = field(default_factory=list)  # Chinese twins; empty if none
    members: list[CaseMember] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    assignee: str | None = None
    liaison: str | None = None
    # A transfer awaiting a supervisor (status pending_transfer), then who approved it.
    transfer_liaison: str | None = None
    transfer_reason: str | None = None
    transfer_proposed_by: str | None = None
    transfer_proposed_at: str | None = None
    transfer_approved_by: str | None = None
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    version: int = 1

    @property
    def member_count(self) -> int:
        return len(self.members)

    def members_of(self, kind: str) -> list[CaseMember]:
        return [m for m in self.members if m.kind == kind]

    def ids_of(self, kind: str) -> list[str]:
        return sorted(m.id for m in self.members if m.kind == kind)

    def reason_pairs(self) -> list[tuple[str | None, str]]:
        """Each reason as (Chinese or None, English), for the bilingual report.

        Chinese twins are used only when there is one per reason (cases of older runs
        and hand-written reasons have none).

        >>> c = CaseRecord(id="C-1", seq=1, title="t", status="open", reasons=["a", "b"])
        >>> c.reason_pairs()
        [(None, 'a'), (None, 'b')]
        >>> c.reasons_zh = ["甲", "乙"]
        >>> c.reason_pairs()
        [('甲', 'a'), ('乙', 'b')]
        """
        zh: list[str | None] = list(self.reasons_zh)
        if len(zh) != len(self.reasons):
            zh = [None] * len(self.reasons)
        return list(zip(zh, self.reasons, strict=True))

    def to_props(self) -> dict[str, Any]:
        """Store properties: scalars and string lists as they are, nested parts as JSON."""
        props: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "title": self.title,
            "status": self.status,
            "typology": self.typology,
            "source": self.source,
            "ring_key": self.ring_key,
            "ring_id": self.ring_id,
            "run_id": self.run_id,
            "clause": self.clause,
            "score": self.score,
            "amount_at_risk": self.amount_at_risk,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "region_code": self.region_code,
            "reasons": list(self.reasons),
            "reasons_zh": list(self.reasons_zh),
            "members_json": json.dumps([m.to_json() for m in self.members], ensure_ascii=False),
            "evidence_json": json.dumps(self.evidence, ensure_ascii=False, sort_keys=True),
            "params_json": json.dumps(self.params, ensure_ascii=False, sort_keys=True),
            "summary": self.summary,
            "assignee": self.assignee,
            "liaison": self.liaison,
            "transfer_liaison": self.transfer_liaison,
            "transfer_reason": self.transfer_reason,
            "transfer_proposed_by": self.transfer_proposed_by,
            "transfer_proposed_at": self.transfer_proposed_at,
            "transfer_approved_by": self.transfer_approved_by,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
            "member_count": self.member_count,
        }
        return {k: v for k, v in props.items() if v is not None}

    @classmethod
    def from_props(cls, p: dict[str, Any]) -> CaseRecord:
        def opt_str(key: str) -> str | None:
            v = p.get(key)
            return None if v is None else str(v)

        def opt_float(key: str) -> float | None:
            v = p.get(key)
            return None if v is None else float(v)

        members = [
            CaseMember(str(m["kind"]), str(m["id"]), str(m.get("role") or ""))
            for m in json.loads(p.get("members_json") or "[]")
        ]
        return cls(
            id=str(p["id"]),
            seq=int(p.get("seq") or 0),
            title=str(p.get("title") or ""),
            status=str(p.get("status") or ""),
            typology=opt_str("typology"),
            source=str(p.get("source") or RING),
            ring_key=opt_str("ring_key"),
            ring_id=opt_str("ring_id"),
            run_id=opt_str("run_id"),
            clause=opt_str("clause"),
            score=opt_float("score"),
            amount_at_risk=opt_float("amount_at_risk"),
            period_start=opt_str("period_start"),
            period_end=opt_str("period_end"),
            region_code=opt_str("region_code"),
            reasons=[str(r) for r in (p.get("reasons") or [])],
            reasons_zh=[str(r) for r in (p.get("reasons_zh") or [])],
            members=members,
            evidence=list(json.loads(p.get("evidence_json") or "[]")),
            params=dict(json.loads(p.get("params_json") or "{}")),
            summary=str(p.get("summary") or ""),
            assignee=opt_str("assignee"),
            liaison=opt_str("liaison"),
            transfer_liaison=opt_str("transfer_liaison"),
            transfer_reason=opt_str("transfer_reason"),
            transfer_proposed_by=opt_str("transfer_proposed_by"),
            transfer_proposed_at=opt_str("transfer_proposed_at"),
            transfer_approved_by=opt_str("transfer_approved_by"),
            created_by=str(p.get("created_by") or ""),
            created_at=str(p.get("created_at") or ""),
            updated_at=str(p.get("updated_at") or ""),
            version=int(p.get("version") or 1),
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["member_count"] = self.member_count
        return out


def validate_members(members: list[CaseMember]) -> list[CaseMember]:
    """Known kinds, no duplicates, stable order (kind then id)."""
    from graphsvc.errors import InputError

    seen: dict[tuple[str, str], CaseMember] = {}
    for m in members:
        if m.kind not in MEMBER_KINDS:
            raise InputError(f"unknown member kind {m.kind!r} (one of: {', '.join(MEMBER_KINDS)})")
        if not m.id:
            raise InputError("a member needs an id")
        seen.setdefault((m.kind, m.id), m)
    order = {k: i for i, k in enumerate(("institution", "doctor", "participant"))}
    return sorted(seen.values(), key=lambda m: (order[m.kind], m.id))


def summary_of(case: CaseRecord) -> str:
    """One bilingual paragraph for the report's head (numbers only, no personal data)."""
    counts = {k: len(case.members_of(k)) for k in ("participant", "doctor", "institution")}
    period = (
        f"{case.period_start} – {case.period_end}" if case.period_start and case.period_end else "—"
    )
    amount = f"¥{case.amount_at_risk:,.2f}" if case.amount_at_risk is not None else "—"
    if case.source == RING:
        origin = [t.format(run=case.run_id, ring=case.ring_id) for t in pair("summary.from_ring")]
    else:
        origin = list(pair("summary.by_hand"))
    zh, en = (
        text.format(
            participants=counts["participant"],
            doctors=counts["doctor"],
            institutions=counts["institution"],
            period=period,
            amount=amount,
            origin=o,
        )
        for text, o in zip(pair("summary.text"), origin, strict=True)
    )
    return f"{zh}\n{en}"
