"""ASGI middleware: request size limit, security headers, and the access record.

Pure ASGI (not BaseHTTPMiddleware) so the body is counted as it streams and the
audit record is written before the first byte of the response leaves.
"""

from __future__ import annotations

import json
import logging
import secrets
import traceback
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphsvc.audit import AuditLog

log = logging.getLogger(__name__)

STATE_USER = "graphsvc_user"
STATE_AUDITED = "graphsvc_audited"
STATE_VIA = "graphsvc_via"  # the credential of the request (graphsvc.audit, ``via``)
STATE_NONCE = "csp_nonce"


def content_security_policy(nonce: str) -> str:
    """Only our own origin. Inline scripts need the per-request nonce
    (``request.state.csp_nonce``); inline styles are allowed because vis-network and
    pyvis templates set them and a style cannot run code."""
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int, audit: AuditLog) -> None:
        self.app = app
        self.max_body = max_body
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901  debt, listed in docs/conventions.md
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        nonce = secrets.token_urlsafe(16)
        state[STATE_NONCE] = nonce
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await self._reject(send, nonce)
                return

        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # Stop reading; whatever the app answers is replaced by 413 below.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def wrapped_send(message: Message) -> None:
            nonlocal started
            if too_large:
                if not started and message["type"] == "http.response.start":
                    started = True
                    await self._reject(send, nonce)
                return
            if message["type"] == "http.response.start":
                started = True
                # fsync off the event loop, but before the response leaves.
                await anyio.to_thread.run_sync(
                    self._access_record, scope, state, int(message["status"])
                )
                static = str(scope.get("path", "")).startswith("/static/")
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in _OWN_HEADERS or (static and k.lower() == b"cache-control")
                ]
                raw.extend(_security_headers(nonce, cache=not static))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, limited_receive, wrapped_send)
        except Exception as exc:
            if too_large:
                if not started:
                    await self._reject(send, nonce)
                return
            # Handled here so that no server log prints the exception's message (it may
            # quote personal data): type and code lines only.
            log.error(
                "unhandled %s on %s %s\n%s",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if started:
                return
            await anyio.to_thread.run_sync(self._access_record, scope, state, 500)
            await self._send_json(
                send, nonce, 500, {"detail": "internal error", "error": "InternalError"}
            )

    def _access_record(self, scope: Scope, state: dict[str, Any], status: int) -> None:
        """Every authenticated request leaves a trace, also those a route did not audit."""
        user = state.get(STATE_USER)
        if user is None or state.get(STATE_AUDITED):
            return
        query = scope.get("query_string", b"").decode("latin-1")
        self.audit.append(
            user=user.username,
            role=user.role,
            action="http." + str(scope.get("method", "")).lower(),
            target=str(scope.get("path", "")),
            outcome="ok" if status < 400 else f"http {status}",
            detail={"status": status, "query": query} if query else {"status": status},
            via=state.get(STATE_VIA),
        )

    async def _reject(self, send: Send, nonce: str) -> None:
        await self._send_json(
            send, nonce, 413, {"detail": "request body too large", "error": "RequestTooLarge"}
        )

    async def _send_json(self, send: Send, nonce: str, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *_security_headers(nonce),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_OWN_HEADERS = frozenset(
    {
        b"content-security-policy",
        b"x-content-type-options",
        b"x-frame-options",
        b"referrer-policy",
        b"cache-control",
        b"cross-origin-opener-policy",
    }
)


def _security_headers(nonce: str, cache: bool = True) -> list[tuple[bytes, bytes]]:
    out = [
        (b"content-security-policy", content_security_policy(nonce).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if cache:
        # Personal data must not linger in shared browser or proxy caches.
        out.append((b"cache-control", b"no-store"))
    return out
