"""FalkorDB backend over its native (RESP) protocol — the only module importing falkordb.

Never the experimental Bolt port: it loses error messages, pastes parameters into a
4 KB buffer and ignores read-only mode. Over RESP, ``ro_query`` is enforced by the
server, ``timeout=`` works and errors carry their real message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import redis
from falkordb import Edge as FEdge
from falkordb import FalkorDB
from falkordb import Node as FNode
from falkordb import Path as FPath

from graphsvc.errors import (
    QueryRejected,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)
from graphsvc.store import dialect
from graphsvc.store.base import COUNTERS, Result, Store, read_counters
from graphsvc.store.queries import QueryLibrary
from graphsvc.store.values import Node, Path, Relationship

log = logging.getLogger(__name__)


def _node(n: FNode) -> Node:
    return Node(id=str(n.id), labels=tuple(n.labels or ()), properties=dict(n.properties))


def _endpoint(x: Any) -> str:
    return str(x.id if isinstance(x, FNode) else x)


def _rel(e: FEdge) -> Relationship:
    return Relationship(
        id=str(e.id),
        type=str(e.relation),
        start=_endpoint(e.src_node),
        end=_endpoint(e.dest_node),
        properties=dict(e.properties),
    )


_PLAIN = (str, int, float, type(None))  # bool is an int


def normalise(value: Any) -> Any:
    """Driver values -> graphsvc.store.values / plain Python."""
    if isinstance(value, _PLAIN):  # most cells: answered before the six checks below
        return value
    if isinstance(value, FNode):
        return _node(value)
    if isinstance(value, FEdge):
        return _rel(value)
    if isinstance(value, FPath):
        return Path(
            nodes=tuple(_node(n) for n in value.nodes()),
            relationships=tuple(_rel(e) for e in value.edges()),
        )
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Commands that cannot change a graph (``INFO commandstats`` names, lower case). The
# rest count as writes in ``data_version``.
READ_ONLY_COMMANDS = frozenset(
    (
        "graph.ro_query",
        "graph.explain",
        "graph.list",
        "graph.info",
        "graph.memory",
        "info",
        "ping",
        "auth",
        "hello",
        "client|setinfo",
        "client|setname",
        "module|list",
        "command|docs",
    )
)


class FalkorStore(Store):
    backend = "falkordb"

    def __init__(
        self,
        host: str,
        port: int,
        password: str | None,
        graph: str,
        *,
        default_timeout_ms: int = 30_000,
        library: QueryLibrary | None = None,
    ) -> None:
        super().__init__(library)
        self.host, self.port, self.graph_name = host, port, graph
        self.default_timeout_ms = default_timeout_ms
        try:
            self._db = FalkorDB(host=host, port=port, password=password)
            self._db.connection.ping()
        except redis.AuthenticationError as exc:
            raise StoreUnavailable(f"store at {host}:{port} refused the password") from exc
        except redis.ConnectionError as exc:
            raise StoreUnavailable(f"store not reachable at {host}:{port}: {exc}") from exc
        self._graph = self._open_graph()

    def _open_graph(self) -> Any:
        """Select the graph, creating it empty if absent: FalkorDB answers reads on a
        missing key with "empty key" errors, even for writes refused by read-only mode."""
        g = self._db.select_graph(self.graph_name)
        try:
            g.query("RETURN 1")
        except redis.ResponseError as exc:
            raise StoreError(str(exc)) from exc
        return g

    @property
    def connection(self) -> Any:
        return self._db.connection

    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        timeout_ms: int | None = None,
    ) -> Result:
        timeout = int(timeout_ms if timeout_ms is not None else self.default_timeout_ms)
        run = self._graph.query if write else self._graph.ro_query
        try:
            res = run(cypher, dict(params) if params else None, timeout=timeout)
        except redis.ResponseError as exc:
            msg = str(exc)
            low = msg.lower()
            if "timed out" in low or "timeout" in low:
                raise QueryTimeout(f"query exceeded {timeout} ms: {msg}") from exc
            if "read-only" in low or "ro_query" in low:
                raise ReadOnlyViolation(f"read-only query attempted a write: {msg}") from exc
            raise StoreError(msg) from exc
        except redis.ConnectionError as exc:
            raise StoreUnavailable(f"lost connection to store at {self.host}:{self.port}") from exc
        except ValueError as exc:
            # The client writes parameters into a CYPHER header and refuses what it cannot
            # spell (an empty or backticked map key): the caller's input, not a server fault.
            raise QueryRejected(f"parameters the store cannot take: {exc}") from exc
        columns = [h[1] if isinstance(h, list | tuple) else str(h) for h in res.header]
        columns = [c.decode() if isinstance(c, bytes) else str(c) for c in columns]
        rows = [[normalise(v) for v in row] for row in res.result_set]
        stats = read_counters(res, (*COUNTERS, "run_time_ms"))
        return Result(columns=columns, rows=rows, stats=stats)

    def _command(self, *args: Any) -> Any:
        try:
            return self._db.connection.execute_command(*args)
        except redis.ResponseError as exc:
            raise StoreError(str(exc)) from exc
        except redis.ConnectionError as exc:
            raise StoreUnavailable(f"lost connection to store at {self.host}:{self.port}") from exc

    def data_version(self) -> str | None:
        """The server's count of commands that may write, from ``INFO commandstats``
        (server-wide, so loads and detection runs from other processes count too), with
        the server's run id (counters restart with the server). Every command not known
        to be read-only counts as a write: an unknown one only costs a cache miss.
        One round trip, about 0.1 ms."""
        try:
            info = self._db.connection.execute_command("INFO", "server", "commandstats")
        except redis.RedisError as exc:
            log.debug("data_version: %s", exc)
            return None
        writes = 0
        for key, value in info.items():
            name = str(key).removeprefix("cmdstat_").lower()
            if str(key).startswith("cmdstat_") and name not in READ_ONLY_COMMANDS:
                writes += int(value.get("calls", 0)) if isinstance(value, dict) else 0
        return f"{info.get('run_id', '')}:{writes}"

    def ensure_schema(self) -> None:
        """Create the missing indexes and unique constraints, then compact the log.

        Why only the missing ones (issue #19): FalkorDB writes GRAPH.CONSTRAINT CREATE to
        the append-only file even when it fails with "already exists", and a restart
        replaying such a log after a crash never finished (measured in
        docs/benchmarks.md). Why compact afterwards: the schema then lives in the log's
        snapshot base, so a replay after a crash holds only the load's data writes.
        """
        indexed = {
            (str(label), str(prop))
            for label, props in self.run("store_schema_indexes").rows
            for prop in (props or [])
        }
        constrained = {
            (str(label), str(prop))
            for kind, label, props, _status in self.run("store_schema_constraints").rows
            if str(kind).upper() == "UNIQUE"
            for prop in (props or [])
        }
        created = False
        for spec in dialect.schema_specs():
            key = (spec.label, spec.prop)
            if key not in indexed:
                self._create_ignoring_exists(dialect.falkordb_index_statement(spec))
                created = True
            if spec.unique and key not in constrained:
                self._create_ignoring_exists(
                    dialect.falkordb_constraint_args(self.graph_name, spec)
                )
                created = True
        if created:
            self._wait_constraints_operational()
            self.save()

    def _create_ignoring_exists(self, statement: str | list[str]) -> None:
        """One schema creation; "already exists" (a concurrent creator) is success."""
        try:
            if isinstance(statement, str):
                self.query(statement, write=True)
            else:
                self._command(*statement)
        except StoreError as exc:
            if not any(s in str(exc).lower() for s in dialect.FALKORDB_ALREADY_EXISTS):
                raise

    def _wait_constraints_operational(self, timeout_s: float = 120.0) -> None:
        """Constraints are built in the background; a snapshot taken while one is
        PENDING would replay it pending. On an empty graph this takes milliseconds."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = [str(r[3]).upper() for r in self.run("store_schema_constraints").rows]
            if "FAILED" in states:
                raise StoreError("a unique constraint failed to build: duplicate ids stored")
            if all(s == "OPERATIONAL" for s in states):
                return
            time.sleep(0.05)
        raise StoreError(f"unique constraints still pending after {timeout_s:.0f}s")

    def save(self) -> None:
        """Snapshot now, and compact the AOF so a restart does not replay every write."""
        try:
            self._command("SAVE")
        except StoreError as exc:
            if "in progress" not in str(exc).lower():
                raise
        try:
            self._command("BGREWRITEAOF")
        except StoreError as exc:  # already rewriting / AOF off: the snapshot suffices
            log.debug("BGREWRITEAOF not started: %s", exc)

    def checkpoint(self) -> None:
        try:
            self._command("BGREWRITEAOF")
        except StoreError as exc:  # one already running (it will do) or AOF off
            log.debug("BGREWRITEAOF not started: %s", exc)

    def drop_all(self) -> None:
        try:
            self._graph.delete()
        except redis.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise StoreError(str(exc)) from exc
        self._graph = self._open_graph()

    def procedures(self) -> set[str]:
        res = self.query("CALL dbms.procedures() YIELD name RETURN name")
        return {str(r[0]) for r in res.rows}

    def memory_bytes(self) -> int:
        """Used memory of the store process (benchmarks)."""
        info = self._command("INFO", "memory")
        if isinstance(info, dict):  # redis-py parses INFO into a dict
            return int(info.get("used_memory", 0))
        text = info.decode() if isinstance(info, bytes) else str(info)
        for line in text.splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        return 0

    def memory_breakdown(self) -> dict[str, float]:
        """FalkorDB's own accounting of this graph (GRAPH.MEMORY USAGE), in MiB."""
        raw = self._command("GRAPH.MEMORY", "USAGE", self.graph_name)
        out: dict[str, float] = {}
        for key, value in zip(raw[::2], raw[1::2], strict=True):
            name = key.decode() if isinstance(key, bytes) else str(key)
            if isinstance(value, list):  # per label / type: [name, mb, name, mb, ...]
                out[name] = float(sum(float(v) for v in value[1::2]))
            else:
                out[name] = float(value)
        return out

    def close(self) -> None:
        try:
            self._db.close()
        except Exception as exc:  # closing twice or after the server died is harmless
            log.debug("close: %s", exc)
