"""A case's evidence: read from the store (``gather``), then tabulated in pure code.

Why the split: the package must be byte-identical when exported twice from the
same data, so everything after the reads (sorting, rounding, masking, the
per-member amounts, the subgraph) is pure and tested without a store.

Per-member amounts: *fund paid* is what the fund paid on the member's involved
settlements (a participant's as patient, a doctor's as prescriber, an
institution's as the place of settlement). Detection reports the amount at risk
for the ring only, so it is apportioned to settlements pro rata to fund paid and
summed per member; the participants' shares add up to the ring's amount.

>>> rows = [{"prescription_id": "S1", "participant_id": "P1", "doctor_id": "D1",
...          "institution_id": "I1", "fund_paid": 30.0},
...         {"prescription_id": "S2", "participant_id": "P2", "doctor_id": "D1",
...          "institution_id": "I1", "fund_paid": 10.0}]
>>> members = [CaseMember("participant", "P1", "r"), CaseMember("participant", "P2", "r"),
...            CaseMember("doctor", "D1", "hub doctor")]
>>> [(a.id, a.fund_paid, a.at_risk) for a in member_amounts(members, rows, 20.0)]
[('P1', 30.0, 15.0), ('P2', 10.0, 5.0), ('D1', 40.0, 20.0)]
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsvc.cases.records import CaseMember, CaseRecord
from graphsvc.contract.cells import inert
from graphsvc.contract.schema import SPECS
from graphsvc.model import ACCOUNT_PAID_FOR, EVIDENCE, MEMBER_KINDS, REFERRED, TREATED_BY, VISITED
from graphsvc.privacy import mask_properties, mask_value
from graphsvc.security.vault import pii_for_store, reveal
from graphsvc.store import Store
from graphsvc.store.values import Node, Relationship

SETTLEMENT_LIMIT = 20_000  # more than a ring ever has; the report says when it was reached
ID_CHUNK = 2_000

# The contract's columns (graphsvc.contract.schema is their one definition); line items add the
# line's number within its settlement.
SETTLEMENT_COLUMNS = SPECS["prescriptions"].columns
_ITEMS = SPECS["prescription_items"].columns
LINE_ITEM_COLUMNS = (_ITEMS[0], "line_id", *_ITEMS[1:])
IDENTIFIER_COLUMNS = ("participant_id", "kind", "value", "holders")
FAMILY_COLUMNS = SPECS["family_links"].columns
REFERRAL_COLUMNS = SPECS["referrals"].columns
MEMBER_COLUMNS = (
    "kind",
    "id",
    "role",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "region_code",
    "institution_kind",
    "department",
    "settlements",
    "fund_paid",
    "amount_at_risk",
)


@dataclass
class CaseEvidence:
    """Raw rows as the store returned them (entities as nodes by (kind, id))."""

    entities: dict[tuple[str, str], Node] = field(default_factory=dict)
    settlements: list[dict[str, Any]] = field(default_factory=list)
    line_items: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    family_links: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


def _chunks(ids: Sequence[str], size: int = ID_CHUNK) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def gather(store: Store, case: CaseRecord, *, unmasked: bool = False) -> CaseEvidence:
    """Every store read a package needs, nothing else.

    ``unmasked``: an authorised unmasked export; the raw names, ID numbers and identifier
    values come from the vault (the graph holds only pseudonyms, issue #14).
    """
    from graphsvc.cases.service import entity_nodes

    pids, dids, iids = (
        case.ids_of("participant"),
        case.ids_of("doctor"),
        case.ids_of("institution"),
    )
    ev = CaseEvidence(entities=entity_nodes(store, case.members))
    period = {"period_start": case.period_start, "period_end": case.period_end}
    if pids:
        ev.settlements = store.run(
            "case_settlements", {"participant_ids": pids, **period, "limit": SETTLEMENT_LIMIT}
        ).records()
    elif dids:
        ev.settlements = store.run(
            "case_settlements_by_provider",
            {"doctor_ids": dids, "institution_ids": iids, **period, "limit": SETTLEMENT_LIMIT},
        ).records()
    ev.truncated = len(ev.settlements) >= SETTLEMENT_LIMIT
    rx_ids = sorted({str(r["prescription_id"]) for r in ev.settlements})
    for chunk in _chunks(rx_ids):
        ev.line_items += store.run("case_line_items", {"prescription_ids": chunk}).records()
    if pids:
        ev.identifiers = store.run("case_identifiers", {"participant_ids": pids}).records()
        ev.family_links = store.run("case_family_links", {"participant_ids": pids}).records()
    if pids or dids:
        ev.referrals = store.run(
            "case_referrals", {"participant_ids": pids, "doctor_ids": dids}
        ).records()
    # Counterpart entities the subgraph draws (institutions, doctors, account holders).
    more = [
        CaseMember("institution", str(r["institution_id"]), "")
        for r in ev.settlements
        if r.get("institution_id")
    ]
    more += [
        CaseMember("doctor", str(r["doctor_id"]), "") for r in ev.settlements if r.get("doctor_id")
    ]
    more += [
        CaseMember("participant", str(r[k]), "")
        for r in ev.family_links
        for k in ("holder_id", "member_id")
    ]
    more += [
        CaseMember("participant", str(r["account_holder_id"]), "")
        for r in ev.settlements
        if r.get("account_holder_id")
    ]
    for k in ("from_institution_id", "to_institution_id"):
        more += [CaseMember("institution", str(r[k]), "") for r in ev.referrals if r.get(k)]
    missing = [
        m for m in {(m.kind, m.id): m for m in more}.values() if (m.kind, m.id) not in ev.entities
    ]
    if missing:
        ev.entities.update(entity_nodes(store, missing))
    if unmasked:
        reveal_evidence(store, ev)
    return ev


def reveal_evidence(store: Store, ev: CaseEvidence) -> None:
    """Put the vault's raw values back into ``ev`` (in place), for an unmasked package."""
    pii = pii_for_store(store)
    for (kind, ident), node in list(ev.entities.items()):
        props = reveal(pii, MEMBER_KINDS[kind], ident, dict(node.properties))
        ev.entities[(kind, ident)] = Node(node.id, node.labels, props)
    for r in ev.identifiers:
        raw = pii.vault.get("Identifier", str(r.get("identifier_id"))).get("value")
        if raw is not None:
            r["value"] = raw


# -- pure tabulation ---------------------------------------------------------------


def _num(value: Any) -> float:
    try:
        return float(value) if value is not None and value != "" else 0.0
    except (TypeError, ValueError):
        return 0.0


def _cell(value: Any) -> str:
    """CSV text of a value: floats with at most 2 decimals, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with BOM (spreadsheet tools then read Chinese right), CRLF, rows sorted.

    >>> csv_bytes(["a", "b"], [{"a": "乙", "b": 2.5}, {"a": "甲", "b": None}])[:3]
    b'\\xef\\xbb\\xbf'
    >>> csv_bytes(["a", "b"], [{"a": "乙", "b": 2.5}, {"a": "甲", "b": None}]).decode("utf-8-sig")
    'a,b\\r\\n乙,2.5\\r\\n甲,\\r\\n'
    """
    lines = sorted(tuple(inert(_cell(r.get(c))) for c in columns) for r in rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows(lines)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def masked_identifiers(rows: Iterable[Mapping[str, Any]], masked: bool) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        value = r.get("value")
        if masked and value is not None:
            value = mask_value(str(r.get("kind") or "device"), str(value))
        out.append(
            {
                "participant_id": r.get("participant_id"),
                "kind": r.get("kind"),
                "value": value,
                "holders": r.get("holders"),
            }
        )
    return out


@dataclass(frozen=True)
class MemberAmount:
    kind: str
    id: str
    role: str
    settlements: int
    fund_paid: float
    at_risk: float | None


def member_amounts(
    members: Sequence[CaseMember],
    settlements: Sequence[Mapping[str, Any]],
    amount_at_risk: float | None,
) -> list[MemberAmount]:
    """Fund paid and apportioned amount at risk per member (see module docstring)."""
    total_paid = sum(_num(r.get("fund_paid")) for r in settlements)
    share = (amount_at_risk / total_paid) if amount_at_risk is not None and total_paid else None
    col = {"participant": "participant_id", "doctor": "doctor_id", "institution": "institution_id"}
    paid: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for r in settlements:
        for kind, key in col.items():
            if r.get(key) is not None:
                paid[(kind, str(r[key]))] += _num(r.get("fund_paid"))
                count[(kind, str(r[key]))] += 1
    out = []
    for m in members:
        p = paid.get((m.kind, m.id), 0.0)
        out.append(
            MemberAmount(
                m.kind,
                m.id,
                m.role,
                count.get((m.kind, m.id), 0),
                round(p, 2),
                None if share is None else round(p * share, 2),
            )
        )
    return out


def member_rows(case: CaseRecord, ev: CaseEvidence, masked: bool) -> list[dict[str, Any]]:
    """members.csv and the report's member table."""
    rows = []
    for a in member_amounts(case.members, ev.settlements, case.amount_at_risk):
        node = ev.entities.get((a.kind, a.id))
        props = dict(node.properties) if node else {}
        if masked:
            props = mask_properties(MEMBER_KINDS[a.kind], props)
        rows.append(
            {
                "kind": a.kind,
                "id": a.id,
                "role": a.role,
                "name": props.get("name"),
                "id_number": props.get("id_number"),
                "gender": props.get("gender"),
                "birth_date": props.get("birth_date"),
                "region_code": props.get("region_code"),
                "institution_kind": props.get("kind") if a.kind == "institution" else None,
                "department": props.get("department"),
                "settlements": a.settlements,
                "fund_paid": a.fund_paid,
                "amount_at_risk": a.at_risk,
            }
        )
    return rows


def evidence_files(case: CaseRecord, ev: CaseEvidence, masked: bool) -> dict[str, bytes]:
    """The evidence CSVs of a package, by path."""
    return {
        "evidence/members.csv": csv_bytes(MEMBER_COLUMNS, member_rows(case, ev, masked)),
        "evidence/settlements.csv": csv_bytes(SETTLEMENT_COLUMNS, ev.settlements),
        "evidence/line_items.csv": csv_bytes(LINE_ITEM_COLUMNS, ev.line_items),
        "evidence/identifiers.csv": csv_bytes(
            IDENTIFIER_COLUMNS, masked_identifiers(ev.identifiers, masked)
        ),
        "evidence/family_links.csv": csv_bytes(FAMILY_COLUMNS, ev.family_links),
        "evidence/referrals.csv": csv_bytes(REFERRAL_COLUMNS, ev.referrals),
    }


# -- the subgraph ----------------------------------------------------------------------


def key(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def identifier_key(identifier_id: str) -> str:
    """Identifier ids hold the value (personal): key them by a hash instead."""
    return "identifier:" + hashlib.sha256(identifier_id.encode("utf-8")).hexdigest()[:12]


def subgraph(  # noqa: C901  debt, listed in docs/conventions.md
    case: CaseRecord, ev: CaseEvidence, masked: bool
) -> tuple[list[Node], list[Relationship]]:
    """Members, what ties them (shared identifiers, family links, account payments,
    referrals, detection's evidence edges) and the providers at least two of them
    used, as aggregated edges. Node ids are ``kind:id``; sorted, so deterministic."""
    member_keys = {key(m.kind, m.id): m for m in case.members}
    nodes: dict[str, Node] = {}

    def add_node(kind: str, ident: str, role: str | None = None) -> str:
        k = key(kind, ident)
        if k not in nodes:
            node = ev.entities.get((kind, ident))
            props: dict[str, Any] = dict(node.properties) if node else {"id": ident}
            props = {p: v for p, v in props.items() if p != "load_id"}
            if role:
                props["role"] = role
            label = MEMBER_KINDS[kind]
            nodes[k] = Node(k, (label,), mask_properties(label, props) if masked else props)
        return k

    for m in case.members:
        add_node(m.kind, m.id, m.role)

    agg: dict[tuple[str, str, str], dict[str, float]] = defaultdict(
        lambda: {"count": 0.0, "amount": 0.0}
    )
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in ev.settlements:
        pid = r.get("participant_id")
        if pid is None:
            continue
        for kind, col in (("institution", "institution_id"), ("doctor", "doctor_id")):
            if r.get(col) is not None:
                users[(kind, str(r[col]))].add(str(pid))
    for r in ev.settlements:
        pk = key("participant", str(r.get("participant_id")))
        for kind, col, rel in (
            ("institution", "institution_id", VISITED),
            ("doctor", "doctor_id", TREATED_BY),
        ):
            ident = r.get(col)
            if ident is None:
                continue
            k = key(kind, str(ident))
            if k in member_keys or len(users[(kind, str(ident))]) >= 2:
                a = agg[(pk, k, rel)]
                a["count"] += 1
                a["amount"] += _num(r.get("fund_paid"))
        holder = r.get("account_holder_id")
        if holder:
            a = agg[(key("participant", str(holder)), pk, ACCOUNT_PAID_FOR)]
            a["count"] += 1
            a["amount"] += _num(r.get("account_paid"))
    for r in ev.referrals:
        src = (
            key("doctor", str(r["from_doctor_id"]))
            if r.get("from_doctor_id")
            else key("institution", str(r.get("from_institution_id")))
        )
        if r.get("to_institution_id"):
            agg[(src, key("institution", str(r["to_institution_id"])), REFERRED)]["count"] += 1

    rels: list[Relationship] = []
    for (start, end, rel), a in sorted(agg.items()):
        for k in (start, end):
            kind, _, ident = k.partition(":")
            if kind in MEMBER_KINDS and ident and ident != "None":
                add_node(kind, ident)
        props: dict[str, Any] = {"count": int(a["count"])}
        if rel != REFERRED:
            props["amount"] = round(a["amount"], 2)
        rels.append(Relationship(f"{rel}:{start}->{end}", rel, start, end, props))

    shared: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in ev.identifiers:
        shared[str(r["identifier_id"])].append(r)
    for ident_id, holders in sorted(shared.items()):
        if len(holders) < 2:  # only what ties members together is drawn
            continue
        xk = identifier_key(ident_id)
        kind = str(holders[0].get("kind") or "")
        props = {
            "id": ident_id,
            "kind": kind,
            "value": holders[0].get("value"),
            "holders": holders[0].get("holders"),
        }
        if masked:
            props = mask_properties("Identifier", props)
        nodes[xk] = Node(xk, ("Identifier",), props)
        for h in holders:
            pk = key("participant", str(h["participant_id"]))
            rels.append(Relationship(f"HAS_IDENTIFIER:{pk}->{xk}", "HAS_IDENTIFIER", pk, xk, {}))
    for r in ev.family_links:
        hk = add_node("participant", str(r["holder_id"]))
        mk = add_node("participant", str(r["member_id"]))
        rels.append(
            Relationship(
                f"SHARES_ACCOUNT:{hk}->{mk}",
                "SHARES_ACCOUNT",
                hk,
                mk,
                {"relation": r.get("relation"), "since": r.get("since")},
            )
        )
    for i, e in enumerate(case.evidence):
        try:
            s = key(str(e["source"]["kind"]), str(e["source"]["id"]))
            t = key(str(e["target"]["kind"]), str(e["target"]["id"]))
        except (KeyError, TypeError):
            continue
        if s in nodes and t in nodes:
            said = {"detail": str(e.get("detail") or "")}
            if e.get("detail_zh"):  # the Chinese twin, where detection stored one
                said["detail_zh"] = str(e["detail_zh"])
            if masked:
                said = mask_properties("Evidence", said)
            rels.append(
                Relationship(
                    f"{EVIDENCE}:{i}",
                    EVIDENCE,
                    s,
                    t,
                    {"evidence_type": e.get("type"), "weight": e.get("weight"), **said},
                )
            )
    unique = {(r.type, r.start, r.end, r.id): r for r in rels}
    return (sorted(nodes.values(), key=lambda n: n.id), [unique[k] for k in sorted(unique)])
