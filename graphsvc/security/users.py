"""Users, API tokens and browser sessions, in SQLite (``DATA_DIR/users.db``).

Why SQLite via the standard library: one file beside the store, transactional,
safe for the server and the CLI at the same time, no extra service. Passwords and
API tokens are kept only as argon2id hashes; session ids (random 256-bit values,
which cannot be guessed, only stolen) as SHA-256 so each request costs one lookup
instead of an argon2 verification.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graphsvc.config import Settings
from graphsvc.errors import Conflict, InputError, NotFound
from graphsvc.security.passwords import hash_secret, verify_secret
from graphsvc.security.roles import ROLES, Role
from graphsvc.security.secretfile import create_empty_private

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "gst_"  # noqa: S105  a token prefix, not a secret
SESSION_TTL_S = 12 * 3600
# Verified-token cache: argon2 costs ~50 ms, too much per API call. Only the
# hash check is cached here; whether the token is revoked or its user disabled is
# answered by the identity cache below or the database.
_TOKEN_CACHE_TTL_S = 300.0
# Identity cache (token or session -> user): even the database lookup (two
# connections, three statements, ~0.5 ms) was a tenth of a cheap API call. An entry
# is only used while the database is unchanged since it was read: ``PRAGMA
# data_version`` on one long-lived connection changes whenever any other connection,
# of this process or another (the CLI), commits. So a revoked token, a disabled user,
# a changed role or an ended session stop working on the very next request. The TTL
# is a second bound, for changes SQLite cannot see (the file replaced under us is
# caught by its inode).
_IDENTITY_TTL_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
"""


# password_state: ``ok``; ``one_time`` (a generated password, valid for one login);
# ``spent`` (that login happened: the password no longer logs in, and the session it
# opened may only change the password). Issue #19: demo passwords were reusable.
PASSWORD_OK, PASSWORD_ONE_TIME, PASSWORD_SPENT = "ok", "one_time", "spent"
_MIGRATIONS = (
    ("password_state", "ALTER TABLE users ADD COLUMN password_state TEXT NOT NULL DEFAULT 'ok'"),
)
_SELECT_USER = (
    "SELECT username, role, disabled, created_at, password_state FROM users WHERE username = ?"
)
_SELECT_USERS = (
    "SELECT username, role, disabled, created_at, password_state FROM users ORDER BY username"
)


@dataclass(frozen=True)
class UserRecord:
    username: str
    role: Role
    disabled: bool
    created_at: float
    must_change_password: bool = False  # one-time password: change before anything else


def _user_of(row: tuple[object, ...]) -> UserRecord:
    return UserRecord(
        str(row[0]),
        check_role(str(row[1])),
        bool(row[2]),
        float(str(row[3])),
        must_change_password=row[4] != PASSWORD_OK,
    )


@dataclass(frozen=True)
class TokenRecord:
    id: str
    username: str
    name: str
    created_at: float
    revoked: bool


@dataclass(frozen=True)
class _Identity:
    user: UserRecord
    version: int  # PRAGMA data_version read before the database lookup
    cached_at: float  # monotonic
    valid_until: float  # wall clock: session expiry, inf for tokens


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(
            f"unknown role {role!r} (one of {', '.join(ROLES)})",
            text_key="err.bad_role",
            role=role[:40],
        )
    return role


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"password must have at least {MIN_PASSWORD} characters",
            text_key="err.short_password",
            n=MIN_PASSWORD,
        )


