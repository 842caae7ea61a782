"""The write pipeline's producer thread: order kept, errors surface, abandoning stops it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from loaders.load import prefetched


def rows(n: int, fail_at: int | None = None) -> Iterator[dict[str, Any]]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"bad row {i}")
        yield {"i": i}


def test_prefetched_keeps_order_and_everything() -> None:
    assert [r["i"] for r in prefetched(rows(1003), size=10)] == list(range(1003))
    assert list(prefetched(rows(0), size=10)) == []


def test_producer_error_is_raised_to_the_consumer() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="bad row 25"):
        for r in prefetched(rows(100, fail_at=25), size=10):
            got.append(r["i"])
    assert got == list(range(20))  # the batches before the failing one


def test_closing_early_stops_the_producer() -> None:
    before = threading.active_count()
    gen = prefetched(rows(10**6), size=10)
    assert next(gen) == {"i": 0}
    gen.close()
    assert threading.active_count() == before
