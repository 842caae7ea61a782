"""GET /health: open to all (load balancers, compose healthchecks).

Anonymous callers get only ``{"status": ...}`` (and 503 when the store is down):
node counts and the last detection run id tell an outsider how big the fund's
data is and when it was last analysed (issue #19). Logged-in users (session or
token) get the counts and the run as before.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from graphsvc.api.deps import StoreDep, authenticate
from graphsvc.errors import AuthenticationRequired, GraphsvcError, PasswordChangeRequired

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

PUBLIC = True  # read by the access-policy test: this router needs no login


def _logged_in(request: Request) -> bool:
    """Whether the request carries a valid session or token (no error when it does not)."""
    try:
        authenticate(request)
    except (AuthenticationRequired, PasswordChangeRequired):  # not (fully) logged in
        return False
    return True


@router.get("/health")
def health(request: Request, store: StoreDep) -> JSONResponse:
    """Store reachable; for logged-in users also node counts per label and the current run."""
    body: dict[str, Any] = {"status": "ok", "store": {"backend": store.backend, "reachable": True}}
    try:
        body["counts"] = store.counts()
        run = store.run("platform_current_run").records()
        body["last_detection_run"] = run[0] if run else None
    except GraphsvcError as exc:
        log.warning("health: store check failed: %s", type(exc).__name__)
        body = {"status": "unavailable", "store": {"reachable": False}}
        body["store"]["error"] = type(exc).__name__
        return JSONResponse(body if _logged_in(request) else {"status": "unavailable"}, 503)
    return JSONResponse(body if _logged_in(request) else {"status": "ok"})
