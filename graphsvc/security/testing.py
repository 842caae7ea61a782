"""Helpers for tests of the web service: users of each role, bearer headers, browser login.

In the package (like ``starlette.testclient``) so every test folder can use them
without a shared conftest. Never used by the service itself.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from graphsvc.security.roles import Role
from graphsvc.security.users import UserDB
from graphsvc.store import Store


def add_user(users: UserDB, role: Role, username: str | None = None) -> tuple[str, str]:
    """Create a user with a random password; return (username, password)."""
    name = username or f"{role}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    users.add_user(name, role, password)
    return name, password


def bearer_headers(users: UserDB, role: Role, username: str | None = None) -> dict[str, str]:
    """Headers of a fresh user of ``role`` with a fresh API token."""
    name, _ = add_user(users, role, username)
    _, token = users.create_token(name, "test")
    return {"Authorization": f"Bearer {token}"}


def browser_login(client: Any, username: str, password: str) -> str:
    """Log in through the form like a browser; return the CSRF token for later POSTs."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if match is None:
        raise AssertionError("login form without a CSRF token")
    resp = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": match.group(1),
            "next": "/api/me",
        },
        follow_redirects=False,
    )
    if resp.status_code != 303:
        raise AssertionError(f"login failed: {resp.status_code}")
    token = client.cookies.get("graphsvc_csrf")
    if not token:
        raise AssertionError("no CSRF cookie after login")
    return str(token)


def isolated_settings(settings: Any, data_dir: Any) -> Any:
    """``settings`` on the same running store and graph, but with a data directory of
    its own (users, audit trail, secret key): tests then never see each other's users
    or audit records."""
    from pathlib import Path

    from graphsvc.store import embedded

    info = embedded.status(settings)
    if info is None:
        raise AssertionError("the session's embedded store is not running")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return settings.model_copy(
        update={
            "data_dir": Path(data_dir),
            # the graph's pseudonym keys and vault stay those it was loaded with (#14)
            "pii_key_dir": settings.pii_key_dir or settings.data_dir,
            "pii_vault_dir": settings.pii_vault_dir or settings.data_dir,
            "store_url": f"redis://{info.host}:{info.port}",
            "store_password": settings.resolved_store_password(),
        }
    )


# -- a small graph holding one of every kind of personal value (fake, generated) -------

ID_NUMBER = "46010019850312123X"
PHONE = "13812345678"
ADDRESS = "海南省海口市美兰区白龙南路88号"
BANK = "6222021234567890123"
NAME = "王小明"
DOCTOR_NAME = "李医生"

SEED = """
CREATE (p:Participant {id: 'P1', name: $name, id_number: $idn, region_code: '460100',
                       phone: $phone, gender: 'M'})
CREATE (q:Participant {id: 'P2', name: '赵四', id_number: '460100199001011234',
                       region_code: '460100'})
CREATE (d:Doctor {id: 'D1', name: $dname, department: 'internal'})
CREATE (i:Institution {id: 'I1', name: '海口市第一药店', kind: 'pharmacy', level: 0,
                       region_code: '460100'})
CREATE (x:Identifier {id: 'phone:' + $phone, kind: 'phone', value: $phone})
CREATE (a:Identifier {id: 'address:' + $addr, kind: 'address', value: $addr})
CREATE (b:Identifier {id: 'bank_account:' + $bank, kind: 'bank_account', value: $bank})
CREATE (p)-[:HAS_IDENTIFIER]->(x), (q)-[:HAS_IDENTIFIER]->(x), (p)-[:HAS_IDENTIFIER]->(a),
       (p)-[:HAS_IDENTIFIER]->(b)
CREATE (s:Prescription {id: 'S1', date: '2024-03-01', total_amount: 120.5, fund_paid: 100.0})
CREATE (s)-[:PATIENT]->(p), (s)-[:AT]->(i), (s)-[:PRESCRIBED_BY]->(d), (d)-[:WORKS_AT]->(i)
CREATE (r:DetectionRun {id: 'run1', started_at: '2024-05-01T00:00:00', current: true,
                        ring_count: 1})
CREATE (g:Ring {id: 'run1:abc', ring_id: 'abc', run_id: 'run1', typology: 'shared_identity',
                score: 0.9, reasons: ['2 participants share phone ' + $phone],
                reasons_zh: ['2名参保人共用同一手机号码 ' + $phone],
                evidence_json: '[{"detail": "shared phone ' + $phone + '"}]'})
CREATE (g)-[:HAS_MEMBER {role: 'recruited'}]->(p), (g)-[:IN_RUN]->(r)
"""

PERSONAL_VALUES = (ID_NUMBER, PHONE, ADDRESS, BANK, NAME, DOCTOR_NAME, "赵四", "460100199001011234")


def seed(store: Store, *, pseudonymise: bool = True) -> None:
    """Write the seed graph (tests only; inline Cypher is fine here, never in the service).

    It is written the old way, raw values in the graph; ``pseudonymise`` then runs the
    ``store migrate-pii`` migration (issue #14), so the tests also see a migrated store.
    """
    store.query(
        SEED,
        {
            "name": NAME,
            "idn": ID_NUMBER,
            "phone": PHONE,
            "addr": ADDRESS,
            "bank": BANK,
            "dname": DOCTOR_NAME,
        },
        write=True,
    )
    if pseudonymise:
        from graphsvc.security.migrate_pii import migrate

        migrate(store)


def snapshot(store: Store) -> tuple[int, int, list[str]]:
    """Node and relationship counts plus every node's properties, to prove nothing changed."""
    nodes = int(store.query("MATCH (n) RETURN count(n)").scalar())
    rels = int(store.query("MATCH ()-[r]->() RETURN count(r)").scalar())
    props = sorted(
        str(sorted(r[0].items())) for r in store.query("MATCH (n) RETURN properties(n)").rows
    )
    return nodes, rels, props
