"""Random inspections (issue 17 part 3): ``/api/inspections*`` and the ``/inspections`` page.

Supervisors draw (``roles.SUPERVISION``) and record results; the list a draw returns is
the one to publish with its seed (``graphsvc inspections verify`` recomputes it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from graphsvc.api.deps import (
    SUPERVISION,
    AuditDep,
    SettingsDep,
    StoreDep,
    User,
    csrf_token_for,
    require_roles,
)
from graphsvc.supervision import inspections
from graphsvc.web.views import lang_of, render_page

router = APIRouter(tags=["inspections"])
Supervisor = Annotated[User, Depends(require_roles(*SUPERVISION))]


class DrawIn(BaseModel):
    seed: int = Field(ge=0, le=2**63 - 1)
    count: int = Field(10, ge=1, le=inspections.MAX_COUNT)
    per: int = Field(inspections.MIN_INSPECTORS, ge=inspections.MIN_INSPECTORS, le=10)


class ResultIn(BaseModel):
    result: Literal["compliant", "violations", "referred", "not_inspected"]
    note: str = Field("", max_length=2_000)


def _draw(store: Any, settings: Any, user: User, audit: Any, body: DrawIn) -> dict[str, Any]:
    inputs = inspections.gather_inputs(store, settings, count=body.count, per=body.per)
    listing = inspections.make_list(inputs, body.seed)
    draw_id = inspections.record_draw(settings, listing, user.username)
    audit.record(
        "inspections.draw",
        draw_id,
        rows=len(listing["inspections"]),
        detail={"seed": body.seed, "count": body.count, "per": body.per},
    )
    return inspections.get_draw(settings, draw_id)


@router.post("/api/inspections/draw", status_code=201)
def draw(
    body: DrawIn, store: StoreDep, settings: SettingsDep, user: Supervisor, audit: AuditDep
) -> dict[str, Any]:
    """Draw and record an inspection list from the published ``seed``."""
    return _draw(store, settings, user, audit, body)


@router.get("/api/inspections")
def list_draws(settings: SettingsDep, user: Supervisor, audit: AuditDep) -> dict[str, Any]:
    draws = inspections.list_draws(settings)
    audit.record("inspections.list", "*", rows=len(draws))
    return {"draws": draws}


@router.get("/api/inspections/{draw_id}")
def get_draw(draw_id: str, settings: SettingsDep, user: Supervisor, audit: AuditDep) -> Any:
    """A draw: ``list`` (publish it with the seed) and the results recorded so far."""
    found = inspections.get_draw(settings, draw_id)
    audit.record("inspections.get", draw_id)
    return found


@router.put("/api/inspections/{draw_id}/{n}/result")
def record_result(
    draw_id: str,
    n: int,
    body: ResultIn,
    settings: SettingsDep,
    user: Supervisor,
    audit: AuditDep,
) -> dict[str, Any]:
    """The outcome of inspection ``n`` of a draw."""
    found = inspections.record_result(settings, draw_id, n, body.result, body.note, user.username)
    audit.record("inspections.result", f"{draw_id}/{n}", detail={"result": body.result})
    return found


@router.get("/inspections", include_in_schema=False, response_class=HTMLResponse)
def inspections_page(
    request: Request, settings: SettingsDep, user: Supervisor, audit: AuditDep, draw: str = ""
) -> HTMLResponse:
    draws = inspections.list_draws(settings)
    chosen = draw or (draws[0]["id"] if draws else "")
    current = inspections.get_draw(settings, chosen) if chosen else None
    audit.record("inspections.page", chosen or "*")
    return render_page(
        request,
        "inspections.html",
        lang=lang_of(request),
        csrf=csrf_token_for(request),
        draws=draws,
        current=current,
    )


@router.post("/inspections", include_in_schema=False)
def draw_form(
    store: StoreDep,
    settings: SettingsDep,
    user: Supervisor,
    audit: AuditDep,
    seed: Annotated[int, Form(ge=0, le=2**63 - 1)],
    count: Annotated[int, Form(ge=1, le=inspections.MAX_COUNT)] = 10,
) -> RedirectResponse:
    found = _draw(store, settings, user, audit, DrawIn(seed=seed, count=count))
    return RedirectResponse(f"/inspections?draw={quote(found['id'])}", status_code=303)
