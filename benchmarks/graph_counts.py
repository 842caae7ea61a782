"""Nodes per label and relationships per type of the configured graph, as one JSON line.

Why: the crash-recovery figures (docs/benchmarks.md, issue #19) compare a recovered
200k-participant graph with a clean load by counts; ``store status`` prints nodes only.
Usage: GRAPHSVC_DATA_DIR=... GRAPHSVC_STORE_PORT=... python -m benchmarks.graph_counts
"""

from __future__ import annotations

import json
import sys

from graphsvc.store import open_store

SCAN_TIMEOUT_MS = 30 * 60 * 1000


def main() -> int:
    with open_store(start=False) as store:
        nodes = store.counts()
        rels = {
            str(t): int(n)
            for t, n in store.run("store_rel_counts", timeout_ms=SCAN_TIMEOUT_MS).rows
        }
    sys.stdout.write(json.dumps({"nodes": nodes, "rels": rels}, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
