"""Issue 17: the ring list filtered by its members' credit grades, and the grade badge
of entity pages, on the detected province (grades in a data directory of the test's)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.security.testing import bearer_headers, isolated_settings
from graphsvc.store import open_store

WORSE = {"B": {"B", "C", "D"}, "C": {"C", "D"}, "D": {"D"}}


def _members(settings: Settings) -> dict[str, set[tuple[str, str]]]:
    """Current rings -> their (kind, id) members, read straight from the graph."""
    kinds = {"Participant": "participant", "Doctor": "doctor", "Institution": "institution"}
    store = open_store(settings, start=False)
    try:
        rows = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->(e) "
            "RETURN g.id AS ring, labels(e)[0] AS label, e.id AS id"
        ).records()
    finally:
        store.close()
    out: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        out.setdefault(str(r["ring"]), set())
        if r["label"] in kinds:
            out[str(r["ring"])].add((kinds[r["label"]], str(r["id"])))
    return out


def _listed(page: str) -> set[str]:
    return {unquote(html.unescape(m)) for m in re.findall(r'href="/rings/([^"?/]+)"', page)}


def test_ring_list_grade_filter_and_entity_badge(
    detected_settings: Settings, tmp_path: Path
) -> None:
    settings = isolated_settings(detected_settings, tmp_path / "data")
    members = _members(settings)
    app = create_app(settings)
    with TestClient(app) as c:
        inv = bearer_headers(app.state.users, "investigator")
        grades = {
            (g["kind"], g["id"]): g["grade"]
            for g in c.get("/api/grades", headers=inv).json()["grades"]
        }
        # a filter that keeps some rings and drops others (else it proves nothing)
        chosen = None
        for grade in ("D", "C", "B"):
            for kind in ("institution", ""):
                expected = {
                    ring
                    for ring, ms in members.items()
                    if any(grades.get(m) in WORSE[grade] and kind in ("", m[0]) for m in ms)
                }
                if 0 < len(expected) < len(members):
                    chosen = (grade, kind, expected)
                    break
            if chosen:
                break
        assert chosen, "grades on the province single out some rings"
        grade, kind, expected = chosen
        page = c.get(f"/rings?grade={grade}&grade_kind={kind}&lang=en", headers=inv)
        assert page.status_code == 200
        listed = _listed(page.text)
        assert listed <= expected and len(listed) == min(50, len(expected))
        assert f"· of {len(expected)} total" in page.text
        assert f'<option value="{grade}" selected>' in page.text
        everything = _listed(c.get("/rings?lang=en", headers=inv).text)
        assert everything - listed, "the unfiltered list holds rings the filter drops"
        bad = c.get("/rings?grade=E&lang=en", headers=inv)
        assert bad.status_code == 400 and "Unknown grade filter (E)" in bad.text
        zh = c.get(f"/rings?grade={grade}&lang=zh", headers=inv)
        assert "成员信用等级" in zh.text

        # the badge: the worst graded entity, with its explanation, in both languages
        (ekind, eid), egrade = max(grades.items(), key=lambda kv: (kv[1], kv[0]))
        ent = c.get(f"/entities/{ekind}/{eid}?lang=en", headers=inv)
        assert ent.status_code == 200
        assert f"Credit grade {egrade}</span>" in ent.text and 'id="grade-why"' in ent.text
        why = next(g for g in c.get("/api/grades", headers=inv).json()["grades"] if g["id"] == eid)
        assert html.escape(why["explanation"]) in ent.text
        ent_zh = c.get(f"/entities/{ekind}/{eid}?lang=zh", headers=inv)
        assert f"信用等级 {egrade}</span>" in ent_zh.text
        assert html.escape(why["explanation_zh"]) in ent_zh.text

        # an institution in no ring is A, and says why
        store = open_store(settings, start=False)
        try:
            ids = [str(r[0]) for r in store.query("MATCH (i:Institution) RETURN i.id").rows]
        finally:
            store.close()
        free = next(i for i in sorted(ids) if ("institution", i) not in grades)
        plain = c.get(f"/entities/institution/{free}?lang=en", headers=inv)
        assert "Credit grade A</span>" in plain.text
        assert "A: in no ring of the current detection run" in plain.text
