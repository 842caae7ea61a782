"""The graph store: one interface (``Store``), two backends (embedded FalkorDB, Neo4j).

``open_store`` is the single place that decides which backend runs: Neo4j when
``GRAPHSVC_NEO4J_URI`` is set, an external FalkorDB when ``GRAPHSVC_STORE_URL`` is
set, otherwise the embedded FalkorDB, started on demand.
"""

from __future__ import annotations

from urllib.parse import urlparse

from graphsvc.config import Settings, get_settings
from graphsvc.store.base import Result, Store
from graphsvc.store.values import Node, Path, Relationship

__all__ = ["Node", "Path", "Relationship", "Result", "Store", "open_store"]


def open_store(settings: Settings | None = None, *, start: bool = True) -> Store:
    """Connect to the configured store; start the embedded one if needed and allowed."""
    settings = settings or get_settings()
    if settings.neo4j_uri:
        settings.validate_for_neo4j()
        from graphsvc.store.neo4j_backend import Neo4jStore

        store: Store = Neo4jStore.from_settings(settings)
        store.settings = settings
        return store

    from graphsvc.errors import StoreUnavailable
    from graphsvc.store import embedded
    from graphsvc.store.falkor import FalkorStore

    if settings.store_url:
        url = urlparse(settings.store_url)
        store = FalkorStore(
            url.hostname or "127.0.0.1",
            url.port or 6379,
            url.password or settings.store_password,
            settings.graph_name,
            default_timeout_ms=settings.query_timeout_ms,
        )
        store.settings = settings  # where the pseudonym keys and the vault are
        return store
    info = embedded.status(settings)
    if info is None:
        if not start:
            raise StoreUnavailable("the embedded store is not running (graphsvc store start)")
        info = embedded.start(settings)
    store = FalkorStore(
        info.host,
        info.port,
        settings.resolved_store_password(),
        settings.graph_name,
        default_timeout_ms=settings.query_timeout_ms,
    )
    store.settings = settings
    return store
