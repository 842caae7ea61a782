"""Record linkage of participant records (issue #15), on generated provinces, no server.

The generator plants person-record variants with ground truth
(graphsvc/generate/person_variants.py): the same person on two records
(``moved_record``, and the ``mistyped_id`` duplicate enrolments) must be linked;
two people alike (``lookalike``: one common name and birth date; ``twins``) must not.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from graphsvc.detection import duplicate_enrolment, linkage_cache
from graphsvc.detection.common import HOUSEHOLD, Explainer
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData, from_csv_dir
from graphsvc.detection.linkage import keep_links_in, link_records, linkage_for
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
        en, zh = link.detail().pair()
        assert f"match probability {link.match_probability:.4f}" in en and link.agreed()
        assert f"匹配概率 {link.match_probability:.4f}" in zh


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


def _fresh(data: GraphData, **participants: pd.Series) -> GraphData:
    """A new GraphData of the same tables (a second run reads the store afresh)."""
    people = data.participants.copy()
    for col, values in participants.items():
        people[col] = values
    return GraphData.create(participants=people, identifiers=data.identifiers.copy())


def test_linkage_cache_is_read_on_a_second_run_and_follows_its_inputs(
    provinces: dict[int, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue #15/#11: a detection after a load that changed no participant reads the
    links from disk instead of refitting; a changed participant refits; a corrupt file
    is ignored and recomputed."""
    cfg = DetectConfig().linkage
    cache = tmp_path / "cache" / "linkage"
    base = from_csv_dir(provinces[SEEDS[0]])
    keep_links_in(base, cache)
    before = Counter(linkage_cache.EVENTS)
    first = linkage_for(base, cfg)
    assert linkage_cache.EVENTS - before == Counter(miss=1, written=1)
    files = sorted(cache.glob("linkage-*.json"))
    assert len(files) == 1 and first.links

    # second run: same content, a new GraphData (no in-memory memo) -> the file is read
    again = _fresh(base)
    keep_links_in(again, cache)
    before = Counter(linkage_cache.EVENTS)
    with caplog.at_level(logging.INFO, logger="graphsvc.detection.linkage_cache"):
        second = linkage_for(again, cfg)
    assert linkage_cache.EVENTS - before == Counter(hit=1)
    assert any("read from cache" in r.getMessage() for r in caplog.records)
    assert second.links == first.links and second.person_of == first.person_of
    assert second.model == first.model

    # a changed participant (one birth date) is other inputs: another file, a refit
    births = base.participants["birth_date"].copy()
    births.iloc[0] = births.iloc[0] + pd.Timedelta(days=1)
    changed = _fresh(base, birth_date=births)
    keep_links_in(changed, cache)
    before = Counter(linkage_cache.EVENTS)
    linkage_for(changed, cfg)
    assert linkage_cache.EVENTS - before == Counter(miss=1, written=1)
    assert len(list(cache.glob("linkage-*.json"))) == 2

    # a corrupt file is ignored, recomputed (same links as a fit) and rewritten
    files[0].write_text('{"format": 1, "links": [', encoding="utf-8")
    broken = _fresh(base)
    keep_links_in(broken, cache)
    before = Counter(linkage_cache.EVENTS)
    with caplog.at_level(logging.WARNING, logger="graphsvc.detection.linkage_cache"):
        third = linkage_for(broken, cfg)
    assert linkage_cache.EVENTS - before == Counter(corrupt=1, written=1)
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert third.links == first.links
    assert json.loads(files[0].read_text(encoding="utf-8"))["links"]


def test_linkage_cache_key_reads_exactly_what_linkage_compares(
    provinces: dict[int, Path],
) -> None:
    """The digest changes with a compared field and a compared identifier, not with a
    column linkage does not read (a region code) or the order of identifier rows."""
    cfg = DetectConfig().linkage
    base = from_csv_dir(provinces[SEEDS[0]])

    def digest(data: GraphData) -> str:
        return linkage_cache.input_digest(data, cfg, [])

    d0 = digest(base)
    assert digest(_fresh(base)) == d0
    regions = base.participants["region_code"].copy()
    regions.iloc[0] = "999999"
    assert digest(_fresh(base, region_code=regions)) == d0
    shuffled = GraphData.create(
        participants=base.participants.copy(),
        identifiers=base.identifiers.sample(frac=1.0, random_state=1),
    )
    assert digest(shuffled) == d0
    ids = base.identifiers.copy()
    phone = ids.index[ids["kind"] == "phone"][0]
    ids.loc[phone, "value"] = "13900000000"
    assert digest(GraphData.create(participants=base.participants.copy(), identifiers=ids)) != d0
    genders = base.participants["gender"].copy()
    genders.iloc[0] = "F" if genders.iloc[0] != "F" else "M"
    assert digest(_fresh(base, gender=genders)) != d0
    assert linkage_cache.input_digest(base, cfg.model_copy(update={"seed": 16}), []) != d0


def _with(data: GraphData, pid: str, **values: str) -> GraphData:
    people = data.participants.copy()
    at = people.index[people["participant_id"] == pid][0]
    for col, value in values.items():
        people.loc[at, col] = value
    return GraphData.create(participants=people, identifiers=data.identifiers.copy())


def test_a_relative_sharing_the_household_is_not_taken_for_the_person(
    provinces: dict[int, Path],
) -> None:
    """Adversarial for ``require_own_name_and_birth``: a planted same-person pair (one
    phone, one flat, one surname, one sex) is linked; made into a parent (the birth date
    34 years earlier, the name a homophone, as 云燕芳 / 云艳芳 on the 200k province) or a
    twin (same birth date, another given name, as 吴涛 / 吴慧) it is not, although all the
    household evidence still agrees."""
    d = provinces[SEEDS[1]]
    truth = GroundTruth.read(d / "ground_truth.json")
    a, b = sorted(m.id for m in next(r for r in truth.rings if r.shape == "mistyped_id").members)
    data = from_csv_dir(d)
    got = link_records(data)
    assert got.person(a) == got.person(b)
    people = data.participants.set_index("participant_id")
    born = str(people.loc[b, "birth_date"])
    parent = _with(data, b, birth_date=f"{int(born[:4]) - 34}{born[4:]}")
    twin = _with(data, b, name=str(people.loc[b, "name"])[0] + "慧琳")
    for variant in (parent, twin):
        linked = link_records(variant)
        assert linked.person(a) != linked.person(b)
