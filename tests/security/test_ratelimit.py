"""The rate limiter: shared by workers through SQLite, bounded, keyed per client and account."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import pytest

from graphsvc.security.ratelimit import UNKNOWN_SLOTS, RateLimited, RateLimiter, account_key


def test_two_workers_share_one_budget(tmp_path: Path) -> None:
    a = RateLimiter(5, path=tmp_path / "ratelimit.db")
    b = RateLimiter(5, path=tmp_path / "ratelimit.db")  # another worker process's view
    for limiter in (a, b, a, b, a):
        limiter.check("cypher", "user:ann")
    with pytest.raises(RateLimited) as info:
        b.check("cypher", "user:ann")
    assert 1 <= info.value.retry_after <= 120
    a.check("cypher", "user:bob")  # other keys keep their own budget
    mode = sqlite3.connect(tmp_path / "ratelimit.db").execute("PRAGMA journal_mode").fetchone()
    assert mode[0] == "wal"


def test_table_is_bounded_by_max_keys(tmp_path: Path) -> None:
    limiter = RateLimiter(5, path=tmp_path / "r.db", max_keys=100)
    for i in range(1_000):
        limiter.check("login", f"ip:10.0.{i // 256}.{i % 256}")
    assert limiter.size() <= 100


def test_unknown_usernames_cannot_grow_the_table() -> None:
    limiter = RateLimiter(10)
    for i in range(5_000):
        with contextlib.suppress(RateLimited):
            limiter.check("login", account_key(f"nobody{i}", False))
    assert limiter.size() <= UNKNOWN_SLOTS
    assert account_key("alice", True) == "user:alice"


def test_rows_expire_and_budgets_come_back() -> None:
    limiter = RateLimiter(2, window_s=0.2)
    limiter.check("export", "user:a")
    limiter.check("export", "user:a")
    with pytest.raises(RateLimited):
        limiter.check("export", "user:a")
    time.sleep(0.45)  # two windows: the row is expired
    limiter.check("export", "user:new")  # a new key purges expired rows
    assert limiter.size() == 1
    limiter.check("export", "user:a")


def test_sliding_window_counts_the_previous_window() -> None:
    """Hits just before a window boundary still count just after it (no double burst)."""
    limiter = RateLimiter(4, window_s=1.0)
    start = time.time()
    boundary = int(start) + 1.0
    time.sleep(max(0.0, boundary - 0.1 - time.time()))
    for _ in range(4):
        limiter.check("b", "k")
    time.sleep(max(0.0, boundary + 0.05 - time.time()))
    allowed = 0
    for _ in range(4):  # a fixed window would allow all four again
        try:
            limiter.check("b", "k")
            allowed += 1
        except RateLimited:
            pass
    assert allowed == 1  # 4 x 0.95 of the previous window + this one reach the limit


def test_login_limit_is_shared_by_app_instances(
    app_settings: object, tmp_path: Path, seeded: object
) -> None:
    from fastapi.testclient import TestClient

    from graphsvc.api.app import create_app

    first, second = create_app(app_settings), create_app(app_settings)  # type: ignore[arg-type]
    codes = []
    with TestClient(first) as c1, TestClient(second) as c2:
        for i in range(12):
            c = c1 if i % 2 else c2
            c.get("/login")
            csrf = c.cookies.get("graphsvc_login_csrf", "")
            codes.append(
                c.post(
                    "/login",
                    data={"username": "ghost", "password": "wrong-password", "csrf_token": csrf},
                    follow_redirects=False,
                ).status_code
            )
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
