"""Cases: the API (``/api/cases``), thin over graphsvc.cases; the pages are in
``cases_pages``, which shares the role checks, bodies and answers defined here.

Investigators open and work cases and propose transfers; supervisors approve or
send back transfers (never their own proposal); analysts read them; a liaison sees
only the cases transferred to them (the service filters by username and answers 404
for the rest, so existence does not leak). Answers mask free text (reasons,
comments) like every other answer; only a liaison's package of a case transferred
to them is unmasked, and every package download is audited before its first byte
leaves.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from graphsvc.api.deps import (
    AuditDep,
    SettingsDep,
    StoreDep,
    User,
    UsersDep,
    rate_limit,
    require_roles,
)
from graphsvc.cases import manifest as mf
from graphsvc.cases import service, workflow
from graphsvc.cases.package import export_case
from graphsvc.cases.records import CaseEventRecord, CaseMember, CaseRecord
from graphsvc.errors import GraphsvcError
from graphsvc.privacy import mask_any
from graphsvc.security import keys
from graphsvc.security.users import UserDB

log = logging.getLogger(__name__)

router = APIRouter(tags=["cases"])
Readers = require_roles(*workflow.READER_ROLES)
Editors = require_roles(*workflow.EDITOR_ROLES)
Proposers = require_roles(*workflow.PROPOSER_ROLES)
Approvers = require_roles(*workflow.APPROVER_ROLES)
Exporters = require_roles(*workflow.EXPORT_ROLES)
ReaderDep = Annotated[User, Depends(Readers)]
EditorDep = Annotated[User, Depends(Editors)]
ProposerDep = Annotated[User, Depends(Proposers)]
ApproverDep = Annotated[User, Depends(Approvers)]
ExporterDep = Annotated[User, Depends(Exporters)]


def viewer_of(user: User) -> service.Viewer:
    return service.Viewer(user.username, user.role)


def accounts_of(users: UserDB) -> service.AccountLookup:
    """The (role, disabled) of an account, for the liaison check of a transfer."""

    def lookup(name: str) -> tuple[str, bool] | None:
        rec = users.get_user(name)
        return None if rec is None else (rec.role, rec.disabled)

    return lookup


# -- bodies -------------------------------------------------------------------------


class MemberIn(BaseModel):
    kind: Literal["participant", "doctor", "institution"]
    id: str = Field(..., min_length=1, max_length=200)
    role: str = Field("", max_length=100)


class CaseCreate(BaseModel):
    """Either ``ring_id`` (current run, or ``run_id:ring_id``) or ``members``."""

    ring_id: str | None = Field(None, max_length=300)
    members: list[MemberIn] | None = Field(None, max_length=500)
    title: str | None = Field(None, max_length=service.MAX_TITLE)
    assignee: str | None = Field(None, max_length=100)
    typology: str | None = Field(None, max_length=100)
    clause: str | None = Field(None, max_length=300)
    reasons: list[str] = Field(default_factory=list, max_length=50)


class CasePatch(BaseModel):
    status: str | None = Field(None, description=f"One of {', '.join(workflow.STATUSES)}")
    assignee: str | None = Field(None, max_length=100, description="'' unassigns")
    liaison: str | None = Field(
        None, max_length=100, description="Required with status 'transferred'"
    )
    title: str | None = Field(None, max_length=service.MAX_TITLE)
    comment: str | None = Field(None, max_length=service.MAX_COMMENT)
    version: int | None = Field(None, description="Refuse if the case changed since (409)")


class TransferIn(BaseModel):
    liaison: str = Field(..., max_length=100, description="An active account with role liaison")
    reason: str = Field(..., max_length=workflow.MAX_REASON)
    version: int | None = Field(None, description="Refuse if the case changed since (409)")


class ApproveIn(BaseModel):
    confirm: bool = Field(False, description="Must be true: the approver checked the proposal")
    version: int | None = Field(None, description="The version the approver checked (409)")


class RejectIn(BaseModel):
    reason: str = Field(..., max_length=workflow.MAX_REASON)
    version: int | None = None


class CommentIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=service.MAX_COMMENT)


# -- answers --------------------------------------------------------------------------


def case_json(case: CaseRecord, events: list[CaseEventRecord] | None = None) -> dict[str, Any]:
    out = case.to_json()
    out["reasons"] = mask_any(out["reasons"])
    out["reasons_zh"] = mask_any(out["reasons_zh"])
    out["evidence"] = mask_any(out["evidence"])
    out["allowed_next"] = list(workflow.allowed_next(case.status))
    if events is not None:
        out["events"] = [{**e.to_json(), "text": mask_any(e.text)} for e in events]
    return out


def request_of(body: CaseCreate) -> service.CaseRequest:
    return service.CaseRequest(
        ring_id=body.ring_id,
        members=[CaseMember(m.kind, m.id, m.role) for m in body.members or []],
        title=body.title,
        assignee=body.assignee,
        typology=body.typology,
        clause=body.clause,
        reasons=body.reasons,
    )


# -- API ----------------------------------------------------------------------------------


@router.post("/api/cases", status_code=201)
def create_case(
    body: CaseCreate,
    store: StoreDep,
    user: EditorDep,
    audit: AuditDep,
) -> dict[str, Any]:
    """Open a case from a ring of the current run or from hand-picked entities."""
    case = service.open_case(store, request_of(body), actor=user.username, audit=audit, via="api")
    return case_json(case, service.get_events(store, case.id))


@router.get("/api/cases")
def list_cases(
    store: StoreDep,
    user: ReaderDep,
    status: Annotated[str | None, Query(description="One status.")] = None,
    assignee: str | None = None,
    typology: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Cases newest first; a liaison gets only the cases transferred to them."""
    rows, total = service.list_cases(
        store,
        viewer=viewer_of(user),
        status=status,
        assignee=assignee,
        typology=typology,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return {"total": total, "page": page, "per_page": per_page, "cases": rows}


@router.get("/api/cases/{case_id}")
def get_case(case_id: str, store: StoreDep, user: ReaderDep) -> dict[str, Any]:
    """The case snapshot (members, reasons, run, parameters) and its history."""
    case = service.get_case(store, case_id, viewer_of(user))
    return case_json(case, service.get_events(store, case_id))


@router.patch("/api/cases/{case_id}")
def patch_case(
    case_id: str, body: CasePatch, store: StoreDep, user: EditorDep, audit: AuditDep
) -> dict[str, Any]:
    """Change status (workflow steps only, else 409), assignee, title; comment."""
    changes = body.model_dump(exclude_none=True)
    try:
        case = service.update_case(
            store,
            case_id,
            actor=viewer_of(user),
            status=body.status,
            assignee=body.assignee,
            liaison=body.liaison,
            title=body.title,
            comment=body.comment,
            expected_version=body.version,
        )
    except GraphsvcError as exc:
        audit.record(
            "case.update", case_id, outcome=type(exc).__name__, detail={"fields": sorted(changes)}
        )
        raise
    audit.record(
        "case.update",
        case_id,
        detail={
            "fields": sorted(changes),
            "status": case.status,
            "liaison": case.liaison,
        },
    )
    return case_json(case, service.get_events(store, case_id))


@router.post("/api/cases/{case_id}/transfer")
def propose_transfer(
    case_id: str,
    body: TransferIn,
    store: StoreDep,
    users: UsersDep,
    user: ProposerDep,
    audit: AuditDep,
) -> dict[str, Any]:
    """First officer: propose the transfer of a confirmed case to a liaison, with a reason."""
    try:
        case = service.propose_transfer(
            store,
            case_id,
            actor=viewer_of(user),
            liaison=body.liaison,
            reason=body.reason,
            accounts=accounts_of(users),
            expected_version=body.version,
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_propose", case_id, outcome=type(exc).__name__)
        raise
    audit.record("case.transfer_propose", case_id, detail={"liaison": case.transfer_liaison})
    return case_json(case, service.get_events(store, case_id))


@router.post("/api/cases/{case_id}/transfer/approve")
def approve_transfer(
    case_id: str,
    body: ApproveIn,
    store: StoreDep,
    users: UsersDep,
    user: ApproverDep,
    audit: AuditDep,
) -> dict[str, Any]:
    """Second officer (supervisor, not the proposer): confirm, and the case is transferred."""
    try:
        case = service.approve_transfer(
            store,
            case_id,
            actor=viewer_of(user),
            confirm=body.confirm,
            accounts=accounts_of(users),
            expected_version=body.version,
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_approve", case_id, outcome=type(exc).__name__)
        raise
    audit.record(
        "case.transfer_approve",
        case_id,
        detail={"liaison": case.liaison, "proposed_by": case.transfer_proposed_by},
    )
    return case_json(case, service.get_events(store, case_id))


@router.post("/api/cases/{case_id}/transfer/reject")
def reject_transfer(
    case_id: str, body: RejectIn, store: StoreDep, user: ApproverDep, audit: AuditDep
) -> dict[str, Any]:
    """A supervisor sends a proposed transfer back (the case is confirmed again)."""
    try:
        case = service.reject_transfer(
            store, case_id, actor=viewer_of(user), reason=body.reason, expected_version=body.version
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_reject", case_id, outcome=type(exc).__name__)
        raise
    audit.record("case.transfer_reject", case_id)
    return case_json(case, service.get_events(store, case_id))


@router.post("/api/cases/{case_id}/comments", status_code=201)
def comment_case(
    case_id: str, body: CommentIn, store: StoreDep, user: EditorDep, audit: AuditDep
) -> dict[str, Any]:
    case = service.add_comment(store, case_id, actor=viewer_of(user), text=body.text)
    audit.record("case.comment", case_id)
    return case_json(case, service.get_events(store, case_id))


@router.get(
    "/api/cases/{case_id}/package",
    dependencies=[Depends(rate_limit("export"))],
    response_class=Response,
)
def case_package(
    case_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: ExporterDep,
    audit: AuditDep,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The signed zip (see docs/cases.md). Unmasked only for a transferred case."""
    try:
        pkg = export_case(
            store,
            case_id,
            viewer=viewer_of(user),
            key=keys.load(settings),
            lang=lang,
            font_file=settings.report_font,
            audit_head=audit.signed_head(),
        )
    except GraphsvcError as exc:
        audit.record("case.export", case_id, outcome=type(exc).__name__)
        raise
    audit.record(
        "case.export",
        case_id,
        rows=len(pkg.manifest["files"]),
        detail={
            "masked": pkg.manifest["masked"],
            "status": pkg.manifest["status"],
            "sha256_manifest": mf.sha256_hex(mf.manifest_bytes(pkg.manifest))[:16],
            "key_id": pkg.manifest["signature"]["key_id"],
        },
    )
    return Response(
        pkg.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{pkg.filename}"',
            "Cache-Control": "no-store",
        },
    )
