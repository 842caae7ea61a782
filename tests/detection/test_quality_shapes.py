"""Quality per typology AND per shape on the tuning seeds (issue #11).

Per shape, recall is the share of that shape's planted rings found (the conventions'
match rule, ``graphsvc.detection.evaluate``); precision is per typology (flagged rings
carry no shape). Held-out seeds are measured by benchmarks/bench_quality_heldout.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphsvc.detection import DetectConfig, from_csv_dir, run_detectors
from graphsvc.detection.evaluate import evaluate, load_ground_truth
from graphsvc.detection.rings import TYPOLOGIES
from graphsvc.generate.shapes import HELDOUT_SEEDS, HELDOUT_SHAPES, SHAPES, TUNING_SEEDS

PARTICIPANTS = 4_000


def shape_recall(rings: list[dict[str, Any]], truth: dict[str, Any]) -> dict[str, float]:
    """Recall per ``typology/shape`` over the shapes planted in ``truth``."""
    out: dict[str, float] = {}
    for t, shapes in SHAPES.items():
        for s in shapes:
            sub = dict(truth, rings=[r for r in truth["rings"] if r.get("shape") == s])
            sub["rings"] = [r for r in sub["rings"] if r["typology"] == t]
            if sub["rings"]:
                rep = evaluate(rings, sub, [t])["typologies"][t]
                out[f"{t}/{s}"] = float(rep["recall"])
    return out


@pytest.fixture(scope="module", params=TUNING_SEEDS)
def result(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from graphsvc.generate import generate_province

    out: Path = tmp_path_factory.mktemp(f"shapes-{request.param}")
    generate_province(out, participants=PARTICIPANTS, seed=request.param)
    rings = [r.to_json() for r in run_detectors(from_csv_dir(out), DetectConfig()).rings]
    return rings, load_ground_truth(out)


def test_tuning_and_heldout_disjoint() -> None:
    assert not set(TUNING_SEEDS) & set(HELDOUT_SEEDS)
    listed = {f"{t}/{s}" for t, shapes in SHAPES.items() for s in shapes}
    assert listed >= HELDOUT_SHAPES, HELDOUT_SHAPES - listed
    # every typology keeps at least one tuning shape
    for t, shapes in SHAPES.items():
        assert any(f"{t}/{s}" not in HELDOUT_SHAPES for s in shapes), t


def test_every_ring_has_a_listed_shape(result: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    _, truth = result
    for r in truth["rings"]:
        assert r["shape"] in SHAPES[r["typology"]], r["id"]


def test_recall_per_shape(result: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    rings, truth = result
    recall = shape_recall(rings, truth)
    assert recall, "no shape planted"
    # Held-out shapes are planted but only measured (benchmarks/bench_quality_heldout.py).
    low = {k: v for k, v in recall.items() if v < 0.95 and k not in HELDOUT_SHAPES}
    assert low == {}, low


def test_precision_and_no_legit_flagged(
    result: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    rings, truth = result
    rep = evaluate(rings, truth, TYPOLOGIES)
    low = {t: m["precision"] for t, m in rep["typologies"].items() if m["precision"] < 0.95}
    assert low == {}, low
    assert rep["legit_flagged"] == []
