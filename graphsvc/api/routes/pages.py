"""Server-rendered pages: ring list, ring detail, entity, search, paths, Cypher console.

Chinese and English, switched with ``?lang=`` (remembered in a cookie). Every
script and stylesheet comes from /static; graph data travels as JSON blocks read
by static/graph.js, so the Content-Security-Policy ``script-src 'self'`` holds
without inline scripts or event handlers.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from graphsvc import model
from graphsvc.api.deps import (
    CONSOLE,
    GRADES,
    INVESTIGATION,
    AnswerCacheDep,
    SettingsDep,
    StoreDep,
    User,
    require_roles,
)
from graphsvc.cases import workflow
from graphsvc.errors import InputError, NotFound
from graphsvc.services import explore
from graphsvc.services.cache import data_generation
from graphsvc.services.explore.aggregate import aggregate_by_kind
from graphsvc.services.explore.ring_charts import ring_charts
from graphsvc.services.explore.ring_totals import ring_totals
from graphsvc.services.explore.summary import SUMMARY_KINDS, entity_summary
from graphsvc.supervision import history
from graphsvc.web.charts import amounts_chart, months_chart, plot_block
from graphsvc.web.entity_summary import summary_view
from graphsvc.web.i18n import error_text, t
from graphsvc.web.ring_evidence import chart_block, evidence_rows
from graphsvc.web.views import (
    fragment,
    lang_of,
    mask_ring,
    masked_facts,
    masked_hits,
    page_status,
    render_page,
    ring_fragment,
)
from viz.model import EDGE_STYLES, KIND_STYLES, OTHER_EDGE, OTHER_STYLE, PHYSICS_NODE_LIMIT

router = APIRouter(include_in_schema=False)
Guard = Depends(require_roles(*INVESTIGATION))


def _error_page(request: Request, exc: NotFound | InputError) -> HTMLResponse:
    lang = lang_of(request)
    title = t("not_found", lang) if isinstance(exc, NotFound) else t("error", lang)
    resp = render_page(request, "error.html", title=title, message=error_text(exc, lang))
    resp.status_code = page_status(exc)
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


def _is_date(value: str) -> bool:
    """YYYY-MM or YYYY-MM-DD naming a real calendar day (2025-13-01 is not one)."""
    if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
        return False
    try:
        date.fromisoformat(value if len(value) == 10 else f"{value}-01")
    except ValueError:
        return False
    return True


def filter_errors(filters: dict[str, str], lang: str) -> list[str]:
    """Localised messages for filter values the list cannot honour.

    Checked here, before the query, so a typo is answered with what is wrong rather
    than an unfiltered list (the number) or an empty one (the impossible date)."""
    errors = []
    for name in ("min_score", "min_amount"):
        value = filters.get(name)
        if value is None:
            continue
        try:
            number = _num(value)
        except InputError:
            number = None
        if number is None:
            errors.append(t("bad_number", lang, field=t(f"filter.{name}", lang), value=value))
        elif name == "min_score" and not 0.0 <= number <= 1.0:
            errors.append(t("bad_score_range", lang, value=value))
    for name in ("period_from", "period_to"):
        value = filters.get(name)
        if value is not None and not _is_date(value):
            errors.append(t("bad_date", lang, field=t(f"filter.{name}", lang), value=value))
    region = filters.get("region")
    if region is not None and not re.fullmatch(r"\d{2,6}", region):
        errors.append(t("bad_region", lang, value=region))
    typology = filters.get("typology")
    if typology is not None and typology not in explore.TYPOLOGIES:
        errors.append(t("bad_typology", lang, value=typology))
    for name, allowed in (("grade", GRADE_FILTERS), ("grade_kind", GRADE_KINDS)):
        value = filters.get(name)
        if value is not None and value not in allowed:
            errors.append(t("bad_grade", lang, value=value))
    return errors


# The ring list's credit-grade filter (issue 17): members graded this or worse.
GRADE_FILTERS = ("B", "C", "D")
GRADE_KINDS = ("institution", "doctor", "participant")


def _graded_rings(store: Any, settings: Any, filters: dict[str, str]) -> frozenset[str] | None:
    if not filters.get("grade"):
        return None
    try:
        return history.rings_graded(
            store, settings, filters["grade"], filters.get("grade_kind") or None
        )
    except NotFound:  # no detection run: no rings to filter
        return frozenset()


@router.get("/rings", dependencies=[Guard], response_class=HTMLResponse)
def rings_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    typology: str = "",
    region: str = "",
    min_score: str = "",
    min_amount: str = "",
    period_from: str = "",
    period_to: str = "",
    grade: str = "",
    grade_kind: str = "",
    sort: str = "score",
    order: str = "desc",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    filters = {
        "grade": grade,
        "grade_kind": grade_kind,
        "typology": typology,
        "region": region,
        "min_score": min_score,
        "min_amount": min_amount,
        "period_from": period_from,
        "period_to": period_to,
    }
    filters = {k: v.strip() for k, v in filters.items() if v and v.strip()}
    lang = lang_of(request)
    errors = filter_errors(filters, lang)
    if errors:
        resp = render_page(
            request,
            "rings.html",
            lang=lang,
            data={"rings": [], "total": 0, "per_page": 1, "page": 1, "sort": sort, "order": order},
            filters=filters,
            pages=1,
            typologies=explore.TYPOLOGIES,
            grade_filters=GRADE_FILTERS,
            grade_kinds=GRADE_KINDS,
            error=errors,
        )
        # 400: the request is wrong, said on the page (form kept, no list under it)
        resp.status_code = 400
        return resp
    ring_filters = explore.RingFilters(
        typology=filters.get("typology"),
        region=filters.get("region"),
        min_score=_num(filters.get("min_score")),
        min_amount=_num(filters.get("min_amount")),
        period_from=filters.get("period_from"),
        period_to=filters.get("period_to"),
        ring_ids=_graded_rings(store, settings, filters),
    )
    try:
        data = explore.list_rings(
            store,
            ring_filters,
            sort=sort if sort in explore.SORT_KEYS else "score",
            order=order if order in ("asc", "desc") else "desc",
            page=page,
        )
        charts = ring_list_charts(ring_totals(store, ring_filters), lang)
    except InputError as exc:
        return _error_page(request, exc)
    data["rings"] = [mask_ring(r) for r in data["rings"]]
    pages = max(1, math.ceil(data["total"] / data["per_page"]))
    return render_page(
        request,
        "rings.html",
        lang=lang,
        data=data,
        filters=filters,
        pages=pages,
        typologies=explore.TYPOLOGIES,
        grade_filters=GRADE_FILTERS,
        grade_kinds=GRADE_KINDS,
        error=[],
        charts=charts if data["total"] else [],
    )


def ring_list_charts(totals: dict[str, Any], lang: str) -> list[tuple[str, Markup]]:
    """The ring list's charts, captioned: amounts at risk by month, typology and region."""
    charts = (
        ("rings-by-month", "months", None, "chart.by_month"),
        ("rings-by-typology", "typologies", "typology", "chart.by_typology"),
        ("rings-by-region", "regions", "region_code", "chart.by_region"),
    )
    out = []
    for dom_id, key, names, caption in charts:
        spec = amounts_chart(totals[key], lang, names=names, months=key == "months")
        out.append((t(caption, lang), plot_block(dom_id, spec, t(caption, lang))))
    return out


