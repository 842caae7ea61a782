"""Request dependencies: settings, store, the current user, role checks, audit, rate limits.

Every route declares who may call it with ``Depends(require_roles(...))``; the
access-policy test walks ``app.routes`` and fails on a route without one, so a new
route cannot be left open by accident.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.errors import AuthenticationRequired, PasswordChangeRequired, PermissionDenied
from graphsvc.security import sessions
from graphsvc.security.ratelimit import RateLimiter
from graphsvc.security.roles import (
    ADMINISTRATION,
    ANY,
    CASES,
    CONSOLE,
    GRADES,
    INVESTIGATION,
    ROLES,
    SUPERVISION,
    TIP_INTAKE,
    Role,
)
from graphsvc.security.users import UserDB
from graphsvc.services.cache import AnswerCache
from graphsvc.store import Store

__all__ = [
    "ADMINISTRATION",
    "ANY",
    "CASES",
    "CONSOLE",
    "GRADES",
    "INVESTIGATION",
    "ROLES",
    "SUPERVISION",
    "TIP_INTAKE",
    "AnswerCacheDep",
    "AuditDep",
    "Auditor",
    "CurrentUser",
    "RoleGuard",
    "SettingsDep",
    "StoreDep",
    "User",
    "csrf_token_for",
    "rate_limit",
    "require_roles",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a user holding a spent one-time password may still do (issue #19).
PASSWORD_CHANGE_ROUTES = frozenset(
    {
        ("GET", "/password"),
        ("POST", "/password"),
        ("POST", "/api/password"),
        ("GET", "/api/me"),
        ("POST", "/logout"),
    }
)
STATE_USER = "graphsvc_user"
STATE_AUDITED = "graphsvc_audited"
STATE_VIA = "graphsvc_via"  # same key as graphsvc.security.middleware.STATE_VIA


class User(BaseModel):
    username: str
    role: Role


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_users(request: Request) -> UserDB:
    users: UserDB = request.app.state.users
    return users


def get_audit_log(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


# FastAPI runs a plain ``def`` dependency in the thread pool: one thread hop per
# dependency per request, for a dict lookup. These only read app state, so they
# are declared ``async`` and run on the event loop.
async def _settings_dep(request: Request) -> Settings:
    return get_settings_dep(request)


async def _store_dep(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _users_dep(request: Request) -> UserDB:
    return get_users(request)


async def _answer_cache_dep(request: Request) -> AnswerCache:
    cache: AnswerCache = request.app.state.answer_cache
    return cache


SettingsDep = Annotated[Settings, Depends(_settings_dep)]
StoreDep = Annotated[Store, Depends(_store_dep)]
UsersDep = Annotated[UserDB, Depends(_users_dep)]
AnswerCacheDep = Annotated[AnswerCache, Depends(_answer_cache_dep)]


def authenticate(request: Request) -> User:
    """Bearer token first (scripts), else the signed session cookie (browser).

    Stores how the user authenticated on the request, for the CSRF check, and which
    credential (``via``: token id or a session reference), for the audit records.
    """
    users = get_users(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationRequired("unsupported authorization scheme")
        rec = users.user_for_token(token.strip())
        if rec is None:
            raise AuthenticationRequired("invalid or revoked token")
        request.state.auth_method = "token"
        via = sessions.token_ref(token.strip())
    else:
        cookie = request.cookies.get(sessions.SESSION_COOKIE)
        if not cookie:
            raise AuthenticationRequired("login required")
        key = get_settings_dep(request).resolved_secret_key()
        session_id = sessions.unsign_session(key, cookie)
        rec = users.user_for_session(session_id) if session_id else None
        if rec is None or session_id is None:
            raise AuthenticationRequired("session expired, please log in again")
        request.state.auth_method = "session"
        request.state.session_id = session_id
        via = sessions.session_ref(session_id)
    user = User(username=rec.username, role=rec.role)
    state = request.scope.setdefault("state", {})
    state[STATE_USER] = user
    state[STATE_VIA] = via
    if (
        rec.must_change_password
        and (request.method, request.url.path) not in PASSWORD_CHANGE_ROUTES
    ):
        raise PasswordChangeRequired(
            "password change required: this account logged in with a one-time password; "
            "set a new one with POST /api/password (browsers: /password)"
        )
    return user


async def authenticated_user(
    request: Request, user: Annotated[User, Depends(authenticate)]
) -> User:
    """The user, after the CSRF check for cookie-authenticated state changes."""
    if request.method not in SAFE_METHODS and request.state.auth_method == "session":
        key = get_settings_dep(request).resolved_secret_key()
        expected = sessions.csrf_for_session(key, request.state.session_id)
        presented = request.headers.get(sessions.CSRF_HEADER)
        if not presented and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get(sessions.CSRF_FIELD)
            presented = value if isinstance(value, str) else None
        if not sessions.csrf_matches(expected, presented):
            raise PermissionDenied("missing or invalid CSRF token", text_key="err.csrf")
    return user


CurrentUser = Annotated[User, Depends(authenticated_user)]


def csrf_token_for(request: Request) -> str:
    """The CSRF token pages put into their forms (``<input name="csrf_token">``);
    empty for bearer-token requests, which need none."""
    session_id = getattr(request.state, "session_id", None)
    if not session_id:
        return ""
    return sessions.csrf_for_session(get_settings_dep(request).resolved_secret_key(), session_id)


class RoleGuard:
    """Dependency admitting only the given roles; ``.roles`` is read by the policy test."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown or not roles:
            raise ValueError(f"require_roles: bad roles {sorted(unknown) or roles}")
        self.roles: frozenset[Role] = frozenset(roles)

    async def __call__(self, user: CurrentUser) -> User:  # no I/O: no thread hop
        if user.role not in self.roles:
            raise PermissionDenied(f"role {user.role} may not use this", text_key="forbidden_role")
        return user

    def __repr__(self) -> str:
        return f"require_roles({', '.join(sorted(self.roles))})"


