"""Store.data_version: the key of the answer cache must change on every write, by any
connection, and must not change on reads."""

from __future__ import annotations

from graphsvc.config import Settings
from graphsvc.store import Store, open_store


def test_data_version_changes_on_writes_only(store: Store, settings: Settings) -> None:
    before = store.data_version()
    assert before is not None, "the embedded FalkorDB can tell when data changed"
    store.query("MATCH (n) RETURN count(n)")
    store.run("explore_current_run")
    assert store.data_version() == before
    # A write through another connection (another process: a load, a detection run).
    other = open_store(settings, start=False)
    try:
        after_open = store.data_version()
        other.query("CREATE (:Participant {id: 'DV1'})", write=True)
    finally:
        other.close()
    changed = store.data_version()
    assert changed not in (before, after_open)
    store.query("MATCH (n) RETURN count(n)")
    assert store.data_version() == changed
