"""Credit grades: the method by hand, the config's validation, CSV safety, and the real store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from graphsvc.config import Settings
from graphsvc.errors import ConfigError
from graphsvc.store import Store
from graphsvc.supervision import history
from graphsvc.supervision.grades import GradeConfig, Membership, compute_grades, load_config


def _m(
    ring: str, role: str = "hub doctor", score: float = 0.9, amount: float = 84_000.0
) -> Membership:
    return Membership(f"run:{ring}", ring, "organised_visits", score, amount, "doctor", "D1", role)


def test_confirmed_counts_more_and_dismissed_clears() -> None:
    cfg = GradeConfig()
    flagged = compute_grades([_m("a"), _m("b")], {}, cfg)[0]
    confirmed = compute_grades([_m("a"), _m("b")], {"a": "confirmed", "b": "transferred"}, cfg)[0]
    cleared = compute_grades([_m("a"), _m("b")], {"a": "dismissed", "b": "dismissed"}, cfg)[0]
    assert confirmed.points == pytest.approx(3 * flagged.points)
    assert confirmed.explanation == "D: hub doctor in 2 confirmed rings, ¥168,000"
    assert confirmed.explanation_zh == "D：2个已查实团伙中的核心医生，涉及¥168,000"
    assert (cleared.grade, cleared.points, cleared.cleared) == ("A", 0.0, 2)


def test_role_and_money_weigh() -> None:
    cfg = GradeConfig()
    hub = compute_grades([_m("a")], {}, cfg)[0]
    patient = compute_grades([_m("a", role="patient")], {}, cfg)[0]
    small = compute_grades([_m("a", amount=1_000.0)], {}, cfg)[0]
    assert hub.points > patient.points and hub.points > small.points
    assert (hub.grade, small.grade) == ("B", "B")
    assert hub.explanation == "B: hub doctor in 1 flagged ring, ¥84,000"


def test_config_errors_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "g.json"
    bad.write_text(json.dumps({"thresholds": {"B": 3, "C": 2, "D": 8}}))
    with pytest.raises(ConfigError, match=r"g\.json: field .*rise"):
        load_config(bad)
    bad.write_text(json.dumps({"confirmed_factr": 2}))
    with pytest.raises(ConfigError, match="field confirmed_factr"):
        load_config(bad)
    bad.write_text("{\n  oops")
    with pytest.raises(ConfigError, match=r"g\.json:2: not JSON"):
        load_config(bad)


def test_csv_cells_cannot_run_as_formulas() -> None:
    g = compute_grades(
        [Membership("r:x", "x", "t", 0.5, 10.0, "participant", "=1+1", "-cmd")], {}, GradeConfig()
    )
    rows = list(csv.reader(io.StringIO(history.grades_csv(g, "@run"))))
    body = rows[1]
    assert body[0] == "'@run" and body[2] == "'=1+1" and body[9] == "'-cmd"
    assert not any(cell[:1] in "=+-@" for row in rows for cell in row if cell)


def test_store_grades_history_and_cases(
    store: Store, settings: Settings, province_dir: Path, tmp_path: Path
) -> None:
    from graphsvc.detection import run_detection
    from loaders import load_directory

    # Grades of its own: `graphsvc detect` grades every run it writes (issue #17), so the
    # session's data directory holds other tests' runs.
    settings = settings.model_copy(update={"data_dir": tmp_path})

    load_directory(store, province_dir)
    out = run_detection(store)
    run_id, n = history.compute_current(store, settings)
    assert run_id == out.run_id and n > 0
    grades = {(g.kind, g.id): g for g in history.list_grades(settings, run_id)}
    ring = max(out.rings, key=lambda r: r.score)
    member = ring.members[0]
    before = grades[(member.kind, member.id)]
    assert before.grade != "A" and before.rings >= 1
    # A dismissed case on every ring of that member clears its grade on regrading.
    ring_ids = [
        r.ring_id
        for r in out.rings
        if any((m.kind, m.id) == (member.kind, member.id) for m in r.members)
    ]
    for i, rid in enumerate(ring_ids):
        store.query(
            "CREATE (:Case {id: $id, ring_id: $rid, status: 'dismissed', "
            "updated_at: '2026-01-01'})",
            {"id": f"C-{i}", "rid": rid},
            write=True,
        )
    assert history.compute_current(store, settings) == (run_id, n)  # kept, not regraded
    history.compute_current(store, settings, force=True)
    after = {(g.kind, g.id): g for g in history.list_grades(settings, run_id)}[
        (member.kind, member.id)
    ]
    assert (after.grade, after.cleared) == ("A", len(ring_ids))
    hist = history.entity_history(settings, member.kind, member.id)
    assert [h["run_id"] for h in hist] == [run_id]
    assert history.run_config(settings, run_id)["confirmed_factor"] == 3.0
