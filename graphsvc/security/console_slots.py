"""Console query slots (issue #19): one running console query per user, a few in all.

Why: FalkorDB runs each query on one of its few worker threads (THREAD_COUNT). Two
cartesian console queries held both threads of a two-core store and every other
user's ring list waited ~10 s behind them. A console query therefore takes a slot
first: a user already holding one is refused (429, "you already have a query
running"), and so is anyone when ``console_concurrency`` slots are taken, so
detection and pages always keep store threads of their own.

Why SQLite under the data directory, like the rate limiter: the slots must be shared
by every worker process of the host (four workers must not mean four times the
pool). A slot row carries the holder's pid and an expiry (the console timeout plus
a margin), so a worker killed mid-query cannot hold a slot forever: rows of dead
pids and expired rows are dropped before counting.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from graphsvc.security.ratelimit import RateLimited, shared_db

DB_FILE = "console_slots.db"
MARGIN_S = 30.0  # a slot outlives its query's timeout by this much at most

SCHEMA = """
CREATE TABLE IF NOT EXISTS slots (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    pid INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS slots_user ON slots(username);
"""


class ConsoleBusy(RateLimited):
    """No console slot free (for this user, or at all): 429 with Retry-After."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ConsoleSlots:
    """``with slots.hold(user, timeout_s):`` around one console query."""

    def __init__(self, limit: int, *, path: Path | None = None) -> None:
        """``path``: the shared database file; None keeps the table in memory (one
        process: tests, one-off tools) with the same code."""
        self.limit = limit
        self.path = path
        self._lock = threading.Lock()
        self._con = shared_db(path)
        self._con.executescript(SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path, limit: int) -> ConsoleSlots:
        return cls(limit, path=data_dir / DB_FILE)

    def acquire(self, username: str, timeout_s: float) -> str:
        """Take a slot for ``username`` or raise ConsoleBusy; returns the slot id."""
        now = time.time()
        slot = uuid.uuid4().hex
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")  # one writer across workers
            try:
                refusal = self._take(slot, username, now, timeout_s)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")
        if refusal is not None:
            raise ConsoleBusy(refusal, max(1, round(min(timeout_s, 10.0))))
        return slot

    def _take(self, slot: str, username: str, now: float, timeout_s: float) -> str | None:
        """Inside the transaction: insert the slot, or the reason it cannot be had."""
        self._con.execute("DELETE FROM slots WHERE expires <= ?", (now,))
        for (pid,) in self._con.execute("SELECT DISTINCT pid FROM slots").fetchall():
            if not _pid_alive(int(pid)):
                self._con.execute("DELETE FROM slots WHERE pid = ?", (pid,))
        mine = self._con.execute(
            "SELECT count(*) FROM slots WHERE username = ?", (username,)
        ).fetchone()[0]
        if mine:
            return "you already have a console query running; wait for it to finish"
        taken = int(self._con.execute("SELECT count(*) FROM slots").fetchone()[0])
        if self.limit > 0 and taken >= self.limit:
            return (
                f"the console is busy ({taken} of {self.limit} queries running); "
                "try again in a few seconds"
            )
        self._con.execute(
            "INSERT INTO slots(id, username, pid, expires) VALUES (?, ?, ?, ?)",
            (slot, username, os.getpid(), now + timeout_s + MARGIN_S),
        )
        return None

    def release(self, slot: str) -> None:
        with self._lock:
            self._con.execute("DELETE FROM slots WHERE id = ?", (slot,))

    @contextlib.contextmanager
    def hold(self, username: str, timeout_s: float) -> Iterator[str]:
        slot = self.acquire(username, timeout_s)
        try:
            yield slot
        finally:
            self.release(slot)

    def running(self) -> int:
        """Slots held now (tests and health)."""
        with self._lock:
            return int(self._con.execute("SELECT count(*) FROM slots").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._con.close()
