"""Cases: the pages (``/cases``), thin over graphsvc.cases, with the same roles and
audit as the API in ``cases_api``. Forms answer a refused step with a page in the
reader's language.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from graphsvc.api.deps import AuditDep, SettingsDep, StoreDep, UsersDep
from graphsvc.api.routes.cases_api import (
    ApproverDep,
    EditorDep,
    ProposerDep,
    ReaderDep,
    accounts_of,
    case_json,
    viewer_of,
)
from graphsvc.cases import service, workflow
from graphsvc.cases.evidence import gather, member_rows, subgraph
from graphsvc.cases.texts import one
from graphsvc.errors import GraphsvcError, NotFound
from graphsvc.privacy import mask_any
from graphsvc.security import sessions
from graphsvc.web.i18n import error_text
from graphsvc.web.views import lang_of, page_status, render_page
from viz.model import build_view
from viz.render import network_fragment

router = APIRouter(tags=["cases"])


def refused_page(request: Request, exc: GraphsvcError) -> HTMLResponse:
    """A refused form step as a page in the reader's language, not a JSON body."""
    lang = lang_of(request)
    if isinstance(exc, workflow.TransferRefused):
        message = one(exc.key, lang).format(**exc.params)
    else:
        message = error_text(exc, lang, lambda v: str(mask_any(v)))
    resp = render_page(
        request, "error.html", lang=lang, title=one("transfer_refused", lang), message=message
    )
    resp.status_code = page_status(exc)
    return resp


# -- pages ------------------------------------------------------------------------------


def _csrf(request: Request, key: str) -> str:
    session_id = getattr(request.state, "session_id", None)
    return sessions.csrf_for_session(key, session_id) if session_id else ""


