"""GET /api/rings, /api/rings/{id}, /api/rings/{id}/subgraph: the flagged rings.

Thin: parse, authorise, call ``graphsvc.services.explore``, mask, format. The
subgraph answers JSON (nodes, edges, properties) or, with ``?format=html``, the
interactive network (assets from /static).

Finished bodies are cached (``graphsvc.services.cache``): rings, their members and
evidence never change within a detection run, so lists and details are keyed by the
current run; views also show entity data and settlements, so they are keyed by the
store's data version too. Every key holds the caller's role.
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
from graphsvc.services.explore.masking import masked
from graphsvc.web.views import (
    answer_response,
    html_answer,
    json_answer,
    lang_of,
    mask_ring,
    masked_page,
    remember_lang,
)

router = APIRouter(tags=["rings"])
Reader = Annotated[User, Depends(require_roles(*INVESTIGATION))]
Format = Literal["json", "html"]


@router.get("/api/rings", response_model=None)
def list_rings(
    store: StoreDep,
    cache: AnswerCacheDep,
    user: Reader,
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
) -> Response:
    """The contract's ring list, highest score first by default, paged."""
    filters = explore.RingFilters(
        typology, region, min_score, min_amount, period_from, period_to, run_id
    )

    def build() -> answers.Answer:
        out = explore.list_rings(
            store, filters, sort=sort, order=order, page=page, per_page=per_page
        )
        out["rings"] = [mask_ring(r) for r in out["rings"]]
        return json_answer(out)

    run = answers.run_generation(store)
    key = ("rings", run, user.role, filters, sort, order, page, per_page) if run else None
    return answer_response(cache.get_or_build(key, build))


@router.get("/api/rings/{ring_id}/subgraph", response_model=None)
def ring_subgraph(
    ring_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    cache: AnswerCacheDep,
    user: Reader,
    format: Format = "json",
    limit: Annotated[int | None, Query(ge=1, le=explore.MAX_VIEW_NODES)] = None,
) -> Response:
    """Members, evidence edges, shared identifiers, family-account links and payments,
    and settlements aggregated per institution/doctor."""
    cap = limit or settings.subgraph_node_cap
    lang = lang_of(request) if format == "html" else ""
    generation = answers.data_generation(store)
    # The masked subgraph is shared by both formats; each format's body is cached too.
    base = ("subgraph", generation, user.role, ring_id, cap) if generation else None

    def build() -> answers.Answer:
        sub = cache.get_or_build(
            base, lambda: masked(explore.ring_subgraph(store, ring_id, cap=cap))
        )
        if format == "html":
            title = f"{sub.meta.get('typology') or ''} {sub.meta.get('ring', ring_id)}".strip()
            return html_answer(masked_page(sub, lang, title, cap))
        return json_answer(sub.to_json())

    key = (*base, format, lang) if base else None
    response = answer_response(cache.get_or_build(key, build))
    return remember_lang(request, response) if format == "html" else response


@router.get("/api/rings/{ring_id}", response_model=None)
def ring_detail(ring_id: str, store: StoreDep, cache: AnswerCacheDep, user: Reader) -> Response:
    """One ring in the contract's shape, with evidence, clause, period and parameters."""
    run = answers.run_generation(store)
    key = ("ring", run, user.role, ring_id) if run else None
    return answer_response(
        cache.get_or_build(key, lambda: json_answer(mask_ring(explore.ring_detail(store, ring_id))))
    )
