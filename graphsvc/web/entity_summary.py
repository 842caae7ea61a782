"""An entity summary as the page shows it: masked, each list with its columns, each
partner a link and a readable name, the counts said in one line per kind.

Why here and not in the template: which columns a list has and how a partner is named
(an institution by its name, a person by id, an identifier by its masked value) are
decisions of the page, made once; the template only loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from graphsvc import model
from graphsvc.privacy import mask_properties
from graphsvc.services.explore.summary import Summary, totals
from graphsvc.store import Node


@dataclass(frozen=True)
class Column:
    """``field`` of a row; ``kind``: ``entity`` (the partner), ``num``, ``money``,
    ``date``, ``fact`` (a coded value named by ``fact_value``, e.g. a relation)."""

    key: str  # the header's catalog text
    field: str
    kind: str = "text"


PARTNER = Column("summary.col.partner", "node", "entity")
COUNT = Column("summary.col.settlements", "count", "num")
AMOUNT = Column("summary.col.amount", "amount", "money")
FUND = Column("summary.col.fund_paid", "fund_paid", "money")
REFERRALS = Column("summary.col.referrals", "count", "num")
PATIENTS = Column("summary.col.patients", "patients", "num")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "doctors": (PARTNER, Column("fact.department", "department"), COUNT, AMOUNT),
    "patients": (PARTNER, COUNT, AMOUNT, FUND),
    "referrals_out": (PARTNER, REFERRALS, PATIENTS),
    "referrals_in": (PARTNER, REFERRALS, PATIENTS),
    "workplaces": (PARTNER, Column("fact.kind", "institution_kind", "fact")),
    "settled_at": (PARTNER, Column("fact.kind", "institution_kind", "fact"), COUNT, AMOUNT),
    "institutions": (
        PARTNER,
        COUNT,
        AMOUNT,
        Column("summary.col.first", "first", "date"),
        Column("summary.col.last", "last", "date"),
    ),
    "stays": (
        Column("fact.date", "date", "date"),
        Column("fact.discharge_date", "discharge_date", "date"),
        PARTNER,
        Column("fact.diagnosis_code", "diagnosis_code"),
        AMOUNT,
        FUND,
    ),
    "family": (
        PARTNER,
        Column("fact.relation", "relation", "fact"),
        Column("fact.since", "since", "date"),
        Column("summary.col.account", "account", "label"),
    ),
    "account_payments": (
        PARTNER,
        Column("summary.col.direction", "direction", "label"),
        COUNT,
        AMOUNT,
    ),
    "identifiers": (
        Column("fact.kind", "identifier_kind", "fact"),
        PARTNER,
        Column("summary.col.other_holders", "others", "num"),
    ),
}


def summary_view(summary: Summary) -> dict[str, Any]:
    """What entity.html shows: ``counts``, ``totals``, ``months``, ``sections`` (name,
    columns, masked rows, how many in all); the page draws ``summary.network`` itself."""
    sections = []
    for name, rows in summary.sections.items():
        sections.append(
            {
                "name": name,
                "columns": COLUMNS[name],
                "rows": [_shown(name, row) for row in rows],
                "total": summary.counts.get(_COUNTED_AS.get(name, name)),
            }
        )
    return {
        "kind": summary.kind,
        "counts": summary.counts,
        "counts_text": {k: f"{v:,}" for k, v in summary.counts.items()},
        "totals": totals(summary.months),
        "months": summary.months,
        "sections": sections,
    }


# Which count of the ``counts`` query says how many a list holds in all.
_COUNTED_AS = {
    "settled_at": "institutions",
    "referrals_out": "",
    "referrals_in": "",
    "account_payments": "",
}


def _shown(section: str, row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "node"}
    node = row.get("node")
    if isinstance(node, Node):
        props = mask_properties(node.label, node.properties)
        out["node"] = _partner(node, props)
        if node.label == model.INSTITUTION:
            out["institution_kind"] = props.get("kind")
        if node.label == model.IDENTIFIER:
            out["identifier_kind"] = props.get("kind")
        if node.label == model.DOCTOR:
            out["department"] = props.get("department")
    if section == "family":
        out["account"] = "summary.holder" if row.get("holder") else "summary.member"
    if section == "account_payments":
        out["direction"] = f"summary.{row.get('direction')}"
    return out


def _partner(node: Node, props: dict[str, Any]) -> dict[str, Any]:
    """A partner's shown name and link: institutions by name, people by id, identifiers
    by their masked value and without a link (their key holds the raw value)."""
    kind = model.KIND_OF.get(node.label, node.label.lower())
    ident = str(props.get("id", ""))
    if node.label == model.IDENTIFIER:
        return {"kind": kind, "text": str(props.get("value") or ident), "link": None}
    text = str(props.get("name") or ident) if node.label == model.INSTITUTION else ident
    link = f"/entities/{kind}/{quote(str(node.properties.get('id', '')), safe='')}"
    return {"kind": kind, "text": text, "id": ident, "link": link}
