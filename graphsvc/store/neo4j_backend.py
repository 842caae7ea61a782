"""Neo4j 5 backend over Bolt — the only module importing ``neo4j``.

Why managed transactions (``session.execute_read`` / ``execute_write``) for every
query: the driver retries them on transient failures (deadlocks, leader changes,
a lost connection during a cluster fail-over) with back-off for up to
``max_transaction_retry_time``; auto-commit ``session.run`` is never retried. A read
transaction is opened with access mode READ, which the server enforces (a write in
it fails with ``Neo.ClientError.Statement.AccessMode``) and which routes reads to
followers in a cluster. The per-query timeout travels as the transaction timeout
(``unit_of_work(timeout=…)``; ``neo4j.Query(timeout=…)`` is only accepted by
auto-commit ``session.run``, used here for ``CALL {…} IN TRANSACTIONS`` which cannot
run inside a managed transaction).
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, unit_of_work
from neo4j import exceptions as nx
from neo4j import graph as ng
from neo4j import spatial as nsp
from neo4j import time as nt

from graphsvc.config import Settings
from graphsvc.errors import (
    GraphsvcError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)
from graphsvc.store import dialect
from graphsvc.store.base import Result, Store, read_counters
from graphsvc.store.queries import QueryLibrary
from graphsvc.store.values import Node, Path, Relationship

log = logging.getLogger(__name__)

# How long the driver keeps retrying a transaction that failed transiently.
MAX_RETRY_TIME_S = 30.0
# Rows deleted per inner transaction by drop_all (bounded memory on large graphs).
DROP_BATCH = 10_000
# Index population wait after DDL (seconds): queries right after ensure_schema use them.
AWAIT_INDEXES_S = 300

# The backend's own statements (Neo4j-only; linted with Neo4j's parser in the tests).
DROP_ALL = f"MATCH (n) CALL {{ WITH n DETACH DELETE n }} IN TRANSACTIONS OF {DROP_BATCH} ROWS"
SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name RETURN name"
SHOW_INDEXES = (
    "SHOW INDEXES YIELD name, type, owningConstraint "
    "WHERE type <> 'LOOKUP' AND owningConstraint IS NULL RETURN name"
)
SHOW_PROCEDURES = "SHOW PROCEDURES YIELD name RETURN name"
SHOW_FUNCTIONS = "SHOW FUNCTIONS YIELD name RETURN name"
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"
STATEMENTS: tuple[str, ...] = (
    DROP_ALL,
    SHOW_CONSTRAINTS,
    SHOW_INDEXES,
    SHOW_PROCEDURES,
    SHOW_FUNCTIONS,
    AWAIT_INDEXES,
    "DROP CONSTRAINT `x` IF EXISTS",
    "DROP INDEX `x` IF EXISTS",
)

_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
)
_READ_ONLY_CODES = (
    "Neo.ClientError.Statement.AccessMode",
    "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
)


# -- values ----------------------------------------------------------------------
def _node(n: ng.Node) -> Node:
    return Node(
        id=n.element_id,
        labels=tuple(sorted(n.labels)),
        properties={k: normalise(v) for k, v in n.items()},
    )


def _rel(r: ng.Relationship) -> Relationship:
    start, end = r.start_node, r.end_node
    return Relationship(
        id=r.element_id,
        type=r.type,
        start=start.element_id if start is not None else "",
        end=end.element_id if end is not None else "",
        properties={k: normalise(v) for k, v in r.items()},
    )


def normalise(value: Any) -> Any:
    """Driver values -> graphsvc.store.values / plain Python.

    Temporal values become ISO-8601 strings, as the model stores dates as strings
    and FalkorDB answers them that way; element ids become the node/relationship ids.

    >>> normalise(nt.Date(2024, 3, 1)), normalise([nt.DateTime(2024, 3, 1, 8, 30)])
    ('2024-03-01', ['2024-03-01T08:30:00.000000000'])
    >>> normalise({"d": nt.Duration(days=2)})
    {'d': 'P2D'}
    """
    if isinstance(value, ng.Node):
        return _node(value)
    if isinstance(value, ng.Relationship):
        return _rel(value)
    if isinstance(value, ng.Path):
        return Path(
            nodes=tuple(_node(n) for n in value.nodes),
            relationships=tuple(_rel(r) for r in value.relationships),
        )
    if isinstance(value, nt.Date | nt.DateTime | nt.Time | nt.Duration):
        return value.iso_format()
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, nsp.Point):
        return {"srid": value.srid, "coordinates": [float(c) for c in value]}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


# -- errors ----------------------------------------------------------------------
def map_error(exc: Exception, *, timeout_ms: int | None = None, where: str = "") -> GraphsvcError:
    """The graphsvc error for a driver exception, carrying the server's own message.

    Pure (no I/O), so every branch is unit-tested without a server.
    """
    if isinstance(exc, nx.AuthError):
        return StoreUnavailable(f"Neo4j at {where} refused the credentials: {_message(exc)}")
    if isinstance(exc, nx.ServiceUnavailable | nx.SessionExpired):
        return StoreUnavailable(f"Neo4j not reachable at {where}: {_message(exc)}")
    if isinstance(exc, nx.Neo4jError):
        code = exc.code or ""
        msg = _message(exc)
        if code in _TIMEOUT_CODES or "TimedOut" in code:
            limit = f"{timeout_ms} ms" if timeout_ms is not None else "its time limit"
            return QueryTimeout(f"query exceeded {limit}: {msg}")
        if code in ("Neo.ClientError.Transaction.Terminated",) and "time" in msg.lower():
            return QueryTimeout(f"query exceeded its time limit: {msg}")
        if code in _READ_ONLY_CODES or isinstance(exc, nx.ForbiddenOnReadOnlyDatabase):
            return ReadOnlyViolation(f"read-only query attempted a write: {msg}")
        return StoreError(msg)
    if isinstance(exc, nx.DriverError):
        return StoreError(_message(exc))
    return StoreError(str(exc) or type(exc).__name__)


def _message(exc: Exception) -> str:
    """The server's message for server errors; the driver's text for client-side ones
    (whose ``message`` is a generic GQL status line)."""
    msg = exc.message if isinstance(exc, nx.Neo4jError) else None
    return str(msg) if msg else (str(exc) or type(exc).__name__)


# -- the store -------------------------------------------------------------------
class Neo4jStore(Store):
    """A Store on one Neo4j 5 database; one driver (connection pool) per instance."""

    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str,
        *,
        default_timeout_ms: int = 30_000,
        library: QueryLibrary | None = None,
        max_retry_time_s: float = MAX_RETRY_TIME_S,
        verify: bool = True,
    ) -> None:
        super().__init__(library)
        self.uri, self.database = uri, database
        self.default_timeout_ms = default_timeout_ms
        self._closed = False
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                max_transaction_retry_time=max_retry_time_s,
                user_agent="graphsvc",
                # Server notifications (deprecations, cartesian products) must not
                # become Python warnings: tests turn warnings into errors.
                warn_notification_severity="OFF",
            )
        except (ValueError, nx.ConfigurationError) as exc:
            raise StoreUnavailable(f"bad Neo4j URI {uri!r}: {exc}") from exc
        # One bookmark manager for every session of this store: a read after a write
        # sees that write even when a cluster routes it to another member.
        self._bookmarks = GraphDatabase.bookmark_manager()
        if verify:
            try:
                self._driver.verify_connectivity()
            except Exception as exc:  # mapped below; the pool must not leak
                self._driver.close()
                raise map_error(exc, where=uri) from exc

    @classmethod
    def from_settings(
        cls, settings: Settings, *, library: QueryLibrary | None = None
    ) -> Neo4jStore:
        settings.validate_for_neo4j()
        assert settings.neo4j_uri is not None and settings.neo4j_password is not None  # noqa: S101  narrows the type for mypy; true by construction
        return cls(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
            default_timeout_ms=settings.query_timeout_ms,
            library=library,
        )

    # -- primitives ----------------------------------------------------------------
    def _session(self, write: bool) -> neo4j.Session:
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        return self._driver.session(
            database=self.database, default_access_mode=mode, bookmark_manager=self._bookmarks
        )

    def _managed(
        self, write: bool, timeout_ms: int, work: Callable[[ManagedTransaction], Any]
    ) -> Any:
        """Run ``work`` in a retried managed transaction; map failures to graphsvc errors."""
        if self._closed:
            raise StoreUnavailable(f"the Neo4j store at {self.uri} was closed")
        fn = unit_of_work(timeout=max(timeout_ms, 0) / 1000.0)(work)
        try:
            with self._session(write) as session:
                if write:
                    return session.execute_write(fn)
                return session.execute_read(fn)
        except GraphsvcError:
            raise
        except (nx.Neo4jError, nx.DriverError) as exc:
            raise map_error(exc, timeout_ms=timeout_ms, where=self.uri) from exc

    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        timeout_ms: int | None = None,
    ) -> Result:
        timeout = int(timeout_ms if timeout_ms is not None else self.default_timeout_ms)
        parameters = dict(params) if params else {}

        def work(tx: ManagedTransaction) -> Result:
            # Consumed inside the transaction: results die with it, and a retry
            # must start from scratch.
            res = tx.run(cypher, parameters)
            columns = list(res.keys())
            rows = [[normalise(v) for v in record.values()] for record in res]
            summary = res.consume()
            return Result(columns=columns, rows=rows, stats=read_counters(summary.counters))

        result: Result = self._managed(write, timeout, work)
        return result

    def _auto_commit(self, cypher: str, timeout_ms: int | None = None) -> None:
        """Statements that cannot run in a managed transaction (CALL … IN TRANSACTIONS)."""
        timeout = int(timeout_ms if timeout_ms is not None else self.default_timeout_ms)
        if self._closed:
            raise StoreUnavailable(f"the Neo4j store at {self.uri} was closed")
        q = neo4j.Query(cypher, timeout=max(timeout, 0) / 1000.0)
        try:
            with self._session(True) as session:
                session.run(q).consume()
        except (nx.Neo4jError, nx.DriverError) as exc:
            raise map_error(exc, timeout_ms=timeout, where=self.uri) from exc

    def ensure_schema(self) -> None:
        for statement in dialect.neo4j_schema_statements():
            self.query(statement, write=True)
        # Wait for population so the first load's MATCH-by-id uses the indexes.
        self.query(
            AWAIT_INDEXES,
            {"seconds": AWAIT_INDEXES_S},
            timeout_ms=(AWAIT_INDEXES_S + 10) * 1000,
        )

    def save(self) -> None:
        """Neo4j commits durably (transaction log): nothing to do."""

    def drop_all(self) -> None:
        """An empty database, like a fresh FalkorDB graph: data, constraints, indexes.

        Deleted in inner transactions of DROP_BATCH nodes so a large graph does not
        need one transaction holding every delete in memory.
        """
        self._auto_commit(DROP_ALL, timeout_ms=0)
        for name in self.query(SHOW_CONSTRAINTS).column("name"):
            self.query(f"DROP CONSTRAINT `{_ident(name)}` IF EXISTS", write=True)
        for name in self.query(SHOW_INDEXES).column("name"):
            self.query(f"DROP INDEX `{_ident(name)}` IF EXISTS", write=True)

    def procedures(self) -> set[str]:
        res = self.query(SHOW_PROCEDURES)
        return {str(n) for n in res.column("name")}

    def functions(self) -> set[str]:
        """Names of callable functions (GDS's projection is a function, not a procedure)."""
        res = self.query(SHOW_FUNCTIONS)
        return {str(n) for n in res.column("name")}

    def close(self) -> None:
        """Close the connection pool (idempotent)."""
        self._closed = True
        try:
            self._driver.close()
        except Exception as exc:  # closing twice or after the server died is harmless
            log.debug("close: %s", exc)


def _ident(name: Any) -> str:
    """A schema object name as a backticked identifier (names come from SHOW, not input)."""
    return str(name).replace("`", "``")
