"""Tip-offs (issue 17 part 2): intake by ``/api/tips`` and the ``/tips/new`` form,
triage and workflow for supervisors.

Who: any staff role that meets the public takes a tip down (``roles.TIP_INTAKE``);
only supervisors read tips back, move them along and open the reporter's identity
(``roles.SUPERVISION``). The audit trail records every step with the tip id, never
the reporter's name or phone: opening the identity is itself an audited action.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from graphsvc.api.deps import (
    GRADES,
    SUPERVISION,
    TIP_INTAKE,
    AuditDep,
    SettingsDep,
    StoreDep,
    User,
    csrf_token_for,
    require_roles,
)
from graphsvc.errors import InputError
from graphsvc.supervision import tips
from graphsvc.web.views import lang_of, render_page

router = APIRouter(tags=["tips"])
Intake = Annotated[User, Depends(require_roles(*TIP_INTAKE))]
Supervisor = Annotated[User, Depends(require_roles(*SUPERVISION))]


class TargetIn(BaseModel):
    kind: Literal["participant", "doctor", "institution"]
    id: str = Field(min_length=1, max_length=100)


class ReporterIn(BaseModel):
    name: str = Field("", max_length=tips.MAX_NAME)
    phone: str = Field("", max_length=tips.MAX_PHONE)


class AttachmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    content_b64: str


class TipIn(BaseModel):
    subject: str = Field(min_length=1, max_length=tips.MAX_SUBJECT)
    body: str = Field("", max_length=tips.MAX_BODY)
    targets: list[TargetIn] = Field(default_factory=list, max_length=tips.MAX_TARGETS)
    about: str = Field("", max_length=200)
    reporter: ReporterIn | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class TipPatch(BaseModel):
    status: Literal["verified", "case", "closed"]
    reward_eligible: bool | None = None
    case_id: str | None = Field(None, max_length=100)
    note: str = Field("", max_length=tips.MAX_BODY)


def _decode(a: AttachmentIn) -> tips.Attachment:
    try:
        return tips.Attachment(a.name, base64.b64decode(a.content_b64, validate=True))
    except (binascii.Error, ValueError):
        raise InputError(f"attachment {a.name[:60]!r}: content_b64 is not base64") from None


def _audit_created(audit: Any, tip: tips.Tip, via: str) -> None:
    audit.record(
        "tips.create",
        tip.id,
        rows=len(tip.targets),
        detail={
            "via": via,
            "priority": tip.priority,
            "files": len(tip.files),
            "sealed_reporter": tip.has_reporter,
        },
    )


@router.post("/api/tips", status_code=201)
def create_tip(
    body: TipIn, store: StoreDep, settings: SettingsDep, user: Intake, audit: AuditDep
) -> dict[str, Any]:
    """Record a tip-off; the answer is its triage (never the reporter)."""
    tip = tips.create(
        store,
        settings,
        actor=user.username,
        subject=body.subject,
        body=body.body,
        targets=[t.model_dump() for t in body.targets],
        about=body.about,
        reporter=body.reporter.model_dump() if body.reporter else None,
        files=[_decode(a) for a in body.attachments],
    )
    _audit_created(audit, tip, "api")
    return tip.to_json()


@router.get("/api/tips")
def list_tips(
    settings: SettingsDep, user: Supervisor, audit: AuditDep, status: tips.Status | None = None
) -> dict[str, Any]:
    found = tips.list_tips(settings, status)
    audit.record("tips.list", status or "*", rows=len(found))
    return {"tips": [t.to_json() for t in found]}


@router.get("/api/tips/{tip_id}")
def get_tip(tip_id: str, settings: SettingsDep, user: Supervisor, audit: AuditDep) -> Any:
    tip = tips.get(settings, tip_id)
    audit.record("tips.get", tip_id)
    return tip.to_json()


@router.patch("/api/tips/{tip_id}")
def patch_tip(
    tip_id: str, body: TipPatch, settings: SettingsDep, user: Supervisor, audit: AuditDep
) -> dict[str, Any]:
    """Verify (with the reward answer), open a case, or close."""
    tip = tips.advance(
        settings,
        tip_id,
        actor=user.username,
        status=body.status,
        reward_eligible=body.reward_eligible,
        case_id=body.case_id,
        note=body.note,
    )
    audit.record(
        "tips.update",
        tip_id,
        detail={"status": tip.status, "reward_eligible": tip.reward_eligible, "case": tip.case_id},
    )
    return tip.to_json()


@router.post("/api/tips/{tip_id}/triage")
def retriage_tip(
    tip_id: str, store: StoreDep, settings: SettingsDep, user: Supervisor, audit: AuditDep
) -> dict[str, Any]:
    """Triage again against the current detection run."""
    tip = tips.retriage(store, settings, tip_id, user.username)
    audit.record("tips.triage", tip_id, detail={"priority": tip.priority})
    return tip.to_json()


@router.get("/api/tips/{tip_id}/reporter")
def tip_reporter(
    tip_id: str, settings: SettingsDep, user: Supervisor, audit: AuditDep
) -> dict[str, Any]:
    """The reporter's identity, opened for a supervisor; the audit says who looked."""
    identity = tips.reporter(settings, tip_id)
    audit.record("tips.reporter", tip_id, detail={"opened": bool(identity)})
    return {"id": tip_id, "reporter": identity}


