"""POST /api/screen and GET /api/screen/participant/{id}: screening as settlements arrive.

Why no store query per settlement: the verdicts come from the in-memory index on
``app.state.screen_index`` (``graphsvc.screening.IndexHolder``), built at the first
call and rebuilt when the store's data version moves. One audit record per request
holds every verdict with its inputs (one fsync per request, not per settlement), written
in the same worker thread as the rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends, Request

from graphsvc.api.deps import INVESTIGATION, AuditDep, Auditor, User, require_roles
from graphsvc.screening import IndexHolder
from graphsvc.screening.rules import ScreenInputError, audit_detail, screen_batch
from graphsvc.supervision.grades import load_config

router = APIRouter(tags=["screen"])
# No "supervisor" role exists (graphsvc/security/roles.py): investigators and analysts screen.
Screener = Annotated[User, Depends(require_roles(*INVESTIGATION))]
MAX_BATCH = 10_000
RECENT_DAYS = 90


def _holder(request: Request) -> IndexHolder:
    holder: IndexHolder | None = getattr(request.app.state, "screen_index", None)
    if holder is None:
        # The grades' own method file (settings.grades_config), as the grades pages use.
        grades = load_config(request.app.state.settings.grades_config)
        holder = IndexHolder(request.app.state.store, grade_config=grades)
        request.app.state.screen_index = holder
    return holder


def _settlements(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and "prescriptions" in body:
        rows = body["prescriptions"]
        if not isinstance(rows, list):
            raise ScreenInputError("prescriptions must be a list of settlements")
    elif isinstance(body, dict):
        rows = [body]
    elif isinstance(body, list):
        rows = body
    else:
        raise ScreenInputError("body must be a settlement, a list, or {prescriptions: [...]}")
    if not rows or len(rows) > MAX_BATCH:
        raise ScreenInputError(f"prescriptions must hold 1 to {MAX_BATCH} settlements")
    return rows


def _screen_and_audit(
    holder: IndexHolder, audit: Auditor, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Index, rules and the audit append in one worker-thread hop (not three): under 20
    concurrent clients every hop is a context switch through the event loop, and the
    rules themselves take ~0.1 ms. The append returns only once its record is fsync'd
    (group commit in ``graphsvc.audit``: one fsync covers every request waiting)."""
    index = holder.get()
    try:
        verdicts = screen_batch(index, rows)
    except ScreenInputError as exc:
        audit.record("screen", "settlements", "error", len(rows), {"error": str(exc)})
        raise
    audit.record("screen", "settlements", "ok", len(verdicts), audit_detail(index, rows, verdicts))
    return verdicts


@router.post("/api/screen")
async def post_screen(
    request: Request, user: Screener, audit: AuditDep, body: Annotated[Any, Body()]
) -> dict[str, Any]:
    holder = _holder(request)
    rows = _settlements(body)
    verdicts = await anyio.to_thread.run_sync(_screen_and_audit, holder, audit, rows)
    return {"verdicts": verdicts}


@router.get("/api/screen/participant/{participant_id}")
async def participant_alert(
    request: Request, participant_id: str, user: Screener, audit: AuditDep
) -> dict[str, Any]:
    """事前提醒: what a doctor's workstation shows before a visit."""
    index = await anyio.to_thread.run_sync(_holder(request).get)
    known = participant_id in index.participants
    history = index.history(participant_id)
    days = [s.discharge_date or s.date for s in history]
    if participant_id in index.last_day:
        days.append(index.last_day[participant_id])
    last = max(days, default=None)
    since = last - timedelta(days=RECENT_DAYS) if last else None
    stays = [
        {
            "prescription_id": s.prescription_id,
            "institution_id": s.institution_id,
            "date": s.date.isoformat(),
            "discharge_date": s.discharge_date.isoformat() if s.discharge_date else None,
            "diagnosis_code": s.diagnosis_code,
        }
        for s in history
        if s.visit_type == "inpatient" and since is not None and s.date >= since
    ]
    rings = [
        {"ring": r.ring_id, "typology": r.typology, "role": r.role, "score": r.score}
        for r in index.rings.get(("participant", participant_id), ())
    ]
    await anyio.to_thread.run_sync(
        lambda: audit.record("screen.participant", participant_id, "ok" if known else "unknown")
    )
    return {
        "participant_id": participant_id,
        "known": known,
        "rings": rings,
        "recent_stays": stays,
        "drugs_with_supply": [],
        "drugs_note": "days of supply is not in the data contract: which drugs are still "
        "running cannot be said / 数据规范中没有用药天数，无法判断尚在用药期内的药品",
    }
