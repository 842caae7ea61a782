"""Small hand-made provinces for detector tests (no store needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from graphsvc.detection.data import GraphData


def frame(rows: list[tuple[Any, ...]], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


@pytest.fixture
def make_data() -> Callable[..., GraphData]:
    """GraphData from row tuples: ``make_data(identifiers=(rows, "participant_id kind value"))``.

    Adds ``n_people`` filler participants so base rates are those of a real population.
    """

    def build(n_people: int = 2_000, **tables: tuple[list[tuple[Any, ...]], str]) -> GraphData:
        frames = {name: frame(rows, cols) for name, (rows, cols) in tables.items()}
        people = frames.get("participants", pd.DataFrame({"participant_id": []}))
        filler = pd.DataFrame({"participant_id": [f"F{i:06d}" for i in range(n_people)]})
        frames["participants"] = pd.concat([people, filler], ignore_index=True)
        return GraphData.create(**frames)

    return build
