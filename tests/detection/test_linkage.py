"""Record linkage of participant records (issue #15), on generated provinces, no server.

The generator plants person-record variants with ground truth
(graphsvc/generate/person_variants.py): the same person on two records
(``moved_record``, and the ``mistyped_id`` duplicate enrolments) must be linked;
two people alike (``lookalike``: one common name and birth date; ``twins``) must not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.detection import duplicate_enrolment
from graphsvc.detection.common import HOUSEHOLD, Explainer
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData, from_csv_dir
from graphsvc.detection.linkage import link_records
from graphsvc.detection.runner import finalise
from graphsvc.generate import generate_province
from graphsvc.generate.truth import GroundTruth

SEEDS = (3, 7, 11)


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = {}
    for seed in SEEDS:
        d = tmp_path_factory.mktemp(f"linkage{seed}")
        generate_province(d, 2_000, seed)
        out[seed] = d
    return out


def _pairs(truth: GroundTruth) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    def ids(members: list) -> tuple[str, str]:  # type: ignore[type-arg]
        a, b = sorted(m.id for m in members)
        return a, b

    same = [ids(g.members) for g in truth.benign_groups if g.kind == "moved_record"]
    same += [ids(r.members) for r in truth.rings if r.shape == "mistyped_id"]
    apart = [ids(g.members) for g in truth.benign_groups if g.kind in ("lookalike", "twins")]
    return same, apart


@pytest.mark.parametrize("seed", SEEDS)
def test_same_person_linked_lookalikes_apart(provinces: dict[int, Path], seed: int) -> None:
    d = provinces[seed]
    truth = GroundTruth.read(d / "ground_truth.json")
    same, apart = _pairs(truth)
    kinds = [g.kind for g in truth.benign_groups]
    assert kinds.count("twins") >= 4 and kinds.count("lookalike") >= 4
    assert len(same) >= 8, len(same)
    got = link_records(from_csv_dir(d))
    found = [p for p in same if got.person(p[0]) == got.person(p[1])]
    assert len(found) / len(same) >= 0.95, set(same) - set(found)
    wrong = [p for p in apart if got.person(p[0]) == got.person(p[1])]
    assert wrong == [], wrong
    # every link is evidence an investigator can check: its probability and what agreed
    for link in got.links:
        assert link.match_probability >= DetectConfig().linkage.match_threshold
        assert link.levels["person_name"] != "different"
        assert "match probability" in link.detail() and link.agreed()


def test_linkage_is_deterministic(provinces: dict[int, Path]) -> None:
    data = from_csv_dir(provinces[SEEDS[0]])
    a, b = link_records(data), link_records(data)
    assert a.links == b.links and a.model == b.model


def _swap_names(data: GraphData, a: str, b: str) -> GraphData:
    people = data.participants.copy()
    ia = people.index[people["participant_id"] == a][0]
    ib = people.index[people["participant_id"] == b][0]
    people.loc[[ia, ib], "name"] = people.loc[[ib, ia], "name"].to_numpy()
    return GraphData.create(
        participants=people,
        identifiers=data.identifiers,
        institutions=data.institutions,
        doctors=data.doctors,
        prescriptions=data.prescriptions,
        items=data.items,
        family_links=data.family_links,
        referrals=data.referrals,
    )


def test_duplicate_enrolment_found_from_either_spelling(provinces: dict[int, Path]) -> None:
    """A second enrolment under a mistyped ID number and a name variant is found, and
    still found when the records' spellings are the other way round."""
    d = provinces[SEEDS[1]]
    truth = GroundTruth.read(d / "ground_truth.json")
    planted = [sorted(m.id for m in r.members) for r in truth.rings if r.shape == "mistyped_id"]
    data = from_csv_dir(d)
    a, b = planted[0]
    names = data.participants.set_index("participant_id")["name"]
    assert names[a] != names[b]  # the planted spellings differ
    cfg = DetectConfig()
    for variant in (data, _swap_names(data, a, b)):
        rings = finalise(duplicate_enrolment.detect(variant, cfg), "duplicate_enrolment", cfg)
        flagged = [sorted(m.id for m in r.members) for r in rings]
        assert [a, b] in flagged
        ring = rings[flagged.index([a, b])]
        same_person = [e for e in ring.evidence if e.type == "SAME_PERSON"]
        assert same_person and same_person[0].weight >= cfg.linkage.match_threshold
        assert any("taken for one person" in r for r in ring.reasons)
        assert any("判为同一人" in r and "匹配概率" in r for r in ring.reasons_zh)


def test_household_counts_one_person_once(provinces: dict[int, Path]) -> None:
    """A duplicate record listing the person's flat in another spelling joins that flat
    as the same person: what the two records share is explained, whichever spelling."""
    d = provinces[SEEDS[1]]
    truth = GroundTruth.read(d / "ground_truth.json")
    data = from_csv_dir(d)
    linked = link_records(data)
    with_links = Explainer(data, household_max=8, same_person=linked.person_of)
    without = Explainer(data, household_max=8)
    pairs = [sorted(m.id for m in r.members) for r in truth.rings if r.shape == "mistyped_id"]
    assert pairs
    for a, b in pairs:
        flats = [v for v, (_, people) in with_links.addresses.items() if {a, b} <= set(people)]
        assert flats, (a, b)  # two spellings of one flat: one address key
        assert all(with_links.addresses[f][0] == HOUSEHOLD for f in flats)
        assert with_links.explained(a, b) and with_links.explained(b, a)
        assert with_links.family.find(a) == with_links.family.find(b)
        assert without.family.find(a) != without.family.find(b)  # linkage made them one
