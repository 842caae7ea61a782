"""``graphsvc demo``: the whole first-run path on the embedded store.

Start the store, generate a province (unless already there), load it, detect rings,
create a demo admin (one-time password printed once), then serve the API.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.store import open_store

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="generate, load, detect and serve a demo province",
        description=(
            "First-run path: start the embedded store, generate a province into DIR (kept and "
            "reused on later runs), load it, run every detector, create an 'admin' user with a "
            "one-time password, and serve on http://HOST:PORT."
        ),
    )
    p.add_argument(
        "--dir", type=Path, default=Path("demo"), help="province directory (default: ./demo)"
    )
    p.add_argument("--participants", type=int, default=20_000, help="province size (default 20000)")
    p.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    p.add_argument("--no-serve", action="store_true", help="stop after detection")
    p.add_argument("--host", help="bind address (default GRAPHSVC_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default GRAPHSVC_PORT, 8000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphsvc.detection import run_detection
    from graphsvc.generate import generate_province
    from loaders import load_directory

    settings = get_settings()
    out = sys.stdout
    province: Path = args.dir
    if not (province / "participants.csv").exists():
        out.write(
            f"[1/4] generating a province of {args.participants:,} participants into {province}\n"
        )
        generate_province(province, participants=args.participants, seed=args.seed)
    else:
        out.write(f"[1/4] reusing the province in {province}\n")
    with open_store(settings) as store:
        out.write(f"[2/4] loading into the {store.backend} store (data in {settings.data_dir})\n")
        report = load_directory(store, province, progress=True)
        out.write(report.summary() + "\n")
        out.write("[3/4] detecting rings\n")
        detection = run_detection(
            store, progress=True, linkage_cache=settings.data_dir / "cache" / "linkage"
        )
        rings = detection.to_json()["rings"]
        out.write(f"\n      {len(rings)} rings flagged (run {detection.run_id})\n")
        from graphsvc.supervision import history

        _, graded = history.compute_current(store, settings)
        out.write(f"      {graded} institutions, doctors and participants graded\n")
    out.write("[4/4] users\n")
    from graphsvc.security.users import ensure_demo_users

    created = ensure_demo_users(settings)
    for username, password in created.items():
        out.write(f"      demo user {username!r}, one-time password: {password}\n")
    if created:
        out.write(
            "      (shown once, valid for one login, which asks for a new password; "
            "'analyst' sees rings, cases and the console; "
            "'admin' manages users and reads the audit trail)\n"
        )
    else:
        out.write("      users already exist; log in with your account\n")
    if args.no_serve:
        return 0
    import uvicorn

    from graphsvc.api.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    out.write(f"serving on http://{host}:{port}  (Ctrl-C to stop; the store keeps running)\n")
    out.flush()
    # No access log: query strings (searches by name or ID number) are personal data.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
    return 0
