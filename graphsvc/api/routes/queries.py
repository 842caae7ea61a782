"""GET /api/queries and POST /api/queries/{name}: the analyst's saved-query library."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from graphsvc.api.deps import CONSOLE, AuditDep, SettingsDep, StoreDep, rate_limit, require_roles
from graphsvc.api.routes.cypher import CypherResult, console_slots, run_console_query
from graphsvc.errors import InputError, NotFound
from graphsvc.web.i18n import t
from graphsvc.web.views import lang_of

router = APIRouter(tags=["console"])


def _description(name: str, written: str, lang: str | None) -> str:
    if lang is None:
        return written
    key = f"query.{name}"
    text = t(key, lang)
    return written if text == key else text


class SavedQueryOut(BaseModel):
    name: str
    description: str
    params: list[str]
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="Values used for parameters the caller leaves out."
    )
    text: str


class RunSavedRequest(BaseModel):
    parameters: dict[str, Any] = Field(default_factory=dict)


@router.get(
    "/api/queries",
    response_model=list[SavedQueryOut],
    dependencies=[Depends(require_roles(*CONSOLE))],
)
def list_saved(store: StoreDep, lang: Literal["zh", "en"] | None = None) -> list[SavedQueryOut]:
    """The saved queries; with ``lang``, each description in that language (the
    catalogs' ``query.<name>``; the file's own ``// description:`` where none)."""
    return [
        SavedQueryOut(
            name=q.name,
            description=_description(q.name, q.description, lang),
            params=list(q.params),
            defaults=dict(q.defaults),
            text=q.text,
        )
        for q in store.library.saved(store.backend)
    ]


@router.post(
    "/api/queries/{name}",
    response_model=CypherResult,
    dependencies=[Depends(require_roles(*CONSOLE)), Depends(rate_limit("cypher"))],
)
def run_saved(
    name: str,
    body: RunSavedRequest,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    request: Request,
) -> CypherResult:
    """Run a saved (read-only, ``// tags: saved``) query; other named queries are not reachable."""
    saved = {q.name: q for q in store.library.saved(store.backend)}
    q = saved.get(name)
    if q is None:
        raise NotFound(
            f"no saved query named {name!r}", text_key="err.no_saved_query", name=name[:80]
        )
    # Declared defaults fill what the caller leaves out (the header's ``defaults:``).
    parameters = {**q.defaults, **body.parameters}
    missing = [p for p in q.params if p not in parameters]
    if missing:
        raise InputError(
            f"missing parameters: {', '.join(missing)}",
            text_key="err.missing_parameters",
            names=", ".join(missing),
        )
    return run_console_query(
        store,
        settings,
        audit,
        q.text,
        parameters,
        action="cypher.saved",
        target=f"query:{name}",
        check=False,
        slots=console_slots(request),
        lang=lang_of(request),
    )
