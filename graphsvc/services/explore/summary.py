"""What an entity page summarises: an institution's doctors, top patients, referral
partners and monthly volume; a doctor's patients, workplaces and where their
prescriptions were settled; a participant's stays, institutions, family-account links
and identifiers (issue #13).

Why not the raw neighbourhood: one hop from a busy institution is hundreds of
settlement nodes, each an unlabelled dot, and they hide what an investigator came for
(who works there, who refers to whom, how much). Here settlements are aggregated by
kind, per partner, and every list is bounded by a LIMIT in its named query; the
``counts`` of each kind say how much the lists leave out ("496 settlements at 38
institutions"). Every query starts from the entity's unique ``id`` (an index lookup),
so a page costs the entity's own degree, not the store's size.

The summary's ``network`` is the same picture drawn small: the entity, the partners
listed above (the first ``GRAPH_ROWS`` of each list) and one weighted edge per partner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphsvc import model
from graphsvc.errors import InputError
from graphsvc.model import ACCOUNT_PAID_FOR, REFERRED, TREATED_BY, VISITED
from graphsvc.services.explore.aggregate import SETTLED_AT
from graphsvc.services.explore.entities import find_entity
from graphsvc.services.explore.query import _read
from graphsvc.services.explore.subgraph import Subgraph
from graphsvc.store import Node, Store

# Rows of each list on the page, and of each list drawn in the summary network.
LIST_ROWS = 20
GRAPH_ROWS = 12
MONTHS = 240  # twenty years of months: more than any data set holds

SUMMARY_KINDS = ("institution", "doctor", "participant")


@dataclass(frozen=True)
class Section:
    """One list of a summary: a named query, and how its partners join the picture.

    ``edge``: the aggregated relationship type drawn between the entity and each
    row's ``node``; ``outward``: the entity is the edge's start (else its end).
    """

    name: str
    query: str
    edge: str | None = None
    outward: bool = True


SECTIONS: dict[str, tuple[Section, ...]] = {
    "institution": (
        Section("doctors", "explore_summary_institution_doctors", "WORKS_AT", outward=False),
        Section("patients", "explore_summary_institution_patients", VISITED, outward=False),
        Section("referrals_out", "explore_summary_institution_referrals_out", REFERRED),
        Section(
            "referrals_in", "explore_summary_institution_referrals_in", REFERRED, outward=False
        ),
    ),
    "doctor": (
        Section("workplaces", "explore_summary_doctor_workplaces", "WORKS_AT"),
        Section("patients", "explore_summary_doctor_patients", TREATED_BY, outward=False),
        Section("settled_at", "explore_summary_doctor_institutions", SETTLED_AT),
        Section("referrals_out", "explore_summary_doctor_referrals", REFERRED),
    ),
    "participant": (
        Section("institutions", "explore_summary_participant_institutions", VISITED),
        Section("doctors", "explore_summary_participant_doctors", TREATED_BY),
        Section("stays", "explore_summary_participant_stays"),
        Section("family", "explore_summary_participant_family", "SHARES_ACCOUNT"),
        Section("account_payments", "explore_summary_participant_account_payments"),
        Section("identifiers", "explore_summary_participant_identifiers", "HAS_IDENTIFIER"),
    ),
}


@dataclass
class Summary:
    """An entity's summary: counts by kind, monthly volume, bounded lists, a picture."""

    kind: str
    id: str
    counts: dict[str, int]
    months: list[dict[str, Any]]
    sections: dict[str, list[dict[str, Any]]]
    network: Subgraph = field(default_factory=Subgraph)

    def to_json(self) -> dict[str, Any]:
        """Lists with each partner's properties (as stored or masked, see the caller)."""
        return {
            "kind": self.kind,
            "id": self.id,
            "counts": self.counts,
            "months": self.months,
            "totals": totals(self.months),
            "sections": {
                name: [_plain(row) for row in rows] for name, rows in self.sections.items()
            },
        }


