"""GET /api/rings, /api/rings/{id}, /api/rings/{id}/subgraph: the flagged rings.

Thin: parse, authorise, call ``graphsvc.services.explore``, mask, format. The
subgraph answers JSON (nodes, edges, properties) or, with ``?format=html``, the
interactive network (assets from /static).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from graphsvc.api.deps import INVESTIGATION, SettingsDep, StoreDep, require_roles
from graphsvc.services import explore
from graphsvc.web.views import json_response, mask_ring, subgraph_html, subgraph_json

router = APIRouter(tags=["rings"])
Guard = Depends(require_roles(*INVESTIGATION))
Format = Literal["json", "html"]


@router.get("/api/rings", dependencies=[Guard], response_model=None)
def list_rings(
    store: StoreDep,
    typology: Annotated[str | None, Query(description="One typology name.")] = None,
    region: Annotated[str | None, Query(description="Region code or prefix (2-6 digits).")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_amount: Annotated[float | None, Query(ge=0)] = None,
    period_from: Annotated[
        str | None, Query(description="YYYY-MM[-DD]: rings ending on/after")
    ] = None,
    period_to: Annotated[
        str | None, Query(description="YYYY-MM[-DD]: rings starting on/before")
    ] = None,
    run_id: Annotated[str | None, Query(description="A past run; default the current one.")] = None,
    sort: Annotated[str, Query(description=f"One of {', '.join(explore.SORT_KEYS)}")] = "score",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=explore.MAX_PER_PAGE)] = 50,
) -> JSONResponse:
    """The contract's ring list, highest score first by default, paged."""
    filters = explore.RingFilters(
        typology, region, min_score, min_amount, period_from, period_to, run_id
    )
    out = explore.list_rings(store, filters, sort=sort, order=order, page=page, per_page=per_page)
    out["rings"] = [mask_ring(r) for r in out["rings"]]
    return json_response(out)


@router.get("/api/rings/{ring_id}/subgraph", dependencies=[Guard], response_model=None)
def ring_subgraph(
    ring_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    format: Format = "json",
    limit: Annotated[int | None, Query(ge=1, le=explore.MAX_VIEW_NODES)] = None,
) -> JSONResponse | HTMLResponse:
    """Members, evidence edges, shared identifiers, family-account links and payments,
    and settlements aggregated per institution/doctor."""
    cap = limit or settings.subgraph_node_cap
    sub = explore.ring_subgraph(store, ring_id, cap=cap)
    if format == "html":
        title = f"{sub.meta.get('typology') or ''} {sub.meta.get('ring', ring_id)}".strip()
        return subgraph_html(sub, request, title, cap)
    return subgraph_json(sub)


@router.get("/api/rings/{ring_id}", dependencies=[Guard], response_model=None)
def ring_detail(ring_id: str, store: StoreDep) -> JSONResponse:
    """One ring in the contract's shape, with evidence, clause, period and parameters."""
    return json_response(mask_ring(explore.ring_detail(store, ring_id)))
