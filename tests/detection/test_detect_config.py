"""The detection config: the documented example parses, typos and bad ranges are clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from graphsvc.detection.config import DetectConfig, config_from_dict, load_config
from graphsvc.errors import InputError

DOC = Path(__file__).resolve().parents[2] / "docs" / "detection.md"


def doc_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## Configuration") : text.index("## Store")]


def test_documented_example_parses(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(.*?)```", doc_section(), re.S)
    assert block is not None
    path = tmp_path / "example.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    cfg = load_config(path)
    raw = yaml.safe_load(block.group(1))
    assert cfg.scoring.min_adjusted_surprise == raw["scoring"]["min_adjusted_surprise"]
    assert cfg.organised_visits.min_overlap == raw["organised_visits"]["min_overlap"]
    # a named exemption switched off in the example is off in the config
    assert cfg.fabricated_services.multi_site_doctor is False
    assert cfg.fabricated_services.min_patients == raw["fabricated_services"]["min_patients"]
    # A partial kind_weights mapping overrides one kind and keeps the others.
    assert cfg.shared_identity.kind_weights["phone"] == 0.5
    assert cfg.shared_identity.kind_weights["device"] == 1.0


def test_every_field_documented_with_a_range() -> None:
    rows = [line for line in doc_section().splitlines() if line.startswith("| ")]
    documented: set[str] = set()
    for row in rows:
        cell = row.split("|")[1].strip()
        if "." not in cell:
            continue
        section, keys = cell.split(".", 1)
        documented.update(f"{section}.{k.strip()}" for k in keys.split("/"))
    for section, model in DetectConfig.model_fields.items():
        assert model.annotation is not None
        for key in model.annotation.model_fields:
            assert f"{section}.{key}" in documented, f"{section}.{key} missing in docs"


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"organised_visits": {"min_overlp": 4}}, "organised_visits.min_overlp (did you mean"),
        ({"organised_visit": {"min_overlap": 4}}, "unknown key organised_visit"),
        ({"scoring": {"score_scale": -1}}, "scoring.score_scale"),
        ({"organised_visits": {"min_turnout": 1.5}}, "organised_visits.min_turnout"),
        ({"fake_referral": {"bounce_window_days": "ninety"}}, "fake_referral.bounce_window_days"),
        ({"shared_identity": {"kind_weights": {"fax": 1.0}}}, "unknown identifier kind 'fax'"),
        ({"shared_identity": {"control_kinds": ["devise"]}}, "unknown identifier kind 'devise'"),
    ],
)
def test_bad_values_are_named(values: dict[str, object], needle: str) -> None:
    with pytest.raises(InputError) as err:
        config_from_dict(values)
    assert needle in str(err.value)


def test_file_name_in_error(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text("scoring: {min_adjusted_surprize: 3}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"strict\.yaml.*scoring\.min_adjusted_surprize"):
        load_config(path)


def test_config_is_frozen() -> None:
    cfg = DetectConfig()
    with pytest.raises(ValueError):
        cfg.scoring.score_scale = 3.0
