"""GET /api/paths (shortest connections between two entities) and GET /api/search.

Path answers are cached like ring views (``graphsvc.services.cache``): keyed by the
store's data version and the current run, so any write answers afresh, and by the
caller's role and language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from graphsvc.api.deps import (
    INVESTIGATION,
    AnswerCacheDep,
    SettingsDep,
    StoreDep,
    User,
    require_roles,
)
from graphsvc.services import explore
from graphsvc.web.views import cached_view, json_response, masked_hits

router = APIRouter(tags=["explore"])
Guard = Depends(require_roles(*INVESTIGATION))
Reader = Annotated[User, Guard]


@router.get("/api/paths", response_model=None)
def paths(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    cache: AnswerCacheDep,
    user: Reader,
    from_: Annotated[str, Query(alias="from", max_length=300, description="kind:id")],
    to: Annotated[str, Query(max_length=300, description="kind:id")],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    format: Literal["json", "html"] = "json",
) -> Response:
    """Every shortest connection (up to 4 hops, any direction, not through drug/service
    items), at most ``limit`` paths."""
    return cached_view(
        request,
        cache,
        ("paths", user.role, from_, to, limit),
        lambda: explore.shortest_paths(store, from_, to, limit=limit),
        store=store,
        title=f"{from_} ↔ {to}",
        cap=settings.subgraph_node_cap,
        format=format,
    )


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
