"""Administration pages (issue #13): users, tokens and the audit trail with verify, for
admins only, in both languages; their forms post the session's CSRF token and write
the same audit records as the JSON API.

On the small seeded graph (tests/api/conftest.py ``seeded_app``).
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.security.testing import add_user, bearer_headers, browser_login
from graphsvc.web.i18n import t
from tests.api.test_i18n_catalogs import problems

HTML = {"Accept": "text/html"}
PAGES = ("/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit?verify=true")


def _data_free(html: str) -> str:
    """The page without its ``<code>`` cells: audit actions, targets and token names are
    recorded data (``case.transfer_propose``), not texts of the page."""
    return re.sub(r"<code>.*?</code>", "", html, flags=re.S)


@pytest.fixture
def admin(seeded_app: FastAPI) -> tuple[TestClient, str, str]:
    """A browser-like admin client (session cookie), its CSRF token and its name."""
    client = TestClient(seeded_app)
    client.__enter__()
    name, password = add_user(seeded_app.state.users, "admin")
    csrf = browser_login(client, name, password)
    client.headers.update(HTML)
    return client, csrf, name


def test_admin_pages_render_in_both_languages_with_no_untranslated_text(
    admin: tuple[TestClient, str, str],
) -> None:
    client, _, _ = admin
    for path in PAGES:
        for lang in ("zh", "en"):
            sep = "&" if "?" in path else "?"
            resp = client.get(f"{path}{sep}lang={lang}")
            assert resp.status_code == 200, (path, resp.text[:300])
            assert problems(_data_free(resp.text), lang) == [], (path, lang)
            assert 'id="nav-admin"' in resp.text  # the navigation links them for admins
    verified = client.get("/admin/audit?verify=true&lang=zh").text
    assert 'data-ok="true"' in verified and t("audit.intact", "zh") in verified


def test_admin_pages_are_refused_to_other_roles(seeded_app: FastAPI) -> None:
    with TestClient(seeded_app) as c:
        for role in ("investigator", "analyst", "supervisor", "liaison"):
            headers = {**bearer_headers(seeded_app.state.users, role), **HTML}
            for path in PAGES:
                resp = c.get(path + ("&" if "?" in path else "?") + "lang=zh", headers=headers)
                assert resp.status_code == 403, (role, path)
                assert t("forbidden_role", "zh") in resp.text
            page = c.get("/rings?lang=zh", headers=headers).text
            assert 'id="nav-admin"' not in page
            refused = c.post("/admin/users", data={"username": "x"}, headers=headers)
            assert refused.status_code == 403


def test_users_are_created_disabled_and_given_a_role_by_forms(
    admin: tuple[TestClient, str, str], seeded_app: FastAPI
) -> None:
    client, csrf, me = admin
    users = seeded_app.state.users
    made = client.post(
        "/admin/users",
        data={
            "username": "newanalyst",
            "role": "analyst",
            "password": "a-long-password-1",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text[:300]
    assert users.get_user("newanalyst").role == "analyst"
    for data in ({"action": "role", "role": "investigator"}, {"action": "disable"}):
        resp = client.post(
            "/admin/users/newanalyst", data={**data, "csrf_token": csrf}, follow_redirects=False
        )
        assert resp.status_code == 303, resp.text[:300]
    rec = users.get_user("newanalyst")
    assert rec.role == "investigator" and rec.disabled
    page = client.get("/admin/users?lang=en").text
    assert re.search(r'data-user="newanalyst">.*?Investigator.*?disabled', page, re.S) or (
        "newanalyst" in page and t("admin.disabled", "en") in page
    )
    # the audit trail says who did it, through the page
    trail = seeded_app.state.audit.search(user=me)[1]
    actions = {(r["action"], r["target"]) for r in trail}
    assert {("users.add", "user:newanalyst"), ("users.role", "user:newanalyst")} <= actions
    assert ("users.disable", "user:newanalyst") in actions
    # without the CSRF token the form is refused
    forged = client.post(
        "/admin/users/newanalyst", data={"action": "enable"}, follow_redirects=False
    )
    assert forged.status_code == 403 and users.get_user("newanalyst").disabled


def test_form_errors_are_pages_in_the_readers_language(admin: tuple[TestClient, str, str]) -> None:
    client, csrf, me = admin
    cases = (
        (
            {"username": "Bad Name!", "role": "analyst", "password": "a-long-password-1"},
            "err.bad_username",
            {},
        ),
        (
            {"username": "shorty", "role": "analyst", "password": "short"},
            "err.short_password",
            {"n": 10},
        ),
        (
            {"username": "x1", "role": "wizard", "password": "a-long-password-1"},
            "err.bad_role",
            {"role": "wizard"},
        ),
    )
    for data, key, params in cases:
        for lang in ("zh", "en"):
            resp = client.post(f"/admin/users?lang={lang}", data={**data, "csrf_token": csrf})
            assert resp.status_code == 400, (data, resp.text[:300])
            assert resp.headers["content-type"].startswith("text/html")
            assert t(key, lang, **params) in resp.text
            assert problems(resp.text, lang) == []
    mine = client.post(f"/admin/users/{me}?lang=zh", data={"action": "disable", "csrf_token": csrf})
    assert mine.status_code == 400 and t("err.self_disable", "zh") in mine.text
    ghost = client.post(
        "/admin/users/nobody?lang=zh", data={"action": "disable", "csrf_token": csrf}
    )
    assert ghost.status_code == 404 and t("err.no_user", "zh", username="nobody") in ghost.text


def test_a_token_is_shown_once_and_revoked_by_form(
    admin: tuple[TestClient, str, str], seeded_app: FastAPI
) -> None:
    client, csrf, me = admin
    made = client.post("/admin/tokens?lang=en", data={"name": "ci", "csrf_token": csrf})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    clear = re.search(r'<code id="token-clear">([^<]+)</code>', made.text)
    assert clear is not None
    token = clear.group(1)
    assert seeded_app.state.users.user_for_token(token).username == me
    again = client.get("/admin/tokens?lang=en").text
    assert token not in again and 'id="token-clear"' not in again
    (tid,) = [tk.id for tk in seeded_app.state.users.list_tokens(me) if tk.name == "ci"]
    revoked = client.post(
        f"/admin/tokens/{tid}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert seeded_app.state.users.user_for_token(token) is None


def test_the_audit_page_filters_pages_and_says_where_a_broken_trail_breaks(
    admin: tuple[TestClient, str, str], seeded_app: FastAPI
) -> None:
    client, csrf, me = admin
    for i in range(3):
        client.post("/admin/tokens", data={"name": f"t{i}", "csrf_token": csrf})
    page = client.get(f"/admin/audit?user={me}&action=tokens.create&lang=en").text
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>", page)
    assert len(rows) == 3 and rows == sorted(rows, key=int, reverse=True)
    none = client.get("/admin/audit?action=no.such.action&lang=zh").text
    assert t("audit.none", "zh") in none
    # edit one record on disk: verify names its line and why, in Chinese
    log = seeded_app.state.audit
    lines = log.path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"outcome":"ok"', '"outcome":"OK"', 1)
    assert '"OK"' in lines[1], lines[1][:200]
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = client.get("/admin/audit?verify=true&lang=zh").text
    assert 'data-ok="false"' in broken and t("audit.broken", "zh") in broken
    assert t("audit.broken_at", "zh", line=2, seq=2) in broken
    assert t("audit.why.edited", "zh") in broken
    assert problems(_data_free(broken), "zh") == []


def test_the_json_api_changes_a_role_as_the_page_does(seeded_app: FastAPI) -> None:
    users = seeded_app.state.users
    with TestClient(seeded_app) as c:
        admin_headers = bearer_headers(users, "admin", "root2")
        name, _ = add_user(users, "analyst")
        resp = c.patch(f"/api/users/{name}", json={"role": "supervisor"}, headers=admin_headers)
        assert resp.status_code == 200 and resp.json()["role"] == "supervisor"
        assert users.get_user(name).role == "supervisor"
        mine = c.patch("/api/users/root2", json={"role": "analyst"}, headers=admin_headers)
        assert mine.status_code == 422 and users.get_user("root2").role == "admin"
        bad = c.patch(f"/api/users/{name}", json={"role": "wizard"}, headers=admin_headers)
        assert bad.status_code == 422