@router.get("/rings/{ring_id}", dependencies=[Guard], response_class=HTMLResponse)
def ring_page(
    ring_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    cache: AnswerCacheDep,
    user: Annotated[User, Guard],
) -> HTMLResponse:
    lang = lang_of(request)
    cap = settings.subgraph_node_cap
    generation = data_generation(store)
    key = ("ring_page", user.role, ring_id, lang, cap, generation) if generation else None
    try:
        # The ring's picture, charts and evidence table are the same for every reader
        # of the page's language until the store changes: built once (the page around
        # them, with the reader's name and CSRF token, is rendered per request).
        parts = cache.get_or_build(key, lambda: ring_parts(store, ring_id, lang, cap))
    except NotFound as exc:
        return _error_page(request, exc)
    return render_page(
        request,
        "ring.html",
        lang=lang,
        **parts,
        can_open_case=user.role in workflow.EDITOR_ROLES,
    )


def ring_parts(store: Any, ring_id: str, lang: str, cap: int) -> dict[str, Any]:
    """What the ring page shows of the ring, masked and in ``lang``."""
    ring = mask_ring(explore.ring_detail(store, ring_id))
    sub = explore.ring_subgraph(store, ring["id"], cap=cap)
    charts = ring_charts(store, ring["id"], ring.get("typology"))
    return {
        "ring": ring,
        "network": ring_fragment(sub, lang, cap),
        "charts": chart_block(charts, lang),
        "evidence_rows": evidence_rows(ring.get("evidence") or [], lang, ring.get("typology")),
    }


