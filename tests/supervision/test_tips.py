"""Tip-offs end to end on the real store: triage to a detected ring, sealed reporter,
workflow, attachments, the bilingual intake form."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.security.testing import (
    add_user,
    bearer_headers,
    browser_login,
    isolated_settings,
    seed,
)
from graphsvc.store import Store, open_store
from graphsvc.supervision import sealed

REPORTER_NAME = "举报人甲"
REPORTER_PHONE = "13912345678"


def _ring_member(settings: Settings) -> tuple[str, str]:
    """A participant of a current ring on the detected province (ring id, participant id)."""
    store = open_store(settings, start=False)
    try:
        rows = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->"
            "(p:Participant) RETURN g.id AS ring, p.id AS id ORDER BY g.score DESC, p.id LIMIT 1"
        ).records()
    finally:
        store.close()
    assert rows, "the detected province has no ring with a participant"
    return str(rows[0]["ring"]), str(rows[0]["id"])


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_tip_about_a_ring_member_is_triaged_to_that_ring(
    detected_settings: Settings, tmp_path: Path
) -> None:
    ring, member = _ring_member(detected_settings)
    settings = isolated_settings(detected_settings, tmp_path / "data")
    app = create_app(settings)
    evidence = b"receipt scan: 3 stays, same bed, same week"
    with TestClient(app) as c:
        users = app.state.users
        inv = bearer_headers(users, "investigator")
        sup = bearer_headers(users, "supervisor")
        body = {
            "subject": "同一批人反复住院",
            "body": "听说有人组织参保人挂床住院",
            "targets": [{"kind": "participant", "id": member}],
            "reporter": {"name": REPORTER_NAME, "phone": REPORTER_PHONE},
            "attachments": [
                {"name": "../receipt.txt", "content_b64": base64.b64encode(evidence).decode()}
            ],
        }
        resp = c.post("/api/tips", json=body, headers=inv)
        assert resp.status_code == 201, resp.text
        tip = resp.json()
        assert ring in [r["ring"] for r in tip["triage"]["rings"]]
        touched = next(r for r in tip["triage"]["rings"] if r["ring"] == ring)
        assert {"kind": "participant", "id": member} in [
            {"kind": m["kind"], "id": m["id"]} for m in touched["members"]
        ]
        assert touched["reasons"], "the ring's evidence comes with the triage"
        assert tip["priority"] in ("high", "medium")
        assert tip["has_reporter"] and REPORTER_PHONE not in resp.text
        assert REPORTER_NAME not in resp.text

        # attachments: stored under the data dir with a safe name, hashed
        [f] = tip["files"]
        assert f["sha256"] == hashlib.sha256(evidence).hexdigest() and f["size"] == len(evidence)
        stored = settings.data_dir / "tips" / tip["id"] / f"1-{f['name']}"
        assert stored.read_bytes() == evidence and ".." not in f["name"]

        # only supervisors read tips; the reporter opens for them alone
        assert c.get("/api/tips", headers=inv).status_code == 403
        assert c.get(f"/api/tips/{tip['id']}/reporter", headers=inv).status_code == 403
        listed = c.get("/api/tips", headers=sup).json()["tips"]
        assert [t["id"] for t in listed] == [tip["id"]]
        opened = c.get(f"/api/tips/{tip['id']}/reporter", headers=sup).json()["reporter"]
        assert opened == {"name": REPORTER_NAME, "phone": REPORTER_PHONE}

        # workflow: verifying needs the reward answer; case is final
        url = f"/api/tips/{tip['id']}"
        assert c.patch(url, json={"status": "case"}, headers=sup).status_code == 422
        assert c.patch(url, json={"status": "verified"}, headers=sup).status_code == 422
        ok = c.patch(url, json={"status": "verified", "reward_eligible": True}, headers=sup)
        assert ok.status_code == 200 and ok.json()["reward_eligible"] is True
        ok = c.patch(url, json={"status": "case", "case_id": "C-1"}, headers=sup)
        assert ok.json()["status"] == "case" and ok.json()["case_id"] == "C-1"
        assert c.patch(url, json={"status": "closed"}, headers=sup).status_code == 422
        actions = [e["action"] for e in c.get(url, headers=sup).json()["events"]]
        assert actions == ["received", "verified", "case"]

        # too large an attachment is refused, nothing stored
        big = base64.b64encode(b"x" * (settings.tips_attachment_bytes + 1)).decode()
        refused = c.post(
            "/api/tips",
            json={"subject": "big", "attachments": [{"name": "a.bin", "content_b64": big}]},
            headers=inv,
        )
        assert refused.status_code in (413, 422), refused.status_code

    # the reporter is nowhere in clear: not the audit trail, not the tips database
    for path in _files_under(settings.data_dir):
        raw = path.read_bytes()
        assert REPORTER_PHONE.encode() not in raw, path
        assert REPORTER_NAME.encode() not in raw, path
    key = sealed.key_path(settings)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    audit = [r for r in AuditLog.from_settings(settings).records() if r["target"] == tip["id"]]
    assert {r["action"] for r in audit} >= {"tips.create", "tips.reporter", "tips.update"}


def test_tip_form_in_both_languages_and_supervisor_list(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    seed(store)
    app = create_app(isolated_settings(settings, tmp_path / "data"))
    with TestClient(app) as c:
        name, password = add_user(app.state.users, "liaison")
        csrf = browser_login(c, name, password)
        zh = c.get("/tips/new?lang=zh")
        en = c.get("/tips/new?lang=en")
        assert "登记举报投诉" in zh.text and "举报人姓名" in zh.text
        assert "Take down a tip-off" in en.text and "Record the tip-off" in en.text
        form_csrf = re.search(r'name="csrf_token" value="([^"]+)"', en.text)
        assert form_csrf is not None
        resp = c.post(
            "/tips/new",
            data={
                "csrf_token": form_csrf.group(1),
                "subject": "unknown clinic bills at night",
                "targets": "institution:NO-SUCH-INSTITUTION",
                "reporter_phone": REPORTER_PHONE,
            },
            files=[("files", ("note.txt", b"hello", "text/plain"))],
            follow_redirects=False,
        )
        assert resp.status_code == 303, resp.text
        created = resp.headers["location"].split("created=")[1]
        assert created in c.get(resp.headers["location"]).text
        assert c.post("/tips/new", data={"subject": "x"}).status_code == 403  # no CSRF
        assert csrf
        sup = bearer_headers(app.state.users, "supervisor")
        page = c.get("/tips?lang=en", headers=sup)
        assert page.status_code == 200 and created in page.text and REPORTER_PHONE not in page.text
        tip = c.get(f"/api/tips/{created}", headers=sup).json()
        assert tip["priority"] == "low" and tip["triage"]["rings"] == []
        assert c.get("/tips?lang=zh", headers=sup).text.count("举报投诉") >= 1


def test_free_text_is_resolved_by_search_and_triaged(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    """A tip naming a person in words (no id) finds them by search and their ring."""
    from graphsvc.security.testing import NAME

    seed(store)
    app = create_app(isolated_settings(settings, tmp_path / "data"))
    with TestClient(app) as c:
        inv = bearer_headers(app.state.users, "investigator")
        resp = c.post("/api/tips", json={"subject": "代刷医保卡", "about": NAME}, headers=inv)
        assert resp.status_code == 201, resp.text
        tip = resp.json()
        assert {"kind": "participant", "id": "P1", "via": "search"} in tip["targets"]
        assert tip["triage"]["rings"] and tip["priority"] != "low"
        nobody = c.post("/api/tips", json={"subject": "x", "about": "无此人甲乙丙"}, headers=inv)
        assert nobody.json()["targets"] == [] and nobody.json()["priority"] == "low"
