"""Addresses as people write them are one identifier (issue #15).

The parser is checked on hand-written Hainan spellings (and ones that must stay apart);
the end-to-end check loads the generated province, whose address records are
re-spelled per record, into the real store and asks the detectors' Explainer.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from graphsvc.contract.address import address_key, parse_address
from graphsvc.contract.normalise import normalise_identifier
from graphsvc.detection.common import Explainer
from graphsvc.detection.io import read_graph_data
from graphsvc.store import Store

SAME_FLAT = [
    "海南省海口市龙华区海秀路12号3栋201",
    "海口龙华海秀路12号3栋201室",
    "海口市海秀路１２号三栋二〇一室",
    "海南海口市龙华区 海秀路12号3幢201",
    "海口龙华区海秀路12号3号楼201室",
    " 海南省海口市 海秀路12号3栋201室 ",
]
SAME_COUNTY_FLAT = [
    "海南省陵水黎族自治县椰林镇椰林路3号12栋105室",
    "陵水县椰林镇椰林路3号十二栋105",
    "陵水椰林镇椰林路３号１２栋一〇五室",
]
OTHER_FLATS = [
    "海南省海口市海秀路12号3栋202室",  # another room
    "海南省海口市海秀路12号4栋201室",  # another building
    "海南省海口市海秀路14号3栋201室",  # another door number
    "海南省三亚市海秀路12号3栋201室",  # another city
    "海南省海口市海秀东路12号3栋201室",  # another road
    "海南省海口市海秀路12号3栋2单元201室",  # a unit written: not known to be the same flat
]


def test_spellings_of_one_flat_are_one_key() -> None:
    assert {address_key(s) for s in SAME_FLAT} == {"海南省海口市海秀路12号3栋201室"}
    assert {address_key(s) for s in SAME_COUNTY_FLAT} == {
        "海南省陵水黎族自治县椰林镇椰林路3号12栋105室"
    }
    keys = [address_key(s) for s in OTHER_FLATS]
    assert len(set(keys)) == len(keys) and address_key(SAME_FLAT[0]) not in keys


def test_parts_and_levels() -> None:
    a = parse_address("海口龙华海秀路12号3栋2单元201室")
    assert (a.province, a.city, a.county, a.road) == ("海南省", "海口市", "龙华区", "海秀路")
    assert (a.number, a.building, a.unit, a.room) == ("12", "3", "2", "201")
    assert a.key("building") == "海南省海口市海秀路12号3栋"
    assert a.key("unit") == "海南省海口市海秀路12号3栋2单元"
    # the building is shared by two flats, the room is not
    b = parse_address("海南省海口市海秀路12号3栋1单元102")
    assert a.key("building") == b.key("building") and a.key() != b.key()


def test_short_forms_do_not_eat_place_names() -> None:
    # 海棠湾镇 is a town (三亚's 海棠区 is written with 区), 东方红路 a road, 龙华路 a road
    assert parse_address("三亚海棠湾镇迎宾路5号").road == "海棠湾镇迎宾路"
    assert parse_address("海南省三亚市海棠区迎宾路5号").county == "海棠区"
    assert parse_address("海口市龙华路1号").road == "龙华路"
    assert parse_address("海南省文昌市东方红路2号").road == "东方红路"
    # a district implies its city; a district of another city is not taken as county
    assert parse_address("龙华区海秀路1号").city == "海口市"
    assert parse_address("三亚市龙华区路1号").county == ""


def test_outside_hainan_keeps_the_cleaned_text() -> None:
    assert address_key("湖南省  长沙市芙蓉区五一大道８号") == "湖南省 长沙市芙蓉区五一大道8号"
    assert normalise_identifier("address", "  ") == ""  # still rejected by the loader


def test_key_is_idempotent() -> None:
    for s in SAME_FLAT + SAME_COUNTY_FLAT + OTHER_FLATS:
        assert address_key(address_key(s)) == address_key(s)


@pytest.fixture(scope="module")
def written(province_dir: Path) -> pd.DataFrame:
    ids = pd.read_csv(province_dir / "identifiers.csv", dtype=str, keep_default_na=False)
    a = ids[ids["kind"] == "address"].copy()
    a["key"] = [normalise_identifier("address", v) for v in a["value"]]
    return a


def test_generated_province_respells_addresses(written: pd.DataFrame) -> None:
    spellings = written.groupby("key")["value"].nunique()
    # many flats are written in more than one way, yet far fewer keys than spellings
    assert (spellings >= 2).sum() >= 0.3 * len(spellings)
    assert written["value"].nunique() >= 1.4 * written["key"].nunique()


def test_household_spelled_differently_is_one_identifier_and_explained(
    loaded_store: Store, written: pd.DataFrame
) -> None:
    data = read_graph_data(loaded_store)
    stored = data.identifiers[data.identifiers["kind"] == "address"]
    by_person: dict[str, set[str]] = defaultdict(set)
    for pid, value in zip(stored["participant_id"], stored["value"], strict=True):
        by_person[str(pid)].add(str(value))
    # one identifier per flat: as many stored addresses as keys, fewer than spellings
    assert stored["value"].nunique() == written["key"].nunique() < written["value"].nunique()
    explainer = Explainer(data, household_max=8)
    checked = 0
    for key, grp in written.groupby("key"):
        if grp["value"].nunique() < 2 or len(grp) > 8:
            continue  # one spelling only, or a collective address / care home
        people = sorted(set(grp["participant_id"]))
        # the store holds one identifier for the flat, whatever each member wrote (its
        # value is the key, or its pseudonym once issue #14 pseudonymises values)
        common = set.intersection(*(by_person[p] for p in people))
        flat = [v for v in common if sorted(explainer.addresses[v][1]) == people]
        assert len(flat) == 1, (key, common)
        kind = explainer.addresses[flat[0]][0]
        if kind == "household":
            assert all(explainer.same_household(a, b) for a, b in combinations(people, 2))
            checked += 1
    assert checked >= 100
