"""Detection against the real embedded store (never a mock)."""

from __future__ import annotations

import json
from pathlib import Path

from graphsvc.detection import DetectConfig, from_csv_dir, read_graph_data, run_detectors
from graphsvc.detection.io import run_detection
from graphsvc.store import Store


def test_store_read_matches_csv_read(loaded_store: Store, province_dir: Path) -> None:
    """Rings from the store equal rings from the CSVs: normalisation and reads agree."""
    from_store = read_graph_data(loaded_store, page_size=700)  # several pages per table
    from_csv = from_csv_dir(province_dir)
    assert from_store.sizes()["participants"] == from_csv.sizes()["participants"]
    assert from_store.sizes()["identifiers"] == len(
        from_csv.identifiers.drop_duplicates(["participant_id", "kind", "value"])
    )
    a = run_detectors(from_store, DetectConfig()).rings
    b = run_detectors(from_csv, DetectConfig()).rings
    assert a, "the generated province has planted rings"
    assert [(r.ring_id, r.score) for r in a] == [(r.ring_id, r.score) for r in b]


def test_runs_written_superseded_and_stable(store: Store, province_dir: Path) -> None:
    from loaders import load_directory

    load_directory(store, province_dir)
    first = run_detection(store)
    assert first.rings and first.superseded == 0
    rows = store.query(
        "MATCH (g:Ring)-[:IN_RUN]->(r:DetectionRun {id: $run}) "
        "RETURN g.ring_id, g.member_count, g.typology, g.score, g.evidence_json, r.current",
        {"run": first.run_id},
    ).rows
    assert sorted(r[0] for r in rows) == sorted(r.ring_id for r in first.rings)
    assert all(r[5] is True for r in rows)
    assert all(isinstance(json.loads(r[4]), list) for r in rows)
    members = store.query(
        "MATCH (g:Ring {run_id: $run})-[m:HAS_MEMBER]->(n) RETURN count(m)",
        {"run": first.run_id},
    ).scalar()
    assert members == sum(r.member_count for r in first.rings)

    second = run_detection(store)
    assert second.superseded == 1
    assert [r.ring_id for r in second.rings] == [r.ring_id for r in first.rings]
    runs = dict(store.query("MATCH (r:DetectionRun) RETURN r.id, r.current").rows)
    assert runs == {first.run_id: False, second.run_id: True}
    # The old run's rings stay.
    old = store.query(
        "MATCH (g:Ring)-[:IN_RUN]->(:DetectionRun {id: $run}) RETURN count(g)",
        {"run": first.run_id},
    ).scalar()
    assert old == len(first.rings)


def test_only_and_dry_run_write_nothing(store: Store, province_dir: Path) -> None:
    from loaders import load_directory

    load_directory(store, province_dir)
    result = run_detection(store, only="family_sharing_abuse", write=False)
    assert {r.typology for r in result.rings} <= {"family_sharing_abuse"}
    assert store.query("MATCH (r:DetectionRun) RETURN count(r)").scalar() == 0
