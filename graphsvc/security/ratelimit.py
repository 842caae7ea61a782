"""Per-user sliding-window rate limits on expensive endpoints (Cypher, exports, login).

In memory, per process: the service runs as one process next to its store; a
second worker would get its own budget, which errs on the side of allowing.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from graphsvc.errors import GraphsvcError


class RateLimited(GraphsvcError):
    """Too many requests in the window."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, per_minute: int, window_s: float = 60.0) -> None:
        self.limit = per_minute
        self.window = window_s
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, key: str, limit: int | None = None) -> None:
        """Count one hit; raise RateLimited when ``key`` is over the bucket's limit."""
        allowed = self.limit if limit is None else limit
        if allowed <= 0:
            return
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault((bucket, key), deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= allowed:
                retry = max(1, int(self.window - (now - hits[0])) + 1)
                raise RateLimited(f"rate limit of {allowed} per minute exceeded", retry)
            hits.append(now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