@router.get("/entities/{kind}/{entity_id}", dependencies=[Guard], response_class=HTMLResponse)
def entity_page(
    kind: str,
    entity_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: Annotated[User, Guard],
    hops: Annotated[int, Query(ge=1, le=explore.MAX_HOPS)] = 1,
) -> HTMLResponse:
    lang = lang_of(request)
    try:
        facts = explore.entity_facts(store, kind, entity_id)
        summary = None
        if kind in SUMMARY_KINDS:
            summary = entity_summary(store, kind, entity_id)
        if summary is not None and hops == 1:
            # one hop is the summary's picture: partners with aggregated edges, not
            # hundreds of settlement dots (issue #13)
            sub = summary.network
        else:
            # further out: the store's neighbourhood with its settlements, referrals and
            # items folded into counts and weighted edges, each kind capped (issue #13)
            sub = aggregate_by_kind(
                explore.neighbourhood(
                    store, kind, entity_id, hops=hops, limit=settings.subgraph_node_cap
                )
            )
    except (NotFound, InputError) as exc:
        return _error_page(request, exc)
    grade = None
    if kind in GRADE_KINDS and user.role in GRADES:
        grade = history.standing(store, settings, kind, entity_id)
    return render_page(
        request,
        "entity.html",
        grade=grade,
        lang=lang,
        facts=masked_facts(facts),
        raw_id=entity_id,
        hops=hops,
        max_hops=explore.MAX_HOPS,
        network=fragment(sub, lang, settings.subgraph_node_cap),
        summary=summary_view(summary) if summary else None,
        aggregated=sub.meta.get("aggregated") or [],
        months_chart=plot_block(
            "entity-months",
            months_chart(summary.months, lang),
            t("summary.months", lang),
        )
        if summary and summary.months
        else None,
    )


@router.get("/search", dependencies=[Guard], response_class=HTMLResponse)
def search_page(request: Request, store: StoreDep, q: str = "") -> HTMLResponse:
    results: list[dict[str, Any]] = []
    error = ""
    if q.strip():
        try:
            results = masked_hits(explore.search(store, q))
        except InputError as exc:
            error = error_text(exc, lang_of(request))
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
            error = error_text(exc, lang)
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


def console_styles(lang: str = "zh") -> dict[str, Any]:
    """The view model's styles keyed by store label, for the console's client-side graph,
    and the names it draws in the page's language (kinds, edge types, typologies,
    properties): the canvas is not HTML, so nothing else would translate it."""
    from graphsvc.contract.typologies import TYPOLOGIES
    from graphsvc.web.i18n import TEXTS, fact_label, label

    facts = sorted(k[5:] for k in TEXTS["en"] if k.startswith("fact."))
    return {
        "names": {
            "kinds": {lb: label("kind", kind, lang) for kind, lb in model.ENTITY_KINDS.items()},
            "edges": {rt: label("edge", rt, lang) for rt in (*model.REL_TYPES, *EDGE_STYLES)},
            "typologies": {ty: label("typology", ty, lang) for ty in TYPOLOGIES},
            "facts": {f: fact_label(f, lang) for f in facts},
        },
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
    return render_page(request, "console.html", styles=console_styles(lang_of(request)))
