"""Browser login/logout (session cookie + CSRF) and GET /api/me.

API scripts do not log in: they send ``Authorization: Bearer <token>`` (tokens are
made with ``graphsvc tokens create``).
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from graphsvc.api.deps import ANY, SettingsDep, User, UsersDep, require_roles
from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.security import sessions
from graphsvc.security.ratelimit import RateLimiter, account_key
from graphsvc.security.users import SESSION_TTL_S
from graphsvc.web.i18n import t
from graphsvc.web.views import lang_of

router = APIRouter(tags=["auth"])

PUBLIC_ROUTES = frozenset({("GET", "/login"), ("POST", "/login")})  # read by the policy test
LOGIN_ATTEMPTS_PER_MINUTE = 10

_PAGE = """<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · graphsvc</title>
<link rel="stylesheet" href="/static/app.css">
</head><body class="login">
<main>
<h1>{heading}</h1>
{error}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<p><label>{username}<br><input name="username" autocomplete="username" required></label></p>
<p><label>{password}<br><input name="password" type="password"
   autocomplete="current-password" required></label></p>
<p><button type="submit">{submit}</button></p>
</form>
<p><a href="/login?lang={other}&amp;next={next_q}">{language}</a></p>
</main></body></html>
"""


def safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a link send users anywhere."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


HOME_BY_ROLE = {
    "investigator": "/",
    "analyst": "/",
    "liaison": "/cases",
    "admin": "/docs",
    "supervisor": "/tips",
}


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.environment == "production"


def _login_page(
    request: Request, settings: Settings, next_: str, error: str = "", status: int = 200
) -> HTMLResponse:
    """The login form in the visitor's language (``?lang=``, cookie, browser; Chinese);
    ``error`` is a catalog key."""
    token = sessions.new_login_csrf()
    lang = lang_of(request)
    message = t(error, lang) if error else ""
    body = _PAGE.format(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=html.escape(t("login.title", lang)),
        heading=html.escape(t("app_title", lang)),
        username=html.escape(t("login.username", lang)),
        password=html.escape(t("login.password", lang)),
        submit=html.escape(t("login.submit", lang)),
        language=html.escape(t("language", lang)),
        other="en" if lang == "zh" else "zh",
        error=f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "",
        csrf=html.escape(token),
        next=html.escape(safe_next(next_)),
        next_q=html.escape(quote(safe_next(next_), safe="")),
    )
    response = HTMLResponse(body, status_code=status)
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, settings: SettingsDep, next: str = "/") -> HTMLResponse:
    return _login_page(request, settings, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    settings: SettingsDep,
    users: UsersDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    audit: AuditLog = request.app.state.audit
    limiter: RateLimiter = request.app.state.limiter
    client = request.client.host if request.client else "-"
    limiter.check("login", f"ip:{client}", LOGIN_ATTEMPTS_PER_MINUTE * 3)
    # Per account, but only accounts that exist get a key of their own: typed-in
    # names would grow the table without bound (see graphsvc.security.ratelimit).
    exists = users.get_user(username) is not None
    limiter.check("login", account_key(username, exists), LOGIN_ATTEMPTS_PER_MINUTE)

    def refused(outcome: str) -> None:
        audit.append(
            user=username,
            role="-",
            action="auth.login",
            target="session",
            outcome=outcome,
            detail={"client": client},
            via="anonymous",  # no credential yet: a refused login
        )

    cookie_token = request.cookies.get(sessions.LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not sessions.csrf_matches(cookie_token, csrf_token):
        refused("refused: csrf")
        return _login_page(request, settings, next, "login.expired", status=403)
    user = users.authenticate(username, password)
    if user is None:
        refused("failed")
        return _login_page(request, settings, next, "login.wrong", status=401)
    session_id = users.create_session(user.username)
    key = settings.resolved_secret_key()
    audit.append(
        user=user.username,
        role=user.role,
        action="auth.login",
        target="session",
        detail={"client": client},
        via=sessions.session_ref(session_id),  # the session this login opened
    )
    target = safe_next(next)
    if target == "/":
        target = HOME_BY_ROLE.get(user.role, "/")
    response = RedirectResponse(target, status_code=303)
    secure = _secure(request, settings)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        sessions.sign_session(key, session_id),
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    # Readable by page scripts, which echo it in X-CSRF-Token (double submit).
    response.set_cookie(
        sessions.CSRF_COOKIE,
        sessions.csrf_for_session(key, session_id),
        max_age=SESSION_TTL_S,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    users: UsersDep,
    user: Annotated[User, Depends(require_roles(*ANY))],
) -> Response:
    session_id = getattr(request.state, "session_id", None)
    if session_id:
        users.end_session(session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response


@router.get("/api/me")
def me(
    request: Request,
    settings: SettingsDep,
    user: Annotated[User, Depends(require_roles(*ANY))],
) -> dict[str, Any]:
    """Who is logged in; for browser sessions also the CSRF token to send with POSTs."""
    out: dict[str, Any] = {"username": user.username, "role": user.role}
    session_id = getattr(request.state, "session_id", None)
    if session_id:
        out["csrf_token"] = sessions.csrf_for_session(settings.resolved_secret_key(), session_id)
    return out
