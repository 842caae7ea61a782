"""Cases on a generated province after a real detection run: one per typology found."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from case_fixtures import KEY

from graphsvc.cases import manifest as mf
from graphsvc.cases import service
from graphsvc.cases.package import export_case
from graphsvc.security import keys
from graphsvc.store import Store

INV = service.Viewer("alice", "investigator")


def test_case_per_typology_from_a_detection_run(store: Store, province_dir: Path) -> None:
    from graphsvc.detection import run_detection
    from loaders import load_directory

    load_directory(store, province_dir)
    run = run_detection(store)
    rows = store.query(
        "MATCH (g:Ring)-[:IN_RUN]->(:DetectionRun {current: true}) "
        "RETURN g.typology AS typology, g.ring_id AS ring_id, g.amount_at_risk AS amount "
        "ORDER BY g.score DESC, ring_id"
    ).records()
    best = {}
    for r in rows:
        best.setdefault(r["typology"], r)
    assert len(best) >= 3, best
    for typology, ring in sorted(best.items()):
        case = service.create_from_ring(store, ring["ring_id"], actor="alice")
        assert (case.typology, case.run_id) == (typology, run.run_id)
        pkg = export_case(store, case.id, viewer=INV, key=KEY)
        assert mf.verify_package(pkg.data, keys.public_pem(KEY)).ok, typology
        files = mf.read_zip(pkg.data)
        members = list(
            csv.DictReader(io.StringIO(files["evidence/members.csv"].decode("utf-8-sig")))
        )
        assert len(members) == case.member_count
        settlements = files["evidence/settlements.csv"].decode("utf-8-sig").splitlines()
        assert len(settlements) > 1, typology  # every ring has settlements behind it
        at_risk = sum(
            float(m["amount_at_risk"] or 0) for m in members if m["kind"] == "participant"
        )
        if at_risk:
            assert abs(at_risk - float(ring["amount"])) < 0.05 * len(members), typology
