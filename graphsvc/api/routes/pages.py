"""Server-rendered pages: ring list, ring detail, entity, search, paths, Cypher console.

Chinese and English, switched with ``?lang=`` (remembered in a cookie). Every
script and stylesheet comes from /static; graph data travels as JSON blocks read
by static/graph.js, so the Content-Security-Policy ``script-src 'self'`` holds
without inline scripts or event handlers.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from graphsvc import model
from graphsvc.api.deps import CONSOLE, INVESTIGATION, SettingsDep, StoreDep, require_roles
from graphsvc.errors import InputError, NotFound
from graphsvc.services import explore
from graphsvc.web.views import (
    fragment,
    lang_of,
    mask_ring,
    masked_facts,
    masked_hits,
    render_page,
)
from viz.model import EDGE_STYLES, KIND_STYLES, OTHER_EDGE, OTHER_STYLE, PHYSICS_NODE_LIMIT

router = APIRouter(include_in_schema=False)
Guard = Depends(require_roles(*INVESTIGATION))


def _error_page(request: Request, exc: NotFound | InputError) -> HTMLResponse:
    lang = lang_of(request)
    from graphsvc.web.i18n import t

    title = t("not_found", lang) if isinstance(exc, NotFound) else t("error", lang)
    resp = render_page(request, "error.html", title=title, message=str(exc))
    resp.status_code = exc.http_status
    return resp


@router.get("/", dependencies=[Guard])
def home() -> RedirectResponse:
    return RedirectResponse("/rings", status_code=303)


def _num(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError("not a number") from None
    if not math.isfinite(number):
        raise InputError("not a number")
    return number


@router.get("/rings", dependencies=[Guard], response_class=HTMLResponse)
def rings_page(
    request: Request,
    store: StoreDep,
    typology: str = "",
    region: str = "",
    min_score: str = "",
    min_amount: str = "",
    period_from: str = "",
    period_to: str = "",
    sort: str = "score",
    order: str = "desc",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    filters = {
        "typology": typology,
        "region": region,
        "min_score": min_score,
        "min_amount": min_amount,
        "period_from": period_from,
        "period_to": period_to,
    }
    filters = {k: v.strip() for k, v in filters.items() if v and v.strip()}
    error = ""
    try:
        data = explore.list_rings(
            store,
            explore.RingFilters(
                typology=filters.get("typology"),
                region=filters.get("region"),
                min_score=_num(filters.get("min_score")),
                min_amount=_num(filters.get("min_amount")),
                period_from=filters.get("period_from"),
                period_to=filters.get("period_to"),
            ),
            sort=sort if sort in explore.SORT_KEYS else "score",
            order=order if order in ("asc", "desc") else "desc",
            page=page,
        )
    except InputError as exc:
        error = str(exc)
        data = explore.list_rings(store, page=1)
    data["rings"] = [mask_ring(r) for r in data["rings"]]
    pages = max(1, math.ceil(data["total"] / data["per_page"]))
    return render_page(
        request,
        "rings.html",
        data=data,
        filters=filters,
        pages=pages,
        typologies=explore.TYPOLOGIES,
        error=error,
    )


@router.get("/rings/{ring_id}", dependencies=[Guard], response_class=HTMLResponse)
def ring_page(
    ring_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    lang = lang_of(request)
    try:
        ring = mask_ring(explore.ring_detail(store, ring_id))
        sub = explore.ring_subgraph(store, ring["id"], cap=settings.subgraph_node_cap)
    except NotFound as exc:
        return _error_page(request, exc)
    return render_page(
        request,
        "ring.html",
        lang=lang,
        ring=ring,
        network=fragment(sub, lang, settings.subgraph_node_cap),
    )


@router.get("/entities/{kind}/{entity_id}", dependencies=[Guard], response_class=HTMLResponse)
def entity_page(
    kind: str,
    entity_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    hops: Annotated[int, Query(ge=1, le=explore.MAX_HOPS)] = 1,
) -> HTMLResponse:
    lang = lang_of(request)
    try:
        facts = explore.entity_facts(store, kind, entity_id)
        sub = explore.neighbourhood(
            store, kind, entity_id, hops=hops, limit=settings.subgraph_node_cap
        )
    except (NotFound, InputError) as exc:
        return _error_page(request, exc)
    return render_page(
        request,
        "entity.html",
        lang=lang,
        facts=masked_facts(facts),
        raw_id=entity_id,
        hops=hops,
        max_hops=explore.MAX_HOPS,
        network=fragment(sub, lang, settings.subgraph_node_cap),
    )


@router.get("/search", dependencies=[Guard], response_class=HTMLResponse)
def search_page(request: Request, store: StoreDep, q: str = "") -> HTMLResponse:
    results: list[dict[str, Any]] = []
    error = ""
    if q.strip():
        try:
            results = masked_hits(explore.search(store, q))
        except InputError as exc:
            error = str(exc)
    return render_page(request, "search.html", q=q, results=results, error=error)


@router.get("/paths", dependencies=[Guard], response_class=HTMLResponse)
def paths_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    from_: Annotated[str, Query(alias="from", max_length=300)] = "",
    to: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    lang = lang_of(request)
    network = None
    found = False
    error = ""
    if from_.strip() and to.strip():
        try:
            sub = explore.shortest_paths(store, from_.strip(), to.strip())
            found = bool(sub.meta.get("paths"))
            network = fragment(sub, lang, settings.subgraph_node_cap)
        except (NotFound, InputError) as exc:
            error = str(exc)
    return render_page(
        request,
        "paths.html",
        lang=lang,
        from_ref=from_,
        to_ref=to,
        network=network,
        found=found,
        error=error,
    )


def console_styles() -> dict[str, Any]:
    """The view model's styles keyed by store label, for the console's client-side graph."""
    return {
        "nodes": {
            label: asdict(KIND_STYLES[kind])
            for kind, label in model.ENTITY_KINDS.items()
            if kind in KIND_STYLES
        },
        "other": asdict(OTHER_STYLE),
        "edges": {t: asdict(s) for t, s in EDGE_STYLES.items()},
        "other_edge": asdict(OTHER_EDGE),
        "physics_limit": PHYSICS_NODE_LIMIT,
    }


@router.get(
    "/console", dependencies=[Depends(require_roles(*CONSOLE))], response_class=HTMLResponse
)
def console_page(request: Request) -> HTMLResponse:
    return render_page(request, "console.html", styles=console_styles())
