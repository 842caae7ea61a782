"""``graphsvc serve``: the web service under uvicorn (one process, sync routes in threads)."""

from __future__ import annotations

import argparse

from graphsvc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web service (API and pages)")
    p.add_argument("--host", help="bind address (default GRAPHSVC_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default GRAPHSVC_PORT, 8000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from graphsvc.api.app import create_app

    settings = get_settings()
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        # Access logs would print query strings (search terms may be ID numbers).
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    return 0
