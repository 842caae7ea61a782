"""The one store interface everything above the store speaks.

Why an abstract class and not the driver: the embedded default (FalkorDB over its
native protocol) and production (Neo4j 5 over Bolt) differ in results, errors,
DDL and read-only enforcement; callers should see one shape. Only
``graphsvc.store.falkor`` imports ``falkordb`` and only
``graphsvc.store.neo4j_backend`` imports ``neo4j``.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

from graphsvc.errors import UnknownLabel
from graphsvc.store.queries import NamedQuery, QueryLibrary, default_library

log = logging.getLogger(__name__)

Backend = Literal["falkordb", "neo4j"]


@dataclass
class Result:
    """Columns and rows of plain Python values (Node/Relationship/Path normalised)."""

    columns: list[str]
    rows: list[list[Any]]
    stats: dict[str, float] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The single value of a one-row, one-column result (None when empty)."""
        return self.rows[0][0] if self.rows else None

    def column(self, name: str) -> list[Any]:
        idx = self.columns.index(name)
        return [row[idx] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


# Write counters every backend reports in Result.stats (when the driver has them).
COUNTERS = (
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
)


def read_counters(source: Any, names: Iterable[str] = COUNTERS) -> dict[str, float]:
    """The numeric attributes ``names`` of a driver's result/summary object.

    >>> class R: nodes_created = 2; properties_set = "4"
    >>> read_counters(R())
    {'nodes_created': 2.0, 'properties_set': 4.0}
    """
    out: dict[str, float] = {}
    for name in names:
        try:
            out[name] = float(getattr(source, name))
        except (AttributeError, TypeError, ValueError):
            continue
    return out


def batched(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class Store(ABC):
    """A graph store session factory: run Cypher with parameters, read-only or write."""

    backend: Backend
    # The Settings it was opened with (``open_store``): where the pseudonym keys and the
    # personal-data vault of this graph are (graphsvc.security.vault). Any: no import cycle.
    settings: Any = None

    def __init__(self, library: QueryLibrary | None = None) -> None:
        self.library = library or default_library()

    # -- primitives every backend implements ---------------------------------
    @abstractmethod
    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        timeout_ms: int | None = None,
    ) -> Result:
        """Run one statement. ``write=False`` runs it in the store's read-only mode."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the model's indexes and uniqueness constraints (idempotent)."""

    @abstractmethod
    def save(self) -> None:
        """Make everything written so far durable (FalkorDB: SAVE; Neo4j: no-op)."""

    def checkpoint(self) -> None:
        """Bound the work a restart after a crash must redo, without blocking writes.

        FalkorDB: a background rewrite of the append-only log onto a fresh snapshot
        (issue #19: replay time grows with the log); backends with their own
        transaction log (Neo4j) need nothing."""
        return None

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every node and relationship (tests and `--replace` loads only)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def procedures(self) -> set[str]:
        """Names of callable procedures (used to decide e.g. whether GDS is present)."""

    def data_version(self) -> str | None:
        """A token that changes whenever anything may have been written to the store
        (by any process), or None when the backend cannot tell. Read caches key on it
        (``graphsvc.services.cache``); None turns those caches off."""
        return None

    # -- conveniences built on the primitives ---------------------------------
    def named(self, name: str) -> NamedQuery:
        return self.library.get(name, self.backend)

    def run(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
    ) -> Result:
        """Run a named query from ``queries/``; its header decides read or write."""
        q = self.named(name)
        return self.query(q.text, params or {}, write=q.write, timeout_ms=timeout_ms)

    def write_batches(
        self,
        name_or_cypher: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 5_000,
        extra: Mapping[str, Any] | None = None,
        on_batch: Any = None,
        counters: dict[str, float] | None = None,
    ) -> int:
        """Send ``rows`` as ``$rows`` in UNWIND batches; returns rows sent.

        ``name_or_cypher`` is a named query when it has no whitespace.
        ``on_batch(n)`` is called after each batch (progress bars).
        ``counters``: the statements' write counters (``COUNTERS``) are added into it,
        so a caller learns what was created without scanning the graph afterwards.
        """
        text = (
            self.named(name_or_cypher).text
            if not any(c.isspace() for c in name_or_cypher)
            else name_or_cypher
        )
        sent = 0
        for chunk in batched(rows, batch_size):
            params: dict[str, Any] = {"rows": list(chunk)}
            if extra:
                params.update(extra)
            result = self.query(text, params, write=True)
            if counters is not None:
                for name in COUNTERS:
                    counters[name] = counters.get(name, 0.0) + result.stats.get(name, 0.0)
            sent += len(chunk)
            if on_batch is not None:
                on_batch(len(chunk))
        return sent

    def count(self, label: str) -> int:
        """Nodes with ``label``; label must come from the model's allowed list."""
        from graphsvc.model import LABELS

        if label not in LABELS:
            raise UnknownLabel(f"unknown label {label!r}")
        return int(self.query(f"MATCH (n:`{label}`) RETURN count(n)").scalar() or 0)

    def counts(self) -> dict[str, int]:
        from graphsvc.model import LABELS

        return {label: self.count(label) for label in LABELS}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def first_column(result: Result) -> Sequence[Any]:
    return [row[0] for row in result.rows]
