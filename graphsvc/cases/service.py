"""Case service functions: create, read, list, change, comment. Routes and CLI call these.

Every change writes the new state and its history entry in one statement, and
only if nobody changed the case since it was read (``version``), so two
investigators acting at once get a Conflict instead of a lost update.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from graphsvc.cases import workflow
from graphsvc.cases.records import (
    MANUAL,
    RING,
    CaseEventRecord,
    CaseMember,
    CaseRecord,
    case_id_of,
    summary_of,
    validate_members,
)
from graphsvc.errors import Conflict, GraphsvcError, InputError, NotFound, StoreError
from graphsvc.model import KIND_OF_LABEL
from graphsvc.security.roles import LIAISON
from graphsvc.store import Store
from graphsvc.store.values import Node

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 5  # case numbers race between concurrent creators: retry on the constraint
MAX_COMMENT = 5_000
MAX_TITLE = 200


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the API's ``User`` or the CLI's operator."""

    username: str
    role: str


# -- reading ---------------------------------------------------------------------


def get_case(store: Store, case_id: str, viewer: Viewer | None = None) -> CaseRecord:
    """The case; NotFound also when the viewer may not see it (no existence leak)."""
    node = store.run("case_get", {"id": case_id}).scalar()
    if not isinstance(node, Node):
        raise NotFound(f"no case {case_id}", text_key="err.no_case", case_id=case_id)
    case = CaseRecord.from_props(node.properties)
    if viewer is not None and not workflow.can_see(
        viewer.role, viewer.username, case.status, case.liaison
    ):
        raise NotFound(f"no case {case_id}", text_key="err.no_case", case_id=case_id)
    return case


def get_events(store: Store, case_id: str) -> list[CaseEventRecord]:
    rows = store.run("case_events", {"id": case_id}).records()
    return [CaseEventRecord.from_row(r) for r in rows]


