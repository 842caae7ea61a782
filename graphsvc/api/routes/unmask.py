"""POST /api/entities/{kind}/{id}/unmask: show one entity's personal data, for a reason.

Investigators (and analysts) only; the reason, who and when go into the audit trail
before the answer leaves. Everything else the API serves stays masked.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from graphsvc.api.deps import INVESTIGATION, AuditDep, StoreDep, rate_limit, require_roles
from graphsvc.errors import GraphsvcError
from graphsvc.privacy import MIN_REASON_CHARS, unmask_entity

router = APIRouter(tags=["entities"])


class UnmaskRequest(BaseModel):
    reason: str = Field(
        ...,
        min_length=MIN_REASON_CHARS,
        max_length=1000,
        description="Why the full data is needed (audited).",
    )


@router.post(
    "/api/entities/{kind}/{entity_id}/unmask",
    dependencies=[Depends(require_roles(*INVESTIGATION)), Depends(rate_limit("unmask"))],
)
def unmask(
    kind: str, entity_id: str, body: UnmaskRequest, store: StoreDep, audit: AuditDep
) -> dict[str, Any]:
    target = f"{kind}:{entity_id}"
    try:
        out = unmask_entity(store, kind, entity_id, body.reason)
    except GraphsvcError as exc:
        audit.record(
            "entity.unmask", target, outcome=type(exc).__name__, detail={"reason": body.reason}
        )
        raise
    audit.record("entity.unmask", target, rows=1, detail={"reason": body.reason})
    return out
