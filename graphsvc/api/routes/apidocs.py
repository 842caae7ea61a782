"""OpenAPI schema and a plain API reference page, behind login and without a CDN.

FastAPI's built-in /docs loads Swagger UI from a CDN, which the intranet cannot
reach and the CSP forbids; this page is rendered on the server from the schema.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from graphsvc.api.deps import ANY, require_roles

router = APIRouter(tags=["docs"], dependencies=[Depends(require_roles(*ANY))])


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    schema: dict[str, Any] = request.app.openapi()
    rows = []
    for path, ops in sorted(schema.get("paths", {}).items()):
        for method, op in ops.items():
            params = ", ".join(p.get("name", "") for p in op.get("parameters", []))
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td>"
                f"<td>{html.escape(params)}</td></tr>"
            )
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>graphsvc API</title><link rel='stylesheet' href='/static/app.css'></head><body>"
        "<h1>graphsvc API</h1><p>Machine-readable schema: <a href='/openapi.json'>"
        "/openapi.json</a>. Scripts authenticate with <code>Authorization: Bearer "
        "&lt;token&gt;</code>.</p><table><thead><tr><th>method</th><th>path</th><th>summary"
        "</th><th>parameters</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        "</body></html>"
    )
    return HTMLResponse(body)
