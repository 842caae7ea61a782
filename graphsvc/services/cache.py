"""Finished answers (response bodies) that only change when the graph does, kept in
the process: ring lists, ring details and ring views.

Why it is safe: a key always holds the *generation* of the data the answer was
built from, and the caller reads the generation afresh on every request:

- ``run_generation``: the current detection run. A run is written completely
  before it is made current and its rings and members never change afterwards,
  so ring lists and ring details depend on nothing else (entity *properties* are
  not part of them).
- ``data_generation``: the current run plus the store's data version
  (``Store.data_version``), which changes on any write by any process: a load, a
  rollback, a detection run, a case. Ring views show entity properties and
  settlements, so they need it; a backend without a data version caches none.

So a new load or run is never answered from old data, at the price of one small
query (and one INFO round trip) per request. Keys also hold the caller's role and
language: masking and labels are applied before caching, and must stay per role
if masking ever becomes role-dependent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

from graphsvc.store import Store

T = TypeVar("T")
_MISSING = object()


@dataclass(frozen=True)
class Answer:
    """A response body as sent: bytes and media type (headers such as cookies are
    added per request, never cached)."""

    body: bytes
    media_type: str


class AnswerCache:
    """A bounded LRU of finished answers (``Answer``s, or other values nobody mutates,
    such as a masked ``Subgraph`` that several formats are drawn from);
    ``max_entries=0`` turns it off."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max(0, max_entries)
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable | None, build: Callable[[], T]) -> T:
        """The cached value for ``key``, else ``build()`` (cached unless ``key`` is
        None). Errors raised by ``build`` are not cached. Two requests missing the same
        key at once both build it: rare, and cheaper than a lock per key."""
        if key is None or self.max_entries == 0:
            return build()
        with self._lock:
            found = self._entries.get(key, _MISSING)
            if found is not _MISSING:
                self._entries.move_to_end(key)
                self.hits += 1
                return cast(T, found)
            self.misses += 1
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def run_generation(store: Store) -> str | None:
    """The current detection run's id (None: no run yet, nothing worth caching)."""
    from graphsvc.services.explore.rings import current_run

    run = current_run(store)
    return str(run["id"]) if run else None


def data_generation(store: Store) -> tuple[str, str] | None:
    """(data version, current run id); None when the backend has no data version.

    The version is read first: a write landing between the two reads then makes
    the key newer than the data it names, never older."""
    version = store.data_version()
    if version is None:
        return None
    run = run_generation(store)
    return (version, run) if run else None
