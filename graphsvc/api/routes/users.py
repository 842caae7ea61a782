"""User and API-token administration (admins; every change is audited).

Tokens are minted only by their own user (issue #14): an admin who could mint a
token for another account could act as that account, and separation of duties
would be undone with the audit trail naming the wrong person. Admins disable
accounts and revoke tokens; they never mint one for someone else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from graphsvc.api.deps import ADMINISTRATION, ANY, AuditDep, User, UsersDep, require_roles
from graphsvc.errors import InputError, NotFound, PermissionDenied
from graphsvc.security.roles import Role
from graphsvc.security.users import TokenRecord, UserRecord

router = APIRouter(tags=["users"])
Admin = Annotated[User, Depends(require_roles(*ADMINISTRATION))]
Anyone = Annotated[User, Depends(require_roles(*ANY))]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class UserOut(BaseModel):
    username: str
    role: Role
    disabled: bool
    created_at: str

    @classmethod
    def of(cls, rec: UserRecord) -> UserOut:
        return cls(
            username=rec.username,
            role=rec.role,
            disabled=rec.disabled,
            created_at=_iso(rec.created_at),
        )


class UserIn(BaseModel):
    username: str = Field(..., max_length=32)
    role: Role
    password: str = Field(..., min_length=10, max_length=256)


class UserPatch(BaseModel):
    disabled: bool | None = None
    role: Role | None = None
    password: str | None = Field(None, min_length=10, max_length=256)


class TokenOut(BaseModel):
    id: str
    username: str
    name: str
    created_at: str
    revoked: bool
    token: str | None = Field(None, description="Only in the answer that creates it.")

    @classmethod
    def of(cls, rec: TokenRecord, clear: str | None = None) -> TokenOut:
        return cls(
            id=rec.id,
            username=rec.username,
            name=rec.name,
            created_at=_iso(rec.created_at),
            revoked=rec.revoked,
            token=clear,
        )


class TokenIn(BaseModel):
    name: str = Field("api", max_length=64)


@router.get("/api/users", response_model=list[UserOut])
def list_users(users: UsersDep, _: Admin) -> list[UserOut]:
    return [UserOut.of(u) for u in users.list_users()]


@router.post("/api/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, users: UsersDep, audit: AuditDep, _: Admin) -> UserOut:
    rec = users.add_user(body.username, body.role, body.password)
    audit.record("users.add", f"user:{rec.username}", detail={"role": rec.role})
    return UserOut.of(rec)


@router.patch("/api/users/{username}", response_model=UserOut)
def patch_user(
    username: str, body: UserPatch, users: UsersDep, audit: AuditDep, admin: Admin
) -> UserOut:
    if body.disabled is not None:
        if body.disabled and username == admin.username:
            raise InputError(
                "an admin cannot disable their own account", text_key="err.self_disable"
            )
        users.set_disabled(username, body.disabled)
        audit.record("users.disable" if body.disabled else "users.enable", f"user:{username}")
    if body.role is not None:
        if username == admin.username:
            raise InputError("an admin cannot change their own role", text_key="err.self_role")
        users.set_role(username, body.role)
        audit.record("users.role", f"user:{username}", detail={"role": body.role})
    if body.password is not None:
        users.set_password(username, body.password)
        audit.record("users.password", f"user:{username}")
    rec = users.get_user(username)
    if rec is None:
        raise NotFound(f"no user {username!r}", text_key="err.no_user", username=username[:40])
    return UserOut.of(rec)


@router.get("/api/tokens", response_model=list[TokenOut])
def list_tokens(users: UsersDep, _: Admin) -> list[TokenOut]:
    return [TokenOut.of(t) for t in users.list_tokens()]


@router.post("/api/users/{username}/tokens", response_model=TokenOut, status_code=201)
def create_token(
    username: str, body: TokenIn, users: UsersDep, audit: AuditDep, user: Anyone
) -> TokenOut:
    """A token for your own account (any role); never for another, not even by an admin."""
    if username != user.username:
        audit.record("tokens.create", f"user:{username}", outcome="PermissionDenied")
        raise PermissionDenied(
            "a token is minted only by its own user: an admin can disable the account "
            "or revoke its tokens, never mint one for it",
            text_key="err.token_own",
        )
    rec, clear = users.create_token(username, body.name)
    audit.record("tokens.create", f"token:{rec.id}", detail={"for": username, "name": body.name})
    return TokenOut.of(rec, clear)


@router.delete("/api/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, users: UsersDep, audit: AuditDep, _: Admin) -> None:
    users.revoke_token(token_id)
    audit.record("tokens.revoke", f"token:{token_id}")
