"""Amounts at risk of the current run's rings by month, typology and region, for the
charts on the ring list (issue #13), computed here from the same rows the list shows.

Why on the server: the page holds one page of rings, the charts sum all of them; and
sums in one place means the list's filters and the charts can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from graphsvc.services.explore.rings import RingFilters, current_run, matching_rings
from graphsvc.store import Store

MAX_REGIONS = 15  # the regions with the most at risk; the rest summed as one bar
OTHER = "other"


def ring_totals(store: Store, filters: RingFilters | None = None) -> dict[str, Any]:
    """``months`` (by ``period_start``'s month, in order), ``typologies`` and ``regions``
    (most at risk first); each row ``{key, amount, rings}``. Empty without a run."""
    f = (filters or RingFilters()).validate()
    run_id = f.run_id or (current_run(store) or {}).get("id")
    rows = matching_rings(store, f, str(run_id)) if run_id else []
    return totals_of(rows)


def totals_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The three breakdowns of ring rows (pure: the tests feed it rows).

    >>> t = totals_of([{"typology": "a", "amount_at_risk": 2.0, "period_start": "2024-03-09",
    ...                 "region_code": "460100"}, {"typology": "a", "amount_at_risk": 1.0}])
    >>> t["typologies"], t["months"]
    ([{'key': 'a', 'amount': 3.0, 'rings': 2}], [{'key': '2024-03', 'amount': 2.0, 'rings': 1}])
    """
    by: dict[str, dict[str, list[float]]] = {
        "months": defaultdict(list),
        "typologies": defaultdict(list),
        "regions": defaultdict(list),
    }
    for r in rows:
        amount = float(r.get("amount_at_risk") or 0.0)
        start = str(r.get("period_start") or "")
        if len(start) >= 7:
            by["months"][start[:7]].append(amount)
        if r.get("typology"):
            by["typologies"][str(r["typology"])].append(amount)
        if r.get("region_code"):
            by["regions"][str(r["region_code"])].append(amount)
    months = [_row(k, v) for k, v in sorted(by["months"].items())]
    typologies = _ranked(by["typologies"])
    regions = _ranked(by["regions"])
    if len(regions) > MAX_REGIONS:
        rest = regions[MAX_REGIONS - 1 :]
        other = {
            "key": OTHER,
            "amount": round(sum(r["amount"] for r in rest), 2),
            "rings": sum(r["rings"] for r in rest),
        }
        regions = [*regions[: MAX_REGIONS - 1], other]
    return {"months": months, "typologies": typologies, "regions": regions}


def _row(key: str, amounts: list[float]) -> dict[str, Any]:
    return {"key": key, "amount": round(sum(amounts), 2), "rings": len(amounts)}


def _ranked(groups: Mapping[str, list[float]]) -> list[dict[str, Any]]:
    out = [_row(k, v) for k, v in groups.items()]
    out.sort(key=lambda r: (-r["amount"], r["key"]))
    return out
