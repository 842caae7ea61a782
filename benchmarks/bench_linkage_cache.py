"""The on-disk linkage cache (issue #15, #11): what a run that hits it costs.

On a generated province's participants and identifiers (read from its CSVs): the
content digest alone, the first run (digest, fit, write) and a second run on a new
GraphData of the same tables (digest, read, no fit), with the cache's event counts.

    .venv/bin/python benchmarks/bench_linkage_cache.py --dir /work/data/province-200000-1
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine, peak_rss_bytes
from graphsvc.detection import linkage_cache
from graphsvc.detection.config import LinkageConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.linkage import keep_links_in, linkage_for


def _data(frames: dict[str, pd.DataFrame]) -> GraphData:
    return GraphData.create(**{k: v.copy() for k, v in frames.items()})


def run(directory: Path, skip_fit: bool) -> dict[str, Any]:
    frames = {
        t: pd.read_csv(directory / f"{t}.csv", dtype=str, keep_default_na=False, na_values=[""])
        for t in ("participants", "identifiers")
    }
    cfg = LinkageConfig()
    data = _data(frames)
    t0 = time.perf_counter()
    linkage_cache.input_digest(data, cfg, [])
    out: dict[str, Any] = {
        "machine": machine(),
        "participants": len(data.participants),
        "identifiers": len(data.identifiers),
        "digest_s": round(time.perf_counter() - t0, 2),
    }
    if skip_fit:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache" / "linkage"
        keep_links_in(data, cache)
        t0 = time.perf_counter()
        first = linkage_for(data, cfg)
        out["first_run_s"] = round(time.perf_counter() - t0, 1)
        again = _data(frames)
        keep_links_in(again, cache)
        before = Counter(linkage_cache.EVENTS)
        t0 = time.perf_counter()
        second = linkage_for(again, cfg)
        out["second_run_s"] = round(time.perf_counter() - t0, 2)
        out["second_run_events"] = dict(linkage_cache.EVENTS - before)
        out["same_links"] = second.links == first.links
        out["links"] = len(first.links)
        out["cache_file_bytes"] = sum(p.stat().st_size for p in cache.glob("*.json"))
    out["peak_rss_mib"] = round(peak_rss_bytes() / 2**20)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, required=True, help="a generated province")
    ap.add_argument("--digest-only", action="store_true", help="time the digest, no fit")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out = run(args.dir, args.digest_only)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_linkage_cache_{out['participants']}.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
