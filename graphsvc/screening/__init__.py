"""Screening settlements as they arrive (issue 16): pure rules, an index from the store."""

from graphsvc.screening.io import IndexHolder, build_index
from graphsvc.screening.rules import (
    Rules,
    ScreenIndex,
    Settlement,
    Verdict,
    parse_settlement,
    screen,
    screen_batch,
)

__all__ = [
    "IndexHolder",
    "Rules",
    "ScreenIndex",
    "Settlement",
    "Verdict",
    "build_index",
    "parse_settlement",
    "screen",
    "screen_batch",
]
