"""GET /api/paths (shortest connections between two entities) and GET /api/search."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from graphsvc.api.deps import INVESTIGATION, SettingsDep, StoreDep, require_roles
from graphsvc.services import explore
from graphsvc.web.views import json_response, masked_hits, subgraph_html, subgraph_json

router = APIRouter(tags=["explore"])
Guard = Depends(require_roles(*INVESTIGATION))


@router.get("/api/paths", dependencies=[Guard], response_model=None)
def paths(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    from_: Annotated[str, Query(alias="from", max_length=300, description="kind:id")],
    to: Annotated[str, Query(max_length=300, description="kind:id")],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    format: Literal["json", "html"] = "json",
) -> JSONResponse | HTMLResponse:
    """Every shortest connection (up to 4 hops, any direction, not through drug/service
    items), at most ``limit`` paths."""
    sub = explore.shortest_paths(store, from_, to, limit=limit)
    if format == "html":
        return subgraph_html(sub, request, f"{from_} ↔ {to}", settings.subgraph_node_cap)
    return subgraph_json(sub)


@router.get("/api/search", dependencies=[Guard], response_model=None)
def search(
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    """By id, ring hash, ID number, exact person name, part of an institution's name,
    or a phone/email/bank account/device/address value (normalised like the loader)."""
    hits = explore.search(store, q, limit=limit)
    return json_response(
        {
            "matched_by": sorted({h["via"] for h in hits}),
            "count": len(hits),
            "results": masked_hits(hits),
        }
    )
