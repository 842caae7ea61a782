"""POST /api/cypher: the analyst console (read-only, whitelisted, capped, masked, audited)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from graphsvc.api.deps import CONSOLE, AuditDep, SettingsDep, StoreDep, rate_limit, require_roles
from graphsvc.cypher_guard.check import check_cypher
from graphsvc.cypher_guard.limit import limit_rows
from graphsvc.cypher_guard.personal import reads_personal_data
from graphsvc.cypher_guard.shape import shape_result
from graphsvc.cypher_guard.tokens import tokenize
from graphsvc.errors import GraphsvcError, QueryRejected, StoreError
from graphsvc.security.console_slots import ConsoleSlots
from graphsvc.web.i18n import t
from graphsvc.web.views import lang_of

router = APIRouter(tags=["console"])


class CypherRequest(BaseModel):
    query: str = Field(..., max_length=20_000, description="One read-only Cypher statement.")
    parameters: dict[str, Any] = Field(default_factory=dict)


class GraphOut(BaseModel):
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    row_cap: int
    masked_all_strings: bool
    graph: GraphOut | None = None
    elapsed_ms: float
    notice: str | None = Field(
        None, description="Said to the analyst, e.g. that the rows were cut at the cap."
    )


def run_console_query(
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    text: str,
    parameters: dict[str, Any],
    *,
    action: str,
    target: str,
    check: bool,
    slots: ConsoleSlots | None = None,
    lang: str = "en",
) -> CypherResult:
    """Check (console text only), take a console slot, run read-only with timeout and
    the row cap in the store, mask; audit either way."""
    detail: dict[str, Any] = {"query": text, "parameters": parameters}
    cap = settings.cypher_row_cap
    try:
        if check:
            checked = check_cypher(text, parameters)
            text, tokens = checked.text, checked.tokens
        else:
            tokens = tokenize(text)
        # cap+1 rows at most leave the store (the extra one says "truncated"), so a
        # 3,000,000-row answer never reaches this process.
        limited = limit_rows(text, tokens, cap, parameters)
        if check:
            check_cypher(limited, parameters)  # what runs was checked too
        timeout_ms = settings.cypher_timeout_ms
        started = time.perf_counter()
        if slots is None:
            result = store.query(limited, parameters, write=False, timeout_ms=timeout_ms)
        else:
            with slots.hold(audit.user.username, timeout_ms / 1000):
                result = store.query(limited, parameters, write=False, timeout_ms=timeout_ms)
        elapsed = (time.perf_counter() - started) * 1000
    except GraphsvcError as exc:
        audit.record(action, target, outcome=f"{type(exc).__name__}: {exc}"[:300], detail=detail)
        if type(exc) is StoreError:
            # A plain StoreError on a read is the store refusing the statement (syntax,
            # types, a negative LIMIT): the analyst's to fix, so 400 with its message.
            # Timeouts, lost connections and write attempts keep their own codes.
            raise QueryRejected(str(exc), text_key="err.console.store", reason=str(exc)) from exc
        raise
    shaped = shape_result(
        result.columns,
        result.rows,
        personal=reads_personal_data(tokens),
        cap=cap,
    )
    audit.record(
        action,
        target,
        rows=shaped["row_count"],
        detail={**detail, "truncated": shaped["truncated"]},
    )
    notice = t("console_truncated", lang, cap=f"{cap:,}") if shaped["truncated"] else None
    return CypherResult(**shaped, elapsed_ms=round(elapsed, 1), notice=notice)


def console_slots(request: Request) -> ConsoleSlots:
    slots: ConsoleSlots = request.app.state.console_slots
    return slots


@router.post(
    "/api/cypher",
    response_model=CypherResult,
    dependencies=[Depends(require_roles(*CONSOLE)), Depends(rate_limit("cypher"))],
)
def post_cypher(
    body: CypherRequest,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    request: Request,
) -> CypherResult:
    """Run one read-only statement; writes, schema changes and unlisted procedures are refused."""
    return run_console_query(
        store,
        settings,
        audit,
        body.query,
        body.parameters,
        action="cypher.query",
        target="console",
        check=True,
        slots=console_slots(request),
        lang=lang_of(request),
    )


__all__ = ["console_slots", "router", "run_console_query"]
