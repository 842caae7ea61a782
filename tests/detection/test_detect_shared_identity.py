from __future__ import annotations

from collections.abc import Callable

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.shared_identity import detect

IDS = "participant_id kind value"


def test_ring_found_and_hub_does_not_chain_strangers(make_data: Callable[..., GraphData]) -> None:
    rows = [(f"R{i}", "device", "IMEI-0001") for i in range(8)]
    rows += [(f"R{i}", "bank_account", "6222 0000 9999") for i in range(8)]
    # A hospital switchboard number given as contact by 400 strangers, two of them ring
    # members: it must not pull the 400 into the ring.
    rows += [(f"S{i}", "phone", "0898-6666 6666") for i in range(400)]
    rows += [("R0", "phone", "089866666666"), ("R1", "phone", "0898 6666 6666")]
    data = make_data(identifiers=(rows, IDS))
    rings = run_detectors(data, DetectConfig(), "shared_identity").rings
    assert [sorted(m.id for m in r.members) for r in rings] == [[f"R{i}" for i in range(8)]]
    ring = rings[0]
    assert 0 < ring.score <= 1
    assert any("8 participants share device" in s for s in ring.reasons)
    # The switchboard is weighed, not cut: held by 402, two in the group is what
    # independent sharing expects, so its chance is near 1 (not a power of ten).
    hub = [s for s in ring.reasons if "held by 402 participants in all" in s]
    assert len(hub) == 1 and "1e-" not in hub[0].rsplit("sharing", 1)[1], hub
    assert "IMEI-0001".lower() not in " ".join(ring.reasons)  # masked


def test_family_and_household_are_explained_away(make_data: Callable[..., GraphData]) -> None:
    # A registered family of five shares a bank account and a phone; a household
    # (same small address, unregistered) shares a phone: neither is a ring.
    rows = [(f"H{i}", "bank_account", "6222 1111") for i in range(5)]
    rows += [(f"H{i}", "phone", "13900000001") for i in range(5)]
    rows += [(f"U{i}", "address", "海口市 龙华路 1号") for i in range(4)]
    rows += [(f"U{i}", "phone", "13900000002") for i in range(4)]
    links = [("H0", f"H{i}", "child", "2020-01-01") for i in range(1, 4)]
    links += [("H0", "H4", "spouse", "2020-01-01")]
    data = make_data(
        identifiers=(rows, IDS), family_links=(links, "holder_id member_id relation since")
    )
    assert detect(data, DetectConfig()) == []


def test_address_alone_is_weak_evidence(make_data: Callable[..., GraphData]) -> None:
    rows = [(f"N{i}", "address", "养老院 1号楼") for i in range(20)]
    data = make_data(identifiers=(rows, IDS))
    assert detect(data, DetectConfig()) == []


def test_same_data_same_ring_ids(make_data: Callable[..., GraphData]) -> None:
    rows = [(f"R{i}", "device", "dev-9") for i in range(5)]
    rows += [(f"R{i}", "email", "ring@example.com") for i in range(5)]
    a = run_detectors(make_data(identifiers=(rows, IDS)), DetectConfig()).rings
    b = run_detectors(make_data(identifiers=(list(reversed(rows)), IDS)), DetectConfig()).rings
    assert [r.ring_id for r in a] == [r.ring_id for r in b] and len(a) == 1
    assert [r.score for r in a] == [r.score for r in b]


def test_small_care_home_is_explained(make_data: Callable[..., GraphData]) -> None:
    """20 elderly residents at one address with one landline; the home's account for 6
    of them: a care home. The same address and sharing with working-age residents of
    every age is no household and no care home (issue #11): it is a ring."""
    rows = [(f"N{i}", "address", "海口市 康乐路 9号 颐养院") for i in range(20)]
    rows += [(f"N{i}", "phone", "0898-66123456" if i % 2 else "089866123456") for i in range(20)]
    rows += [(f"N{i}", "bank_account", "6217 0000 5555") for i in range(6)]
    people = "participant_id birth_date"
    elderly = [(f"N{i}", f"{1930 + i}-05-01") for i in range(20)]
    assert detect(make_data(identifiers=(rows, IDS), participants=(elderly, people)),
                  DetectConfig()) == []  # fmt: skip
    # The same sharing by six people at six addresses is a ring.
    moved = [(p, k, f"海口市 {p}号" if k == "address" else v) for p, k, v in rows]
    rings = detect(make_data(identifiers=(moved, IDS)), DetectConfig())
    assert [r.member_count for r in rings] == [6]
    # Twenty residents born 1950-2005 at one address: not a household, not a care home,
    # so the address explains nothing and the six on one account are a ring.
    mixed = [(f"N{i}", f"{1950 + 3 * i}-05-01") for i in range(20)]
    rings = detect(make_data(identifiers=(rows, IDS), participants=(mixed, people)),
                   DetectConfig())  # fmt: skip
    assert [sorted(m.id for m in r.members) for r in rings] == [[f"N{i}" for i in range(6)]]
    assert any("do not fit a household" in s for s in rings[0].reasons)


def test_relative_living_elsewhere_shares_household_phone(
    make_data: Callable[..., GraphData],
) -> None:
    """A grandparent on the head's family account, at another address, uses the
    household's phone and the spouse's bank account: family, not a ring (seen in the
    generated 100k province, where it flagged a household). The same sharing by an
    unrelated person at another address is still evidence: with a second outsider (three
    independent units, the household being one) it is a ring."""
    home = "三亚市 三亚湾路 272号 303室"
    household = ["HEAD", "SPOUSE", "C1", "C2", "C3"]
    rows = [(p, "address", home) for p in household]
    rows += [(p, "phone", "18869266406") for p in household if p != "HEAD"]
    rows += [("SPOUSE", "bank_account", "6217 0006 9981 6525 000")]
    rows += [("GRANDPA", "address", "三亚市 河东路 125号"), ("GRANDPA", "phone", "18869266406")]
    rows += [("GRANDPA", "bank_account", "6217 0006 9981 6525 000")]
    rows += [("NEIGHBOUR", "address", "三亚市 河东路 9号"), ("NEIGHBOUR", "phone", "18869266406")]
    rows += [("NEIGHBOUR", "bank_account", "6217 0006 9981 6525 000")]
    links = [("HEAD", "GRANDPA", "parent", "2023-11-08")]
    data = make_data(
        identifiers=(rows, IDS), family_links=(links, "holder_id member_id relation since")
    )
    assert detect(data, DetectConfig()) == []
    unrelated = make_data(identifiers=(rows, IDS))
    rings = detect(unrelated, DetectConfig())
    assert [sorted(m.id for m in r.members) for r in rings] == [
        sorted(["GRANDPA", "NEIGHBOUR", "SPOUSE", "C1", "C2", "C3"])
    ]