def require_roles(*roles: Role) -> RoleGuard:
    """``Depends(require_roles("investigator", "analyst"))`` -> the admitted ``User``.

    Role groups: ``INVESTIGATION``, ``CONSOLE``, ``CASES``, ``ADMINISTRATION``, ``ANY``
    (``require_roles(*INVESTIGATION)``).
    """
    return RoleGuard(tuple(roles))


class Auditor:
    """Writes audit records for the current request and user (fsync'd before returning)."""

    def __init__(self, log: AuditLog, user: User, request: Request) -> None:
        self._log = log
        self.user = user
        self._request = request
        # "token:<id>" / "session:<ref>": set by authenticate for every admitted request.
        self.via: str | None = request.scope.get("state", {}).get(STATE_VIA)

    def record(
        self,
        action: str,
        target: str,
        outcome: str = "ok",
        rows: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        full = {"method": self._request.method, "path": self._request.url.path, **(detail or {})}
        rec = self._log.append(
            user=self.user.username,
            role=self.user.role,
            action=action,
            target=target,
            outcome=outcome,
            rows=rows,
            detail=full,
            via=self.via,
        )
        self._request.scope.setdefault("state", {})[STATE_AUDITED] = True
        return rec

    def signed_head(self) -> dict[str, Any] | None:
        """The audit log's signed head, for case packages to carry (issue #19)."""
        return self._log.signed_head()


async def get_auditor(request: Request, user: CurrentUser) -> Auditor:
    return Auditor(get_audit_log(request), user, request)


AuditDep = Annotated[Auditor, Depends(get_auditor)]


class RateLimit:
    """Per-user budget on an expensive endpoint (``settings.rate_limit_per_minute``)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def __call__(self, request: Request, user: CurrentUser) -> None:
        limiter: RateLimiter = request.app.state.limiter
        limiter.check(self.bucket, user.username)


def rate_limit(bucket: str) -> RateLimit:
    """``dependencies=[Depends(rate_limit("cypher"))]``."""
    return RateLimit(bucket)
