"""GET /api/entities/{kind}/{id} and its neighbourhood (JSON or ``?format=html``).

Personal data is masked here as everywhere; unmasking one entity is the audited
``POST /api/entities/{kind}/{id}/unmask`` (graphsvc.api.routes.unmask). Masked
answers are cached like ring views (``graphsvc.services.cache``): keyed by the
store's data version and the current run, the caller's role and language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from graphsvc.api.deps import (
    INVESTIGATION,
    AnswerCacheDep,
    SettingsDep,
    StoreDep,
    User,
    require_roles,
)
from graphsvc.services import cache as answers
from graphsvc.services import explore
from graphsvc.services.explore.aggregate import aggregate_by_kind
from graphsvc.web.views import answer_response, cached_view, json_answer, masked_facts

router = APIRouter(tags=["entities"])
Reader = Annotated[User, Depends(require_roles(*INVESTIGATION))]


@router.get("/api/entities/{kind}/{entity_id}/neighborhood", response_model=None)
def neighborhood(
    kind: str,
    entity_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    cache: AnswerCacheDep,
    user: Reader,
    hops: Annotated[int, Query(ge=1, le=explore.MAX_HOPS)] = 1,
    limit: Annotated[int | None, Query(ge=1, le=explore.MAX_VIEW_NODES)] = None,
    format: Literal["json", "html"] = "json",
) -> Response:
    """Everything within ``hops`` steps (rings, cases shown but not walked through),
    at most ``limit`` nodes; ``hidden_nodes`` says how many more exist. The HTML view
    draws it aggregated by kind (settlements, referrals and items as counted edges,
    issue #13); the JSON answer is the store's own shape."""
    cap = limit or settings.subgraph_node_cap

    def make() -> explore.Subgraph:
        sub = explore.neighbourhood(store, kind, entity_id, hops=hops, limit=cap)
        return aggregate_by_kind(sub) if format == "html" else sub

    return cached_view(
        request,
        cache,
        ("neighbourhood", user.role, kind, entity_id, hops),
        make,
        store=store,
        title=f"{kind} · {hops}",
        cap=cap,
        format=format,
    )


@router.get("/api/entities/{kind}/{entity_id}", response_model=None)
def entity(
    kind: str, entity_id: str, store: StoreDep, cache: AnswerCacheDep, user: Reader
) -> Response:
    """Properties (masked), relationship counts by type, and rings it belongs to."""
    generation = answers.data_generation(store)
    key = ("entity", generation, user.role, kind, entity_id) if generation else None
    return answer_response(
        cache.get_or_build(
            key, lambda: json_answer(masked_facts(explore.entity_facts(store, kind, entity_id)))
        )
    )