def list_cases(
    store: Store,
    *,
    viewer: Viewer | None = None,
    status: str | None = None,
    assignee: str | None = None,
    typology: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Rows for the list page and their total. A liaison sees only cases transferred to them."""
    liaison: str | None = None
    if status is not None:
        workflow.check_status(status)
    if viewer is not None and viewer.role == LIAISON:
        if status not in (None, workflow.TRANSFERRED):
            return [], 0
        status, liaison = workflow.TRANSFERRED, viewer.username
    params: dict[str, Any] = {
        "status": status,
        "assignee": assignee,
        "liaison": liaison,
        "typology": typology,
    }
    total = int(store.run("case_count", params).scalar() or 0)
    rows = store.run(
        "case_list", {**params, "offset": max(0, offset), "limit": max(1, min(limit, 500))}
    ).records()
    return rows, total


# -- creating --------------------------------------------------------------------


@dataclass
class RingSnapshot:
    """What detection said about a ring, as read from the store."""

    ring_key: str
    ring_id: str
    run_id: str
    typology: str
    score: float | None
    amount_at_risk: float | None
    reasons: list[str]
    reasons_zh: list[str]
    clause: str | None
    period_start: str | None
    period_end: str | None
    region_code: str | None
    evidence: list[dict[str, Any]]
    params: dict[str, Any]
    members: list[CaseMember]


def _json_or(value: Any, default: Any) -> Any:
    if not value:
        return default
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def read_ring(store: Store, ring_ref: str) -> RingSnapshot:
    """A ring by ``run_id:ring_id`` or by ``ring_id`` in the current run."""
    rows = store.run("case_ring", {"ring_ref": ring_ref}).records()
    if not rows or not isinstance(rows[0]["ring"], Node):
        raise NotFound(
            f"no ring {ring_ref} in the current detection run",
            text_key="err.no_current_ring",
            ring=ring_ref,
        )
    row = rows[0]
    p = row["ring"].properties
    ring_key = str(p["id"])
    members: list[CaseMember] = []
    for m in store.run("case_ring_members", {"ring_key": ring_key}).records():
        kind = next((KIND_OF_LABEL[x] for x in (m["labels"] or []) if x in KIND_OF_LABEL), None)
        if kind is not None and m["id"] is not None:
            members.append(CaseMember(kind, str(m["id"]), str(m["role"] or "")))
    params = _json_or(p.get("params_json"), None)
    if params is None:
        params = _json_or(row.get("run_params_json"), {})
    return RingSnapshot(
        ring_key=ring_key,
        ring_id=str(p.get("ring_id") or ring_key.split(":")[-1]),
        run_id=str(p.get("run_id") or row["run_id"]),
        typology=str(p.get("typology") or ""),
        score=None if p.get("score") is None else float(p["score"]),
        amount_at_risk=None if p.get("amount_at_risk") is None else float(p["amount_at_risk"]),
        reasons=[str(r) for r in (p.get("reasons") or [])],
        # Rings of runs before Chinese reasons existed have none.
        reasons_zh=[str(r) for r in (p.get("reasons_zh") or [])],
        clause=p.get("clause"),
        period_start=p.get("period_start"),
        period_end=p.get("period_end"),
        region_code=p.get("region_code"),
        evidence=list(_json_or(p.get("evidence_json"), [])),
        params=dict(params) if isinstance(params, dict) else {"value": params},
        members=validate_members(members),
    )


def _check_title(title: str) -> str:
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise InputError(
            f"title longer than {MAX_TITLE} characters", text_key="err.too_long", n=MAX_TITLE
        )
    return title


def _insert(store: Store, case: CaseRecord, events: list[CaseEventRecord]) -> CaseRecord:
    """Write a new case, numbering it after the highest so far (retry on a race)."""
    for attempt in range(CREATE_ATTEMPTS):
        seq = int(store.run("case_next_seq").scalar() or 0) + 1
        case.seq, case.id = seq, case_id_of(seq)
        try:
            store.run(
                "case_create",
                {"props": case.to_props(), "events": [e.to_props(case.id) for e in events]},
            )
        except StoreError as exc:
            if "constraint" in str(exc).lower() and attempt + 1 < CREATE_ATTEMPTS:
                log.info("case number %s taken meanwhile, retrying", case.id)
                continue
            raise
        break
    for kind in ("participant", "doctor", "institution"):
        rows = [{"id": m.id, "role": m.role} for m in case.members_of(kind)]
        if rows:
            store.run(f"case_concerns_{kind}", {"case_id": case.id, "rows": rows})
    if case.ring_key:
        store.run("case_link_ring", {"case_id": case.id, "ring_key": case.ring_key})
    store.save()
    log.info("case %s created (%d members)", case.id, case.member_count)
    return case


def create_from_ring(
    store: Store,
    ring_ref: str,
    *,
    actor: str,
    title: str | None = None,
    assignee: str | None = None,
    at: str | None = None,
) -> CaseRecord:
    """A case holding the ring as detection saw it (members, roles, reasons, run, params)."""
    ring = read_ring(store, ring_ref)
    at = at or now_iso()
    case = CaseRecord(
        id="",
        seq=0,
        title=_check_title(title or f"{ring.typology} {ring.ring_id[:12]}"),
        status=workflow.OPEN,
        typology=ring.typology,
        source=RING,
        ring_key=ring.ring_key,
        ring_id=ring.ring_id,
        run_id=ring.run_id,
        clause=ring.clause,
        score=ring.score,
        amount_at_risk=ring.amount_at_risk,
        period_start=ring.period_start,
        period_end=ring.period_end,
        region_code=ring.region_code,
        reasons=ring.reasons,
        reasons_zh=ring.reasons_zh,
        members=ring.members,
        evidence=ring.evidence,
        params=ring.params,
        assignee=assignee,
        created_by=actor,
        created_at=at,
        updated_at=at,
    )
    case.summary = summary_of(case)
    return _insert(store, case, _creation_events(case, actor, at))


def create_from_entities(
    store: Store,
    members: Sequence[CaseMember],
    *,
    actor: str,
    title: str,
    typology: str | None = None,
    clause: str | None = None,
    reasons: Sequence[str] = (),
    assignee: str | None = None,
    at: str | None = None,
) -> CaseRecord:
    """A case on hand-picked entities; every one must exist in the store."""
    chosen = validate_members(list(members))
    if not chosen:
        raise InputError("a case needs at least one member", text_key="err.case_no_members")
    found = entity_nodes(store, chosen)
    missing = [f"{m.kind} {m.id}" for m in chosen if (m.kind, m.id) not in found]
    if missing:
        raise NotFound(
            f"not in the store: {', '.join(missing[:5])}",
            text_key="err.members_missing",
            missing=", ".join(missing[:5]),
        )
    at = at or now_iso()
    case = CaseRecord(
        id="",
        seq=0,
        title=_check_title(title) or "manual case",
        status=workflow.OPEN,
        typology=typology,
        source=MANUAL,
        clause=clause,
        reasons=[str(r) for r in reasons],
        members=chosen,
        assignee=assignee,
        created_by=actor,
        created_at=at,
        updated_at=at,
    )
    case.summary = summary_of(case)
    return _insert(store, case, _creation_events(case, actor, at))


class Recorder(Protocol):
    """Writes one audit record for the acting user: the API's per-request ``Auditor``,
    or the CLI's, bound to its ``--as`` name."""

    def record(
        self,
        action: str,
        target: str,
        outcome: str = "ok",
        rows: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> object: ...


@dataclass(frozen=True)
class CaseRequest:
    """What a case is opened from: either ``ring_id`` (current run, or
    ``run_id:ring_id``) or hand-picked ``members`` (with an optional typology, legal
    basis and reasons)."""

    ring_id: str | None = None
    members: Sequence[CaseMember] = ()
    title: str | None = None
    assignee: str | None = None
    typology: str | None = None
    clause: str | None = None
    reasons: Sequence[str] = ()


def open_case(
    store: Store, request: CaseRequest, *, actor: str, audit: Recorder, via: str
) -> CaseRecord:
    """Open a case and audit it, a refusal too (``via``: api, page or cli).

    The one way the API, the pages and the CLI open a case, so the three cannot
    drift apart in what they accept or in what the audit trail says about it."""
    target = request.ring_id or "manual"
    try:
        case = _open(store, request, actor)
    except GraphsvcError as exc:
        audit.record("case.create", target, outcome=type(exc).__name__, detail={"via": via})
        raise
    audit.record(
        "case.create",
        case.id,
        rows=case.member_count,
        detail={"ring": case.ring_key, "source": case.source, "via": via},
    )
    return case


def _open(store: Store, request: CaseRequest, actor: str) -> CaseRecord:
    if bool(request.ring_id) == bool(request.members):
        raise InputError("give either ring_id or members", text_key="err.ring_or_members")
    if request.ring_id:
        return create_from_ring(
            store, request.ring_id, actor=actor, title=request.title, assignee=request.assignee
        )
    return create_from_entities(
        store,
        request.members,
        actor=actor,
        title=request.title or "",
        typology=request.typology,
        clause=request.clause,
        reasons=request.reasons,
        assignee=request.assignee,
    )


def _creation_events(case: CaseRecord, actor: str, at: str) -> list[CaseEventRecord]:
    origin = f"ring {case.ring_key}" if case.ring_key else "hand-picked entities"
    events = [
        CaseEventRecord(
            1,
            at,
            actor,
            "created",
            "status",
            None,
            case.status,
            f"opened from {origin} ({case.member_count} members)",
        )
    ]
    if case.assignee:
        events.append(CaseEventRecord(2, at, actor, "assignee", "assignee", None, case.assignee))
    return events


def entity_nodes(store: Store, members: Sequence[CaseMember]) -> dict[tuple[str, str], Node]:
    """The store's nodes of the given members, by (kind, id)."""
    ids = {
        k: sorted({m.id for m in members if m.kind == k})
        for k in ("participant", "doctor", "institution")
    }
    res = store.run(
        "case_entities",
        {
            "participant_ids": ids["participant"],
            "doctor_ids": ids["doctor"],
            "institution_ids": ids["institution"],
        },
    )
    out: dict[tuple[str, str], Node] = {}
    for row in res.records():
        node = row["node"]
        if isinstance(node, Node):
            out[(str(row["kind"]), str(node.properties.get("id")))] = node
    return out


# -- changing --------------------------------------------------------------------


def update_case(
    store: Store,
    case_id: str,
    *,
    actor: Viewer,
    status: str | None = None,
    assignee: str | None = None,
    liaison: str | None = None,
    title: str | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
    at: str | None = None,
) -> CaseRecord:
    """Apply the requested changes with one history entry each; illegal steps -> Conflict.

    ``assignee=""`` unassigns. A transfer is not a plain change: it is proposed
    (``propose_transfer``) and approved by a second officer (``approve_transfer``).
    """
    workflow.require_role(actor.role, workflow.EDITOR_ROLES, "change cases")
    case = get_case(store, case_id)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"case {case_id} changed meanwhile (version {case.version}); reload it",
            text_key="err.case_changed",
            case_id=case_id,
        )
    at = at or now_iso()
    events = get_events(store, case_id)
    seq = max((e.seq for e in events), default=0)
    props: dict[str, Any] = {}
    new_events: list[CaseEventRecord] = []

    def add(
        action: str, field: str | None, old: str | None, new: str | None, text: str | None = None
    ) -> None:
        nonlocal seq
        seq += 1
        new_events.append(CaseEventRecord(seq, at, actor.username, action, field, old, new, text))

    if title is not None and _check_title(title) != case.title:
        props["title"] = _check_title(title)
        add("title", "title", case.title, props["title"])
    if assignee is not None and (assignee or None) != case.assignee:
        props["assignee"] = assignee or None
        add("assignee", "assignee", case.assignee, assignee or None)
    if status is not None:
        if status in workflow.TRANSFER_STEPS or case.status == workflow.PENDING_TRANSFER:
            if case.status not in (workflow.CONFIRMED, workflow.PENDING_TRANSFER):
                workflow.check_transition(case.status, status)  # "a dismissed case cannot ..."
            raise Conflict(
                "a transfer is proposed by an investigator and approved or sent back by a "
                "supervisor (POST /api/cases/{id}/transfer, .../transfer/approve, "
                ".../transfer/reject); it is not a plain status change"
            )
        workflow.check_transition(case.status, status)
        props["status"] = status
        add("status", "status", case.status, status)
    if liaison is not None:
        raise InputError(
            "the liaison is named by a transfer proposal (POST /api/cases/{id}/transfer)"
        )
    if comment is not None:
        text = comment.strip()
        if not text:
            raise InputError("empty comment", text_key="err.empty_comment")
        if len(text) > MAX_COMMENT:
            raise InputError(
                f"comment longer than {MAX_COMMENT} characters",
                text_key="err.too_long",
                n=MAX_COMMENT,
            )
        add("comment", None, None, None, text)
    if not new_events:
        raise InputError("nothing to change", text_key="err.nothing_to_change")
    return _write(store, case, props, new_events, at, actor)


def _write(
    store: Store,
    case: CaseRecord,
    props: dict[str, Any],
    new_events: list[CaseEventRecord],
    at: str,
    actor: Viewer,
) -> CaseRecord:
    case_id = case.id
    props["updated_at"] = at
    # ``+=`` with a null removes the property (unassign).
    res = store.run(
        "case_update",
        {
            "id": case_id,
            "version": case.version,
            "props": props,
            "events": [e.to_props(case_id) for e in new_events],
        },
    )
    if not res.rows:
        raise Conflict(
            f"case {case_id} changed meanwhile; reload it",
            text_key="err.case_changed",
            case_id=case_id,
        )
    store.save()
    log.info("case %s: %s by %s", case_id, ", ".join(e.action for e in new_events), actor.username)
    return get_case(store, case_id)


def add_comment(
    store: Store, case_id: str, *, actor: Viewer, text: str, at: str | None = None
) -> CaseRecord:
    return update_case(store, case_id, actor=actor, comment=text, at=at)


# -- transfers (two officers) ----------------------------------------------------

# name -> (role, disabled) of the account, None when there is none (UserDB.get_user).
AccountLookup = Callable[[str], tuple[str, bool] | None]


def _step(
    store: Store, case_id: str, expected_version: int | None
) -> tuple[CaseRecord, Callable[..., CaseEventRecord], str]:
    case = get_case(store, case_id)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"case {case_id} changed meanwhile (version {case.version}); reload it",
            text_key="err.case_changed",
            case_id=case_id,
        )
    seq = max((e.seq for e in get_events(store, case_id)), default=0)
    at = now_iso()

    def event(
        actor: str,
        action: str,
        field: str | None,
        old: str | None,
        new: str | None,
        text: str | None = None,
    ) -> CaseEventRecord:
        nonlocal seq
        seq += 1
        return CaseEventRecord(seq, at, actor, action, field, old, new, text)

    return case, event, at


