"""Published results (issue 17 part 4) on the real store: a generated province, cases
confirmed on detected rings, an inspection draw with results; the page, the API (JSON,
HTML, PDF) and ``graphsvc publish`` show counts and no personal value of the store."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader

from graphsvc.api.app import create_app
from graphsvc.cases import service
from graphsvc.config import Settings
from graphsvc.security.testing import bearer_headers, isolated_settings
from graphsvc.store import Store
from graphsvc.supervision import inspections
from graphsvc.supervision.publish import MIN_CELL, WITHHELD, suppress

INV = service.Viewer("alice", "investigator")


def _personal_values(store: Store) -> set[str]:
    """Every name, id, ID number and identifier value (phones, addresses, accounts) of
    participants and doctors, and the id of every ring member (institutions too)."""
    values: set[str] = set()
    for q in (
        "MATCH (p:Participant) RETURN p.id AS a, p.name AS b, p.id_number AS c",
        "MATCH (d:Doctor) RETURN d.id AS a, d.name AS b",
        "MATCH (x:Identifier) RETURN x.value AS a",
        "MATCH (:Ring)-[:HAS_MEMBER]->(e) RETURN DISTINCT e.id AS a",
    ):
        for row in store.query(q).rows:
            values |= {str(v) for v in row if v not in (None, "")}
    return values


def _leaks(text: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in text)


def _confirm_cases(store: Store) -> tuple[int, int]:
    """Cases on the top rings: all but one confirmed, one dismissed."""
    rings = [
        str(r[0])
        for r in store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring) "
            "RETURN g.id ORDER BY g.score DESC, g.id LIMIT 7"
        ).rows
    ]
    assert len(rings) == 7, "the province yields at least seven rings"
    for k, ring in enumerate(rings):
        case = service.create_from_ring(store, ring, actor="alice")
        service.update_case(store, case.id, actor=INV, status="in_review", assignee="alice")
        service.update_case(
            store, case.id, actor=INV, status="dismissed" if k == 0 else "confirmed"
        )
    return len(rings) - 1, 1


def _write_roster(path: Path, regions: list[str]) -> None:
    lines = ["name,region,conflicts"]
    lines += [f"inspector-{k}-{x},{r},\n" for k, r in enumerate([*regions, "999999"]) for x in "ab"]
    path.write_text("\n".join(s.strip() for s in lines) + "\n", encoding="utf-8")


def test_publication_counts_and_leaks_no_personal_data(
    settings: Settings, store: Store, province_dir: Path, tmp_path: Path
) -> None:
    from graphsvc.detection import run_detection
    from loaders import load_directory

    store.ensure_schema()
    load_directory(store, province_dir)
    run_detection(store)
    confirmed, _dismissed = _confirm_cases(store)
    personal = _personal_values(store)
    assert len(personal) > 1_000

    app_settings = isolated_settings(settings, tmp_path / "data")
    regions = sorted(
        {str(r[0]) for r in store.query("MATCH (i:Institution) RETURN DISTINCT i.region_code").rows}
    )
    _write_roster(inspections.roster_path(app_settings), regions)
    app = create_app(app_settings)
    with TestClient(app) as c:
        sup = bearer_headers(app.state.users, "supervisor")
        drawn = c.post("/api/inspections/draw", json={"seed": 17, "count": 6}, headers=sup)
        assert drawn.status_code == 201, drawn.text
        draw_id = drawn.json()["id"]
        for n, result in ((1, "compliant"), (2, "violations")):
            put = c.put(
                f"/api/inspections/{draw_id}/{n}/result", json={"result": result}, headers=sup
            )
            assert put.status_code == 200, put.text

        liaison = bearer_headers(app.state.users, "liaison")
        doc = c.get("/api/published", headers=liaison)
        assert doc.status_code == 200, doc.text
        body = doc.json()
        cases = body["confirmed_cases"]
        # the dismissed case is not counted; the total is large enough to be shown
        assert cases["total"]["count"] == str(confirmed)
        insp = body["inspections"]
        assert insp["total"]["count"] == "6"
        assert insp["col_totals"]["pending"]["count"] in ("4", f"<{MIN_CELL}")
        # every published count is 0 or at least MIN_CELL; the rest is "<3" with no money
        shown = [
            cell
            for table in (cases, insp)
            for row in table["cells"].values()
            for cell in row.values()
        ]
        for cell in shown:
            if cell["count"] in (f"<{MIN_CELL}", WITHHELD):
                assert cell["amount_10k_yuan"] is None
            else:
                assert int(cell["count"]) == 0 or int(cell["count"]) >= MIN_CELL
        assert any(cell["count"] == f"<{MIN_CELL}" for cell in shown)
        assert draw_id in doc.text and "17" in [str(d["seed"]) for d in body["draws"]]

        zh = c.get("/published?lang=zh", headers=liaison)
        en = c.get("/published?lang=en", headers=liaison)
        assert zh.status_code == en.status_code == 200
        assert "医保基金监督检查结果公示" in zh.text and "“&lt;3”" in zh.text
        assert "Published results of fund supervision" in en.text
        assert "not money recovered" in en.text and "并非追回金额" in zh.text
        assert 'href="/published"' in en.text  # in the navigation
        html = c.get("/api/published?format=html", headers=liaison)
        pdf = c.get("/api/published?format=pdf", headers=liaison)
        assert pdf.headers["content-type"] == "application/pdf"
        pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "医保基金监督检查结果公示" in pdf_text and "Random inspections" in pdf_text
        for name, text in {
            "json": doc.text,
            "page zh": zh.text,
            "page en": en.text,
            "html": html.text,
            "pdf": pdf_text,
        }.items():
            assert _leaks(text, personal) == [], name
        assert c.get("/api/published").status_code == 401

    # the command writes the same three files, also free of personal values
    env = {
        **os.environ,
        "GRAPHSVC_DATA_DIR": str(settings.data_dir),
        "GRAPHSVC_GRAPH_NAME": settings.graph_name,
    }
    out = tmp_path / "out"
    r = subprocess.run(  # noqa: S603  fixed argv, no shell
        [
            sys.executable,
            "-m",
            "graphsvc.cli",
            "publish",
            "--out",
            str(out),
            "--as-of",
            "2026-01-31",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"published-2026-01-31.{x}" for x in ("html", "json", "pdf")]
    written = json.loads((out / "published-2026-01-31.json").read_text(encoding="utf-8"))
    assert written["confirmed_cases"]["total"]["count"] == str(confirmed)
    pdf_file = (out / "published-2026-01-31.pdf").read_bytes()
    texts = {
        "html": (out / "published-2026-01-31.html").read_text(encoding="utf-8"),
        "pdf": "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_file)).pages),
    }
    for name, text in texts.items():
        assert _leaks(text, personal) == [], name


def test_a_lone_small_cell_cannot_be_worked_out_from_totals() -> None:
    """Secondary suppression: in every row and column, withheld cells come in twos or
    more (or the line's total is withheld), so no subtraction gives one back."""
    data = {("4601", "a"): (5, 1.0), ("4601", "b"): (2, 2.0), ("4602", "a"): (9, 3.0)}
    data |= {("4602", "b"): (4, 1.0), ("4603", "a"): (1, 5.0), ("4603", "b"): (0, 0.0)}
    t = suppress(data)
    for line in [[(r, c) for c in t.cols] for r in t.rows] + [
        [(r, c) for r in t.rows] for c in t.cols
    ]:
        hidden = [k for k in line if t.cells[k].count is None]
        total = t.row_totals[line[0][0]] if line[0][0] == line[-1][0] else t.col_totals[line[0][1]]
        assert len(hidden) != 1 or total.count is None, line
    assert t.cells[("4601", "b")].shown == "<3" and t.cells[("4603", "a")].shown == "<3"
    assert t.cells[("4601", "a")].shown == WITHHELD  # 5: withheld beside its row's 2
    assert t.total.shown == "21"
