"""The plain-data input of every detector: contract tables as pandas DataFrames.

Detectors never see the store. They take a :class:`GraphData` whose frames carry
the data contract's column names (docs of the contract: docs/data-contract.md),
so the same algorithm runs on a store read (``graphsvc.detection.io``), on a contract
CSV directory (:func:`from_csv_dir`, for tests and benchmarks) or on frames built by
hand in a test. :func:`GraphData.create` fixes dtypes once so detectors can rely on
them: ids are strings, dates are ``datetime64`` (date only), money is float.

Identifier values are normalised by the loader's own function
(``graphsvc.contract.normalise.normalise_identifier``), so that a CSV-built GraphData and a
store-read one group identifiers the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from graphsvc.contract.normalise import normalise_identifier as _loader_normalise
from graphsvc.contract.schema import SPECS
from graphsvc.errors import InputError

log = logging.getLogger(__name__)

T = TypeVar("T")

# The contract's columns (one definition, graphsvc.contract.schema), minus what no detector
# reads. ID numbers are read since duplicate_enrolment groups records on them (issue #12);
# reasons only ever show them masked (graphsvc.detection.rings.mask).
_NOT_READ: dict[str, frozenset[str]] = {}
COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c for c in SPECS[file].columns if c not in _NOT_READ.get(table, frozenset()))
    for table, file in (
        ("participants", "participants"),
        ("identifiers", "identifiers"),
        ("institutions", "institutions"),
        ("doctors", "doctors"),
        ("prescriptions", "prescriptions"),
        ("items", "prescription_items"),
        ("family_links", "family_links"),
        ("referrals", "referrals"),
    )
}
# Contract file name of each table (``items`` is ``prescription_items`` on disk).
FILE_NAMES: dict[str, str] = {name: name for name in COLUMNS} | {"items": "prescription_items"}

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "participants": ("birth_date",),
    "prescriptions": ("date", "discharge_date"),
    "family_links": ("since",),
    "referrals": ("date",),
}
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "institutions": ("level",),
    "prescriptions": ("total_amount", "fund_paid", "account_paid"),
    "items": ("quantity", "unit_price"),
}
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "participants": ("participant_id",),
    "identifiers": ("participant_id",),
    "institutions": ("institution_id",),
    "doctors": ("doctor_id", "institution_id"),
    "prescriptions": (
        "prescription_id",
        "participant_id",
        "institution_id",
        "doctor_id",
        "account_holder_id",
    ),
    "items": ("prescription_id", "item_code", "trace_code"),
    "family_links": ("holder_id", "member_id"),
    "referrals": (
        "referral_id",
        "participant_id",
        "from_institution_id",
        "from_doctor_id",
        "to_institution_id",
    ),
}


def normalise_identifier(kind: str, value: str) -> str:
    """Normalise an identifier value exactly as the loader stores it.

    >>> normalise_identifier("phone", " 138-0013 8000 ")
    '13800138000'
    >>> normalise_identifier("email", " Li.Ming@Example.COM")
    'li.ming@example.com'
    """
    return _loader_normalise(kind, str(value))


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[table]})


def _prepare(table: str, df: pd.DataFrame | None) -> pd.DataFrame:
    if df is None:
        df = _empty(table)
    df = df.copy()
    for col in COLUMNS[table]:
        if col not in df.columns:
            df[col] = None
    for col in ID_COLUMNS.get(table, ()):
        s = df[col]
        df[col] = s.where(s.notna() & (s.astype(str).str.strip() != ""), None).astype(object)
        mask = df[col].notna()
        df.loc[mask, col] = df.loc[mask, col].astype(str).str.strip()
    for col in DATE_COLUMNS.get(table, ()):
        df[col] = pd.to_datetime(df[col], errors="coerce", format="mixed").dt.normalize()
    for col in NUMBER_COLUMNS.get(table, ()):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df.reset_index(drop=True)


@dataclass
class GraphData:
    """The contract tables detectors read; build with :meth:`create` to fix dtypes.

    >>> import pandas as pd
    >>> g = GraphData.create(participants=pd.DataFrame({"participant_id": ["P1"]}))
    >>> len(g.participants), len(g.prescriptions), list(g.referrals.columns)[:2]
    (1, 0, ['referral_id', 'participant_id'])
    """

    participants: pd.DataFrame
    identifiers: pd.DataFrame
    institutions: pd.DataFrame
    doctors: pd.DataFrame
    prescriptions: pd.DataFrame
    items: pd.DataFrame
    family_links: pd.DataFrame
    referrals: pd.DataFrame
    # Frames derived from the tables that several detectors need (see :meth:`derived`).
    _derived: dict[Hashable, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def derived(self, key: Hashable, build: Callable[[GraphData], T]) -> T:
        """``build(self)``, computed once per key and shared by every detector that asks.

        At 1.3M settlements several detectors derived the same things (the household
        explainer, a participant's region, the regional settlements) each on its own, and
        the copies were a good part of detection's time. Detectors treat the tables as
        read-only, so a derived value stays valid for the life of this GraphData; the key
        must name everything the value depends on besides the tables (config values).
        Callers must not mutate what they get back.

        >>> g = GraphData.create()
        >>> calls = []
        >>> def build(d): calls.append(1); return len(d.prescriptions)
        >>> g.derived(("n", 1), build), g.derived(("n", 1), build), len(calls)
        (0, 0, 1)
        """
        if key not in self._derived:
            self._derived[key] = build(self)
        value: T = self._derived[key]
        return value

    @classmethod
    def create(cls, *, normalise_values: bool = True, **frames: pd.DataFrame | None) -> GraphData:
        unknown = set(frames) - set(COLUMNS)
        if unknown:
            raise InputError(f"unknown tables: {sorted(unknown)}")
        prepared = {t: _prepare(t, frames.get(t)) for t in COLUMNS}
        ids = prepared["identifiers"]
        if normalise_values and len(ids):
            ids["kind"] = ids["kind"].astype(str).str.strip().str.lower()
            ids["value"] = [
                normalise_identifier(k, v) for k, v in zip(ids["kind"], ids["value"], strict=True)
            ]
        prepared["identifiers"] = ids[ids["value"].astype(str) != ""].reset_index(drop=True)
        people = prepared["participants"]
        idn = people["id_number"]
        present = idn.notna() & (idn.astype(str).str.strip() != "")
        people["id_number"] = idn.where(present, None).astype(object)
        people.loc[present, "id_number"] = idn[present].astype(str).str.strip().str.upper()
        return cls(**prepared)

    def sizes(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self) if f.init}


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.name.endswith(".parquet"):
            df = pd.read_parquet(path)
            return df.astype(object).where(df.notna(), None)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path.name}: {exc}") from exc


def from_csv_dir(directory: str | Path) -> GraphData:
    """Build GraphData straight from a contract directory (no store, no rejects).

    Meant for generated provinces (tests, benchmarks): rows are taken as they are;
    the loader is the place that validates real input.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"not a directory: {directory}")
    frames: dict[str, Any] = {}
    for table, stem in FILE_NAMES.items():
        for suffix in (".csv", ".csv.gz", ".parquet"):
            path = directory / f"{stem}{suffix}"
            if path.exists():
                frames[table] = _read_table(path)
                break
    if "participants" not in frames:
        raise InputError(f"{directory}: participants file missing")
    return GraphData.create(**frames)
