"""GET /api/audit (filters) and GET /api/audit/verify, for admins.

Records are shown with ID, phone and card numbers inside them masked: the trail
keeps full query parameters for accountability, the screen does not need them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from graphsvc.api.deps import ADMINISTRATION, User, require_roles
from graphsvc.audit import AuditLog
from graphsvc.privacy import mask_any

router = APIRouter(tags=["audit"])
Admin = Annotated[User, Depends(require_roles(*ADMINISTRATION))]


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "target": mask_any(record.get("target")),
        "detail": mask_any(record.get("detail")),
    }


@router.get("/api/audit")
def search_audit(
    request: Request,
    _: Admin,
    user: str | None = None,
    action: str | None = None,
    target: str | None = None,
    outcome: str | None = None,
    since: Annotated[str | None, Query(description="ISO time, inclusive")] = None,
    until: Annotated[str | None, Query(description="ISO time, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    log: AuditLog = request.app.state.audit
    total, records = log.search(
        user=user,
        action=action,
        target=target,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return {"total": total, "offset": offset, "records": [_shown(r) for r in records]}


@router.get("/api/audit/verify")
def verify_audit(request: Request, _: Admin) -> dict[str, Any]:
    log: AuditLog = request.app.state.audit
    return log.verify().to_json()