def entity_summary(store: Store, kind: str, ident: str, rows: int = LIST_ROWS) -> Summary:
    """The summary of one institution, doctor or participant (NotFound when none)."""
    if kind not in SUMMARY_KINDS:
        raise InputError(
            f"no summary for {kind!r}; one of {', '.join(SUMMARY_KINDS)}",
            text_key="err.no_summary",
            kind=kind,
        )
    if not 1 <= rows <= 200:
        raise InputError("rows must be 1 to 200")
    center = find_entity(store, kind, ident)
    counted = _read(store, f"explore_summary_{kind}_counts", {"id": ident})
    counts = {k: int(v or 0) for k, v in (counted[0] if counted else {}).items()}
    months = [
        {
            "month": str(r["month"]),
            "count": int(r["count"]),
            "amount": _money(r["amount"]),
            "fund_paid": _money(r["fund_paid"]),
        }
        for r in _read(store, f"explore_summary_{kind}_months", {"id": ident, "limit": MONTHS})
        if r.get("month")
    ]
    sections = {
        s.name: _rows(_read(store, s.query, {"id": ident, "limit": rows})) for s in SECTIONS[kind]
    }
    if "account_payments" in sections:  # a UNION: sorted here, busiest first
        sections["account_payments"].sort(
            key=lambda r: (-(r.get("amount") or 0.0), r["direction"], _node_id(r))
        )
    summary = Summary(kind, ident, counts, months, sections)
    summary.network = _picture(center, SECTIONS[kind], sections)
    return summary


def totals(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums over the months (settlements without a date are in ``counts`` only)."""
    return {
        "count": sum(m["count"] for m in months),
        "amount": _money(sum(m["amount"] or 0.0 for m in months)),
        "fund_paid": _money(sum(m["fund_paid"] or 0.0 for m in months)),
    }


def _rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        row = dict(r)
        for key in ("amount", "fund_paid"):
            if key in row:
                row[key] = _money(row[key])
        out.append(row)
    return out


def _money(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _node_id(row: dict[str, Any]) -> str:
    node = row.get("node")
    return str(node.properties.get("id")) if isinstance(node, Node) else ""


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    node = row.get("node")
    if not isinstance(node, Node):
        return row
    out = {k: v for k, v in row.items() if k != "node"}
    out["node"] = {
        "kind": model.KIND_OF.get(node.label, node.label.lower()),
        "properties": node.properties,
    }
    return out


def _edge_props(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("count", "amount", "patients", "relation", "others")
    return {k: row[k] for k in keep if row.get(k) is not None}


def _picture(
    center: Node, sections: tuple[Section, ...], rows: dict[str, list[dict[str, Any]]]
) -> Subgraph:
    """The entity and its listed partners, one aggregated edge each."""
    sub = Subgraph(meta={"summary": True})
    key = sub.add(center)
    sub.highlight.add(key)
    sub.meta["center"] = key
    link: Callable[[str, str, str, dict[str, Any]], None] = sub.link
    for section in sections:
        for row in rows[section.name][:GRAPH_ROWS]:
            node = row.get("node")
            if not isinstance(node, Node):
                continue
            other = sub.add(node)
            edge = section.edge
            if section.name == "account_payments":
                # paid_for: this account paid for them; paid_by: theirs paid for this one
                holder, patient = (key, other) if row["direction"] == "paid_for" else (other, key)
                link(ACCOUNT_PAID_FOR, holder, patient, _edge_props(row))
                continue
            if section.name == "family":
                start, end = (key, other) if row.get("holder") else (other, key)
                link("SHARES_ACCOUNT", start, end, _edge_props(row))
                continue
            if edge is None:
                continue  # stays: their places are the institutions list already
            start, end = (key, other) if section.outward else (other, key)
            link(edge, start, end, _edge_props(row))
    return sub
