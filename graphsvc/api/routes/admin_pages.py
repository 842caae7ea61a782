"""Administration pages (issue #13): users, API tokens and the audit trail, for admins.

Thin over the same services as the JSON APIs (``users``, ``audit``) and writing the
same audit records, with ``via: page``. Forms post the session's CSRF token like every
other form (``authenticated_user`` checks it). A new token is shown once, in the answer
to the form that created it (never in a URL, never again); like the API, an admin mints
tokens only for their own account (issue #14).
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from graphsvc.api.deps import (
    ADMINISTRATION,
    AuditDep,
    User,
    UsersDep,
    csrf_token_for,
    require_roles,
)
from graphsvc.audit import AuditLog
from graphsvc.errors import InputError
from graphsvc.privacy import mask_any
from graphsvc.security.roles import ROLES
from graphsvc.web.audit_view import verify_view
from graphsvc.web.views import lang_of, render_page

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(require_roles(*ADMINISTRATION))]
PER_PAGE = 50


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, users: UsersDep, admin: Admin) -> HTMLResponse:
    return render_page(
        request,
        "admin/users.html",
        lang=lang_of(request),
        users=users.list_users(),
        roles=ROLES,
        me=admin.username,
        csrf=csrf_token_for(request),
    )


@router.post("/admin/users")
def add_user_form(
    users: UsersDep,
    audit: AuditDep,
    admin: Admin,
    username: Annotated[str, Form(max_length=32)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> RedirectResponse:
    rec = users.add_user(username.strip(), role, password)
    audit.record("users.add", f"user:{rec.username}", detail={"role": rec.role, "via": "page"})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}")
def change_user_form(
    username: str,
    users: UsersDep,
    audit: AuditDep,
    admin: Admin,
    action: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> RedirectResponse:
    """``action``: disable, enable or role (with ``role``); the same rules as PATCH."""
    if action in ("disable", "enable"):
        if action == "disable" and username == admin.username:
            raise InputError(
                "an admin cannot disable their own account", text_key="err.self_disable"
            )
        users.set_disabled(username, action == "disable")
        audit.record(f"users.{action}", f"user:{username}", detail={"via": "page"})
    elif action == "role":
        if username == admin.username:
            # the last admin demoting themselves would lock administration out
            raise InputError("an admin cannot change their own role", text_key="err.self_role")
        rec = users.set_role(username, role)
        audit.record("users.role", f"user:{username}", detail={"role": rec.role, "via": "page"})
    else:
        raise InputError(
            "action is disable, enable or role", text_key="err.bad_action", value=action[:20]
        )
    return RedirectResponse("/admin/users", status_code=303)


def _tokens_page(request: Request, users: Any, created: dict[str, str] | None) -> HTMLResponse:
    resp = render_page(
        request,
        "admin/tokens.html",
        lang=lang_of(request),
        tokens=users.list_tokens(),
        created=created,
        csrf=csrf_token_for(request),
    )
    resp.headers["Cache-Control"] = "no-store"  # the page may hold a new token in clear
    return resp


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, users: UsersDep, admin: Admin) -> HTMLResponse:
    return _tokens_page(request, users, None)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token_form(
    request: Request,
    users: UsersDep,
    audit: AuditDep,
    admin: Admin,
    name: Annotated[str, Form(max_length=64)] = "api",
) -> HTMLResponse:
    """A token for the admin's own account, shown in this answer only."""
    rec, clear = users.create_token(admin.username, name.strip() or "api")
    audit.record(
        "tokens.create",
        f"token:{rec.id}",
        detail={"for": admin.username, "name": rec.name, "via": "page"},
    )
    return _tokens_page(request, users, {"id": rec.id, "name": rec.name, "token": clear})


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_form(
    token_id: str, users: UsersDep, audit: AuditDep, admin: Admin
) -> RedirectResponse:
    users.revoke_token(token_id)
    audit.record("tokens.revoke", f"token:{token_id}", detail={"via": "page"})
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    admin: Admin,
    user: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    verify: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The trail, newest first, filtered by user and action; ``verify``: check the chain
    (``graphsvc audit verify``) and say which record is wrong and how."""
    log: AuditLog = request.app.state.audit
    filters = {k: v.strip() for k, v in (("user", user), ("action", action)) if v.strip()}
    total, records = log.search(
        user=filters.get("user"),
        action=filters.get("action"),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    lang = lang_of(request)
    checked = verify_view(log.verify(), lang) if verify else None
    return render_page(
        request,
        "admin/audit.html",
        lang=lang,
        records=[
            {**r, "target": mask_any(r.get("target")), "detail": mask_any(r.get("detail"))}
            for r in records
        ],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        filters=filters,
        verified=checked,
        page_url=lambda n: f"/admin/audit?{urlencode({**filters, 'page': n})}",
    )
