"""Detection's only contact with the store: read GraphData, write a run of rings.

Reads page through each table with keyset pagination (``id > $after ... LIMIT``) via
the named queries in ``queries/detect/``; writes go as UNWIND batches built by the
pure :func:`ring_rows` / :func:`member_rows`. A run is written with ``current =
false`` and only flipped to current (and the previous current run flipped off) after
all its rings and members are in, so a failed write never leaves a half run current
and readers always see one complete run. Old runs and their rings are kept.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import COLUMNS, GraphData
from graphsvc.detection.rings import Ring
from graphsvc.errors import StoreError
from graphsvc.store.base import Store

log = logging.getLogger(__name__)

READS: dict[str, str] = {
    "participants": "detect_read_participants",
    "identifiers": "detect_read_identifiers",
    "institutions": "detect_read_institutions",
    "doctors": "detect_read_doctors",
    "prescriptions": "detect_read_prescriptions",
    "items": "detect_read_items",
    "family_links": "detect_read_family_links",
    "referrals": "detect_read_referrals",
}
# Rows that only exist because of an OPTIONAL MATCH on a page of nodes are dropped
# when this column is empty.
REQUIRED_COLUMN: dict[str, str] = {
    "identifiers": "value",
    "items": "item_code",
    "family_links": "member_id",
}
MEMBER_QUERIES: dict[str, str] = {
    "participant": "detect_members_participant",
    "doctor": "detect_members_doctor",
    "institution": "detect_members_institution",
}


# The big tables come back as one string per row, fields joined by PACK_SEP, in this
# order: FalkorDB's client parses one string about 5x faster than a row of cells
# (measured on 120k settlements: 1.0 s packed, 4.8 s as 7 columns; docs/benchmarks.md).
PACK_SEP = "\x1f"  # ASCII unit separator; a value holding it is refused, not misread
PACKED: dict[str, tuple[str, ...]] = {
    "prescriptions": COLUMNS["prescriptions"],
    "items": ("prescription_id", "item_code", "quantity", "unit_price", "trace_code"),
    "identifiers": COLUMNS["identifiers"],
}


def unpack(table: str, keys: list[Any], lines: list[Any]) -> pd.DataFrame:
    """Split packed rows into columns; empty fields become missing values.

    >>> unpack("identifiers", ["P1", "P2"], ["P1\x1fphone\x1f138", "P2\x1f\x1f"])
      page_key participant_id   kind value
    0       P1             P1  phone   138
    1       P2             P2    NaN   NaN
    """
    columns = PACKED[table]
    text = pd.Series(lines, dtype=object)
    bad = text.str.count(PACK_SEP) != len(columns) - 1
    if bad.any():
        raise StoreError(
            f"{table}: a stored value contains the field separator U+001F "
            f"(row key {keys[int(bad.to_numpy().nonzero()[0][0])]!r})"
        )
    df = text.str.split(PACK_SEP, expand=True, regex=False)
    df.columns = list(columns)
    df = df.mask(df == "")
    df.insert(0, "page_key", keys)
    return df


def read_table(
    store: Store,
    table: str,
    *,
    page_size: int = 200_000,
    on_rows: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """All rows of one contract table from the store, page by page (keyset on id)."""
    name = READS[table]
    packed = table in PACKED
    frames: list[pd.DataFrame] = []
    after = ""
    while True:
        params: dict[str, Any] = {"after": after, "limit": page_size}
        if packed:
            params["sep"] = PACK_SEP
        res = store.run(name, params)
        if not res.rows:
            break
        if packed:
            df = unpack(table, res.column("page_key"), res.column("packed"))
        else:
            df = pd.DataFrame(res.rows, columns=res.columns)
        keys = df["page_key"]
        frames.append(df)
        if on_rows is not None:
            on_rows(len(df))
        if keys.nunique() < page_size:
            break
        after = str(keys.max())
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS[table]))
    df = pd.concat(frames, ignore_index=True).drop(columns=["page_key"])
    req = REQUIRED_COLUMN.get(table)
    if req is not None:
        df = df[df[req].notna()]
    return df.reset_index(drop=True)


def read_graph_data(
    store: Store, *, page_size: int = 200_000, progress: Callable[[int], None] | None = None
) -> GraphData:
    """GraphData of the whole store (identifier values are already normalised there)."""
    frames = {t: read_table(store, t, page_size=page_size, on_rows=progress) for t in READS}
    return GraphData.create(normalise_values=False, **frames)


def new_run_id(now: datetime | None = None) -> str:
    """``run-<UTC timestamp>-<random>``: unique, and sortable by time.

    >>> new_run_id(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))[:20]
    'run-20260102T030405Z'
    """
    now = now or datetime.now(UTC)
    return f"run-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def ring_rows(
    rings: list[Ring], run_id: str, config: DetectConfig, created_at: str
) -> list[dict[str, Any]]:
    """Ring node properties per the conventions' Ring schema (pure).

    >>> from graphsvc.detection.rings import Member
    >>> r = Ring("shared_identity", [Member("participant", "P1", "member")], ["x"], 5.0, 1,
    ...          10.0, ring_id="si-1", score=0.8)
    >>> row = ring_rows([r], "run-1", DetectConfig(), "2026-01-01T00:00:00Z")[0]
    >>> row["id"], row["member_count"], json.loads(row["evidence_json"])
    ('run-1:si-1', 1, [])
    """
    out = []
    for r in rings:
        out.append(
            {
                "id": f"{run_id}:{r.ring_id}",
                "ring_id": r.ring_id,
                "typology": r.typology,
                "score": float(r.score),
                "amount_at_risk": round(float(r.amount_at_risk), 2),
                "reasons": list(r.reasons),
                "clause": r.clause,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "region_code": r.region_code,
                "member_count": r.member_count,
                "created_at": created_at,
                "evidence_json": json.dumps(
                    [e.to_json() for e in r.evidence], ensure_ascii=False, separators=(",", ":")
                ),
                "params_json": config.section_json(r.typology),
            }
        )
    return out


def member_rows(rings: list[Ring], run_id: str) -> dict[str, list[dict[str, str]]]:
    """HAS_MEMBER rows per member kind (pure).

    >>> from graphsvc.detection.rings import Member
    >>> r = Ring("x", [Member("doctor", "D1", "hub doctor")], [], 0.0, 1, 0.0, ring_id="x-1")
    >>> member_rows([r], "run-1")["doctor"]
    [{'ring': 'run-1:x-1', 'id': 'D1', 'role': 'hub doctor'}]
    """
    out: dict[str, list[dict[str, str]]] = {k: [] for k in MEMBER_QUERIES}
    for r in rings:
        for m in r.members:
            out[m.kind].append({"ring": f"{run_id}:{r.ring_id}", "id": m.id, "role": m.role})
    return out


def write_run(
    store: Store,
    rings: list[Ring],
    config: DetectConfig,
    *,
    run_id: str,
    started_at: str,
    finished_at: str,
    typologies: list[str],
    batch_size: int = 2_000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Write rings of a run, then make it current. Returns how many runs it superseded."""
    store.run(
        "detect_run_create",
        {
            "run_id": run_id,
            "started_at": started_at,
            "finished_at": finished_at,
            "params_json": config.to_json(),
            "ring_count": len(rings),
            "typologies": typologies,
        },
    )
    store.write_batches(
        "detect_rings_write",
        ring_rows(rings, run_id, config, finished_at),
        batch_size=batch_size,
        extra={"run_id": run_id},
        on_batch=on_batch,
    )
    for kind, rows in member_rows(rings, run_id).items():
        store.write_batches(MEMBER_QUERIES[kind], rows, batch_size=batch_size * 5)
    superseded = store.run("detect_run_activate", {"run_id": run_id}).scalar()
    store.save()
    return int(superseded or 0)


