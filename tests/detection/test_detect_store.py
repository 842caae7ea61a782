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


def test_read_does_not_depend_on_load_order(
    store: Store, loaded_store: Store, province_dir: Path, tmp_path: Path
) -> None:
    """Rows loaded in reverse order get other internal ids; the read must not change."""
    import pandas as pd

    from loaders import load_directory

    for src in province_dir.iterdir():
        if src.suffix == ".csv":
            header, *rows = src.read_text(encoding="utf-8").splitlines()
            (tmp_path / src.name).write_text("\n".join([header, *rows[::-1]]) + "\n", "utf-8")
    load_directory(store, tmp_path)
    ids_of = {
        s: s.query("MATCH (p:Prescription) RETURN p.id ORDER BY id(p) LIMIT 3").column("p.id")
        for s in (store, loaded_store)
    }
    assert ids_of[store] != ids_of[loaded_store], "the reversed load must reorder internal ids"
    a = read_graph_data(store, page_size=500)
    b = read_graph_data(loaded_store, page_size=5_000)
    for table in a.sizes():
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), obj=table)


def test_packed_value_holding_a_separator_is_refused() -> None:
    import pytest

    from graphsvc.detection.io import FIELD_SEP, ROW_SEP, parse_packed
    from graphsvc.errors import StoreError

    ok = parse_packed("identifiers", [f"P1{FIELD_SEP}phone{FIELD_SEP}138"])
    assert ok.to_dict("records") == [{"participant_id": "P1", "kind": "phone", "value": "138"}]
    for bad in (
        f"P1{FIELD_SEP}phone{FIELD_SEP}1{ROW_SEP}38",
        f"P1{FIELD_SEP}ph{FIELD_SEP}o{FIELD_SEP}ne",
    ):
        with pytest.raises(StoreError, match="'P1'"):
            parse_packed("identifiers", [f"P0{FIELD_SEP}email{FIELD_SEP}x", bad])


def test_a_second_run_reads_the_links_from_the_linkage_cache(
    loaded_store: Store, tmp_path: Path
) -> None:
    """Issue #15/#11: the store-path runner keeps the links in the directory it is given;
    a second run on an unchanged store reads them instead of refitting, same rings."""
    from collections import Counter

    from graphsvc.detection import linkage_cache

    cache = tmp_path / "cache" / "linkage"
    before = Counter(linkage_cache.EVENTS)
    first = run_detection(
        loaded_store, only="duplicate_enrolment", write=False, linkage_cache=cache
    )
    assert linkage_cache.EVENTS - before == Counter(miss=1, written=1)
    before = Counter(linkage_cache.EVENTS)
    second = run_detection(
        loaded_store, only="duplicate_enrolment", write=False, linkage_cache=cache
    )
    assert linkage_cache.EVENTS - before == Counter(hit=1)
    assert [r.ring_id for r in second.rings] == [r.ring_id for r in first.rings]
    assert len(list(cache.glob("linkage-*.json"))) == 1
