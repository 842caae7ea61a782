"""GET /api/entities/{kind}/{id} and its neighbourhood (JSON or ``?format=html``).

Personal data is masked here as everywhere; unmasking one entity is the audited
``POST /api/entities/{kind}/{id}/unmask`` (graphsvc.api.routes.unmask).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from graphsvc.api.deps import INVESTIGATION, SettingsDep, StoreDep, require_roles
from graphsvc.services import explore
from graphsvc.web.views import json_response, masked_facts, subgraph_html, subgraph_json

router = APIRouter(tags=["entities"])
Guard = Depends(require_roles(*INVESTIGATION))


@router.get(
    "/api/entities/{kind}/{entity_id}/neighborhood", dependencies=[Guard], response_model=None
)
def neighborhood(
    kind: str,
    entity_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    hops: Annotated[int, Query(ge=1, le=explore.MAX_HOPS)] = 1,
    limit: Annotated[int | None, Query(ge=1, le=explore.MAX_VIEW_NODES)] = None,
    format: Literal["json", "html"] = "json",
) -> JSONResponse | HTMLResponse:
    """Everything within ``hops`` steps (rings, cases shown but not walked through),
    at most ``limit`` nodes; ``hidden_nodes`` says how many more exist."""
    cap = limit or settings.subgraph_node_cap
    sub = explore.neighbourhood(store, kind, entity_id, hops=hops, limit=cap)
    if format == "html":
        return subgraph_html(sub, request, f"{kind} · {hops}", cap)
    return subgraph_json(sub)


@router.get("/api/entities/{kind}/{entity_id}", dependencies=[Guard], response_model=None)
def entity(kind: str, entity_id: str, store: StoreDep) -> JSONResponse:
    """Properties (masked), relationship counts by type, and rings it belongs to."""
    return json_response(masked_facts(explore.entity_facts(store, kind, entity_id)))
