"""Adversarial shared_identity cases (issue #11): each exemption and threshold both ways.

Pure GraphData built by hand (no store). A hub identifier weighs by its degree, not by
a cliff; an address explains sharing only as a plausible household or a care home.
"""

from __future__ import annotations

from collections.abc import Callable

from graphsvc.detection import DetectConfig, GraphData
from graphsvc.detection.shared_identity import detect

IDS = "participant_id kind value"
PEOPLE = "participant_id name birth_date"


def _people(
    ids: list[str], years: list[int], surnames: str | None = None
) -> list[tuple[object, ...]]:
    """Participants with distinct surnames (unless given) and the given birth years."""
    sur = (
        surnames
        or "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章"
    )
    return [
        (p, f"{sur[i % len(sur)]}明", f"{y}-06-01")
        for i, (p, y) in enumerate(zip(ids, years, strict=True))
    ]


def _members(rings: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [sorted(m.id for m in r.members) for r in rings]


def test_many_recruits_on_one_account_and_device_are_caught(
    make_data: Callable[..., GraphData],
) -> None:
    """25 recruits on one bank account and one device: above the old hub cut of 20."""
    ring = [f"R{i:02d}" for i in range(25)]
    rows = [(p, "bank_account", "6222 0000 7777") for p in ring]
    rows += [(p, "device", "IMEI-RING") for p in ring]
    rows += [(p, "address", f"海口市 滨海大道 {i}号") for i, p in enumerate(ring)]
    rings = detect(make_data(identifiers=(rows, IDS)), DetectConfig())
    assert _members(rings) == [ring]
    f = rings[0].findings[0]
    assert f.log10_p < -50 and f.tests >= 1


def test_hub_identifiers_link_nobody(make_data: Callable[..., GraphData]) -> None:
    """A switchboard phone (300) and a kiosk device (150) with 40 people on both: what
    independent sharing gives for identifiers this big. Not a ring."""
    board = [f"S{i:03d}" for i in range(300)]
    kiosk = board[:40] + [f"K{i:03d}" for i in range(110)]
    rows = [(p, "phone", "0898-6666 0000") for p in board]
    rows += [(p, "device", "KIOSK-1") for p in kiosk]
    data = make_data(n_people=1_000, identifiers=(rows, IDS))
    assert detect(data, DetectConfig()) == []
    # Three of them and seven others share a private device and a bank account: a
    # ring. Its three on the switchboard and the kiosk are about what chance gives for
    # identifiers this big: those hubs are weighed (chance shown), not joined.
    ring = board[:3] + [f"R{i}" for i in range(7)]
    extra = [(p, "device", "PRIVATE-1") for p in ring]
    extra += [(p, "bank_account", "6222 1111 2222") for p in ring]
    rings = detect(make_data(n_people=1_000, identifiers=(rows + extra, IDS)), DetectConfig())
    assert _members(rings) == [sorted(ring)]
    for size in (300, 150):
        hub = [s for s in rings[0].reasons if f"held by {size} participants" in s]
        assert hub and "1e-" not in hub[0].rsplit("sharing", 1)[1], hub


def test_recruits_at_the_recruiters_address_are_no_household(
    make_data: Callable[..., GraphData],
) -> None:
    """Twelve recruits of unrelated ages registered at the recruiter's address: no
    household, so the address explains none of their shared account and device."""
    ring = [f"R{i:02d}" for i in range(12)]
    rows = [(p, "address", "海口市 龙昆南路 8号 302室") for p in ring]
    rows += [(p, "bank_account", "6222 0000 8888") for p in ring[:8]]
    rows += [(p, "device", "IMEI-8") for p in ring[4:]]
    people = _people(ring, [1960 + 3 * i for i in range(12)])
    rings = detect(
        make_data(identifiers=(rows, IDS), participants=(people, PEOPLE)), DetectConfig()
    )
    assert _members(rings) == [ring]
    assert any("do not fit a household" in s for s in rings[0].reasons)
    assert rings[0].findings[0].exemptions[0].removed == 0


def test_a_family_household_is_one_unit(make_data: Callable[..., GraphData]) -> None:
    """A family of five (two generations, one surname for the children) shares an
    account and a device: explained. With three outsiders on the same account and
    device, it is a ring, and the ten household pairs are shown as explained."""
    home = [f"H{i}" for i in range(5)]
    rows = [(p, "address", "三亚市 河东路 5号") for p in home]
    rows += [(p, k, v) for p in home for k, v in (("bank_account", "6222 5"), ("device", "D5"))]
    people = [
        ("H0", "王建国", "1970-01-01"),
        ("H1", "李秀英", "1972-01-01"),
        ("H2", "王磊", "1995-01-01"),
        ("H3", "王芳", "1998-01-01"),
        ("H4", "王强", "2003-01-01"),
    ]
    data = make_data(identifiers=(rows, IDS), participants=(people, PEOPLE))
    assert detect(data, DetectConfig()) == []
    out = [f"O{i}" for i in range(3)]
    rows += [(p, k, v) for p in out for k, v in (("bank_account", "6222 5"), ("device", "D5"))]
    rows += [(p, "address", f"三亚市 {p}号") for p in out]
    rings = detect(
        make_data(identifiers=(rows, IDS), participants=(people, PEOPLE)), DetectConfig()
    )
    assert _members(rings) == [sorted(home + out)]
    assert rings[0].findings[0].exemptions[0].removed == 10
    assert any("10 pairs explained as registered family" in s for s in rings[0].reasons)


def test_flatmates_of_one_generation_are_no_household(
    make_data: Callable[..., GraphData],
) -> None:
    """Six adults born within ten years, six surnames, at one address, sharing an account
    and a device: no family fits. The same six with one surname between two of them
    (siblings) are a plausible household."""
    ps = [f"F{i}" for i in range(6)]
    rows = [(p, "address", "儋州市 那大镇 3号") for p in ps]
    rows += [(p, k, v) for p in ps for k, v in (("bank_account", "6222 6"), ("device", "D6"))]
    years = [1990, 1991, 1993, 1995, 1997, 1999]
    rings = detect(
        make_data(identifiers=(rows, IDS), participants=(_people(ps, years), PEOPLE)),
        DetectConfig(),
    )
    assert _members(rings) == [ps]
    siblings = _people(ps, years, surnames="王王赵钱孙李")
    assert detect(make_data(identifiers=(rows, IDS), participants=(siblings, PEOPLE)),
                  DetectConfig()) == []  # fmt: skip


def test_care_home_is_explained_but_not_a_disguise(make_data: Callable[..., GraphData]) -> None:
    """30 residents aged 70-95 at one home with its landline and its account for ten:
    a care home. Thirty elderly at thirty addresses with that sharing: a ring."""
    res = [f"N{i:02d}" for i in range(30)]
    rows = [(p, "phone", "0898-6612 3456") for p in res]
    rows += [(p, "bank_account", "6217 0000 5555") for p in res[:10]]
    home = [(p, "address", "海口市 康乐路 9号 颐养院") for p in res]
    people = _people(res, [1930 + i % 25 for i in range(30)])
    cfg = DetectConfig()
    data = make_data(identifiers=(rows + home, IDS), participants=(people, PEOPLE))
    assert detect(data, cfg) == []
    apart = [(p, "address", f"海口市 {p}号") for p in res]
    rings = detect(make_data(identifiers=(rows + apart, IDS), participants=(people, PEOPLE)), cfg)
    assert _members(rings) == [sorted(res[:10])]
