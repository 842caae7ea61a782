"""Evidence-first ring layouts (viz.evidence_layout) and localised view texts (issue 13)."""

from __future__ import annotations

import math

from graphsvc.model import EVIDENCE, TREATED_BY, VISITED
from graphsvc.store.values import Node, Relationship
from graphsvc.web.i18n import t
from viz.evidence_layout import evidence_layout
from viz.evidence_text import DETAIL_PATTERNS, detail_text
from viz.model import build_view


def person(i: int, **props: object) -> Node:
    return Node(f"participant:P{i}", ("Participant",), {"id": f"P{i}", **props})


def place(i: int, label: str = "Institution", kind: str = "institution") -> Node:
    return Node(f"{kind}:H{i}", (label,), {"id": f"H{i}", "name": f"Clinic {i}"})


def rel(a: Node, b: Node, t: str, **props: object) -> Relationship:
    return Relationship(f"{a.id}|{t}|{b.id}", t, a.id, b.id, dict(props))


def test_settlements_start_hidden_with_the_places_only_they_tie_in() -> None:
    p, q, h, other = person(1), person(2), place(1), place(2)
    rels = [
        rel(p, h, EVIDENCE, evidence_type="FAR_SETTLEMENT", records=3),
        rel(q, h, EVIDENCE, evidence_type="FAR_SETTLEMENT", records=1),
        rel(p, other, VISITED, count=4, amount=10.0),
        rel(q, other, TREATED_BY, count=1),
    ]
    view = evidence_layout(
        build_view([p, q, h, other], rels, highlight={p.id, q.id, h.id}, lang="zh"),
        "card_lending",
    )
    hidden = {e.type for e in view.edges if e.hidden}
    assert hidden == {VISITED, TREATED_BY}
    assert [n.id for n in view.nodes if n.hidden] == [other.id]
    assert {e.key: e.hidden for e in view.legend if e.shape in ("line", "dashed")} == {
        EVIDENCE: False,
        VISITED: True,
        TREATED_BY: True,
    }
    # the place the evidence points at is fixed in the middle
    centre = next(n for n in view.nodes if n.id == h.id)
    assert (centre.x, centre.y, centre.fixed) == (0.0, 0.0, True)


def test_the_account_holders_fan_carries_relation_and_age() -> None:
    holder = person(0, birth_date="1980-01-01")
    kids = [person(i, birth_date=f"{2000 + i}-06-01") for i in range(1, 6)]
    rels = [rel(holder, k, EVIDENCE, evidence_type="PAID_BY_ACCOUNT", records=1) for k in kids]
    rels += [rel(holder, k, "SHARES_ACCOUNT", relation="child") for k in kids]
    view = build_view([holder, *kids], rels, highlight={n.id for n in [holder, *kids]}, lang="en")
    births = {n.id: n.properties["birth_date"] for n in [holder, *kids]}
    out = evidence_layout(
        view, "family_sharing_abuse", {"period_end": "2025-12-31", "birth_dates": births}, "en"
    )
    at = {n.id: n for n in out.nodes}
    assert (at[holder.id].x, at[holder.id].y) == (0.0, 0.0)
    radii = {round(math.hypot(at[k.id].x or 0.0, at[k.id].y or 0.0)) for k in kids}
    assert len(radii) == 1 and all(at[k.id].fixed for k in kids)
    assert at[kids[0].id].label == "P1\nchild · age 24"
    assert not out.physics


def test_pharmacy_flows_run_left_to_right_as_wide_as_their_money() -> None:
    d = Node("doctor:D1", ("Doctor",), {"id": "D1"})
    ph, ph2 = place(1), place(2)
    rels = [
        rel(d, ph, EVIDENCE, evidence_type="STEERS_TO", fills=50, amount=1000.0),
        rel(d, ph2, EVIDENCE, evidence_type="STEERS_TO", fills=5, amount=100.0),
    ]
    view = evidence_layout(build_view([d, ph, ph2], rels, lang="zh"), "pharmacy_collusion")
    at = {n.id: n for n in view.nodes}
    assert (at[d.id].x or 0) < (at[ph.id].x or 0)
    widths = {e.target: e.width for e in view.edges}
    assert widths[ph.id] > widths[ph2.id]
    labels = {e.target: e.label for e in view.edges}
    assert labels[ph.id] == "50 次取药 ¥1,000"


def test_tooltips_say_properties_in_the_pages_language_and_hide_internal_ones() -> None:
    p = person(1, gender="F", load_id="L1", row_hash="abc", name_key="k", birth_date="1990-01-02")
    settlement = Node(
        "prescription:S1", ("Prescription",), {"id": "S1", "total_amount": 1234.5, "load_id": "L"}
    )
    view = build_view([p, settlement], [], lang="zh")
    titles = {n.id: n.title for n in view.nodes}
    assert "load_id" not in titles[p.id] and "row_hash" not in titles[p.id]
    assert "name_key" not in titles[p.id]
    assert "女" in titles[p.id] and "出生日期" in titles[p.id]
    assert "¥1,234.50" in titles[settlement.id]


def test_every_detail_pattern_has_its_texts_and_unknown_details_stay_as_written() -> None:
    for _typ, _pattern, key in DETAIL_PATTERNS:
        for lang in ("zh", "en"):
            assert t(f"evidence_detail.{key}", lang) != f"evidence_detail.{key}", key
    said = detail_text(
        "GHOST_STAY", "stay S1: settlements elsewhere on 2 day(s) during the stay: S2, S3", "zh"
    )
    assert said == "住院 S1：住院期间有 2 天在其他机构结算：S2, S3"
    assert detail_text("GHOST_STAY", "something new", "zh") == "something new"
