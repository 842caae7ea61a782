"""Verification of a load from the statements' write counters (issue #20), on the real
embedded FalkorDB: a MATCH that silently misses must fail the load and roll it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graphsvc.errors import StoreError
from graphsvc.store import Store
from loaders import load_directory
from loaders.load import CREATES, EXACT, created_counts
from loaders.rows import WRITE_PLAN

MakeDir = Callable[..., Path]


def test_every_write_query_says_what_it_creates() -> None:
    queries = {q for _, q in WRITE_PLAN}
    assert set(CREATES) == queries
    assert queries >= EXACT


def test_a_match_that_misses_fails_the_load_and_removes_it(store: Store, make_dir: MakeDir) -> None:
    """Another writer deletes a participant between its batch and the settlements' one:
    the settlement's MATCH finds nothing and the statement creates fewer than sent."""

    def steal(query: str, n: int) -> None:
        if query == "load_participants":
            store.query("MATCH (p:Participant {id: 'P1'}) DETACH DELETE p", write=True)

    with pytest.raises(StoreError, match=r"wrote fewer entities than validated: .*PATIENT"):
        load_directory(store, make_dir(), on_batch=steal)
    assert sum(store.counts().values()) == 0  # rolled back: nothing of the load stays


def test_created_from_counters_equals_the_graph(store: Store, make_dir: MakeDir) -> None:
    """The report's ``created`` (counters) is what a scan of the graph finds."""
    report = load_directory(store, make_dir())
    assert report.created == created_counts(store, report.load_id, on_existing=True)
    assert report.created["Prescription"] == store.count("Prescription")
