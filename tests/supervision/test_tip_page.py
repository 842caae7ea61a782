"""The page of one tip-off (issue 17), browser-free, per role: who reads it, who sees the
reporter (supervisors, on request, audited), who moves it along; on the detected
province, so the triage shows the ring of the member the tip is about."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.audit import AuditLog
from graphsvc.config import Settings
from graphsvc.security.testing import add_user, bearer_headers, browser_login, isolated_settings
from graphsvc.store import open_store

NAME = "举报人乙"
PHONE = "13700001111"


def _member(settings: Settings) -> tuple[str, str]:
    store = open_store(settings, start=False)
    try:
        rows = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->"
            "(p:Participant) RETURN g.ring_id AS ring, p.id AS id ORDER BY g.score DESC, p.id "
            "LIMIT 1"
        ).records()
    finally:
        store.close()
    return str(rows[0]["ring"]), str(rows[0]["id"])


def test_tip_page_per_role(detected_settings: Settings, tmp_path: Path) -> None:
    ring, member = _member(detected_settings)
    settings = isolated_settings(detected_settings, tmp_path / "data")
    app = create_app(settings)
    with TestClient(app) as c:
        users = app.state.users
        liaison = bearer_headers(users, "liaison")
        tip = c.post(
            "/api/tips",
            json={
                "subject": "组织参保人挂床住院",
                "targets": [{"kind": "participant", "id": member}],
                "reporter": {"name": NAME, "phone": PHONE},
            },
            headers=liaison,
        ).json()
        url = f"/tips/{tip['id']}"

        # liaison (took it down) and admin do not read tips back
        assert c.get(url, headers=liaison).status_code == 403
        assert c.get(url, headers=bearer_headers(users, "admin")).status_code == 403

        # investigators and analysts read the tip and its triage, never the reporter
        for role in ("investigator", "analyst"):
            h = bearer_headers(users, role)
            page = c.get(f"{url}?lang=en&reporter=1", headers=h)
            assert page.status_code == 200, role
            assert tip["id"] in page.text and ring in page.text and member in page.text
            assert f'href="/entities/participant/{member}"' in page.text
            assert NAME not in page.text and PHONE not in page.text, role
            assert "only a supervisor can open it" in page.text
            assert 'id="tip-action"' not in page.text and 'id="tip-reporter-open"' not in page.text
            refused = c.post(url, data={"action": "closed"}, headers=h)
            assert refused.status_code == 403, role

        # the supervisor sees the way to the reporter, not the reporter itself, until asked
        sup_name, password = add_user(users, "supervisor")
        browser_login(c, sup_name, password)
        zh = c.get(f"{url}?lang=zh")
        assert zh.status_code == 200 and "被举报对象" in zh.text and "下一步" in zh.text
        assert NAME not in zh.text and 'id="tip-reporter-open"' in zh.text
        opened = c.get(f"{url}?reporter=1&lang=en")
        assert NAME in opened.text and PHONE in opened.text
        opens = [
            r
            for r in AuditLog.from_settings(settings).records()
            if r["action"] == "tips.reporter" and r["target"] == tip["id"]
        ]
        assert [r["user"] for r in opens] == [sup_name]
        assert all(NAME not in str(r) and PHONE not in str(r) for r in opens)

        # workflow from the page: verifying needs the reward answer, then case, then final
        csrf = re.search(
            r'id="tip-action">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
            opened.text,
        )
        assert csrf is not None
        token = csrf.group(1)
        bad = c.post(url, data={"csrf_token": token, "action": "verified"}, follow_redirects=False)
        assert bad.status_code == 400
        assert c.post(url, data={"action": "verified", "reward": "yes"}).status_code == 403  # CSRF
        ok = c.post(
            url,
            data={"csrf_token": token, "action": "verified", "reward": "yes", "note": "核实属实"},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and ok.headers["location"] == url
        again = c.post(url, data={"csrf_token": token, "action": "triage"}, follow_redirects=False)
        assert again.status_code == 303
        done = c.post(
            url,
            data={"csrf_token": token, "action": "case", "case_id": "C-77"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        final = c.get(f"{url}?lang=en")
        assert "case opened" in final.text and "C-77" in final.text and "核实属实" in final.text
        assert "Final: no further step." in final.text and "triaged again" in final.text
        assert NAME not in final.text
        api = c.get(f"/api/tips/{tip['id']}", headers=bearer_headers(users, "supervisor")).json()
        assert [e["action"] for e in api["events"]] == ["received", "verified", "triaged", "case"]
        assert api["reward_eligible"] is True