# -- pages ------------------------------------------------------------------------------


@router.get("/tips/new", include_in_schema=False, response_class=HTMLResponse)
def new_tip_page(request: Request, user: Intake, created: str = "") -> HTMLResponse:
    return render_page(
        request,
        "tips_new.html",
        lang=lang_of(request),
        csrf=csrf_token_for(request),
        created=created,
    )


@router.post("/tips/new", include_in_schema=False)
async def new_tip_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: Intake,
    audit: AuditDep,
    subject: Annotated[str, Form(max_length=tips.MAX_SUBJECT)] = "",
    body: Annotated[str, Form(max_length=tips.MAX_BODY)] = "",
    targets: Annotated[str, Form(max_length=2_000)] = "",
    about: Annotated[str, Form(max_length=200)] = "",
    reporter_name: Annotated[str, Form(max_length=tips.MAX_NAME)] = "",
    reporter_phone: Annotated[str, Form(max_length=tips.MAX_PHONE)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    attachments = []
    for f in files or []:
        if not f.filename:
            continue  # the empty file input of a form sent without a file
        content = await f.read(settings.tips_attachment_bytes + 1)
        attachments.append(tips.Attachment(f.filename, content))
    tip = tips.create(
        store,
        settings,
        actor=user.username,
        subject=subject,
        body=body,
        targets=tips.parse_targets(targets),
        about=about,
        reporter={"name": reporter_name, "phone": reporter_phone},
        files=attachments,
    )
    _audit_created(audit, tip, "page")
    return RedirectResponse(f"/tips/new?created={quote(tip.id)}", status_code=303)


@router.get("/tips", include_in_schema=False, response_class=HTMLResponse)
def tips_page(
    request: Request, settings: SettingsDep, user: Supervisor, audit: AuditDep
) -> HTMLResponse:
    found = tips.list_tips(settings)
    audit.record("tips.page", "*", rows=len(found))
    return render_page(request, "tips.html", lang=lang_of(request), tips=found[:500])


# -- one tip-off ------------------------------------------------------------------------
# Investigators and analysts read a tip (it points them at rings and people) but never
# its reporter; supervisors move it along and alone may open the reporter, each opening
# audited as ``tips.reporter`` (the same record the API's opening writes).
Reader = Annotated[User, Depends(require_roles(*GRADES))]


def _tip_page(
    request: Request, settings: Any, user: User, tip: tips.Tip, reporter: dict[str, Any] | None
) -> HTMLResponse:
    return render_page(
        request,
        "tip.html",
        lang=lang_of(request),
        csrf=csrf_token_for(request),
        tip=tip,
        can_act=user.role in SUPERVISION,
        next_steps=tips.NEXT.get(tip.status, ()),
        reporter=reporter,
    )


@router.get("/tips/{tip_id}", include_in_schema=False, response_class=HTMLResponse)
def tip_page(
    tip_id: str,
    request: Request,
    settings: SettingsDep,
    user: Reader,
    audit: AuditDep,
    reporter: bool = False,
) -> HTMLResponse:
    """The tip, its entities, triage, history and (supervisors) the next steps."""
    tip = tips.get(settings, tip_id)
    audit.record("tips.page", tip_id)
    opened = None
    if reporter and user.role in SUPERVISION:
        opened = tips.reporter(settings, tip_id)
        audit.record("tips.reporter", tip_id, detail={"opened": bool(opened), "via": "page"})
    return _tip_page(request, settings, user, tip, opened)


@router.post("/tips/{tip_id}", include_in_schema=False)
def tip_action(
    tip_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: Supervisor,
    audit: AuditDep,
    action: Annotated[Literal["verified", "case", "closed", "triage"], Form()],
    reward: Annotated[Literal["", "yes", "no"], Form()] = "",
    case_id: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=tips.MAX_BODY)] = "",
) -> RedirectResponse:
    """A workflow step from the page (same rules as ``PATCH /api/tips/{id}``)."""
    if action == "triage":
        tip = tips.retriage(store, settings, tip_id, user.username)
        audit.record("tips.triage", tip_id, detail={"priority": tip.priority, "via": "page"})
    else:
        tip = tips.advance(
            settings,
            tip_id,
            actor=user.username,
            status=action,
            reward_eligible={"yes": True, "no": False}.get(reward),
            case_id=case_id.strip() or None,
            note=note,
        )
        audit.record(
            "tips.update",
            tip_id,
            detail={
                "status": tip.status,
                "reward_eligible": tip.reward_eligible,
                "case": tip.case_id,
                "via": "page",
            },
        )
    return RedirectResponse(f"/tips/{quote(tip_id)}", status_code=303)
