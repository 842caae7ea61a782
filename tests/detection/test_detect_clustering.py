"""Where Leiden and components run: injected into detectors, chosen from the store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.common import components, leiden_communities
from graphsvc.detection.io import run_detection
from graphsvc.store import Store

IDS = "participant_id kind value"


@dataclass
class RecordingClustering:
    """An alternative clustering: records each call; optionally answers nothing."""

    backend: str = "recording"
    empty: bool = False
    calls: list[str] = field(default_factory=list)

    def leiden_communities(self, edges: Any, weight: str, **kw: Any) -> list[list[str]]:
        self.calls.append("leiden")
        return [] if self.empty else leiden_communities(edges, weight, **kw)

    def components(self, pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
        self.calls.append("components")
        return [] if self.empty else components(pairs)


def _ring_data(make_data: Callable[..., GraphData]) -> GraphData:
    rows = [(f"R{i}", "device", "IMEI-0001") for i in range(8)]
    rows += [(f"R{i}", "bank_account", "6222 0000 9999") for i in range(8)]
    return make_data(identifiers=(rows, IDS))


def test_detector_calls_the_clustering_it_is_given(make_data: Callable[..., GraphData]) -> None:
    data = _ring_data(make_data)
    recording = RecordingClustering()
    rings = run_detectors(data, DetectConfig(), "shared_identity", clustering=recording).rings
    assert "components" in recording.calls
    assert [r.member_count for r in rings] == [8]
    # The groups really come from the injected functions: an alternative that finds no
    # groups gives no rings on the same data, while the default finds the ring.
    silent = RecordingClustering(empty=True)
    assert run_detectors(data, DetectConfig(), "shared_identity", clustering=silent).rings == []
    assert silent.calls == ["components"]
    assert [r.member_count for r in run_detectors(data, DetectConfig()).rings] == [8]


def test_run_detection_on_falkordb_uses_python_and_logs_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    assert store.backend != "neo4j"
    with caplog.at_level(logging.INFO):
        run = run_detection(store, only="shared_identity", write=False)
    assert run.clustering_backend == "python"
    assert any(
        r.name == "graphsvc.detection.io" and "run in Python" in r.getMessage()
        for r in caplog.records
    )
