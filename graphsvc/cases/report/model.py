"""The report model: everything both renderings show, computed once, and the texts
(money, typology, events) both print the same way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphsvc.cases.evidence import CaseEvidence, member_rows
from graphsvc.cases.legal import TRANSFER_BASIS, Quote, quotes
from graphsvc.cases.records import CaseEventRecord, CaseRecord
from graphsvc.cases.report.picture import Picture, picture
from graphsvc.cases.texts import pair
from graphsvc.cases.workflow import TRANSFERRED
from graphsvc.store.values import Node, Relationship
from graphsvc.web.i18n import label


@dataclass
class ReportModel:
    case: CaseRecord
    events: list[CaseEventRecord]
    members: list[dict[str, Any]]
    total_fund_paid: float
    total_at_risk: float | None
    legal: list[Quote]
    transfer: list[Quote]
    picture: Picture
    masked: bool
    counts: dict[str, int]
    truncated: bool
    files: list[str]
    # the signed audit head at export (issue #19): what the liaison keeps; see
    # graphsvc.audit.AuditLog.signed_head
    audit_head: dict[str, Any] | None = None

    def audit_head_rows(self) -> list[tuple[str, str]]:
        """(text key, value) rows of the audit head, as both renderings print them."""
        h = self.audit_head
        if not h:
            return []
        sig = h.get("signature") or {}
        return [
            ("audit_head_seq", str(h.get("seq"))),
            ("audit_head_hash", str(h.get("hash"))),
            ("audit_head_time", str(h.get("ts"))),
            ("audit_head_key", f"{sig.get('alg', '—')} {sig.get('key_id', '—')}"),
            ("audit_head_signature", _grouped(str(sig.get("value", "—")))),
        ]

    def audit_head_value(self) -> str:
        """``SEQ:HASH``, what ``audit verify --head`` takes from paper."""
        h = self.audit_head or {}
        return f"{h.get('seq')}:{h.get('hash')}"


def _grouped(text: str, size: int = 22) -> str:
    """Long tokens split by spaces so a PDF cell can wrap them.

    >>> _grouped("abcdef", 4)
    'abcd ef'
    """
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def report_model(
    case: CaseRecord,
    events: list[CaseEventRecord],
    ev: CaseEvidence,
    nodes: list[Node],
    rels: list[Relationship],
    masked: bool,
    files: list[str],
    audit_head: dict[str, Any] | None = None,
) -> ReportModel:
    members = member_rows(case, ev, masked)
    settled = {str(r["prescription_id"]): float(r.get("fund_paid") or 0.0) for r in ev.settlements}
    return ReportModel(
        case=case,
        events=sorted(events, key=lambda e: e.seq),
        members=members,
        total_fund_paid=round(sum(settled.values()), 2),
        total_at_risk=case.amount_at_risk,
        legal=quotes(case.clause or ""),
        transfer=quotes(TRANSFER_BASIS) if case.status == TRANSFERRED else [],
        picture=picture(nodes, rels, {f"{m.kind}:{m.id}" for m in case.members}),
        masked=masked,
        counts={
            "settlements": len(ev.settlements),
            "line_items": len(ev.line_items),
            "identifiers": len(ev.identifiers),
            "family_links": len(ev.family_links),
            "referrals": len(ev.referrals),
        },
        truncated=ev.truncated,
        files=sorted(files),
        audit_head=audit_head,
    )


def money(value: Any) -> str:
    """``1,234.50``; an em dash when unknown.

    >>> money(1234.5), money(None)
    ('1,234.50', '—')
    """
    return "—" if value is None else f"{float(value):,.2f}"


def typology_text(typology: str | None) -> str:
    if not typology:
        return "—"
    zh, en = label("typology", typology, "zh"), label("typology", typology, "en")
    return f"{zh} / {en} ({typology})"


def event_text(e: CaseEventRecord, case: CaseRecord | None = None) -> str:
    """What happened, readable in both languages (status words translated; with the
    ``case``, its opening said in both languages instead of the stored English note)."""

    def st(v: str | None) -> str:
        if v is None:
            return "—"
        zh, en = pair(f"status.{v}")
        return f"{zh} {en}" if zh != en else v

    if e.action == "comment":
        return e.text or ""
    if e.action == "status" or e.action == "created":
        text = f"{st(e.old)} → {st(e.new)}" if e.old else st(e.new)
        if e.action == "created" and case is not None:
            key = "opened_from_ring" if case.ring_key else "opened_by_hand"
            zh, en = (x.format(ring=case.ring_key, n=case.member_count) for x in pair(key))
            return f"{text}; {zh} / {en}"
        return f"{text}; {e.text}" if e.text else text
    return f"{e.old or '—'} → {e.new or '—'}"


def _params_text(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True)
