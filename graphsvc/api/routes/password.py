"""Changing one's own password: ``POST /api/password`` (JSON) and the ``/password`` form.

Why here (issue #19): a one-time password (the demo's) works for one login, and that
session may do nothing but this (``PASSWORD_CHANGE_ROUTES`` in deps): the API answers
403 "password change required", pages redirect to the form. Any user may change
their password at any time too. The current password is asked again, so a stolen
session alone cannot take the account over. Changing it ends the user's sessions
(``UserDB.set_password``): the browser logs in again with the new one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from graphsvc.api.deps import ANY, AuditDep, User, UsersDep, csrf_token_for, require_roles
from graphsvc.errors import InputError
from graphsvc.security import sessions
from graphsvc.security.users import MIN_PASSWORD, UserDB
from graphsvc.web.i18n import t
from graphsvc.web.views import lang_of, render_page

router = APIRouter(tags=["auth"])
Anyone = Annotated[User, Depends(require_roles(*ANY))]


class PasswordIn(BaseModel):
    current_password: str = Field(..., max_length=256)
    new_password: str = Field(..., max_length=256)


def _change(users: UserDB, audit: AuditDep, user: User, current: str, new: str) -> str | None:
    """Change it; the i18n key of what is wrong, or None when changed (audited either way)."""
    problem: str | None = None
    if not users.check_current_password(user.username, current):
        problem = "password.wrong_current"
    elif len(new) < MIN_PASSWORD:
        problem = "password.too_short"
    elif new == current:
        problem = "password.same"
    else:
        users.set_password(user.username, new)
    audit.record(
        "auth.password_change", user.username, outcome="ok" if problem is None else problem
    )
    return problem


@router.post("/api/password")
def change_password(
    body: PasswordIn, users: UsersDep, audit: AuditDep, user: Anyone
) -> dict[str, bool]:
    """Set a new password (at least 10 characters); required after a one-time password."""
    problem = _change(users, audit, user, body.current_password, body.new_password)
    if problem is not None:  # 422, not 401: the session is fine, the form is not
        raise InputError(t(problem, "en", n=MIN_PASSWORD), text_key=problem, n=MIN_PASSWORD)
    return {"changed": True}


def _form(request: Request, user: User, error: str = "", status: int = 200) -> HTMLResponse:
    lang = lang_of(request)
    response = render_page(
        request,
        "password.html",
        lang=lang,
        username=user.username,
        forced=bool(getattr(request.state, "must_change_password", False)),
        csrf=csrf_token_for(request),
        error=t(error, lang, n=MIN_PASSWORD) if error else "",
        min_length=MIN_PASSWORD,
    )
    response.status_code = status
    return response


@router.get("/password", response_class=HTMLResponse, include_in_schema=False)
def password_page(request: Request, users: UsersDep, user: Anyone) -> HTMLResponse:
    rec = users.get_user(user.username)
    request.state.must_change_password = bool(rec and rec.must_change_password)
    return _form(request, user)


@router.post("/password", include_in_schema=False)
def password_form(
    request: Request,
    users: UsersDep,
    audit: AuditDep,
    user: Anyone,
    current_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
    new_password_again: Annotated[str, Form(max_length=256)],
) -> Response:
    if new_password != new_password_again:
        return _form(request, user, "password.differ", status=400)
    problem = _change(users, audit, user, current_password, new_password)
    if problem is not None:
        return _form(request, user, problem, status=400)
    response = RedirectResponse("/login", status_code=303)  # sessions ended: log in again
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response
