"""Replay a held-back month of a generated province through the screening index.

All but the last month is loaded and detected; the index is built from the store;
the last month's settlements are screened. Planted-ring settlements (patient a ring
member in ground_truth.json) must be review/hold at >= 0.95, settlements touching no
planted ring member must pass at >= 0.99.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from graphsvc.screening import build_index, parse_settlement, screen
from graphsvc.store import Store


def _hold_back(src: Path, dst: Path) -> list[dict[str, str]]:
    shutil.copytree(src, dst)
    path = dst / "prescriptions.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    last = max(r["date"][:7] for r in rows)
    kept = [r for r in rows if r["date"][:7] != last]
    held = [r for r in rows if r["date"][:7] == last]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(kept)
    gone = {r["prescription_id"] for r in held}
    items = dst / "prescription_items.csv"
    if items.exists():
        with items.open(newline="", encoding="utf-8") as fh:
            lines = list(csv.DictReader(fh))
        with items.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(lines[0]))
            w.writeheader()
            w.writerows(r for r in lines if r["prescription_id"] not in gone)
    return held


def test_held_back_month(store: Store, province_dir: Path, tmp_path: Path) -> None:
    from graphsvc.detection import run_detection
    from loaders import load_directory

    held = _hold_back(province_dir, tmp_path / "p")
    load_directory(store, tmp_path / "p")
    run_detection(store)
    index = build_index(store)
    truth = json.loads((province_dir / "ground_truth.json").read_text())
    members = {(m["kind"], m["id"]) for r in truth["rings"] for m in r["members"]}
    ring_patients = {i for k, i in members if k == "participant"}

    ring_flagged = ring_total = ordinary_pass = ordinary_total = 0
    for row in held:
        s = parse_settlement(row)
        v = screen(index, s)
        if s.participant_id in ring_patients:
            ring_total += 1
            ring_flagged += v.verdict in ("review", "hold")
        elif (
            not {
                ("participant", s.participant_id),
                ("doctor", s.doctor_id or ""),
                ("institution", s.institution_id),
            }
            & members
        ):
            ordinary_total += 1
            ordinary_pass += v.verdict == "pass"
    assert ring_total > 0 and ordinary_total > 0
    rates = f"ring {ring_flagged}/{ring_total}, ordinary pass {ordinary_pass}/{ordinary_total}"
    assert ring_flagged / ring_total >= 0.95, rates
    assert ordinary_pass / ordinary_total >= 0.99, rates
