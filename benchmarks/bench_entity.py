"""Entity summary pages (issue #13): how long an institution's, a doctor's and a
participant's page takes, for the busiest of each kind and a seeded sample of others.

Loads a province into a private embedded store (``common.private_store``), then times
``GET /entities/{kind}/{id}`` through the app (TestClient, one client: the page's own
cost, not a load test) and, separately, the summary's store reads alone.

    .venv/bin/python benchmarks/bench_entity.py --province DIR [--sample 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, private_store

BUSIEST = {
    "institution": "MATCH (s:Prescription)-[:AT]->(n:Institution) "
    "RETURN n.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT $k",
    "doctor": "MATCH (s:Prescription)-[:PRESCRIBED_BY]->(n:Doctor) "
    "RETURN n.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT $k",
    "participant": "MATCH (s:Prescription)-[:PATIENT]->(n:Participant) "
    "RETURN n.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT $k",
}
LABELS = {"institution": "Institution", "doctor": "Doctor", "participant": "Participant"}


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--province", type=Path, required=True, help="a generated province dir")
    ap.add_argument("--sample", type=int, default=20, help="busiest and random ids per kind")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from graphsvc.api.app import create_app
    from graphsvc.services.explore.summary import entity_summary
    from loaders import load_directory

    report: dict[str, Any] = {"machine": machine(), "province": str(args.province)}
    with private_store("bench_entity") as (store, settings, _pid):
        t0 = time.perf_counter()
        load_directory(store, args.province)
        report["load_s"] = round(time.perf_counter() - t0, 1)
        report["settlements"] = store.count("Prescription")
        report["participants"] = store.count("Participant")
        rng = random.Random(args.seed)  # noqa: S311  a seeded sample of ids, not a secret
        app = create_app(settings)
        with TestClient(app) as client:
            app.state.users.add_user("bench", "investigator", "bench-password-1")
            _, token = app.state.users.create_token("bench")
            client.headers.update({"Authorization": f"Bearer {token}", "Accept": "text/html"})
            for kind, cypher in BUSIEST.items():
                busiest = store.query(cypher, {"k": args.sample}).records()
                ids = [str(r["id"]) for r in busiest]
                everyone = store.query(f"MATCH (n:{LABELS[kind]}) RETURN n.id ORDER BY n.id").rows
                ids += rng.sample([str(r[0]) for r in everyone], min(args.sample, len(everyone)))
                reads, pages = [], []
                for ident in ids:
                    t = time.perf_counter()
                    entity_summary(store, kind, ident)
                    reads.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    resp = client.get(f"/entities/{kind}/{ident}?lang=zh")
                    pages.append((time.perf_counter() - t) * 1000)
                    if resp.status_code != 200:
                        raise SystemExit(f"{kind} {ident}: HTTP {resp.status_code}")
                report[kind] = {
                    "busiest_settlements": int(busiest[0]["n"]) if busiest else 0,
                    "summary_reads": _ms(reads),
                    "page": _ms(pages),
                }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
