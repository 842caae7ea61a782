"""Sliding-window rate limits on expensive endpoints (Cypher, exports) and the login.

Why SQLite under the data directory (issue #14): an in-process dictionary gives
each worker its own budget (four workers, four times the login attempts) and grows
with every key ever typed. One small table (``DATA_DIR/ratelimit.db``, WAL, one row
per bucket and key, with an expiry) is shared by every worker on the host and
bounded:

- a row lives two windows at most (``expires``), and expired rows are purged;
- the table never holds more than ``max_keys`` rows: when full, the rows closest
  to expiry are dropped first (a flood of fresh keys can only forget the oldest
  counts, never grow memory or disk);
- callers choose keys that are bounded themselves: the login counts per client
  address and per *existing* account; an unknown username is counted under one of
  ``UNKNOWN_SLOTS`` hashed slots (``account_key``), so typing random names neither
  adds rows nor tells which names exist (each still has a budget of its own, shared
  only with the names hashed to the same slot).

The count is the usual sliding-window estimate: this window's hits plus the previous
window's, weighted by how much of it still overlaps the last ``window`` seconds.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import time
from pathlib import Path

from graphsvc.errors import GraphsvcError

DB_FILE = "ratelimit.db"
MAX_KEYS = 50_000
UNKNOWN_SLOTS = 256

SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start REAL NOT NULL,
    count INTEGER NOT NULL,
    prev_count INTEGER NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hits_expires ON hits(expires);
"""


def shared_db(path: Path | None) -> sqlite3.Connection:
    """A SQLite database several API workers share (WAL, a 5 s busy wait, autocommit);
    ``None``: in memory, for one process (tests, one-off tools), with the same code."""
    target = ":memory:" if path is None else str(path)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=5.0, isolation_level=None, check_same_thread=False)
    if path is not None:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=5000")
    return con


class RateLimited(GraphsvcError):
    """Too many requests in the window."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def account_key(username: str, exists: bool) -> str:
    """The login's per-account key: the name when the account exists, else a slot.

    >>> account_key("alice", True)
    'user:alice'
    >>> account_key("nosuchuser", False).startswith("unknown:")
    True
    >>> len({account_key(f"x{i}", False) for i in range(10_000)}) <= UNKNOWN_SLOTS
    True
    """
    if exists:
        return f"user:{username}"
    slot = int.from_bytes(hashlib.sha256(username.encode()).digest()[:4], "big") % UNKNOWN_SLOTS
    return f"unknown:{slot}"


class RateLimiter:
    """``check(bucket, key)`` counts a hit or raises RateLimited (``Retry-After``)."""

    def __init__(
        self,
        per_minute: int,
        window_s: float = 60.0,
        *,
        path: Path | None = None,
        max_keys: int = MAX_KEYS,
    ) -> None:
        """``path``: the shared database file; None keeps the table in memory (tests,
        one-off tools) with the same code and the same bounds."""
        self.limit = per_minute
        self.window = window_s
        self.max_keys = max_keys
        self.path = path
        self._lock = threading.Lock()
        self._con = shared_db(path)
        self._con.execute("PRAGMA synchronous=NORMAL")  # counts, not records: speed first
        self._con.executescript(SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path, per_minute: int) -> RateLimiter:
        return cls(per_minute, path=data_dir / DB_FILE)

    def check(self, bucket: str, key: str, limit: int | None = None) -> None:
        """Count one hit; raise RateLimited when ``key`` is over the bucket's limit."""
        allowed = self.limit if limit is None else limit
        if allowed <= 0:
            return
        now = time.time()
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")  # one writer across workers
            try:
                retry = self._hit(bucket, key, allowed, now)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")
        if retry is not None:
            raise RateLimited(f"rate limit of {allowed} per minute exceeded", retry)

    def _hit(self, bucket: str, key: str, allowed: int, now: float) -> int | None:
        """Inside the transaction: the new counts, or seconds to wait when over."""
        w = self.window
        start = math.floor(now / w) * w
        row = self._con.execute(
            "SELECT window_start, count, prev_count FROM hits WHERE bucket = ? AND key = ?",
            (bucket, key),
        ).fetchone()
        count, prev = 0, 0
        if row is not None:
            old_start, old_count, old_prev = float(row[0]), int(row[1]), int(row[2])
            if old_start == start:
                count, prev = old_count, old_prev
            elif old_start == start - w:
                prev = old_count
        else:
            self._make_room(now)
        weight = 1.0 - (now - start) / w
        if count + prev * weight >= allowed:
            # Seconds until the estimate falls below the limit (refused hits do not count).
            if count >= allowed:  # next window: prev = count, it must slide out enough
                wait = (start + w - now) + (1 - allowed / count) * w
            else:
                wait = (1 - (allowed - count) / prev) * w - (now - start)
            return max(1, math.ceil(wait))
        self._con.execute(
            "INSERT INTO hits(bucket, key, window_start, count, prev_count, expires) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(bucket, key) DO UPDATE SET "
            "window_start = excluded.window_start, count = excluded.count, "
            "prev_count = excluded.prev_count, expires = excluded.expires",
            (bucket, key, start, count + 1, prev, start + 2 * w),
        )
        return None

    def _make_room(self, now: float) -> None:
        """Before a new key: drop expired rows; at the cap, the rows closest to expiry."""
        self._con.execute("DELETE FROM hits WHERE expires <= ?", (now,))
        size = int(self._con.execute("SELECT count(*) FROM hits").fetchone()[0])
        if size >= self.max_keys:
            self._con.execute(
                "DELETE FROM hits WHERE (bucket, key) IN "
                "(SELECT bucket, key FROM hits ORDER BY expires LIMIT ?)",
                (size - self.max_keys + 1,),
            )

    def size(self) -> int:
        """Rows held (for tests and the health of the table)."""
        with self._lock:
            return int(self._con.execute("SELECT count(*) FROM hits").fetchone()[0])

    def reset(self) -> None:
        with self._lock:
            self._con.execute("DELETE FROM hits")

    def close(self) -> None:
        with self._lock:
            self._con.close()
