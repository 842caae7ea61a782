"""Rings of a detection run: the filtered, sorted, paged list and one ring's detail."""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphsvc.contract.typologies import TYPOLOGIES
from graphsvc.errors import InputError, NotFound
from graphsvc.model import KIND_OF
from graphsvc.services.explore.query import _read
from graphsvc.store import Node, Store

log = logging.getLogger(__name__)

SortKey = Literal[
    "score",
    "amount_at_risk",
    "member_count",
    "typology",
    "region_code",
    "period_start",
    "period_end",
    "id",
]
SORT_KEYS: tuple[str, ...] = (
    "score",
    "amount_at_risk",
    "member_count",
    "typology",
    "region_code",
    "period_start",
    "period_end",
    "id",
)
MAX_PER_PAGE = 500


def current_run(store: Store) -> dict[str, Any] | None:
    rows = store.run("explore_current_run").records()
    return rows[0] if rows else None


@dataclass(frozen=True)
class RingFilters:
    typology: str | None = None
    region: str | None = None
    min_score: float | None = None
    min_amount: float | None = None
    period_from: str | None = None
    period_to: str | None = None
    run_id: str | None = None
    # Only these ring ids (Ring.id), e.g. those with a member of a bad credit grade.
    ring_ids: frozenset[str] | None = None

    def validate(self) -> RingFilters:
        if self.typology and self.typology not in TYPOLOGIES:
            raise InputError(f"unknown typology; one of {', '.join(TYPOLOGIES)}")
        if self.region and not re.fullmatch(r"\d{2,6}", self.region):
            raise InputError("region must be 2 to 6 digits (a region code or its prefix)")
        for name in ("period_from", "period_to"):
            value = getattr(self, name)
            if value and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise InputError(f"{name} must be YYYY-MM or YYYY-MM-DD")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError("min_score must be within [0, 1]")
        return self


def list_rings(
    store: Store,
    filters: RingFilters | None = None,
    *,
    sort: str = "score",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """The contract's ring list (current run unless ``filters.run_id``), filtered,
    sorted (ties by id, so pages are stable) and paged."""
    f = (filters or RingFilters()).validate()
    if sort not in SORT_KEYS:
        raise InputError(f"sort must be one of {', '.join(SORT_KEYS)}")
    if order not in ("asc", "desc"):
        raise InputError("order must be asc or desc")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    run = None
    run_id = f.run_id
    if run_id is None:
        run = current_run(store)
        run_id = run["id"] if run else None
    answer: dict[str, Any] = {
        "run_id": run_id,
        "generated_at": (run or {}).get("finished_at") or (run or {}).get("started_at"),
        "total": 0,
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "order": order,
        "rings": [],
    }
    if run_id is None:
        return answer
    rows = matching_rings(store, f, run_id)
    # Ties by ascending id (stable sorts), rings without the value last in both orders.
    rows.sort(key=lambda r: str(r.get("id")))
    present = [r for r in rows if r.get(sort) is not None]
    present.sort(key=lambda r: r[sort], reverse=order == "desc")
    rows = present + [r for r in rows if r.get(sort) is None]
    answer["total"] = len(rows)
    chunk = rows[(page - 1) * per_page : page * per_page]
    members = _members(store, [r["id"] for r in chunk])
    answer["rings"] = [_ring_summary(r, members.get(r["id"], [])) for r in chunk]
    return answer


def matching_rings(store: Store, f: RingFilters, run_id: str) -> list[dict[str, Any]]:
    """The rows of ``run_id``'s rings that pass the (validated) filters, unsorted."""
    rows = _read(
        store,
        "explore_rings",
        {
            "run_id": run_id,
            "typology": f.typology or None,
            "region": f.region or None,
            "min_score": f.min_score,
            "min_amount": f.min_amount,
            "period_from": f.period_from or None,
            "period_to": f.period_to or None,
        },
    )
    if f.ring_ids is not None:
        rows = [r for r in rows if str(r.get("id")) in f.ring_ids]
    return rows


def _members(store: Store, ring_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    if not ring_ids:
        return out
    for row in _read(store, "explore_ring_members", {"ids": ring_ids}):
        kind = next((KIND_OF[lb] for lb in row["labels"] if lb in KIND_OF), "node")
        out[row["ring"]].append({"kind": kind, "id": str(row["id"]), "role": row.get("role") or ""})
    order = {"institution": 0, "doctor": 1, "participant": 2}
    for lst in out.values():
        lst.sort(key=lambda m: (order.get(m["kind"], 3), m["id"]))
    return out


def _ring_summary(row: Mapping[str, Any], members: list[dict[str, str]]) -> dict[str, Any]:
    reasons = row.get("reasons") or []
    # Rings written before Chinese reasons existed have none: pages fall back to English.
    reasons_zh = row.get("reasons_zh") or []
    return {
        "id": row["id"],
        "ring_id": row.get("ring_id"),
        "run_id": row.get("run_id"),
        "typology": row.get("typology"),
        "score": row.get("score"),
        "members": members,
        "member_count": row.get("member_count")
        if row.get("member_count") is not None
        else len(members),
        "reasons": list(reasons) if isinstance(reasons, list | tuple) else [str(reasons)],
        "reasons_zh": list(reasons_zh)
        if isinstance(reasons_zh, list | tuple)
        else [str(reasons_zh)],
        "amount_at_risk": row.get("amount_at_risk"),
        "region_code": row.get("region_code"),
        "period": {"start": row.get("period_start"), "end": row.get("period_end")},
        "clause": row.get("clause"),
    }


def find_ring(store: Store, ring_id: str) -> Node:
    """A ring by full id (``run:hash``), or by hash within the current run."""
    rows = store.run("explore_ring", {"id": ring_id}).rows
    if not rows:
        run = current_run(store)
        if run:
            rows = store.run("explore_ring_by_hash", {"ring_id": ring_id, "run_id": run["id"]}).rows
    if not rows:
        raise NotFound("no such ring", text_key="err.no_ring")
    node: Node = rows[0][0]
    return node


def parse_evidence(raw: Any) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        log.warning("ring evidence_json is not valid JSON; ignored")
        return []
    return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []


def ring_detail(store: Store, ring_id: str) -> dict[str, Any]:
    """The contract's ring shape plus evidence, clause, period, run and parameters."""
    g = find_ring(store, ring_id)
    p = g.properties
    members = _members(store, [p["id"]]).get(p["id"], [])
    out = _ring_summary({**p, "id": p["id"]}, members)
    out["evidence"] = parse_evidence(p.get("evidence_json"))
    out["created_at"] = p.get("created_at")
    try:
        out["params"] = json.loads(p["params_json"]) if p.get("params_json") else None
    except ValueError:
        out["params"] = None
    return out
