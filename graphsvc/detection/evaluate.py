"""Detection quality against a generator's ground truth (pure: dicts in, dicts out).

Definitions (docs/conventions.md, "Quality metric"):

* a planted ring is *found* when some flagged ring of the same typology holds at least
  half of its members and at least half of the flagged ring's members are in it
  (members matched on ``(kind, id)``); *recall* = found / planted, per typology;
* *precision* per typology is measured on the top ``2 x planted`` flagged rings of
  that typology (by score): the share that match some planted ring of the typology
  under the same rule;
* a *legitimate group is flagged* when a flagged ring (any typology) that matches no
  planted ring has at least half of its members in one benign group of the ground
  truth (household, nursing home, hub identifier, chronic cohort, busy clinic,
  legitimate referral flow). A correct detection is not a false alarm because a few
  ring members also belong to a benign group.

Rings are taken in the contract's JSON shape (``typology``, ``score``, ``members``),
so any method's output (ours, the baseline, a file) is evaluated the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

Key = tuple[str, str]


def member_keys(ring: Mapping[str, Any]) -> set[Key]:
    return {(str(m["kind"]), str(m["id"])) for m in ring.get("members", [])}


def matches(planted: set[Key], flagged: set[Key]) -> bool:
    """The conventions' match rule.

    >>> p = {("participant", str(i)) for i in range(10)}
    >>> matches(p, {("participant", str(i)) for i in range(5)})
    True
    >>> matches(p, {("participant", str(i)) for i in range(4)})
    False
    >>> matches(p, p | {("participant", str(i)) for i in range(100, 111)})
    False
    """
    if not planted or not flagged:
        return False
    common = len(planted & flagged)
    return 2 * common >= len(planted) and 2 * common >= len(flagged)


def load_ground_truth(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        p = p / "ground_truth.json"
    data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return data


def _sorted_by_score(rings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(rings, key=lambda r: (-float(r.get("score", 0.0)), str(r.get("id", ""))))


def evaluate(
    rings: Sequence[Mapping[str, Any]],
    truth: Mapping[str, Any],
    typologies: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Per-typology recall and precision, and the benign groups flagged.

    >>> truth = {"rings": [{"id": "GT-shared_identity-001", "typology": "shared_identity",
    ...          "members": [{"kind": "participant", "id": p} for p in "ABCD"]}],
    ...          "benign_groups": [{"id": "H1", "kind": "household",
    ...          "members": [{"kind": "participant", "id": p} for p in "XYZ"]}]}
    >>> flagged = [{"id": "r1", "typology": "shared_identity", "score": 0.9,
    ...             "members": [{"kind": "participant", "id": p} for p in "ABC"]},
    ...            {"id": "r2", "typology": "shared_identity", "score": 0.5,
    ...             "members": [{"kind": "participant", "id": p} for p in "XY"]}]
    >>> e = evaluate(flagged, truth, ["shared_identity"])
    >>> t = e["typologies"]["shared_identity"]
    >>> t["recall"], t["precision"], e["legit_flagged"]
    (1.0, 0.5, ['H1'])
    """
    planted_all = list(truth.get("rings", []))
    names = (
        list(typologies)
        if typologies is not None
        else sorted({str(r["typology"]) for r in planted_all} | {str(r["typology"]) for r in rings})
    )
    out: dict[str, Any] = {"typologies": {}}
    for t in names:
        planted = [r for r in planted_all if r["typology"] == t]
        flagged = _sorted_by_score(r for r in rings if r.get("typology") == t)
        pkeys = [(str(p["id"]), member_keys(p)) for p in planted]
        fkeys = [member_keys(f) for f in flagged]
        found = [pid for pid, pk in pkeys if any(matches(pk, fk) for fk in fkeys)]
        missed = [pid for pid, _ in pkeys if pid not in set(found)]
        k = 2 * len(planted)
        top = fkeys[:k]
        correct = sum(1 for fk in top if any(matches(pk, fk) for _, pk in pkeys))
        out["typologies"][t] = {
            "planted": len(planted),
            "flagged": len(flagged),
            "found": len(found),
            "recall": round(len(found) / len(planted), 4) if planted else None,
            "top_k": len(top),
            "precision": round(correct / len(top), 4) if top else (1.0 if planted else None),
            "missed": missed,
        }
    # A ring that matches a planted ring is a true detection even when some of its
    # members also belong to a benign group (a ring member who lists a hospital
    # switchboard as contact): only unmatched rings can flag a legitimate group.
    planted_by_type: dict[str, list[set[Key]]] = {}
    for p in planted_all:
        planted_by_type.setdefault(str(p["typology"]), []).append(member_keys(p))
    unmatched = []
    for r in rings:
        rk = member_keys(r)
        if not any(matches(pk, rk) for pk in planted_by_type.get(str(r.get("typology")), [])):
            unmatched.append(r)
    # Index benign groups by member, then count each ring's members per group.
    groups_of: dict[Key, list[str]] = {}
    for g in truth.get("benign_groups", []):
        for key in member_keys(g):
            groups_of.setdefault(key, []).append(str(g["id"]))
    legit: set[str] = set()
    for r in unmatched:
        rk = member_keys(r)
        counts: dict[str, int] = {}
        for key in rk:
            for gid in groups_of.get(key, []):
                counts[gid] = counts.get(gid, 0) + 1
        legit.update(gid for gid, n in counts.items() if rk and 2 * n >= len(rk))
    out["legit_flagged"] = sorted(legit)
    out["legit_groups"] = len(truth.get("benign_groups", []))
    return out


def passes(report: Mapping[str, Any], recall: float = 0.95, precision: float = 0.9) -> list[str]:
    """Failures of a report against the targets (empty list: all met).

    >>> passes({"typologies": {"x": {"recall": 1.0, "precision": 0.8}}, "legit_flagged": []})
    ['x: precision 0.8 < 0.9']
    """
    problems: list[str] = []
    for t, m in report["typologies"].items():
        if m["recall"] is not None and m["recall"] < recall:
            problems.append(f"{t}: recall {m['recall']} < {recall}")
        if m["precision"] is not None and m["precision"] < precision:
            problems.append(f"{t}: precision {m['precision']} < {precision}")
    if report["legit_flagged"]:
        problems.append(f"legitimate groups flagged: {report['legit_flagged'][:10]}")
    return problems
