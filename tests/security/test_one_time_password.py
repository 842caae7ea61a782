"""One-time passwords (issue #19): one login, then nothing but a password change.

Before, the demo's "one-time" passwords could be reused forever and no change was
asked for. Played through the real app (API and pages) on the real store.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.config import Settings
from graphsvc.security.testing import browser_login
from graphsvc.security.users import UserDB, ensure_demo_users

HTML = {"Accept": "text/html"}


def test_demo_passwords_log_in_once(app_settings: Settings) -> None:
    created = ensure_demo_users(app_settings)
    users = UserDB.from_settings(app_settings)
    assert {u.username: u.must_change_password for u in users.list_users()} == {
        "admin": True,
        "analyst": True,
    }
    first = users.authenticate("analyst", created["analyst"])
    assert first is not None and first.must_change_password
    assert users.authenticate("analyst", created["analyst"]) is None  # spent
    users.set_password("analyst", "a-new-long-password")
    again = users.authenticate("analyst", "a-new-long-password")
    assert again is not None and not again.must_change_password
    assert users.authenticate("analyst", "a-new-long-password") is not None  # normal now


def test_forced_change_through_the_api(app: FastAPI, client: TestClient) -> None:
    users: UserDB = app.state.users
    users.add_user("otp.user", "analyst", "one-time-pass-1", one_time=True)
    csrf = browser_login(client, "otp.user", "one-time-pass-1")
    refused = client.get("/api/rings")
    assert refused.status_code == 403
    assert "password change required" in refused.json()["detail"]
    assert client.get("/api/me").json()["username"] == "otp.user"  # still allowed
    page = client.get("/rings", headers=HTML, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/password")
    # anonymous-level health for a session that may not do anything yet
    assert client.get("/health").json() == {"status": "ok"}
    # the spent one-time password cannot open a second session
    client2 = TestClient(app)
    login_page = client2.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
    assert token is not None
    second = client2.post(
        "/login",
        data={"username": "otp.user", "password": "one-time-pass-1", "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert second.status_code == 401
    hdr = {"X-CSRF-Token": csrf}
    wrong = client.post(
        "/api/password",
        json={"current_password": "nope-nope-nope", "new_password": "my-own-password"},
        headers=hdr,
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.json()["detail"]
    short = client.post(
        "/api/password",
        json={"current_password": "one-time-pass-1", "new_password": "short"},
        headers=hdr,
    )
    assert short.status_code == 422 and "at least 10" in short.json()["detail"]
    ok = client.post(
        "/api/password",
        json={"current_password": "one-time-pass-1", "new_password": "my-own-password"},
        headers=hdr,
    )
    assert ok.status_code == 200 and ok.json() == {"changed": True}
    assert client.get("/api/rings").status_code == 401  # sessions ended with the change
    client.cookies.clear()
    browser_login(client, "otp.user", "my-own-password")
    assert client.get("/api/rings").status_code == 200
    actions = [(r["action"], r["outcome"]) for r in app.state.audit.records()]
    assert ("auth.password_change", "ok") in actions
    assert ("auth.password_change", "password.wrong_current") in actions


def test_bearer_token_of_a_must_change_user_is_refused(app: FastAPI, client: TestClient) -> None:
    users: UserDB = app.state.users
    users.add_user("otp.token", "investigator", "one-time-pass-2", one_time=True)
    _, token = users.create_token("otp.token", "t")
    resp = client.get("/api/rings", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403 and resp.json()["error"] == "PasswordChangeRequired"


def test_change_form_in_both_languages(app: FastAPI, client: TestClient) -> None:
    users: UserDB = app.state.users
    users.add_user("otp.form", "investigator", "one-time-pass-3", one_time=True)
    browser_login(client, "otp.form", "one-time-pass-3")
    zh = client.get("/password?lang=zh", headers=HTML)
    assert zh.status_code == 200 and "一次性密码" in zh.text and "修改密码" in zh.text
    en = client.get("/password?lang=en", headers=HTML)
    assert "one-time password" in en.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', en.text)
    assert csrf is not None and csrf[1]
    form = {"current_password": "one-time-pass-3", "csrf_token": csrf[1]}
    differ = client.post(
        "/password?lang=zh",
        data={**form, "new_password": "new-password-1", "new_password_again": "new-password-2"},
    )
    assert differ.status_code == 400 and "两次输入的新密码不一致" in differ.text
    done = client.post(
        "/password",
        data={**form, "new_password": "new-password-1", "new_password_again": "new-password-1"},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    rec = users.get_user("otp.form")
    assert rec is not None and not rec.must_change_password
    assert users.authenticate("otp.form", "new-password-1") is not None
