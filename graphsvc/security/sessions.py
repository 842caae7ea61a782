"""Signed session cookies and CSRF tokens for the browser.

The cookie carries a random session id plus an HMAC of it under the server's
secret key: a forged or edited cookie is refused before the database is asked.
CSRF: every state-changing request authenticated by the cookie must echo a token
derived from the session (form field ``csrf_token`` or header ``X-CSRF-Token``);
the same token is also set in a readable cookie for scripts (double submit).
Bearer-token requests need none: a browser never attaches them by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "graphsvc_session"
CSRF_COOKIE = "graphsvc_csrf"
LOGIN_CSRF_COOKIE = "graphsvc_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_session(key: str, session_id: str) -> str:
    return f"{session_id}.{_mac(key, 'session:' + session_id)}"


def unsign_session(key: str, cookie: str) -> str | None:
    session_id, sep, mac = cookie.rpartition(".")
    if not sep or not session_id:
        return None
    if not hmac.compare_digest(mac, _mac(key, "session:" + session_id)):
        return None
    return session_id


def csrf_for_session(key: str, session_id: str) -> str:
    return _mac(key, "csrf:" + session_id)[:40]


def new_login_csrf() -> str:
    """A random token for the login form (no session yet): double-submit cookie."""
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected, presented or "")


def session_ref(session_id: str) -> str:
    """What the audit trail names a session by: the id is a bearer secret, so only the
    first 16 hex of its SHA-256 (the sessions table's ``id_hash`` starts with them).

    >>> session_ref("abc")
    'session:ba7816bf8f01cfea'
    """
    return "session:" + hashlib.sha256(session_id.encode()).hexdigest()[:16]


def token_ref(token: str) -> str:
    """``token:<id>``: the public id part of ``gst_<id>.<secret>`` (as ``/api/tokens`` lists).

    >>> token_ref("gst_0123abcd.s3cr3t")
    'token:0123abcd'
    """
    body = token.removeprefix("gst_")
    return "token:" + body.partition(".")[0]