def propose_transfer(
    store: Store,
    case_id: str,
    *,
    actor: Viewer,
    liaison: str,
    reason: str,
    accounts: AccountLookup,
    expected_version: int | None = None,
) -> CaseRecord:
    """First officer: a confirmed case is put up for transfer to a named liaison.

    The liaison must be an existing, active account with the liaison role: a typo
    must not send a case (and later its personal data) to nobody or to the wrong desk.
    """
    workflow.require_role(actor.role, workflow.PROPOSER_ROLES, "propose transfers")
    case, event, at = _step(store, case_id, expected_version)
    workflow.check_transition(case.status, workflow.PENDING_TRANSFER)
    name = liaison.strip()
    workflow.check_liaison(name, accounts(name) if name else None)
    text = workflow.check_reason(reason)
    props: dict[str, Any] = {
        "status": workflow.PENDING_TRANSFER,
        "transfer_liaison": name,
        "transfer_reason": text,
        "transfer_proposed_by": actor.username,
        "transfer_proposed_at": at,
    }
    events = [
        event(actor.username, "status", "status", case.status, workflow.PENDING_TRANSFER),
        event(actor.username, "transfer_proposed", "liaison", None, name, text),
    ]
    return _write(store, case, props, events, at, actor)


def approve_transfer(
    store: Store,
    case_id: str,
    *,
    actor: Viewer,
    confirm: bool,
    accounts: AccountLookup,
    expected_version: int | None = None,
) -> CaseRecord:
    """Second officer: a supervisor, not the proposer, confirms and the case is transferred.

    The liaison is checked again: the account may have been disabled since the proposal.
    """
    case, event, at = _step(store, case_id, expected_version)
    workflow.check_approver(actor.username, actor.role, case.transfer_proposed_by, confirm)
    workflow.check_transition(case.status, workflow.TRANSFERRED)
    name = case.transfer_liaison or ""
    workflow.check_liaison(name, accounts(name) if name else None)
    props: dict[str, Any] = {
        "status": workflow.TRANSFERRED,
        "liaison": name,
        "transferred_at": at,
        "transfer_approved_by": actor.username,
    }
    events = [
        event(actor.username, "status", "status", case.status, workflow.TRANSFERRED),
        event(actor.username, "liaison", "liaison", case.liaison, name),
    ]
    return _write(store, case, props, events, at, actor)


def reject_transfer(
    store: Store,
    case_id: str,
    *,
    actor: Viewer,
    reason: str,
    expected_version: int | None = None,
) -> CaseRecord:
    """A supervisor sends the proposal back: the case is confirmed again, the proposal gone."""
    workflow.require_role(actor.role, workflow.APPROVER_ROLES, "send transfers back")
    case, event, at = _step(store, case_id, expected_version)
    workflow.check_transition(case.status, workflow.CONFIRMED)
    text = workflow.check_reason(reason)
    props: dict[str, Any] = {
        "status": workflow.CONFIRMED,
        "transfer_liaison": None,
        "transfer_reason": None,
        "transfer_proposed_by": None,
        "transfer_proposed_at": None,
    }
    events = [
        event(actor.username, "status", "status", case.status, workflow.CONFIRMED),
        event(actor.username, "transfer_rejected", "liaison", case.transfer_liaison, None, text),
    ]
    return _write(store, case, props, events, at, actor)
