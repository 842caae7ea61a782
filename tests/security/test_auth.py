"""Browser login (cookie flags, CSRF), bearer tokens, disabling, hashes at rest, demo admin."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.config import Settings
from graphsvc.errors import ConfigError
from graphsvc.security.testing import add_user, browser_login
from graphsvc.security.users import UserDB, ensure_demo_admin


def test_login_sets_hardened_cookies_and_logout_ends_session(
    app: FastAPI, client: TestClient
) -> None:
    name, password = add_user(app.state.users, "investigator")
    page = client.get("/login")
    assert 'name="csrf_token"' in page.text
    csrf = browser_login(client, name, password)
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json() == {"username": name, "role": "investigator", "csrf_token": csrf}

    # Cookie flags as sent by the server.
    resp = client.post(
        "/login",
        data={
            "username": name,
            "password": password,
            "csrf_token": _login_csrf(client),
            "next": "/rings",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/rings"
    set_cookies = resp.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith("graphsvc_session="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session or "SameSite=Strict" in session

    # A state change by cookie without the CSRF token is refused, with it accepted.
    assert client.post("/logout", follow_redirects=False).status_code == 403
    out = client.post(
        "/logout", headers={"X-CSRF-Token": client.cookies["graphsvc_csrf"]}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/api/me").status_code == 401


def test_form_posts_carry_csrf_field(app: FastAPI, client: TestClient) -> None:
    name, password = add_user(app.state.users, "analyst")
    csrf = browser_login(client, name, password)
    bad = client.post("/logout", data={"csrf_token": "nope"}, follow_redirects=False)
    assert bad.status_code == 403
    ok = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/login"


def _login_csrf(client: TestClient) -> str:
    import re

    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_login_failures(app: FastAPI, client: TestClient) -> None:
    name, password = add_user(app.state.users, "analyst")
    bad = client.post(
        "/login",
        data={"username": name, "password": "wrong-password!", "csrf_token": _login_csrf(client)},
    )
    assert bad.status_code == 401
    assert client.get("/api/me").status_code == 401
    # Without the login form's token (cross-site form post) even the right password fails.
    client.cookies.clear()
    no_csrf = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": "forged"}
    )
    assert no_csrf.status_code == 403
    _, records = app.state.audit.search(action="auth.login")
    assert {r["outcome"] for r in records} == {"failed", "refused: csrf"}


def test_open_redirect_refused(app: FastAPI, client: TestClient) -> None:
    name, password = add_user(app.state.users, "investigator")
    resp = client.post(
        "/login",
        data={
            "username": name,
            "password": password,
            "csrf_token": _login_csrf(client),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == "/"


def test_login_rate_limited(app: FastAPI, client: TestClient) -> None:
    name, _ = add_user(app.state.users, "investigator")
    codes = [
        client.post(
            "/login",
            data={
                "username": name,
                "password": "wrong-password!",
                "csrf_token": _login_csrf(client),
            },
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429


def test_tokens_revoked_and_disabled_users_refused(app: FastAPI, client: TestClient) -> None:
    users: UserDB = app.state.users
    name, _ = add_user(users, "investigator")
    rec, token = users.create_token(name, "script")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=auth).status_code == 200
    # A token with the right id but a wrong secret is refused.
    forged = token.rsplit(".", 1)[0] + ".x" * 3
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    users.revoke_token(rec.id)
    assert client.get("/api/me", headers=auth).status_code == 401

    _, token2 = users.create_token(name, "again")
    auth2 = {"Authorization": f"Bearer {token2}"}
    assert client.get("/api/me", headers=auth2).status_code == 200
    users.set_disabled(name)
    assert client.get("/api/me", headers=auth2).status_code == 401


def test_admin_manages_users_over_api(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    admin = headers["admin"]
    made = client.post(
        "/api/users",
        json={"username": "wang.li", "role": "liaison", "password": "a-long-password"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert (
        client.post(
            "/api/users",
            json={"username": "wang.li", "role": "liaison", "password": "a-long-password"},
            headers=admin,
        ).status_code
        == 409
    )
    # An admin never mints a token for someone else (issue 14): it would let them act
    # as that user with the audit trail naming the user.
    r = client.post("/api/users/wang.li/tokens", json={"name": "t"}, headers=admin)
    assert r.status_code == 403 and "only by its own user" in r.json()["detail"]
    assert app.state.users.list_tokens("wang.li") == []
    # The user mints their own, from a browser session.
    csrf = browser_login(client, "wang.li", "a-long-password")
    r = client.post("/api/users/wang.li/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    tok = r.json()
    client.cookies.clear()
    assert tok["token"].startswith("gst_")
    liaison = {"Authorization": f"Bearer {tok['token']}"}
    assert client.get("/api/me", headers=liaison).json()["role"] == "liaison"
    listed = client.get("/api/tokens", headers=admin).json()
    assert all(t["token"] is None for t in listed)
    assert client.delete(f"/api/tokens/{tok['id']}", headers=admin).status_code == 204
    assert client.get("/api/me", headers=liaison).status_code == 401
    assert (
        client.patch("/api/users/wang.li", json={"disabled": True}, headers=admin).json()[
            "disabled"
        ]
        is True
    )
    records = list(app.state.audit.records())
    actions = [r["action"] for r in records]
    for action in ("users.add", "tokens.create", "tokens.revoke", "users.disable"):
        assert action in actions
    refused = [r for r in records if r["action"] == "tokens.create" and r["outcome"] != "ok"]
    assert [(r["role"], r["target"]) for r in refused] == [("admin", "user:wang.li")]


def test_every_audit_record_names_its_session_or_token(app: FastAPI, client: TestClient) -> None:
    from graphsvc.security import sessions

    users: UserDB = app.state.users
    name, password = add_user(users, "investigator")
    rec, token = users.create_token(name, "script")
    assert client.get("/api/rings", headers={"Authorization": f"Bearer {token}"}).status_code in (
        200,
        404,
    )
    csrf = browser_login(client, name, password)
    session_id = sessions.unsign_session(
        app.state.settings.resolved_secret_key(), client.cookies[sessions.SESSION_COOKIE]
    )
    assert session_id is not None
    client.get("/api/rings")
    client.post("/api/users/someone.else/tokens", json={}, headers={"X-CSRF-Token": csrf})
    records = [r for r in app.state.audit.records() if r["user"] == name]
    assert records and all(r.get("via") for r in records)
    vias = {r["via"] for r in records}
    assert f"token:{rec.id}" in vias
    assert sessions.session_ref(session_id) in vias  # the login and the session's requests
    assert session_id not in "".join(vias)  # the session id itself is a secret
    by_session = [r for r in records if r["via"] == sessions.session_ref(session_id)]
    assert {r["action"] for r in by_session} >= {"auth.login", "tokens.create"}
    assert app.state.audit.verify().ok


def test_secrets_stored_only_as_argon2_hashes(app: FastAPI) -> None:
    users: UserDB = app.state.users
    name, password = add_user(users, "analyst")
    _, token = users.create_token(name)
    raw = users.path.read_bytes()
    for extra in users.path.parent.glob("users.db-*"):
        raw += extra.read_bytes()
    assert password.encode() not in raw
    assert token.split(".", 1)[1].encode() not in raw
    con = sqlite3.connect(users.path)
    try:
        hashes = [r[0] for r in con.execute("SELECT password_hash FROM users")]
        hashes += [r[0] for r in con.execute("SELECT token_hash FROM tokens")]
    finally:
        con.close()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_weak_inputs_refused(app: FastAPI) -> None:
    from graphsvc.errors import InputError

    users: UserDB = app.state.users
    with pytest.raises(InputError):
        users.add_user("short", "analyst", "short")
    with pytest.raises(InputError):
        users.add_user("Bad Name", "analyst", "a-long-password")
    with pytest.raises(InputError):
        users.add_user("someone", "root", "a-long-password")


def test_ensure_demo_admin(tmp_path: object, app_settings: Settings) -> None:
    password = ensure_demo_admin(app_settings)
    assert password and len(password) >= 12
    users = UserDB.from_settings(app_settings)
    assert [(u.username, u.role) for u in users.list_users()] == [("admin", "admin")]
    assert users.authenticate("admin", password) is not None
    assert ensure_demo_admin(app_settings) is None  # users exist: nothing new

    prod = app_settings.model_copy(
        update={
            "environment": "production",
            "secret_key": "k" * 32,
            "data_dir": app_settings.data_dir / "prod",
        }
    )
    with pytest.raises(ConfigError):
        ensure_demo_admin(prod)


def test_identity_cache_sees_changes_made_elsewhere(app: FastAPI, client: TestClient) -> None:
    """Token and session lookups are cached in the server, but a change committed by
    any other connection (the CLI, another server process) counts on the next request."""
    users: UserDB = app.state.users
    other = UserDB(users.path)  # its own connections, like `graphsvc tokens revoke`
    name, _ = add_user(users, "investigator")
    rec, token = users.create_token(name, "script")
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # the second and third are answered from the cache
        assert client.get("/api/me", headers=auth).status_code == 200
    other.revoke_token(rec.id)
    assert client.get("/api/me", headers=auth).status_code == 401

    _, token2 = users.create_token(name, "again")
    auth2 = {"Authorization": f"Bearer {token2}"}
    assert client.get("/api/me", headers=auth2).status_code == 200
    # Straight SQL from another connection: no method of ours is told about it.
    con = sqlite3.connect(users.path)
    with con:
        con.execute("UPDATE users SET role = 'liaison' WHERE username = ?", (name,))
    con.close()
    assert client.get("/api/me", headers=auth2).json()["role"] == "liaison"
    other.set_disabled(name)
    assert client.get("/api/me", headers=auth2).status_code == 401


def test_session_cache_sees_password_change_elsewhere(app: FastAPI, client: TestClient) -> None:
    users: UserDB = app.state.users
    name, password = add_user(users, "analyst")
    browser_login(client, name, password)
    for _ in range(2):
        assert client.get("/api/me").json()["username"] == name
    UserDB(users.path).set_password(name, "a-new-password-123")  # ends every session
    assert client.get("/api/me").status_code == 401