class StoreRun:
    """A finished detection run: its id, time, rings and timings (``to_json`` = contract)."""

    def __init__(
        self,
        run_id: str,
        generated_at: str,
        rings: list[Ring],
        timings: dict[str, float],
        superseded: int,
        typologies: list[str],
        clustering_backend: str = "python",
    ) -> None:
        self.clustering_backend = clustering_backend
        self.run_id = run_id
        self.generated_at = generated_at
        self.rings = rings
        self.timings = timings
        self.superseded = superseded
        self.typologies = typologies

    def to_json(self) -> dict[str, Any]:
        return rings_json(self.run_id, self.generated_at, self.rings)


def rings_json(run_id: str, generated_at: str, rings: list[Ring]) -> dict[str, Any]:
    """The contract's rings document (rings already sorted by score, highest first)."""
    return {
        "run_id": run_id,
        "generated_at": generated_at,
        "rings": [r.to_json() for r in rings],
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_detection(
    store: Store,
    config: DetectConfig | None = None,
    only: str | list[str] | None = None,
    *,
    progress: bool = False,
    write: bool = True,
) -> StoreRun:
    """Read the store, run the detectors, write the run (current) and return it.

    Leiden and components run where the store can run them (Neo4j GDS server-side,
    else in Python); ``clustering_for`` logs the choice.
    """
    from tqdm import tqdm

    from graphsvc.detection.runner import parse_only, run_detectors
    from graphsvc.store.gds import clustering_for

    config = config or DetectConfig()
    typologies = parse_only(only)
    started = _now()
    run_id = new_run_id()
    with tqdm(desc="read graph", unit="row", disable=not progress, leave=False) as bar:
        data = read_graph_data(store, progress=bar.update)
    clustering = clustering_for(store)
    log.info("detection run %s: clustering backend %s", run_id, clustering.backend)
    result = run_detectors(data, config, typologies, progress=progress, clustering=clustering)
    finished = _now()
    superseded = 0
    if write:
        with tqdm(
            total=len(result.rings),
            desc="write rings",
            unit="ring",
            disable=not progress,
            leave=False,
        ) as bar:
            superseded = write_run(
                store,
                result.rings,
                config,
                run_id=run_id,
                started_at=started,
                finished_at=finished,
                typologies=typologies,
                on_batch=bar.update,
            )
    return StoreRun(
        run_id,
        finished,
        result.rings,
        result.timings,
        superseded,
        typologies,
        clustering_backend=clustering.backend,
    )
