"""A ring page's evidence in the reader's language: the table, summarised, and the charts.

Details are said in the page's language by ``viz.evidence_text``. The table groups
records per (source, target, type): a ring with 137 records of the same two kinds of
link reads as a few rows, each saying how many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphsvc.web.i18n import label, t
from viz.evidence_text import detail_text

EVIDENCE_SAMPLES = 3  # details shown per table row; the row says how many records it has


def evidence_rows(
    evidence: Iterable[Mapping[str, Any]], lang: str, typology: str | None = None
) -> list[dict[str, Any]]:
    """One row per (source, target, type): how many records, their weight, a few details.
    Shared identity: one row per shared identifier with its holders (its records are
    pairs, N-1 of them per identifier, which say nothing a list of holders does not)."""
    if typology == "shared_identity":
        return _identifier_rows(evidence, lang)
    rows: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for ev in evidence:
        src, tgt = ev.get("source") or {}, ev.get("target") or {}
        kind = str(ev.get("type") or "")
        key = (
            str(src.get("kind") or ""),
            str(src.get("id") or ""),
            str(tgt.get("kind") or ""),
            str(tgt.get("id") or ""),
            kind,
        )
        row = rows.setdefault(
            key,
            {
                "source": src or None,
                "target": tgt or None,
                "type": label("evidence_type", kind, lang),
                "records": 0,
                "weight": 0.0,
                "details": [],
            },
        )
        row["records"] += 1
        weight = ev.get("weight")
        if isinstance(weight, int | float):
            row["weight"] = round(row["weight"] + float(weight), 4)
        if len(row["details"]) < EVIDENCE_SAMPLES:
            row["details"].append(detail_text(kind, ev.get("detail"), lang, ev.get("detail_zh")))
    return [rows[k] for k in sorted(rows, key=lambda k: (k[4], k[0], k[1], k[2], k[3]))]


def _identifier_rows(evidence: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for ev in evidence:
        kind = str(ev.get("type") or "")
        detail = str(ev.get("detail") or "")
        row = groups.setdefault(
            detail,
            {
                "source": None,
                "target": None,
                "type": label("evidence_type", kind, lang),
                "records": 0,
                "weight": 0.0,
                "details": [detail_text(kind, detail, lang, ev.get("detail_zh"))],
                "people": {},
            },
        )
        row["records"] += 1
        weight = ev.get("weight")
        if isinstance(weight, int | float):
            row["weight"] = max(row["weight"], float(weight))
        for end in (ev.get("source") or {}, ev.get("target") or {}):
            if end.get("id"):
                row["people"][f"{end.get('kind')}:{end.get('id')}"] = dict(end)
    out = []
    for detail in sorted(groups, key=lambda d: (-len(groups[d]["people"]), d)):
        row = groups[detail]
        row["people"] = [row["people"][k] for k in sorted(row["people"])]
        out.append(row)
    return out


CHART_TEXTS = {
    "heatmap": ("chart_heatmap_title", "chart_person", "chart_session_date", "chart_visits"),
    "timeline": (
        "chart_timeline_title",
        "chart_person",
        "chart_stay",
        "chart_outside",
        "chart_admitted",
        "chart_discharged",
        "chart_amount",
        "chart_diagnosis",
        "chart_institution",
        "chart_outside_n",
    ),
}


def chart_block(charts: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The charts' data with the words they show, for the page's JSON block."""
    out: dict[str, Any] = {}
    for name, data in charts.items():
        words = {key: t(key, lang) for key in CHART_TEXTS.get(name, ())}
        out[name] = {**data, "texts": words}
    return out
