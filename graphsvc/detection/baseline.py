"""The textbook baseline the product is measured against (and must beat).

What a first attempt usually does: weakly connected components over *every* shared
identifier (switchboards and nursing-home addresses included, family not explained
away) for shared identity, and Louvain communities on raw co-visit counts (no
chance model, no busy-day discount) for organised visits; rings ranked by size.
It exists only for the evaluation in ``benchmarks/bench_detect.py`` and tests.
"""

from __future__ import annotations

import random
from typing import Any

import igraph as ig

from graphsvc.detection.common import components
from graphsvc.detection.data import GraphData
from graphsvc.detection.organised_visits import covisit_pairs, sessions_of

TYPOLOGIES = ("shared_identity", "organised_visits")


def _ring(typology: str, n: int, members: list[str]) -> dict[str, Any]:
    return {
        "id": f"baseline-{typology}-{n:04d}",
        "typology": typology,
        "score": float(len(members)),
        "members": [{"kind": "participant", "id": m, "role": "member"} for m in members],
    }


def baseline_rings(
    data: GraphData, *, min_size: int = 3, seed: int = 42, max_session_size: int = 500
) -> list[dict[str, Any]]:
    """Baseline rings (contract JSON shape), score = size normalised to [0, 1].

    >>> import pandas as pd
    >>> ids = pd.DataFrame({"participant_id": ["A", "B", "C", "D"], "kind": "phone",
    ...                     "value": ["1", "1", "1", "2"]})
    >>> [r["members"][0]["id"] for r in baseline_rings(GraphData.create(identifiers=ids))]
    ['A']
    """
    rings: list[dict[str, Any]] = []
    ids = data.identifiers
    key = ids["kind"].astype(str) + ":" + ids["value"].astype(str)
    first = ids.assign(key=key).groupby("key")["participant_id"].transform("first")
    links = [(str(a), str(b)) for a, b in zip(first, ids["participant_id"], strict=True) if a != b]
    for n, comp in enumerate(components(links)):
        if len(comp) >= min_size:
            rings.append(_ring("shared_identity", n, comp))

    pairs = covisit_pairs(sessions_of(data), max_session_size)
    pairs = pairs[pairs["c"] >= 2]
    if len(pairs):
        names = sorted(set(pairs["a"]) | set(pairs["b"]))
        index = {v: i for i, v in enumerate(names)}
        g = ig.Graph(
            n=len(names),
            edges=[(index[a], index[b]) for a, b in zip(pairs["a"], pairs["b"], strict=True)],
        )
        g.es["weight"] = [float(c) for c in pairs["c"]]
        ig.set_random_number_generator(random.Random(seed))  # noqa: S311  seeded for reproducible results, not for security
        try:
            clusters = g.community_multilevel(weights="weight")
        finally:
            ig.set_random_number_generator(random)
        comms = sorted(
            (sorted(names[v] for v in c) for c in clusters), key=lambda c: (-len(c), c[0])
        )
        for n, comm in enumerate(comms):
            if len(comm) >= min_size:
                rings.append(_ring("organised_visits", n, comm))
    top = max((r["score"] for r in rings), default=1.0)
    for r in rings:
        r["score"] = round(r["score"] / top, 4)
    return rings
