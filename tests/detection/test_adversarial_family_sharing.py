"""Adversarial family_sharing cases: plausible family is spared, never a disguise.

Pure GraphData built by hand (no store). Each exemption is tested both ways: the
legitimate group it names is not flagged, and a ring imitating it is still caught.
"""

from __future__ import annotations

from collections.abc import Callable

from graphsvc.detection import DetectConfig, GraphData, run_detectors

RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "diagnosis_code fund_paid account_holder_id account_paid"
)
PEOPLE = "participant_id birth_date region_code"
IDS = "participant_id kind value"
LINKS = "holder_id member_id relation since"


def _fills(payer: str, who: list[str], rows: list[tuple[object, ...]], n: int = 3) -> None:
    for p in who:
        for k in range(n):
            rows.append(
                (f"X{len(rows)}", p, "S1", None, f"2024-0{k + 1}-10", None, "pharmacy", "J00",
                 0.0, payer, 40.0)
            )  # fmt: skip


def _ring(make_data: Callable[..., GraphData], **tables: object):
    """Detect with 40 ordinary couples added (one paying for the other): the base rate."""
    people = list(tables.pop("participants", ([], PEOPLE))[0])
    ids = list(tables.pop("identifiers", ([], IDS))[0])
    links = list(tables.pop("family_links", ([], LINKS))[0])
    rows = list(tables.pop("prescriptions", ([], RX))[0])
    for i in range(40):
        h, w = f"CH{i}", f"CW{i}"
        people += [(h, "1970-01-01", "460100"), (w, "1971-01-01", "460100")]
        ids += [(h, "address", f"椰林路 {i}号"), (w, "address", f"椰林路 {i}号")]
        links.append((h, w, "spouse", "2020-01-01"))
        _fills(h, [w], rows, n=1)
    data = make_data(
        participants=(people, PEOPLE),
        identifiers=(ids, IDS),
        family_links=(links, LINKS),
        prescriptions=(rows, RX),
    )
    return run_detectors(data, DetectConfig(), "family_sharing_abuse").rings


def test_parent_living_elsewhere_is_not_a_beneficiary(make_data: Callable[..., GraphData]) -> None:
    """A registered parent at another address is family: flag the strangers, not her."""
    people = [("H", "1980-01-01", "460100"), ("MOM", "1950-01-01", "460100")]
    people += [(f"B{i}", "1990-01-01", "460100") for i in range(4)]
    ids = [("H", "address", "海秀路 1号"), ("MOM", "address", "琼山路 9号")]
    ids += [(f"B{i}", "address", f"滨海大道 {i}号") for i in range(4)]
    rows: list[tuple[object, ...]] = []
    _fills("H", ["MOM"] + [f"B{i}" for i in range(4)], rows)
    rings = _ring(
        make_data,
        participants=(people, PEOPLE),
        identifiers=(ids, IDS),
        family_links=([("H", "MOM", "parent", "2020-01-01")], LINKS),
        prescriptions=(rows, RX),
    )
    assert len(rings) == 1
    ids_in = {m.id for m in rings[0].members}
    assert ids_in == {"H", "B0", "B1", "B2", "B3"}
    # Pure account money: the ring still shows what moved (no ¥0.00 on the first screen).
    assert rings[0].amount_at_risk == 4 * 3 * 40.0
    assert any("个人账户" in r for r in rings[0].reasons_zh)
    f = rings[0].findings[0]
    assert f.observed == 4 and f.tests >= 1 and f.log10_p < 0
    assert f.exemptions[0].removed == 1
    assert any("explained as plausible family" in r for r in rings[0].reasons)


def test_no_address_is_not_a_different_address(make_data: Callable[..., GraphData]) -> None:
    people = [("H", "1980-01-01", "460100")]
    people += [(f"B{i}", "1990-01-01", "460100") for i in range(4)]
    rows: list[tuple[object, ...]] = []
    _fills("H", [f"B{i}" for i in range(4)], rows)
    rings = _ring(make_data, participants=(people, PEOPLE), prescriptions=(rows, RX))
    assert len(rings) == 1
    text = " ".join(rings[0].reasons)
    assert "different address" not in text
    assert "4 have no address on record" in text


