"""Shared fixtures: a real embedded FalkorDB per test session, never a mock of the store.

Each ``store`` gets its own graph (name), dropped afterwards, so tests are isolated
and leave nothing behind. ``loaded_store`` is a session-wide graph holding a small
generated province (read-only use: tests that write make their own ``store``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.config import Settings
from graphsvc.store import Store, embedded, open_store

PROVINCE_PARTICIPANTS = 2_000
PROVINCE_SEED = 7


@pytest.fixture(scope="session")
def store_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One embedded FalkorDB for the whole session, in a temporary data dir."""
    data_dir = tmp_path_factory.mktemp("graphsvc-data")
    base = Settings(data_dir=data_dir, store_port=embedded._free_port("127.0.0.1"))
    embedded.start(base)
    try:
        yield data_dir
    finally:
        embedded.stop(base)


def make_settings(data_dir: Path, graph: str, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, graph_name=graph, **overrides)


@pytest.fixture
def settings(store_data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings on the session store with a graph of this test's own."""
    return make_settings(store_data_dir, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = open_store(settings, start=False)
    try:
        yield s
    finally:
        try:
            s.drop_all()
        finally:
            s.close()


@pytest.fixture(scope="session")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated province (contract CSVs + ground_truth.json), shared by the session."""
    from graphsvc.generate import generate_province

    out = tmp_path_factory.mktemp("province")
    generate_province(out, participants=PROVINCE_PARTICIPANTS, seed=PROVINCE_SEED)
    return out


@pytest.fixture(scope="session")
def loaded_settings(store_data_dir: Path) -> Settings:
    return make_settings(store_data_dir, "loaded_province")


@pytest.fixture(scope="session")
def loaded_store(loaded_settings: Settings, province_dir: Path) -> Iterator[Store]:
    """The session's province, loaded once. Read it; do not write to it."""
    from loaders import load_directory

    s = open_store(loaded_settings, start=False)
    s.drop_all()
    load_directory(s, province_dir)
    try:
        yield s
    finally:
        try:
            s.drop_all()
        finally:
            s.close()


@pytest.fixture(scope="session")
def detected_settings(store_data_dir: Path, province_dir: Path) -> Iterator[Settings]:
    """Settings of a graph holding the province and one current detection run.

    Shared by the API and browser tests (read-only use). Detection must find rings with
    several participants on the generated province; if it does not, that is a failure
    here, not something to paper over with a hand-written ring.
    """
    from graphsvc.detection import run_detection
    from loaders import load_directory

    settings = make_settings(store_data_dir, "detected_province")
    store = open_store(settings, start=False)
    try:
        store.drop_all()
        store.ensure_schema()
        load_directory(store, province_dir)
        run_detection(store)
        usable = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->"
            "(p:Participant) WITH g, count(p) AS n WHERE n >= 2 RETURN count(g)"
        ).scalar()
        assert usable, "detection found no ring with two or more participants"
        yield settings
    finally:
        try:
            store.drop_all()
        finally:
            store.close()
