"""The generator's in-memory province: entity arrays plus accumulators of rows to write.

Everything is indexed by internal integers (participant ``p``, institution ``i``,
doctor ``d``, day-of-year ``day``); strings are made only when writing. Each stage
(population, facilities, base activity, benign confounders, planted rings) appends
chunks to the accumulators, so stages stay independent and vectorised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from graphsvc.generate.truth import GroundTruth, Member

IntArray = npt.NDArray[np.int64]

YEAR = 2025
YEAR_START = dt.date(YEAR, 1, 1)
DAYS = 365
EPOCH_OFFSET = (YEAR_START - dt.date(1970, 1, 1)).days  # day 0 of the year, days since 1970
# Visit types (contract enum order).
OUTPATIENT, INPATIENT, PHARMACY = 0, 1, 2
VISIT_TYPES = ("outpatient", "inpatient", "pharmacy")
# Institution kinds.
HOSPITAL, CLINIC, PHARMACY_KIND = 0, 1, 2
INSTITUTION_KINDS = ("hospital", "clinic", "pharmacy")
# Identifier kinds.
PHONE, ADDRESS, BANK, DEVICE, EMAIL = 0, 1, 2, 3, 4
IDENTIFIER_KINDS = ("phone", "address", "bank_account", "device", "email")
# Item kinds.
ITEM_DRUG, ITEM_SERVICE = 0, 1
# Origin of a settlement row: base rows may be dropped when they clash with a stay.
SRC_BASE, SRC_BENIGN, SRC_RING = 0, 1, 2
# Honest noise that must survive where it was put (a relative's purchase inside a stay).
SRC_STRAY = 3


def weekday(day: npt.ArrayLike) -> IntArray:
    """Monday = 0 for day-of-year numbers (1 Jan 2025 was a Wednesday)."""
    return (np.asarray(day, dtype=np.int64) + YEAR_START.weekday()) % 7


MONTH_STARTS = np.array(
    [(dt.date(YEAR, m, 1) - YEAR_START).days for m in range(1, 13)] + [DAYS], dtype=np.int64
)


def _as_int(x: npt.ArrayLike | None, n: int, default: int) -> IntArray:
    if x is None:
        return np.full(n, default, dtype=np.int64)
    a = np.asarray(x, dtype=np.int64)
    return np.broadcast_to(a, (n,)).copy() if a.ndim == 0 else a


@dataclass
class SettlementBuffer:
    """Settlement rows (one chunk per add) and the line items forced onto some of them.

    ``auto`` rows get catalogue-driven line items at finalisation; rows with forced
    items (planted high-value drugs, re-settled trace codes) may switch auto off.
    """

    chunks: list[dict[str, IntArray]] = field(default_factory=list)
    items: list[dict[str, IntArray]] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        pat: npt.ArrayLike,
        inst: npt.ArrayLike,
        day: npt.ArrayLike,
        vt: npt.ArrayLike,
        diag: npt.ArrayLike,
        *,
        doc: npt.ArrayLike | None = None,
        dis: npt.ArrayLike | None = None,
        holder: npt.ArrayLike | None = None,
        acct: npt.ArrayLike | None = None,
        auto: npt.ArrayLike | None = None,
        intensity: npt.ArrayLike | None = None,
        src: int = SRC_BASE,
    ) -> IntArray:
        """Append rows; returns their settlement keys (for forced items).

        ``acct`` is the share (per mille) of the personal part paid from a personal
        account (the holder's when ``holder`` is set, else the patient's own).
        """
        p = np.asarray(pat, dtype=np.int64)
        n = p.shape[0]
        chunk = {
            "pat": p,
            "inst": _as_int(inst, n, -1),
            "day": _as_int(day, n, 0),
            "vt": _as_int(vt, n, OUTPATIENT),
            "diag": _as_int(diag, n, 0),
            "doc": _as_int(doc, n, -1),
            "dis": _as_int(dis, n, -1),
            "holder": _as_int(holder, n, -1),
            "acct": _as_int(acct, n, -1),
            "auto": _as_int(auto, n, 1),
            "intensity": _as_int(intensity, n, 1),
            "src": np.full(n, src, dtype=np.int64),
            "key": np.arange(self.count, self.count + n, dtype=np.int64),
        }
        self.chunks.append(chunk)
        self.count += n
        return chunk["key"]

    def add_items(
        self,
        key: npt.ArrayLike,
        item: npt.ArrayLike,
        *,
        kind: int = ITEM_DRUG,
        qty: npt.ArrayLike = 1,
        trace: npt.ArrayLike = -1,
    ) -> None:
        """Force line items onto settlements; ``trace`` >= 0 is a reserved trace serial."""
        k = np.asarray(key, dtype=np.int64)
        n = k.shape[0]
        self.items.append(
            {
                "key": k,
                "item": _as_int(item, n, 0),
                "kind": np.full(n, kind, dtype=np.int64),
                "qty": _as_int(qty, n, 1),
                "trace": _as_int(trace, n, -1),
            }
        )

    def concat(self) -> dict[str, IntArray]:
        keys = self.chunks[0].keys()
        return {k: np.concatenate([c[k] for c in self.chunks]) for k in keys}

    def concat_items(self) -> dict[str, IntArray]:
        if not self.items:
            return {k: np.zeros(0, dtype=np.int64) for k in ("key", "item", "kind", "qty", "trace")}
        keys = self.items[0].keys()
        return {k: np.concatenate([c[k] for c in self.items]) for k in keys}


@dataclass
class World:
    rng: np.random.Generator
    n: int
    seed: int
    scale: float
    truth: GroundTruth
    # participants (internal order = household order; ``pnum`` is the public number)
    gender: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 M, 1 F
    birth: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # days since 1970
    ins: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 employee 1 resident
    region: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    household: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    hh_role: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    pnum: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    id_prefix: list[str] = field(default_factory=list)  # per participant, birthplace code
    home_clinic: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    home_pharmacy: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    home_hospital: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    chronic_diag: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    chronic_doc: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    nursing: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # home index or -1
    reserved: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # households
    hh_address: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    addresses: list[str] = field(default_factory=list)
    # institutions
    inst_kind: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    inst_level: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    inst_region: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    inst_name: list[str] = field(default_factory=list)
    inst_doc_start: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    inst_doc_count: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    # doctors
    doc_inst: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    doc_dept: list[str] = field(default_factory=list)
    doc_names: list[str] = field(default_factory=list)
    # row accumulators
    settlements: SettlementBuffer = field(default_factory=SettlementBuffer)
    identifiers: list[tuple[IntArray, IntArray, npt.NDArray[np.str_]]] = field(default_factory=list)
    family: list[tuple[int, int, str, int]] = field(
        default_factory=list
    )  # holder, member, rel, since
    referrals: list[dict[str, IntArray]] = field(default_factory=list)
    trace_reserved: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    # -- helpers -------------------------------------------------------------------------
    def age(self, p: npt.ArrayLike | None = None) -> IntArray:
        """Age in whole years on 1 July of the simulated year."""
        cached = self.extra.get("age")
        if cached is None or cached.shape[0] != self.birth.shape[0]:
            mid = EPOCH_OFFSET + 181
            cached = np.asarray((mid - self.birth) // 365.25, dtype=np.int64)
            self.extra["age"] = cached
        return cached if p is None else cached[np.asarray(p)]

    def pid(self, p: int) -> str:
        return f"P{self.pnum[p]:07d}"

    def did(self, d: int) -> str:
        return f"D{d + 1:05d}"

    def iid(self, i: int) -> str:
        return f"H{i + 1:05d}"

    def mp(self, p: int | np.integer[Any], role: str) -> Member:
        return Member("participant", self.pid(int(p)), role)

    def md(self, d: int | np.integer[Any], role: str) -> Member:
        return Member("doctor", self.did(int(d)), role)

    def mi(self, i: int | np.integer[Any], role: str) -> Member:
        return Member("institution", self.iid(int(i)), role)

    def add_identifier(self, p: npt.ArrayLike, kind: int, values: npt.ArrayLike) -> None:
        pp = np.atleast_1d(np.asarray(p, dtype=np.int64))
        vv = np.atleast_1d(np.asarray(values, dtype=np.str_))
        if vv.shape[0] == 1 and pp.shape[0] > 1:
            vv = np.repeat(vv, pp.shape[0])
        self.identifiers.append((pp, np.full(pp.shape[0], kind, dtype=np.int64), vv))

    def add_referrals(
        self,
        pat: npt.ArrayLike,
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        day: npt.ArrayLike,
        doc: npt.ArrayLike | None = None,
    ) -> None:
        p = np.atleast_1d(np.asarray(pat, dtype=np.int64))
        n = p.shape[0]
        self.referrals.append(
            {
                "pat": p,
                "src": _as_int(src, n, -1),
                "dst": _as_int(dst, n, -1),
                "day": _as_int(day, n, 0),
                "doc": _as_int(doc, n, -1),
            }
        )

    def reserve_traces(self, k: int) -> IntArray:
        """Trace serials for planted packs (distinct from the automatic ones)."""
        out = np.arange(self.trace_reserved, self.trace_reserved + k, dtype=np.int64)
        self.trace_reserved += k
        return out

    def doctor_at(self, inst: IntArray, u: npt.ArrayLike) -> IntArray:
        """A doctor of each institution (-1 where it employs none, e.g. pharmacies)."""
        cnt = self.inst_doc_count[inst]
        d = self.inst_doc_start[inst] + np.floor(np.asarray(u) * cnt).astype(np.int64)
        return np.where(cnt > 0, d, -1)

    def pick_free(
        self,
        k: int,
        *,
        min_age: int = 18,
        max_age: int = 75,
        regions: list[int] | None = None,
        distinct_households: bool = True,
        employee: bool | None = None,
    ) -> IntArray:
        """k unreserved participants (from distinct households); reserves them."""
        age = self.age()
        ok = (~self.reserved) & (age >= min_age) & (age <= max_age) & (self.nursing < 0)
        if regions is not None:
            ok &= np.isin(self.region, regions)
        if employee is not None:
            ok &= (self.ins == 0) if employee else (self.ins == 1)
        cand = np.flatnonzero(ok)
        if cand.shape[0] < k and regions is not None:
            return self.pick_free(
                k,
                min_age=min_age,
                max_age=max_age,
                employee=employee,
                distinct_households=distinct_households,
            )
        self.rng.shuffle(cand)
        if distinct_households:
            _, first = np.unique(self.household[cand], return_index=True)
            cand = cand[np.sort(first)]
        chosen = cand[:k]
        self.reserved[chosen] = True
        return chosen
