"""One typology registry (graphsvc.contract.typologies), and every list that names
typologies agrees with it: detector modules, generator shapes, page names (issue #18)."""

from __future__ import annotations

from graphsvc.contract.typologies import CLAUSES, REGISTRY, TYPOLOGIES, TYPOLOGY_ZH
from graphsvc.detection import rings
from graphsvc.detection.runner import MODULES, detector
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.truth import TYPOLOGIES as TRUTH_TYPOLOGIES
from graphsvc.services.explore import TYPOLOGIES as EXPLORE_TYPOLOGIES
from graphsvc.web.i18n import TEXTS


def test_every_reader_uses_the_registry() -> None:
    assert len(set(TYPOLOGIES)) == len(REGISTRY)
    assert rings.TYPOLOGIES == TRUTH_TYPOLOGIES == EXPLORE_TYPOLOGIES == TYPOLOGIES
    assert list(MODULES) == list(TYPOLOGIES)
    assert list(SHAPES) == list(TYPOLOGIES)


def test_every_typology_has_a_detector_a_clause_and_both_names() -> None:
    for t in TYPOLOGIES:
        assert callable(detector(t))
        assert CLAUSES[t].startswith("Hainan Art. ")
        assert TEXTS["en"][f"typology.{t}"] and TEXTS["zh"][f"typology.{t}"] == TYPOLOGY_ZH[t]