class UserDB:
    """The user database of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._token_cache: dict[str, tuple[str, float]] = {}
        self._identities: dict[str, _Identity] = {}
        self._watch: sqlite3.Connection | None = None
        self._watch_inode: tuple[int, int] | None = None
        self._seen_version: int | None = None
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Password and token hashes: the file is created 0600 before SQLite opens it
        # (SQLite would create it with the umask's mode, chmod-ed only afterwards).
        create_empty_private(path)
        with self._connect() as con:
            con.executescript(_SCHEMA)
            have = {r[1] for r in con.execute("PRAGMA table_info(users)").fetchall()}
            for column, statement in _MIGRATIONS:
                if column not in have:
                    with contextlib.suppress(sqlite3.OperationalError):  # raced: added already
                        con.execute(statement)
        # Older installs made it with the umask's mode: tighten (never widens). Not our
        # file (read-only mount): permissions are then the operator's.
        with contextlib.suppress(OSError):
            path.chmod(0o600)

    @classmethod
    def from_settings(cls, settings: Settings) -> UserDB:
        return cls(settings.ensure_data_dir() / "users.db")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA foreign_keys=ON")
            yield con
        finally:
            con.close()

    # -- users ---------------------------------------------------------------
    def add_user(
        self, username: str, role: str, password: str, *, one_time: bool = False
    ) -> UserRecord:
        """A new user; ``one_time``: the password logs in once and must then be changed."""
        if not USERNAME_RE.match(username):
            raise InputError(
                "username: 2-32 of a-z 0-9 _ . -, starting with a letter",
                text_key="err.bad_username",
            )
        role_ = check_role(role)
        check_password(password)
        now = time.time()
        try:
            with self._connect() as con:
                con.execute(
                    "INSERT INTO users(username, role, password_hash, created_at, password_state)"
                    " VALUES (?,?,?,?,?)",
                    (
                        username,
                        role_,
                        hash_secret(password),
                        now,
                        PASSWORD_ONE_TIME if one_time else PASSWORD_OK,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"user {username!r} exists", text_key="err.user_exists", username=username
            ) from exc
        return UserRecord(username, role_, False, now, must_change_password=one_time)

    def get_user(self, username: str) -> UserRecord | None:
        with self._connect() as con:
            row = con.execute(_SELECT_USER, (username,)).fetchone()
        if row is None:
            return None
        return _user_of(row)

    def list_users(self) -> list[UserRecord]:
        with self._connect() as con:
            rows = con.execute(_SELECT_USERS).fetchall()
        return [_user_of(r) for r in rows]

    def count_users(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT count(*) FROM users").fetchone()[0])

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        with self._connect() as con:
            cur = con.execute(
                "UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)
            )
            if cur.rowcount == 0:
                raise NotFound(
                    f"no user {username!r}", text_key="err.no_user", username=username[:40]
                )
            if disabled:
                con.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def set_role(self, username: str, role: str) -> UserRecord:
        """A user's new role; their sessions end, so no page keeps the old role's rights."""
        role_ = check_role(role)
        with self._connect() as con:
            cur = con.execute("UPDATE users SET role = ? WHERE username = ?", (role_, username))
            if cur.rowcount == 0:
                raise NotFound(
                    f"no user {username!r}", text_key="err.no_user", username=username[:40]
                )
            con.execute("DELETE FROM sessions WHERE username = ?", (username,))
        rec = self.get_user(username)
        if rec is None:  # removed between the update and this read
            raise NotFound(f"no user {username!r}", text_key="err.no_user", username=username[:40])
        return rec

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        with self._connect() as con:
            cur = con.execute(
                "UPDATE users SET password_hash = ?, password_state = ? WHERE username = ?",
                (hash_secret(password), PASSWORD_OK, username),
            )
            if cur.rowcount == 0:
                raise NotFound(
                    f"no user {username!r}", text_key="err.no_user", username=username[:40]
                )
            con.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def authenticate(self, username: str, password: str) -> UserRecord | None:
        """The user if the password matches and the account is enabled.

        An unknown user still costs one argon2 verification, so timing does not
        tell which usernames exist. A one-time password works once: this call marks
        it spent (atomically, so two logins racing with it cannot both win).
        """
        with self._connect() as con:
            row = con.execute(
                "SELECT password_hash, password_state FROM users WHERE username = ?", (username,)
            ).fetchone()
        stored = row[0] if row else _DUMMY_HASH
        ok = verify_secret(stored, password)
        if not ok or row is None or row[1] == PASSWORD_SPENT:
            return None
        if row[1] == PASSWORD_ONE_TIME:
            with self._connect() as con:
                cur = con.execute(
                    "UPDATE users SET password_state = ? WHERE username = ? AND password_state = ?",
                    (PASSWORD_SPENT, username, PASSWORD_ONE_TIME),
                )
            if cur.rowcount == 0:
                return None
        user = self.get_user(username)
        return user if user and not user.disabled else None

    def check_current_password(self, username: str, password: str) -> bool:
        """Whether ``password`` is the user's current one, spent one-time passwords included
        (the forced change asks for it once more)."""
        with self._connect() as con:
            row = con.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return verify_secret(row[0] if row else _DUMMY_HASH, password) and row is not None

    # -- API tokens ----------------------------------------------------------
    def create_token(self, username: str, name: str = "api") -> tuple[TokenRecord, str]:
        """A new token; the clear text is returned once and never stored."""
        user = self.get_user(username)
        if user is None:
            raise NotFound(f"no user {username!r}", text_key="err.no_user", username=username[:40])
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        clear = f"{TOKEN_PREFIX}{token_id}.{secret}"
        now = time.time()
        with self._connect() as con:
            con.execute(
                "INSERT INTO tokens(id, username, name, token_hash, created_at) VALUES (?,?,?,?,?)",
                (token_id, username, name, hash_secret(secret), now),
            )
        return TokenRecord(token_id, username, name, now, False), clear

    def revoke_token(self, token_id: str) -> None:
        with self._connect() as con:
            cur = con.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,))
        if cur.rowcount == 0:
            raise NotFound(
                f"no token {token_id!r}", text_key="err.no_token", token_id=token_id[:40]
            )
        with self._lock:
            self._token_cache = {k: v for k, v in self._token_cache.items() if v[0] != token_id}

    def list_tokens(self, username: str | None = None) -> list[TokenRecord]:
        sql = "SELECT id, username, name, created_at, revoked FROM tokens"
        args: tuple[str, ...] = ()
        if username:
            sql += " WHERE username = ?"
            args = (username,)
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY created_at", args).fetchall()
        return [TokenRecord(r[0], r[1], r[2], float(r[3]), bool(r[4])) for r in rows]

    # -- identity cache ------------------------------------------------------
    def _data_version(self) -> int | None:
        """SQLite's change counter as seen by our watch connection (None: unknown, do
        not cache). Caller holds ``self._lock``."""
        try:
            st = os.stat(self.path)
            inode = (st.st_dev, st.st_ino)
            if self._watch is None or inode != self._watch_inode:
                if self._watch is not None:
                    self._watch.close()
                self._watch = sqlite3.connect(
                    self.path, timeout=1.0, isolation_level=None, check_same_thread=False
                )
                self._watch_inode = inode
            version = int(self._watch.execute("PRAGMA data_version").fetchone()[0])
        except (OSError, sqlite3.Error):
            self._identities.clear()
            self._seen_version = None
            return None
        if version != self._seen_version:
            self._identities.clear()  # every entry is from an older version now
            self._seen_version = version
        return version

    def _cached_identity(self, key: str) -> tuple[UserRecord | None, int | None]:
        """The cached user for ``key`` if still valid, and the version to tag a fresh
        lookup with (read *before* that lookup, so a commit racing it makes the new
        entry stale at once instead of hiding the change)."""
        with self._lock:
            version = self._data_version()
            entry = self._identities.get(key)
        if (
            entry is not None
            and version is not None
            and entry.version == version
            and time.monotonic() - entry.cached_at <= _IDENTITY_TTL_S
            and time.time() < entry.valid_until
        ):
            return entry.user, version
        return None, version

    def _remember(
        self, key: str, user: UserRecord, version: int | None, valid_until: float = math.inf
    ) -> None:
        if version is None:
            return
        with self._lock:
            if version == self._seen_version:
                self._identities[key] = _Identity(user, version, time.monotonic(), valid_until)

    def user_for_token(self, token: str) -> UserRecord | None:
        if not token.startswith(TOKEN_PREFIX) or "." not in token:
            return None
        ident_key = "token:" + _sha256(token)
        cached, version = self._cached_identity(ident_key)
        if cached is not None:
            return cached
        user = self._lookup_token(token)
        if user is not None:
            self._remember(ident_key, user, version)
        return user

    def _lookup_token(self, token: str) -> UserRecord | None:
        token_id, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
        with self._connect() as con:
            row = con.execute(
                "SELECT t.token_hash, t.revoked, u.disabled, t.username FROM tokens t "
                "JOIN users u ON u.username = t.username WHERE t.id = ?",
                (token_id,),
            ).fetchone()
        if row is None or row[1] or row[2]:
            return None
        key = _sha256(token)
        now = time.monotonic()
        with self._lock:
            cached = self._token_cache.get(key)
        if cached is None or cached[0] != token_id or now - cached[1] > _TOKEN_CACHE_TTL_S:
            if not verify_secret(row[0], secret):
                return None
            with self._lock:
                self._token_cache[key] = (token_id, now)
        return self.get_user(row[3])

    # -- browser sessions ----------------------------------------------------
    def create_session(self, username: str) -> str:
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self._connect() as con:
            con.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            con.execute(
                "INSERT INTO sessions(id_hash, username, created_at, expires_at) VALUES (?,?,?,?)",
                (_sha256(session_id), username, now, now + SESSION_TTL_S),
            )
        return session_id

    def user_for_session(self, session_id: str) -> UserRecord | None:
        id_hash = _sha256(session_id)
        ident_key = "session:" + id_hash
        cached, version = self._cached_identity(ident_key)
        if cached is not None:
            return cached
        with self._connect() as con:
            row = con.execute(
                "SELECT username, expires_at FROM sessions WHERE id_hash = ?", (id_hash,)
            ).fetchone()
        if row is None or float(row[1]) < time.time():
            return None
        user = self.get_user(row[0])
        if user is None or user.disabled:
            return None
        self._remember(ident_key, user, version, valid_until=float(row[1]))
        return user

    def end_session(self, session_id: str) -> None:
        with self._connect() as con:
            con.execute("DELETE FROM sessions WHERE id_hash = ?", (_sha256(session_id),))


_DUMMY_HASH = hash_secret(secrets.token_urlsafe(16))


def ensure_demo_admin(settings: Settings) -> str | None:
    """Create user ``admin`` with a random one-time password when there are no users.

    One-time for real (issue #19): it logs in once, and that session can only change it.

    Returns the password (to print once) or None when users already exist.
    Refused in production: real deployments add their admins with ``graphsvc users add``.
    """
    db = UserDB.from_settings(settings)
    if db.count_users():
        return None
    if settings.environment == "production":
        from graphsvc.errors import ConfigError

        raise ConfigError("no demo users in production; use `graphsvc users add`")
    password = secrets.token_urlsafe(12)
    db.add_user("admin", "admin", password, one_time=True)
    return password


def ensure_demo_users(settings: Settings) -> dict[str, str]:
    """The demo's accounts, when there are no users yet: ``admin`` (users, audit) and
    ``analyst`` (rings, entities, cases and the Cypher console). Admin has no
    investigation rights (separation of duties), so the demo needs both to be seen.

    Returns {username: one-time password}, empty when users already exist.
    """
    admin_password = ensure_demo_admin(settings)
    if admin_password is None:
        return {}
    analyst_password = secrets.token_urlsafe(12)
    UserDB.from_settings(settings).add_user("analyst", "analyst", analyst_password, one_time=True)
    return {"admin": admin_password, "analyst": analyst_password}
