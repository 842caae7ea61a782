"""The generator's fabricated-services look-alikes are real tests of the exemptions.

On a tuning-seed province: with the defaults no fabricated-services ring lies mostly in
a look-alike group, and switching an exemption off makes the detector flag the
look-alikes it names (so the exemption, not the look-alike's shape, is what spares
them). Recall and precision per shape are asserted for every typology by
test_quality_shapes.py on all tuning seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphsvc.detection import GraphData, from_csv_dir
from graphsvc.detection import fabricated_services as fs
from graphsvc.detection.config import DetectConfig, config_from_dict
from graphsvc.detection.evaluate import load_ground_truth
from graphsvc.generate.shapes import TUNING_SEEDS

KINDS = ("travellers", "relative_buys", "multi_site_doctor")


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphData, dict[str, Any]]:
    from graphsvc.generate import generate_province

    out: Path = tmp_path_factory.mktemp("fabricated")
    generate_province(out, participants=4_000, seed=TUNING_SEEDS[0])
    return from_csv_dir(out), load_ground_truth(out)


def _lookalikes_flagged(
    data: GraphData, truth: dict[str, Any], config: DetectConfig
) -> dict[str, int]:
    """Per look-alike kind, the flagged rings with at least half their members in one
    group of that kind (the evaluation's rule for a legitimate group flagged)."""
    groups = [g for g in truth["benign_groups"] if g["kind"] in KINDS]
    cut = config.scoring.min_adjusted_surprise
    out = dict.fromkeys(KINDS, 0)
    for r in fs.detect(data, config):
        if r.adjusted_surprise < cut:
            continue
        keys = {(m.kind, m.id) for m in r.members}
        for g in groups:
            if 2 * len(keys & {(m["kind"], m["id"]) for m in g["members"]}) >= len(keys):
                out[g["kind"]] += 1
    return out


def test_lookalikes_are_planted(province: tuple[GraphData, dict[str, Any]]) -> None:
    _, truth = province
    kinds = {g["kind"] for g in truth["benign_groups"]}
    assert set(KINDS) <= kinds


def test_no_lookalike_flagged_by_default(province: tuple[GraphData, dict[str, Any]]) -> None:
    data, truth = province
    assert _lookalikes_flagged(data, truth, DetectConfig()) == dict.fromkeys(KINDS, 0)


@pytest.mark.parametrize(
    ("exemption", "kind"),
    [("proxy_purchase", "relative_buys"), ("multi_site_doctor", "multi_site_doctor")],
)
def test_exemption_off_flags_its_lookalikes(
    exemption: str, kind: str, province: tuple[GraphData, dict[str, Any]]
) -> None:
    data, truth = province
    off = config_from_dict({"fabricated_services": {exemption: False}})
    flagged = _lookalikes_flagged(data, truth, off)
    assert flagged[kind] >= 1, flagged
    assert flagged["travellers"] == 0  # no alibi at all: nothing to exempt
