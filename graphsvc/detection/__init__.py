"""Fraud-ring detection: pure detectors on GraphData, store I/O in ``io``.

See docs/detection.md for the typologies, chance models and configuration.
"""

from __future__ import annotations

from graphsvc.detection.config import DetectConfig, load_config
from graphsvc.detection.data import GraphData, from_csv_dir
from graphsvc.detection.io import StoreRun, read_graph_data, run_detection
from graphsvc.detection.rings import TYPOLOGIES, Member, Ring
from graphsvc.detection.runner import DetectionResult, run_detectors

__all__ = [
    "TYPOLOGIES",
    "DetectConfig",
    "DetectionResult",
    "GraphData",
    "Member",
    "Ring",
    "StoreRun",
    "from_csv_dir",
    "load_config",
    "read_graph_data",
    "run_detection",
    "run_detectors",
]
