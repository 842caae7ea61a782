"""Building the screening index from the store: the only I/O of screening.

Why packed id-range pages (like ``graphsvc.detection.io``): one read per page of
node ids, parsed client-side, so a build costs a handful of queries however many
settlements the store holds; afterwards screening never queries the store.
:class:`IndexHolder` rebuilds when ``Store.data_version`` changes (a load, a
detection run), checked at most every ``check_every_s`` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date

from graphsvc.detection.io import FIELD_SEP, id_bound, read_table
from graphsvc.screening.rules import RingRef, ScreenIndex, Settlement
from graphsvc.store.base import Store


def _pages(store: Store, name: str, bound: int, page_size: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for lo in range(0, bound, page_size):
        res = store.run(name, {"lo": lo, "hi": lo + page_size, "sep": FIELD_SEP})
        rows.extend(line.split(FIELD_SEP) for line in (res.rows[0][0] if res.rows else []))
    rows.sort()
    return rows


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def build_index(store: Store, *, page_size: int = 200_000) -> ScreenIndex:
    """A fresh index of everything the store holds now (version read first: a write
    landing during the build makes the index look older than it is, never newer)."""
    index = ScreenIndex(version=store.data_version())
    bound = id_bound(store)
    for pid, number, _region in _pages(store, "screen_read_participants", bound, page_size):
        index.add_participant(pid, number or None)
    inst = read_table(store, "institutions", page_size=page_size, bound=bound)
    index.institutions.update(str(i) for i in inst["institution_id"])
    fam = read_table(store, "family_links", page_size=page_size, bound=bound)
    index.family.update(
        zip(fam["holder_id"].astype(str), fam["member_id"].astype(str), strict=True)
    )
    res = store.run("screen_ring_members", {"sep": FIELD_SEP})
    for line in sorted(res.rows[0][0] if res.rows else []):
        kind, eid, role, ring, typology, score = line.split(FIELD_SEP)
        index.add_ring_member(kind, eid, RingRef(ring, typology, role, float(score)))
    rx = read_table(store, "prescriptions", page_size=page_size, bound=bound)
    cols = [
        rx[c].tolist()
        for c in (
            "prescription_id",
            "participant_id",
            "institution_id",
            "doctor_id",
            "date",
            "discharge_date",
            "visit_type",
            "diagnosis_code",
            "account_holder_id",
        )
    ]
    for sid, pid, iid, did, day, out, visit, dx, holder in zip(*cols, strict=True):
        end = _text(out)
        index.add_settlement(
            Settlement(
                prescription_id=str(sid),
                participant_id=str(pid),
                institution_id=str(iid),
                date=date.fromisoformat(str(day)[:10]),
                doctor_id=_text(did),
                discharge_date=date.fromisoformat(end[:10]) if end else None,
                visit_type=_text(visit),
                diagnosis_code=_text(dx),
                account_holder_id=_text(holder),
            )
        )
    return index


class IndexHolder:
    """The current index, rebuilt when the store's data version moves."""

    def __init__(self, store: Store, *, check_every_s: float = 1.0) -> None:
        self.store = store
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._index: ScreenIndex | None = None
        self._checked = 0.0

    def get(self) -> ScreenIndex:
        with self._lock:
            now = time.monotonic()
            if self._index is None:
                self._index = build_index(self.store)
                self._checked = now
            elif now - self._checked >= self.check_every_s:
                self._checked = now
                version = self.store.data_version()
                if version is None or version != self._index.version:
                    self._index = build_index(self.store)
            return self._index
