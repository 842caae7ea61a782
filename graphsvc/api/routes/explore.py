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
from graphsvc.services import cache as answers
from graphsvc.services import explore
from graphsvc.services.explore import masked
from graphsvc.web.views import (
    answer_response,
    html_answer,
    json_answer,
    json_response,
    lang_of,
    masked_hits,
    masked_page,
    remember_lang,
)

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
    cap = settings.subgraph_node_cap
    lang = lang_of(request) if format == "html" else ""

    def build() -> answers.Answer:
        sub = masked(explore.shortest_paths(store, from_, to, limit=limit))
        if format == "html":
            return html_answer(masked_page(sub, lang, f"{from_} ↔ {to}", cap))
        return json_answer(sub.to_json())

    generation = answers.data_generation(store)
    key = (
        ("paths", generation, user.role, from_, to, limit, cap, format, lang)
        if generation
        else None
    )
    response = answer_response(cache.get_or_build(key, build))
    return remember_lang(request, response) if format == "html" else response


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