def test_registered_family_with_fitting_ages_is_not_flagged(
    make_data: Callable[..., GraphData],
) -> None:
    """Spouse, two children and two parents, some living elsewhere: care, not abuse."""
    people = [("H", "1975-01-01", "460100"), ("S", "1976-01-01", "460100")]
    people += [("C1", "2000-01-01", "460100"), ("C2", "2004-01-01", "460100")]
    people += [("P1", "1948-01-01", "460100"), ("P2", "1950-01-01", "460100")]
    links = [("H", "S", "spouse", "2020-01-01"), ("H", "C1", "child", "2020-01-01")]
    links += [("H", "C2", "child", "2020-01-01"), ("H", "P1", "parent", "2020-01-01")]
    links += [("H", "P2", "parent", "2020-01-01")]
    ids = [(p, "address", "海秀路 1号") for p in ("H", "S", "C1", "C2")]
    ids += [(p, "address", "琼山路 9号") for p in ("P1", "P2")]
    rows: list[tuple[object, ...]] = []
    _fills("H", ["S", "C1", "C2", "P1", "P2"], rows)
    rings = _ring(
        make_data,
        participants=(people, PEOPLE),
        identifiers=(ids, IDS),
        family_links=(links, LINKS),
        prescriptions=(rows, RX),
    )
    assert rings == []


def test_fake_registrations_do_not_hide_a_ring(make_data: Callable[..., GraphData]) -> None:
    """Strangers registered as the holder's 'children' the ages contradict are still caught."""
    people = [("H", "1980-01-01", "460100")]
    people += [(f"B{i}", f"19{78 + i}-01-01", "460100") for i in range(4)]
    links = [("H", f"B{i}", "child", "2020-01-01") for i in range(4)]
    rows: list[tuple[object, ...]] = []
    _fills("H", [f"B{i}" for i in range(4)], rows)
    rings = _ring(
        make_data,
        participants=(people, PEOPLE),
        family_links=(links, LINKS),
        prescriptions=(rows, RX),
    )
    assert len(rings) == 1
    assert {m.id for m in rings[0].members} == {"H", "B0", "B1", "B2", "B3"}
    assert "4 have a declared relation" in " ".join(rings[0].reasons)


def _spread(link: str | None) -> dict[str, tuple[list[tuple[object, ...]], str]]:
    """Four holders paying for two strangers each, joined by ``link`` (or not)."""
    holders = [f"H{i}" for i in range(4)]
    people = [(h, "1975-01-01", "460100") for h in holders]
    ids = [(h, "address", f"海秀路 {i}号") for i, h in enumerate(holders)]
    rows: list[tuple[object, ...]] = []
    for i, h in enumerate(holders):
        strangers = [f"S{i}{j}" for j in range(2)]
        people += [(s, "1992-01-01", "460100") for s in strangers]
        ids += [(s, "address", f"滨海大道 {i}{j}号") for j, s in enumerate(strangers)]
        if link == "phone":
            ids.append((h, "phone", "13800000000"))
        for s in strangers:
            for k in range(3):
                # Unlinked holders' strangers fill on their own days; linked ones together.
                day = f"2024-0{k + 1}-1{i}" if link != "timing" else f"2024-0{k + 1}-15"
                rows.append((f"X{i}{s}{k}", s, "S1", None, day, None, "pharmacy", "J00", 0.0,
                             h, 40.0))  # fmt: skip
    return {
        "participants": (people, PEOPLE),
        "identifiers": (ids, IDS),
        "prescriptions": (rows, RX),
    }


def test_ring_spread_over_holders_is_caught(make_data: Callable[..., GraphData]) -> None:
    """Four holders with two strangers each: below the per-holder threshold, but holders
    sharing the recruiter's phone, or whose strangers fill together, are one ring."""
    for link in ("phone", "timing"):
        rings = _ring(make_data, **_spread(link))
        assert len(rings) == 1, link
        holders = sorted(m.id for m in rings[0].members if m.role == "account holder")
        assert holders == [f"H{i}" for i in range(4)]
        assert sum(1 for m in rings[0].members if m.role == "beneficiary") == 8
        assert rings[0].findings[0].observed == 8 and rings[0].amount_at_risk == 8 * 3 * 40.0


def test_unlinked_holders_with_two_strangers_are_not_a_ring(
    make_data: Callable[..., GraphData],
) -> None:
    assert _ring(make_data, **_spread(None)) == []
