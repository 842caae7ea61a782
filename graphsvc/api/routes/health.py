"""GET /health: open to all (load balancers, compose healthchecks); aggregate numbers only."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from graphsvc.api.deps import StoreDep
from graphsvc.errors import GraphsvcError

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

PUBLIC = True  # read by the access-policy test: this router needs no login


@router.get("/health")
def health(store: StoreDep) -> JSONResponse:
    """Store reachable, node counts per label, the current detection run (if any)."""
    body: dict[str, Any] = {"status": "ok", "store": {"backend": store.backend, "reachable": True}}
    try:
        body["counts"] = store.counts()
        run = store.run("platform_current_run").records()
        body["last_detection_run"] = run[0] if run else None
    except GraphsvcError as exc:
        log.warning("health: store check failed: %s", type(exc).__name__)
        body["status"] = "unavailable"
        body["store"]["reachable"] = False
        body["store"]["error"] = type(exc).__name__
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
