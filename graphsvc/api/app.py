"""The FastAPI application: ``create_app(settings)``.

Requests flow routes -> deps -> services -> store. The store is opened in the
lifespan (with a bounded retry, the embedded server may still be starting) and
shared on ``app.state.store``. One handler turns every ``GraphsvcError`` into its
HTTP status with its message (messages never carry personal data; ID and phone
numbers that slip into a store message are masked on the way out).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from graphsvc.api.routes import ROUTERS
from graphsvc.audit import AuditLog
from graphsvc.config import Settings, get_settings
from graphsvc.errors import (
    AuthenticationRequired,
    ConfigError,
    GraphsvcError,
    InputError,
    PasswordChangeRequired,
    PermissionDenied,
    StoreUnavailable,
)
from graphsvc.privacy import mask_text
from graphsvc.security.console_slots import ConsoleSlots
from graphsvc.security.middleware import SecurityMiddleware
from graphsvc.security.ratelimit import RateLimited, RateLimiter
from graphsvc.security.users import UserDB
from graphsvc.services.cache import AnswerCache
from graphsvc.store import Store, open_store

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
STORE_ATTEMPTS = 6
STORE_BACKOFF_S = 0.5


def open_store_with_retry(settings: Settings) -> Store:
    """The store may still be starting (compose, systemd): retry a few times, then fail."""
    delay = STORE_BACKOFF_S
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            return open_store(settings)
        except StoreUnavailable as exc:
            if attempt == STORE_ATTEMPTS:
                raise
            log.warning("store not ready (attempt %d/%d): %s", attempt, STORE_ATTEMPTS, exc)
            time.sleep(delay)
            delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    store = await anyio.to_thread.run_sync(open_store_with_retry, settings)
    app.state.store = store
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(store.close)


def _wants_html(request: Request) -> bool:
    return (
        request.method == "GET"
        and not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
    )


def _html_route(request: Request) -> bool:
    """A page or a page's form: answered with a page, never with a JSON body.

    Forms post ``application/x-www-form-urlencoded`` or ``multipart/form-data`` to
    paths outside ``/api/``; a browser sends ``Accept: text/html`` on both."""
    if request.url.path.startswith(("/api/", "/static/")):
        return False
    accept = request.headers.get("accept", "")
    ctype = request.headers.get("content-type", "")
    return "text/html" in accept or ctype.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    )


_ERROR_TITLES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "error",
}


def error_page(
    request: Request, status: int, message: str, *, relogin: bool = False
) -> HTMLResponse:
    """The error page in the user's language, with the status code kept (``relogin``:
    a link to log in as someone else, for a role refused a page).

    A store or internal failure (5xx) shows a fixed text: its message may quote the
    query, and with it personal data (the log keeps the error type only)."""
    from graphsvc.web.i18n import t
    from graphsvc.web.views import lang_of, render_page

    lang = lang_of(request)
    key = _ERROR_TITLES.get(status, "server_error" if status >= 500 else "error")
    shown = t("server_error", lang) if status >= 500 else message
    resp = render_page(
        request, "error.html", lang=lang, title=t(key, lang), message=shown, relogin=relogin
    )
    resp.status_code = status
    return resp


def _page_message(request: Request, exc: Exception, message: str) -> str:
    """The error's page text in the reader's language when it has one (issue #13)."""
    if not isinstance(exc, GraphsvcError) or not exc.text_key:
        return message
    from graphsvc.web.i18n import error_text
    from graphsvc.web.views import lang_of

    return error_text(exc, lang_of(request), mask_text)


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one mapping from graphsvc errors to HTTP answers."""
    if isinstance(exc, AuthenticationRequired) and _wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if isinstance(exc, PasswordChangeRequired) and _wants_html(request):
        return RedirectResponse("/password", status_code=303)  # the change form first
    if isinstance(exc, PermissionDenied) and _wants_html(request):
        from graphsvc.web.i18n import t
        from graphsvc.web.views import lang_of

        return error_page(request, 403, t("forbidden_role", lang_of(request)), relogin=True)
    # Anything else is answered by SecurityMiddleware (500, logged without its message).
    status = exc.http_status if isinstance(exc, GraphsvcError) else 500
    if isinstance(exc, InputError) and _html_route(request):
        status = 400  # a form or filter value a page cannot use: the request is wrong
    message = mask_text(str(exc)) if isinstance(exc, GraphsvcError) else "internal error"
    if status >= 500:
        # Type only: a store message may quote the query text, and with it personal data.
        log.warning("%s %s -> %d %s", request.method, request.url.path, status, type(exc).__name__)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status != 401 and _html_route(request):
        page = error_page(request, status, _page_message(request, exc, message))
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    body = {"detail": message, "error": type(exc).__name__}
    if status < 500 and isinstance(exc, GraphsvcError) and exc.text_key:
        # the reader's language beside the English ``detail`` (the console shows it)
        body["message"] = _page_message(request, exc, message)
    return JSONResponse(body, status, headers=headers)


def field_name(name: str, lang: str) -> str:
    """A form or query field as the reader knows it (``field.hops`` -> 跳数), else its name."""
    from graphsvc.web.i18n import label

    return label("field", name, lang)


async def handle_validation(request: Request, exc: Exception) -> Response:
    """FastAPI's default echoes the rejected input, which may be personal data: drop it."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]
    if _html_route(request):
        from graphsvc.web.i18n import t
        from graphsvc.web.views import lang_of

        lang = lang_of(request)
        names = sorted({str(e["loc"][-1]) for e in detail if e["loc"]})
        fields = ("、" if lang == "zh" else ", ").join(field_name(n, lang) for n in names)
        # 400 on pages: the browser's request is wrong (the JSON API keeps FastAPI's 422)
        return error_page(request, 400, t("bad_fields", lang, fields=fields))
    return JSONResponse({"detail": detail, "error": "ValidationError"}, 422)


def include_routers(app: FastAPI) -> list[str]:
    """Include every module of ``ROUTERS``; a missing one stops the start-up.

    Skipping it quietly would let a typo in ``ROUTERS`` (or a file lost in a merge)
    drop a whole API without a word: the service would start and answer 404.
    """
    included = []
    for name in ROUTERS:
        module_name = f"graphsvc.api.routes.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            raise ConfigError(
                f"router module {module_name} is listed in ROUTERS but does not exist"
            ) from exc
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise ConfigError(f"router module {module_name} has no APIRouter named router")
        app.include_router(router)
        included.append(name)
    return included


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_data_dir()
    settings.resolved_secret_key()  # fail at start-up, not on the first login, in production
    # OpenAPI docs are served by routes/apidocs.py behind login and without a CDN.
    app = FastAPI(
        title="graphsvc",
        description="Fraud-ring analytics for the medical-insurance fund.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.users = UserDB.from_settings(settings)
    app.state.audit = AuditLog.from_settings(settings)
    app.state.limiter = RateLimiter.in_data_dir(
        settings.ensure_data_dir(), settings.rate_limit_per_minute
    )
    app.state.answer_cache = AnswerCache(settings.answer_cache_entries)
    app.state.console_slots = ConsoleSlots.in_data_dir(
        settings.ensure_data_dir(), settings.console_concurrency
    )
    app.add_exception_handler(GraphsvcError, handle_error)
    app.add_exception_handler(RequestValidationError, handle_validation)
    # No CORS middleware on purpose: pages and API share one origin.
    app.add_middleware(
        SecurityMiddleware, max_body=settings.max_request_bytes, audit=app.state.audit
    )
    app.state.routers = include_routers(app)
    if STATIC_DIR.is_dir():
        # Public on purpose: scripts, styles and fonts only, no data (the login page needs them).
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
