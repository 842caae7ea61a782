"""Issue #19: a store written before the schema fix starts again, its data intact.

The old code (before 2178eb2) sent ``CREATE INDEX`` and ``GRAPH.CONSTRAINT CREATE``
for every index on every load; FalkorDB logs each constraint command twice, so the
append-only log held the schema among the data writes, and its replay never finished
("Constraint already exists", then 100 % CPU). Here that log is written the same way,
through the real server: the old schema step run twice (two loads' worth), a real
load with no log compaction, then a clean ``store stop`` as in the issue's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.config import Settings
from graphsvc.errors import StoreError
from graphsvc.store import dialect, embedded, open_store
from graphsvc.store.aof_repair import AOF_DIR, BACKUP_PREFIX, schema_commands
from graphsvc.store.falkor import FalkorStore
from loaders import load_directory


def old_ensure_schema(self: FalkorStore) -> None:
    """``FalkorStore.ensure_schema`` as it was: every statement, errors ignored."""
    for spec in dialect.schema_specs():
        try:
            self.query(dialect.falkordb_index_statement(spec), write=True)
        except StoreError as exc:
            assert any(s in str(exc).lower() for s in dialect.FALKORDB_ALREADY_EXISTS)
        if spec.unique:
            try:
                self._command(*dialect.falkordb_constraint_args(self.graph_name, spec))
            except StoreError as exc:
                assert any(s in str(exc).lower() for s in dialect.FALKORDB_ALREADY_EXISTS)


def graph_counts(settings: Settings) -> tuple[Counter[str], Counter[str]]:
    with open_store(settings, start=False) as store:
        nodes = Counter(str(label) for label, _ in store.run("store_fingerprint_nodes").rows)
        rels = Counter(str(r[0]) for r in store.run("store_fingerprint_rels").rows)
    return nodes, rels


@pytest.fixture
def old_store(
    tmp_path: Path, province_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, tuple[Counter[str], Counter[str]]]]:
    settings = Settings(data_dir=tmp_path, store_port=embedded._free_port("127.0.0.1"))
    embedded.start(settings)
    try:
        with monkeypatch.context() as m:
            m.setattr(FalkorStore, "ensure_schema", old_ensure_schema)
            m.setattr(FalkorStore, "save", lambda self: None)  # the old log: no compaction
            m.setattr(FalkorStore, "checkpoint", lambda self: None)
            with open_store(settings, start=False) as store:
                store.ensure_schema()  # an earlier load's schema step: the repeats
                load_directory(store, province_dir, journal_dir=tmp_path / "journal")
        written = graph_counts(settings)
        assert embedded.stop(settings)
        yield settings, written
    finally:
        embedded.stop(settings)


def test_old_log_with_schema_commands_is_repaired_and_starts(
    old_store: tuple[Settings, tuple[Counter[str], Counter[str]]],
) -> None:
    settings, (nodes, rels) = old_store
    aof_dir = embedded.store_dir(settings) / AOF_DIR
    found = schema_commands(aof_dir)
    constraint_cmds = [
        c for cmds in found.values() for c in cmds if c.args[0] == b"GRAPH.CONSTRAINT"
    ]
    unique = [s for s in dialect.schema_specs() if s.unique]
    # the offending log: each constraint sent twice by the old code, logged twice each
    assert len(constraint_cmds) >= 2 * len(unique), found
    assert nodes["Prescription"] > 1_000 and rels["PATIENT"] > 1_000

    embedded.start(settings)  # repairs, then waits for the server (its own hang bound)

    assert schema_commands(aof_dir) == {}
    backups = sorted(embedded.store_dir(settings).glob(f"{BACKUP_PREFIX}*"))
    assert len(backups) == 1 and schema_commands(backups[0]) != {}  # the original kept
    assert graph_counts(settings) == (nodes, rels)
    with open_store(settings, start=False) as store:
        states = {
            (str(label), str(status).upper())
            for _kind, label, _props, status in store.run("store_schema_constraints").rows
        }
        indexed = {str(label) for label, _ in store.run("store_schema_indexes").rows}
    assert states == {(s.label, "OPERATIONAL") for s in unique}
    assert {s.label for s in dialect.schema_specs()} <= indexed


def test_a_log_without_schema_commands_is_left_alone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, store_port=embedded._free_port("127.0.0.1"))
    embedded.start(settings)
    embedded.stop(settings)
    embedded.start(settings)
    try:
        assert schema_commands(embedded.store_dir(settings) / AOF_DIR) == {}
        assert not list(embedded.store_dir(settings).glob(f"{BACKUP_PREFIX}*"))
    finally:
        embedded.stop(settings)
