"""Detection's only contact with the store: read GraphData, write a run of rings.

Reads page through each table by internal node id (``id(n) >= $lo AND id(n) < $hi``)
with the named queries in ``queries/detect/``: a range filter on the id needs no sort
and no index, so each page costs the same wherever it lies (keyset pages on the ``id``
property sorted the remaining rows on every page: 40 s instead of 11 s for 1.2M
settlements). A page comes back as one row holding a list of packed strings, which
the client parses about 3x faster than a row per record (docs/benchmarks.md).
Rows are sorted by their fields after the read, so the input -- and therefore the
rings -- do not depend on the store's internal ids.

Writes go as UNWIND batches built by the pure :func:`ring_rows` / :func:`member_rows`.
A run is written with ``current = false`` and only flipped to current (and the
previous current run flipped off) after all its rings and members are in, so a failed
write never leaves a half run current and readers always see one complete run. Old
runs and their rings are kept.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from graphsvc.detection.common import components, leiden_communities
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import COLUMNS, GraphData
from graphsvc.detection.linkage import keep_links_in
from graphsvc.detection.rings import Ring
from graphsvc.errors import StoreError
from graphsvc.store.base import Store
from graphsvc.store.gds import Clustering, GdsAlgorithms, has_gds

log = logging.getLogger(__name__)


def clustering_for(store: Store | None, *, timeout_ms: int | None = None) -> Clustering:
    """GDS in the store when it has it, else Python; the choice is logged.

    Here rather than in ``graphsvc.store.gds``: the Python fallback is detection's own
    code, and the store must not import detection (layers, issue #18).
    """
    if store is not None and has_gds(store):
        algos = GdsAlgorithms(store, timeout_ms=timeout_ms)
        log.info("community detection and components run server-side (Neo4j GDS)")
        return Clustering("gds", algos.leiden_communities, algos.components)
    where = store.backend if store is not None else "no store"
    log.info("community detection and components run in Python (%s has no GDS)", where)
    return Clustering("python", leiden_communities, components)


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
MEMBER_QUERIES: dict[str, str] = {
    "participant": "detect_members_participant",
    "doctor": "detect_members_doctor",
    "institution": "detect_members_institution",
}

# The fields each read query packs, in order: the contract's columns (data.COLUMNS)
# less the names, which no detector reads and which stay in the store.
_UNREAD = frozenset({"name", "item_name"})
FIELDS: dict[str, tuple[str, ...]] = {
    table: tuple(c for c in COLUMNS[table] if c not in _UNREAD) for table in READS
}
# Not a contract column: the pseudonym of an ID number's birthplace+birth date+sex, which
# duplicate_enrolment compares once the graph holds no raw ID number (issue #14).
FIELDS["participants"] += ("id_bucket",)
# Neither: the keyed forms of the name record linkage compares (issue #15).
FIELDS["participants"] += ("name_fold_key", "name_pinyin_key", "name_surname_key")
FIELD_SEP = "\x1f"  # ASCII unit separator, between fields
ROW_SEP = "\x1e"  # ASCII record separator, between rows once joined for the parser


def parse_packed(table: str, lines: list[str]) -> pd.DataFrame:
    """Packed rows -> a DataFrame of strings, sorted by its fields; empty fields -> NaN.

    A stored value holding either separator is refused, never misread.

    >>> parse_packed("identifiers", ["P2\x1fphone\x1f138", "P1\x1femail\x1f"])
      participant_id   kind value
    0             P1  email   NaN
    1             P2  phone   138
    """
    fields = FIELDS[table]
    if not lines:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in fields})
    lines.sort()  # field order == column order: a stable order independent of internal ids
    text = ROW_SEP.join(lines)
    if text.count(ROW_SEP) != len(lines) - 1 or text.count(FIELD_SEP) != len(lines) * (
        len(fields) - 1
    ):
        bad = next(
            line for line in lines if ROW_SEP in line or line.count(FIELD_SEP) != len(fields) - 1
        )
        raise StoreError(
            f"{table}: a stored value contains a separator (U+001E or U+001F), in the row "
            f"starting {bad.split(FIELD_SEP, 1)[0]!r}"
        )
    return pd.read_csv(
        io.StringIO(text),
        sep=FIELD_SEP,
        lineterminator=ROW_SEP,
        header=None,
        names=list(fields),
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_values=[""],
        engine="c",
    )


def id_bound(store: Store) -> int:
    """One past the highest internal node id: where the id-range pages end."""
    return int(store.run("detect_read_id_bound").scalar() or 0)


def read_table(
    store: Store,
    table: str,
    *,
    page_size: int = 200_000,
    bound: int | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """All rows of one contract table from the store, in pages of ``page_size`` node ids."""
    if page_size < 1:
        raise ValueError("page_size must be positive")
    name = READS[table]
    end = id_bound(store) if bound is None else bound
    lines: list[str] = []
    for lo in range(0, end, page_size):
        res = store.run(name, {"lo": lo, "hi": lo + page_size, "sep": FIELD_SEP})
        page = res.rows[0][0] if res.rows else []
        lines.extend(page)
        if on_rows is not None and page:
            on_rows(len(page))
    return parse_packed(table, lines)


def read_graph_data(
    store: Store, *, page_size: int = 200_000, progress: Callable[[int], None] | None = None
) -> GraphData:
    """GraphData of the whole store (identifier values are already normalised there)."""
    bound = id_bound(store)
    frames = {
        t: read_table(store, t, page_size=page_size, bound=bound, on_rows=progress) for t in READS
    }
    return GraphData.create(normalise_values=False, **frames)


def new_run_id(now: datetime | None = None) -> str:
    """``run-<UTC timestamp>-<random>``: unique, and sortable by time.

    >>> new_run_id(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))[:20]
    'run-20260102T030405Z'
    """
    now = now or datetime.now(UTC)
    return f"run-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def ring_params_json(r: Ring, config: DetectConfig) -> str:
    """The ring's detector config plus its typed findings, money split and typologies.

    >>> from graphsvc.detection.rings import Member
    >>> r = Ring("shared_identity", [Member("participant", "P1", "member")], ["x"], 5.0, 1, 0.0)
    >>> sorted(json.loads(ring_params_json(r, DetectConfig())))
    ['findings', 'money', 'scoring', 'shared_identity', 'typologies']
    """
    data = json.loads(config.section_json(r.typology))
    data["findings"] = [f.to_json() for f in r.findings]
    data["money"] = r.money.to_json() if r.money is not None else None
    data["typologies"] = r.typologies()
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
                "reasons_zh": list(r.reasons_zh),
                "clause": r.clause,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "region_code": r.region_code,
                "member_count": r.member_count,
                "created_at": created_at,
                "evidence_json": json.dumps(
                    [e.to_json() for e in r.evidence], ensure_ascii=False, separators=(",", ":")
                ),
                "params_json": ring_params_json(r, config),
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
    linkage_cache: Path | None = None,
) -> StoreRun:
    """Read the store, run the detectors, write the run (current) and return it.

    Leiden and components run where the store can run them (Neo4j GDS server-side,
    else in Python); ``clustering_for`` logs the choice. ``linkage_cache``: where record
    linkage keeps its result between runs (``settings.data_dir / "cache" / "linkage"``;
    graphsvc.detection.linkage_cache), so a run after a load that changed no participant
    or identifier does not refit the model.
    """
    from tqdm import tqdm

    from graphsvc.detection.runner import parse_only, run_detectors

    config = config or DetectConfig()
    typologies = parse_only(only)
    started = _now()
    run_id = new_run_id()
    with tqdm(desc="read graph", unit="row", disable=not progress, leave=False) as bar:
        data = read_graph_data(store, progress=bar.update)
    keep_links_in(data, linkage_cache)
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
