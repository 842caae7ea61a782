"""Fixtures of the case tests (their data is in case_fixtures.py)."""

from __future__ import annotations

import pytest
from case_fixtures import seed_ring

from graphsvc.store import Store


@pytest.fixture
def ring_store(store: Store) -> Store:
    """A fresh store holding the ring of case_fixtures (dropped by the ``store`` fixture)."""
    seed_ring(store)
    return store