@router.get("/cases", include_in_schema=False, response_class=HTMLResponse)
def cases_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: ReaderDep,
    status: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    lang = lang_of(request)
    per_page = 50
    error = ""
    # An unknown status is an InputError: the error page (400) says so in the reader's
    # language, rather than an empty list that reads as "no such cases".
    rows, total = service.list_cases(
        store,
        viewer=viewer_of(user),
        status=status or None,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return render_page(
        request,
        "cases/list.html",
        lang=lang,
        rows=rows,
        total=total,
        page=page,
        per_page=per_page,
        status=status,
        statuses=workflow.STATUSES,
        error=error,
        ct=lambda k: one(k, lang),
        can_edit=user.role in workflow.EDITOR_ROLES,
        csrf=_csrf(request, settings.resolved_secret_key()),
    )


@router.get("/cases/{case_id}", include_in_schema=False, response_class=HTMLResponse)
def case_page(
    case_id: str, request: Request, store: StoreDep, settings: SettingsDep, user: ReaderDep
) -> HTMLResponse:
    lang = lang_of(request)
    try:
        case = service.get_case(store, case_id, viewer_of(user))
    except NotFound as exc:
        resp = render_page(
            request, "error.html", lang=lang, title=one("case", lang), message=error_text(exc, lang)
        )
        resp.status_code = 404
        return resp
    events = service.get_events(store, case_id)
    ev = gather(store, case)
    nodes, rels = subgraph(case, ev, masked=True)
    view = build_view(
        nodes,
        rels,
        highlight={f"{m.kind}:{m.id}" for m in case.members},
        cap=settings.subgraph_node_cap,
    )
    shown = case_json(case, events)
    return render_page(
        request,
        "cases/detail.html",
        lang=lang,
        case=shown,
        members=member_rows(case, ev, True),
        network=network_fragment(view, lang),
        ct=lambda k: one(k, lang),
        can_edit=user.role in workflow.EDITOR_ROLES,
        can_propose=user.role in workflow.PROPOSER_ROLES and case.status == workflow.CONFIRMED,
        can_approve=user.role in workflow.APPROVER_ROLES
        and case.status == workflow.PENDING_TRANSFER,
        unmasked_export=not workflow.masked_export(case.status, user.role),
        can_export=user.role in workflow.EXPORT_ROLES,
        csrf=_csrf(request, settings.resolved_secret_key()),
    )


@router.post("/cases", include_in_schema=False)
def create_case_form(
    store: StoreDep,
    user: EditorDep,
    audit: AuditDep,
    ring_id: Annotated[str, Form(max_length=300)] = "",
    title: Annotated[str, Form(max_length=service.MAX_TITLE)] = "",
) -> RedirectResponse:
    request = service.CaseRequest(ring_id=ring_id.strip() or None, title=title or None)
    case = service.open_case(store, request, actor=user.username, audit=audit, via="page")
    return RedirectResponse(f"/cases/{quote(case.id)}", status_code=303)


@router.post("/cases/{case_id}", include_in_schema=False, response_model=None)
def update_case_form(
    case_id: str,
    request: Request,
    store: StoreDep,
    user: EditorDep,
    audit: AuditDep,
    status: Annotated[str, Form(max_length=20)] = "",
    assignee: Annotated[str | None, Form(max_length=100)] = None,
    comment: Annotated[str, Form(max_length=service.MAX_COMMENT)] = "",
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse | HTMLResponse:
    try:
        service.update_case(
            store,
            case_id,
            actor=viewer_of(user),
            status=status or None,
            assignee=assignee if assignee is not None and assignee.strip() else None,
            comment=comment.strip() or None,
            expected_version=version,
        )
    except GraphsvcError as exc:
        audit.record("case.update", case_id, outcome=type(exc).__name__, detail={"via": "page"})
        return refused_page(request, exc)
    audit.record("case.update", case_id, detail={"via": "page", "status": status or None})
    return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)


@router.post("/cases/{case_id}/transfer", include_in_schema=False, response_model=None)
def propose_transfer_form(
    case_id: str,
    request: Request,
    store: StoreDep,
    users: UsersDep,
    user: ProposerDep,
    audit: AuditDep,
    liaison: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=workflow.MAX_REASON)] = "",
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse | HTMLResponse:
    try:
        case = service.propose_transfer(
            store,
            case_id,
            actor=viewer_of(user),
            liaison=liaison,
            reason=reason,
            accounts=accounts_of(users),
            expected_version=version,
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_propose", case_id, outcome=type(exc).__name__)
        return refused_page(request, exc)
    audit.record(
        "case.transfer_propose", case_id, detail={"via": "page", "liaison": case.transfer_liaison}
    )
    return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)


@router.post("/cases/{case_id}/transfer/approve", include_in_schema=False, response_model=None)
def approve_transfer_form(
    case_id: str,
    request: Request,
    store: StoreDep,
    users: UsersDep,
    user: ApproverDep,
    audit: AuditDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse | HTMLResponse:
    try:
        case = service.approve_transfer(
            store,
            case_id,
            actor=viewer_of(user),
            confirm=confirm == "yes",
            accounts=accounts_of(users),
            expected_version=version,
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_approve", case_id, outcome=type(exc).__name__)
        return refused_page(request, exc)
    audit.record(
        "case.transfer_approve",
        case_id,
        detail={"via": "page", "liaison": case.liaison, "proposed_by": case.transfer_proposed_by},
    )
    return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)


@router.post("/cases/{case_id}/transfer/reject", include_in_schema=False, response_model=None)
def reject_transfer_form(
    case_id: str,
    request: Request,
    store: StoreDep,
    user: ApproverDep,
    audit: AuditDep,
    reason: Annotated[str, Form(max_length=workflow.MAX_REASON)] = "",
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse | HTMLResponse:
    try:
        service.reject_transfer(
            store, case_id, actor=viewer_of(user), reason=reason, expected_version=version
        )
    except GraphsvcError as exc:
        audit.record("case.transfer_reject", case_id, outcome=type(exc).__name__)
        return refused_page(request, exc)
    audit.record("case.transfer_reject", case_id, detail={"via": "page"})
    return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)
