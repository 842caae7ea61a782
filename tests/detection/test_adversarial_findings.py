"""A ring meeting several typologies keeps each verdict; money is fund + account."""

from __future__ import annotations

import json

import pandas as pd

from graphsvc.detection.config import DetectConfig
from graphsvc.detection.finding import money_at_risk
from graphsvc.detection.io import ring_params_json
from graphsvc.detection.rings import Member, Ring
from graphsvc.detection.runner import absorb, finalise


def _ring(typology: str, ids: list[str], surprise: float) -> Ring:
    members = [Member("participant", i, "member") for i in ids]
    return Ring(typology, members, [f"{typology} reason"], surprise, 10, 0.0,
                reasons_zh=[f"{typology} 理由"])  # fmt: skip


def test_folded_ring_keeps_each_typology() -> None:
    cfg = DetectConfig()
    big = finalise([_ring("organised_visits", [f"P{i}" for i in range(10)], 12.0)],
                   "organised_visits", cfg)  # fmt: skip
    small = finalise([_ring("split_hospitalisation", ["P1", "P2", "P3", "X"], 8.0)],
                     "split_hospitalisation", cfg)  # fmt: skip
    kept = absorb(big + small)
    assert len(kept) == 1
    verdicts = kept[0].typologies()
    assert [v["typology"] for v in verdicts] == ["organised_visits", "split_hospitalisation"]
    assert verdicts[1]["score"] == small[0].score > 0
    assert verdicts[1]["clause"] == "Hainan Art. 23(1)"
    stored = json.loads(ring_params_json(kept[0], cfg))
    assert [v["typology"] for v in stored["typologies"]] == [v["typology"] for v in verdicts]
    # A ring mostly outside the larger one is not swallowed.
    other = finalise([_ring("split_hospitalisation", ["P1", "Y1", "Y2", "Y3"], 8.0)],
                     "split_hospitalisation", cfg)  # fmt: skip
    again = finalise([_ring("organised_visits", [f"P{i}" for i in range(10)], 12.0)],
                     "organised_visits", cfg)  # fmt: skip
    assert len(absorb(again + other)) == 2


def test_money_counts_account_and_says_when_nothing_moved() -> None:
    rx = pd.DataFrame({"participant_id": ["A", "B"], "fund_paid": [0.0, 0.0],
                       "account_paid": [30.0, 20.0], "account_holder_id": ["H", None]})  # fmt: skip
    m = money_at_risk(rx)
    assert (m.total, m.fund, m.account, m.shared) == (50.0, 0.0, 50.0, 30.0)
    assert "共济¥30.00" in m.sentence()[1]
    none = money_at_risk(rx.assign(account_paid=0.0))
    assert none.total == 0.0 and "no settlement money moved" in none.sentence()[0]


def _coach_and_cards(cards_from: str) -> list[Ring]:
    coach = _ring("organised_visits", [f"P{i}" for i in range(9)], 20.0)
    coach.period_start, coach.period_end = "2025-01-05", "2025-12-01"
    cards = _ring("card_lending", [f"P{i}" for i in range(9)] + ["Q1", "Q2"], 30.0)
    cards.period_start, cards.period_end = cards_from, "2025-06-02"
    cfg = DetectConfig()
    return finalise([coach], "organised_visits", cfg) + finalise([cards], "card_lending", cfg)


def test_the_broader_of_two_rings_of_the_same_people_hosts() -> None:
    """A coach brought over a year (organised visits, 9 people) and one of its trips seen
    as many cards at one counter (card lending, the same 9 + 2 more): the card ring is
    larger but is one day of the scheme, so the year-long ring hosts and keeps the card
    finding. When the card ring is the broader one, it hosts."""
    kept = absorb(_coach_and_cards("2025-06-02"))
    assert [r.typology for r in kept] == ["organised_visits"]
    assert [v["typology"] for v in kept[0].typologies()] == ["organised_visits", "card_lending"]
    kept = absorb(_coach_and_cards("2024-01-01"))
    assert [r.typology for r in kept] == ["card_lending"]
