"""``graphsvc publish --out DIR``: the published results (Hainan Art. 33) as files to post.

Writes ``published-DATE.html``, ``.pdf`` and ``.json`` (counts by prefecture,
typology and result, small cells withheld, no personal data) and records the
publication in the audit trail.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from graphsvc.config import get_settings
from graphsvc.errors import InputError
from graphsvc.store import open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "publish",
        help="published results: cases and inspections counted, no personal data (HTML, PDF)",
    )
    p.add_argument("--out", type=Path, required=True, help="directory to write the files in")
    p.add_argument("--as-of", help="date written on the publication (default: today, UTC)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphsvc.cases import publication
    from graphsvc.commands.users import cli_audit
    from graphsvc.supervision import publish

    if args.as_of is not None:
        try:
            date.fromisoformat(args.as_of)
        except ValueError:
            raise InputError(f"--as-of {args.as_of!r}: expected YYYY-MM-DD") from None
    settings = get_settings()
    with open_store(settings) as store:
        pub = publish.gather(store, settings, as_of=args.as_of)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        base = args.out / f"published-{pub.as_of}"
        files = {
            base.with_suffix(".html"): publication.render_html(pub),
            base.with_suffix(".pdf"): publication.render_pdf(pub, settings.report_font),
            base.with_suffix(".json"): (
                json.dumps(pub.to_json(), ensure_ascii=False, indent=1) + "\n"
            ).encode("utf-8"),
        }
        for path, data in files.items():
            path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{args.out}: cannot write: {exc.strerror}") from None
    cli_audit(settings, "published.write", pub.as_of, files=[p.name for p in files])
    for path in files:
        sys.stdout.write(f"{path}\n")
    return 0
