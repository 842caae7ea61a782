"""The charts beside a ring's network: what some typologies' evidence is made of in time.

Organised visits are people coming together on the same days: a people x session-date
grid shows the pattern better than any network. Split and ghost hospitalisation are
about stays: bars from admission to discharge, with the settlements the patient made
elsewhere while registered in the bed marked on them. The rows come from named
queries; the shaping is pure (below) so the same data always gives the same chart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from graphsvc.services.explore.query import _read
from graphsvc.store import Store

CHART_ROWS = 5_000  # rows read per chart; a ring's members have far fewer
MAX_SESSION_DATES = 60  # columns of the heat map beyond which it is unreadable
MIN_SESSION_SHARE = 0.25  # a session date: at least this share of the people (and two)

STAY_TYPOLOGIES = frozenset({"split_hospitalisation", "ghost_hospitalisation"})


def ring_charts(store: Store, ring_id: str, typology: str | None) -> dict[str, Any]:
    """The chart data of a ring (full id), by typology; an empty dict when it has none."""
    if typology == "organised_visits":
        rows = _read(store, "explore_ring_visit_days", {"id": ring_id, "limit": CHART_ROWS})
        return {"heatmap": visit_heatmap(rows)}
    if typology in STAY_TYPOLOGIES:
        params = {"id": ring_id, "limit": CHART_ROWS}
        stays = _read(store, "explore_ring_stays", params)
        outside = _read(store, "explore_ring_stays_elsewhere", params)
        return {"timeline": stay_timeline(stays, outside)}
    return {}


def visit_heatmap(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """People x session dates: a session date is one on which at least a quarter of the
    people (and two of them) came; cells count their settlements that day.

    >>> rows = [{"participant": p, "date": d, "visits": 1}
    ...         for p, d in [("P1", "2025-01-02"), ("P2", "2025-01-02"), ("P1", "2025-03-04"),
    ...                      ("P3", "2025-01-02"), ("P2", "2025-02-01")]]
    >>> h = visit_heatmap(rows)
    >>> h["people"], h["dates"], h["cells"]
    (['P1', 'P2', 'P3'], ['2025-01-02'], [[0, 0, 1], [0, 1, 1], [0, 2, 1]])
    """
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    people: set[str] = set()
    for r in rows:
        pid, day = str(r["participant"]), str(r["date"])
        people.add(pid)
        by_day[day][pid] = by_day[day].get(pid, 0) + int(r["visits"])
    need = max(2, int(MIN_SESSION_SHARE * len(people) + 0.999))
    sessions = sorted(d for d, who in by_day.items() if len(who) >= need)
    if len(sessions) > MAX_SESSION_DATES:  # keep the best attended, shown in date order
        best = sorted(sessions, key=lambda d: (-len(by_day[d]), d))[:MAX_SESSION_DATES]
        sessions = sorted(best)
    came = Counter(p for d in sessions for p in by_day[d])
    order = sorted(people, key=lambda p: (-came[p], p))
    row_of = {p: i for i, p in enumerate(order)}
    cells = sorted([x, row_of[p], n] for x, d in enumerate(sessions) for p, n in by_day[d].items())
    return {
        "people": order,
        "dates": sessions,
        "cells": cells,
        "max": max((c[2] for c in cells), default=0),
        "dates_left_out": max(
            0, len([d for d, w in by_day.items() if len(w) >= need]) - len(sessions)
        ),
    }


def stay_timeline(
    stays: Iterable[Mapping[str, Any]], outside: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """One lane per patient (first admitted first): stays as bars, the settlements made
    elsewhere during a stay as marks on it.

    >>> t = stay_timeline(
    ...     [{"participant": "P2", "id": "S1", "admitted": "2025-01-01",
    ...       "discharged": "2025-01-09", "institution": "H1", "diagnosis": "J18",
    ...       "amount": 9.5}],
    ...     [{"participant": "P2", "id": "S7", "date": "2025-01-04", "institution": "H9",
    ...       "institution_name": "Clinic", "amount": 2.0, "stay": "S1"}])
    >>> t["people"], t["stays"][0][:4], t["outside"][0][:3]
    (['P2'], [0, '2025-01-01', '2025-01-09', 'S1'], [0, '2025-01-04', 'S7'])
    """
    stay_rows = sorted(stays, key=lambda r: (str(r["admitted"]), str(r["participant"])))
    order: list[str] = []
    for r in stay_rows:
        if str(r["participant"]) not in order:
            order.append(str(r["participant"]))
    lane = {p: i for i, p in enumerate(order)}
    away = Counter(str(o["stay"]) for o in outside)
    bars = [
        [
            lane[str(r["participant"])],
            str(r["admitted"]),
            str(r["discharged"] or r["admitted"]),
            str(r["id"]),
            str(r.get("institution") or ""),
            str(r.get("diagnosis") or ""),
            round(float(r.get("amount") or 0.0), 2),
            away[str(r["id"])],
        ]
        for r in sorted(stay_rows, key=lambda r: (lane[str(r["participant"])], str(r["admitted"])))
    ]
    marks = [
        [
            lane[str(o["participant"])],
            str(o["date"]),
            str(o["id"]),
            str(o.get("institution_name") or o.get("institution") or ""),
            round(float(o.get("amount") or 0.0), 2),
            str(o["stay"]),
        ]
        for o in sorted(
            outside, key=lambda o: (str(o["participant"]), str(o["date"]), str(o["id"]))
        )
        if str(o["participant"]) in lane
    ]
    return {"people": order, "stays": bars, "outside": marks}
