"""Backends for the store contract suite: every backend available here runs it.

FalkorDB (embedded) always; Neo4j only when GRAPHSVC_NEO4J_URI is set (e.g. against
`docker compose up`), otherwise those cases skip with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from graphsvc.config import Settings
from graphsvc.store import Store, open_store


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Store]:
    if request.param == "falkordb":
        s = open_store(settings, start=False)
    else:
        if not os.environ.get("GRAPHSVC_NEO4J_URI"):
            pytest.skip("Neo4j backend: GRAPHSVC_NEO4J_URI is not set (run docker compose up)")
        s = open_store(Settings())
    s.drop_all()
    try:
        yield s
    finally:
        try:
            s.drop_all()
        finally:
            s.close()
