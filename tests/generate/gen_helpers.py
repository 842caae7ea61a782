"""Helpers of the generator's tests: a generated directory read back as strings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graphsvc.generate import GroundTruth

TABLES = (
    "participants",
    "identifiers",
    "institutions",
    "doctors",
    "prescriptions",
    "prescription_items",
    "family_links",
    "referrals",
)


class Province:
    """A generated directory read back as strings, exactly as a loader sees the cells."""

    def __init__(self, path: Path, truth: GroundTruth) -> None:
        self.path = path
        self.truth = truth
        self.t: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            self.t[name] = pd.read_csv(
                path / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8"
            )

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.t[name]
