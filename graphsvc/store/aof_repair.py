"""Repairing an append-only log whose replay never finishes (issue #19, part 2).

Why: stores written before the schema fix (2178eb2) sent ``CREATE INDEX`` and
``GRAPH.CONSTRAINT CREATE`` on every load, and FalkorDB logs each constraint command
twice, the failing repeat included. Replaying such a log creates the indexes and
constraints *during* the replay, where FalkorDB cannot finish building them; every
data write replayed after them then runs against a pending index and the replay ran
at 100 % CPU for as long as we watched (13 minutes for 28.9 MB; docs/benchmarks.md).
Removing only the repeated constraint commands was not enough (measured: still
hanging); what works is having the schema in the snapshot base, as the current code
writes it (``FalkorStore.ensure_schema`` compacts at once).

So, before the server starts: scan the log's incremental files (listed by the AOF
manifest) for schema commands. When there are any, keep a copy of the whole log
directory, build a new base by loading the old base into a throw-away server, running
the schema commands there and waiting until every constraint is operational, then
rewrite the incremental files without the schema commands. Data writes keep their
order and bytes; only schema creation moves to before them, which changes nothing
for the data (the constraints held when they were first created, else they would
have failed then). An unfinished last command (a crash mid-write) is kept as it was:
the server's own ``aof-load-truncated`` handling decides on it, as before.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from graphsvc.errors import StoreUnavailable

log = logging.getLogger(__name__)

AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"
BACKUP_PREFIX = "appendonlydir.before-repair-"
SCHEMA_WAIT_S = 300.0
_MARKERS = (b"GRAPH.CONSTRAINT", b"CREATE INDEX", b"create index", b"graph.constraint")


@dataclass(frozen=True)
class Command:
    start: int  # byte offsets of the whole command in its file
    end: int
    args: tuple[bytes, ...]


@dataclass(frozen=True)
class Repair:
    moved: int  # schema commands moved into the base
    files: tuple[str, ...]  # incremental files rewritten
    backup: Path


def _int_line(data: bytes, pos: int, prefix: bytes) -> tuple[int, int] | None:
    """``<prefix><digits>\\r\\n`` at ``pos``: (value, position after it), None if cut."""
    end = data.find(b"\r\n", pos)
    if end < 0 or data[pos : pos + 1] != prefix:
        return None
    return int(data[pos + 1 : end]), end + 2


def commands(data: bytes) -> Iterator[Command]:
    """The RESP commands of an AOF file, stopping at an unfinished last one.

    >>> cmd = b"*2\\r\\n$6\\r\\nSELECT\\r\\n$1\\r\\n0\\r\\n"
    >>> [c.args for c in commands(cmd + b"*3\\r\\n$3\\r\\nSE")]
    [(b'SELECT', b'0')]
    """
    pos = 0
    while pos < len(data):
        head = _int_line(data, pos, b"*")
        if head is None:
            return
        count, cur = head
        args: list[bytes] = []
        for _ in range(count):
            bulk = _int_line(data, cur, b"$")
            if bulk is None or bulk[1] + bulk[0] + 2 > len(data):
                return
            args.append(data[bulk[1] : bulk[1] + bulk[0]])
            cur = bulk[1] + bulk[0] + 2
        yield Command(pos, cur, tuple(args))
        pos = cur


def is_schema(args: tuple[bytes, ...]) -> bool:
    """``GRAPH.CONSTRAINT CREATE …`` or a ``GRAPH.QUERY`` that creates an index.

    >>> is_schema((b"GRAPH.QUERY", b"g", b"CREATE INDEX FOR (n:`A`) ON (n.`id`)"))
    True
    >>> is_schema((b"GRAPH.QUERY", b"g", b"CYPHER rows=[] UNWIND $rows AS r CREATE (n)"))
    False
    """
    if not args:
        return False
    name = args[0].upper()
    if name == b"GRAPH.CONSTRAINT":
        return len(args) > 1 and args[1].upper() == b"CREATE"
    if name == b"GRAPH.QUERY" and len(args) > 2:
        words = args[2].split(None, 3)[:3]
        return [w.upper() for w in words[:2]] == [b"CREATE", b"INDEX"] or (
            len(words) == 3 and words[0].upper() == b"CREATE" and words[2].upper() == b"INDEX"
        )
    return False


def _manifest_files(aof_dir: Path) -> tuple[Path | None, list[Path]]:
    """(base file, incremental files) named by the manifest, in its order."""
    base: Path | None = None
    incr: list[Path] = []
    for line in (aof_dir / MANIFEST).read_text(encoding="utf-8").splitlines():
        fields = line.split()
        meta = dict(zip(fields[::2], fields[1::2], strict=False))
        if "file" not in meta:
            continue
        if meta.get("type") == "b":
            base = aof_dir / meta["file"]
        elif meta.get("type") == "i":
            incr.append(aof_dir / meta["file"])
    return base, incr


def schema_commands(aof_dir: Path) -> dict[Path, list[Command]]:
    """Schema commands per incremental file (only files that hold any).

    Cheap when there are none: a byte search per file before any parsing.
    """
    if not (aof_dir / MANIFEST).exists():
        return {}
    _, incr = _manifest_files(aof_dir)
    found: dict[Path, list[Command]] = {}
    for path in incr:
        if not path.exists():
            continue
        data = path.read_bytes()
        if not any(m in data for m in _MARKERS):
            continue
        hits = [c for c in commands(data) if is_schema(c.args)]
        if hits:
            found[path] = hits
    return found


def _cmd(client: redis.Redis, *args: bytes | str) -> Any:
    return client.execute_command(*args)  # type: ignore[no-untyped-call]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _schema_base(base: Path, schema: list[Command], work: Path, binaries: tuple[str, str]) -> Path:
    """The old base with ``schema`` applied and every constraint operational, as RDB."""
    server, module = binaries
    work.mkdir(mode=0o700)
    shutil.copy2(base, work / "dump.rdb")
    port, password = _free_port(), secrets.token_hex(16)
    args = [server, "--bind", "127.0.0.1", "--port", str(port), "--requirepass", password]
    args += ["--dir", str(work), "--dbfilename", "dump.rdb", "--appendonly", "no"]
    args += ["--save", "", "--logfile", str(work / "redis.log"), "--loadmodule", module]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, umask=0o077)  # noqa: S603
    client = redis.Redis(host="127.0.0.1", port=port, password=password)
    try:
        _wait_ping(client, proc, work)
        for cmd in schema:
            try:
                _cmd(client, *cmd.args)
            except redis.ResponseError as exc:  # the repeats: "already exists/indexed"
                if "already" not in str(exc).lower():
                    raise StoreUnavailable(f"repairing {base.parent}: {exc}") from exc
        _wait_operational(client, {c.args[2] for c in schema if len(c.args) > 2})
        _cmd(client, "SAVE")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        client.close()
    return work / "dump.rdb"


def _wait_ping(client: redis.Redis, proc: subprocess.Popen[bytes], work: Path) -> None:
    deadline = time.monotonic() + SCHEMA_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (work / "redis.log").read_text(errors="replace").strip().splitlines()[-1:]
            raise StoreUnavailable(f"repair server for {work} exited: {' '.join(tail)}")
        try:
            client.ping()
            return
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.1)
    raise StoreUnavailable(f"repair server for {work} did not answer in {SCHEMA_WAIT_S:.0f}s")


def _wait_operational(client: redis.Redis, graphs: set[bytes]) -> None:
    """Constraints are built in the background; a base saved while one is pending would
    replay it pending, the very thing this repair removes."""
    deadline = time.monotonic() + SCHEMA_WAIT_S
    while time.monotonic() < deadline:
        states: list[bytes] = []
        for graph in sorted(graphs):
            reply = _cmd(client, "GRAPH.QUERY", graph, "CALL db.constraints()")
            states += [bytes(row[4]).upper() for row in reply[1]]
        if b"FAILED" in states:
            raise StoreUnavailable("a unique constraint in the log fails to build: duplicate ids")
        if all(s == b"OPERATIONAL" for s in states):
            return
        time.sleep(0.05)
    raise StoreUnavailable(f"constraints still pending after {SCHEMA_WAIT_S:.0f}s")


def _rewrite(path: Path, drop: list[Command]) -> None:
    data = path.read_bytes()
    out = bytearray()
    pos = 0
    for cmd in drop:
        out += data[pos : cmd.start]
        pos = cmd.end
    out += data[pos:]
    tmp = path.with_name(path.name + ".repair.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, bytes(out))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def repair(store_dir: Path, binaries: tuple[str, str]) -> Repair | None:
    """Move schema commands out of the log's incremental files into its base (see the
    module text). None when there is nothing to repair. The server must be stopped."""
    aof_dir = store_dir / AOF_DIR
    found = schema_commands(aof_dir)
    if not found:
        return None
    base, _ = _manifest_files(aof_dir)
    if base is None or not base.exists() or not base.read_bytes()[:5] == b"REDIS":
        raise StoreUnavailable(
            f"{aof_dir}: the log holds schema commands whose replay does not finish, and "
            f"its base is not an RDB snapshot, so it cannot be repaired here; move "
            f"{aof_dir} away and load the data again (graphsvc load DIR)"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = store_dir / f"{BACKUP_PREFIX}{stamp}"
    shutil.copytree(aof_dir, backup)
    work = store_dir / f"repair-{stamp}"
    schema = [c for path in found for c in found[path]]
    try:
        # base first: stopped in between, the log replays the schema twice, which fails
        # harmlessly ("already exists"), rather than not at all
        os.replace(_schema_base(base, schema, work, binaries), base)
        for path, drop in found.items():
            _rewrite(path, drop)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = Repair(len(schema), tuple(sorted(p.name for p in found)), backup)
    log.warning(
        "repaired the store's append-only log: %d schema commands (indexes, constraints) "
        "moved from %s into the snapshot base (replayed among the data writes they never "
        "finished); "
        "the original log is kept in %s",
        result.moved,
        ", ".join(result.files),
        backup,
    )
    return result
