"""The synthetic province: realistic settlements with planted fraud rings and look-alikes.

``generate_province(out_dir, participants, seed)`` writes the data contract's tables
and ``ground_truth.json``; docs/generator.md describes what is planted and how.
"""

from graphsvc.generate.province import generate_province
from graphsvc.generate.truth import BadRow, BenignGroup, GroundTruth, Member, PlantedRing

__all__ = ["BadRow", "BenignGroup", "GroundTruth", "Member", "PlantedRing", "generate_province"]
