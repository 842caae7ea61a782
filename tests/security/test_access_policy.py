"""Every route in the app's route table against the expected access policy.

The table is read from the running app (so a new route cannot escape): a route
missing from ``POLICY`` fails, a route whose declared roles differ fails, and every
non-public route is called without credentials (401) and with each role it must
refuse (403). Add new routes to ``POLICY`` deliberately.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from graphsvc.api.deps import RoleGuard
from graphsvc.security.roles import ROLES

PUBLIC = "public"
ANY = frozenset(ROLES)
INVESTIGATION = frozenset({"investigator", "analyst"})
CONSOLE = frozenset({"analyst"})
ADMIN = frozenset({"admin"})
CASES_READ = frozenset({"investigator", "analyst", "liaison", "supervisor"})
# Issue 14: analysts read and query, investigators work cases and propose transfers,
# supervisors approve them; analysts never take a package out.
CASE_EDIT = frozenset({"investigator"})
CASE_APPROVE = frozenset({"supervisor"})
CASE_EXPORT = frozenset({"investigator", "supervisor", "liaison"})
SUPERVISION = frozenset({"supervisor"})
GRADES = frozenset({"investigator", "analyst", "supervisor"})
TIP_INTAKE = frozenset({"investigator", "analyst", "liaison", "supervisor"})

# (method, path with parameters written as {}) -> admitted roles, or PUBLIC.
POLICY: dict[tuple[str, str], Any] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): ANY,
    ("GET", "/api/me"): ANY,
    ("POST", "/api/password"): ANY,
    ("GET", "/password"): ANY,
    ("POST", "/password"): ANY,
    ("GET", "/openapi.json"): ANY,
    ("GET", "/docs"): ANY,
    # administration
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PATCH", "/api/users/{}"): ADMIN,
    ("GET", "/api/tokens"): ADMIN,
    ("POST", "/api/users/{}/tokens"): ANY,  # own account only (issue 14), see test_auth
    ("DELETE", "/api/tokens/{}"): ADMIN,
    ("GET", "/api/audit"): ADMIN,
    ("GET", "/api/audit/verify"): ADMIN,
    # administration pages (issue 13): the same role as the API they stand for
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{}"): ADMIN,
    ("GET", "/admin/tokens"): ADMIN,
    ("POST", "/admin/tokens"): ADMIN,
    ("POST", "/admin/tokens/{}/revoke"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    # console
    ("POST", "/api/cypher"): CONSOLE,
    ("GET", "/api/queries"): CONSOLE,
    ("POST", "/api/queries/{}"): CONSOLE,
    ("GET", "/console"): CONSOLE,
    # investigation
    ("POST", "/api/entities/{}/{}/unmask"): INVESTIGATION,
    ("GET", "/api/rings"): INVESTIGATION,
    ("POST", "/api/screen"): INVESTIGATION,
    ("GET", "/api/screen/participant/{}"): INVESTIGATION,
    ("GET", "/api/rings/{}"): INVESTIGATION,
    ("GET", "/api/rings/{}/subgraph"): INVESTIGATION,
    ("GET", "/api/entities/{}/{}"): INVESTIGATION,
    ("GET", "/api/entities/{}/{}/neighborhood"): INVESTIGATION,
    ("GET", "/api/paths"): INVESTIGATION,
    ("GET", "/api/search"): INVESTIGATION,
    ("GET", "/"): INVESTIGATION,
    ("GET", "/rings"): INVESTIGATION,
    ("GET", "/rings/{}"): INVESTIGATION,
    ("GET", "/entities/{}/{}"): INVESTIGATION,
    ("GET", "/search"): INVESTIGATION,
    ("GET", "/paths"): INVESTIGATION,
    # cases (issues 5, 14): liaisons read the cases transferred to them and export their
    # packages; investigators change cases (graphsvc.cases.workflow.EDITOR_ROLES)
    ("POST", "/api/cases"): CASE_EDIT,
    ("GET", "/api/cases"): CASES_READ,
    # supervision (issue 17): grades are read by investigators and supervisors
    ("GET", "/api/grades"): GRADES,
    ("POST", "/api/grades/compute"): ADMIN,
    ("GET", "/api/grades/{}/{}"): GRADES,
    ("GET", "/grades"): GRADES,
    # tip-offs: staff who meet the public take them down; only supervisors read them
    ("POST", "/api/tips"): TIP_INTAKE,
    ("GET", "/tips/new"): TIP_INTAKE,
    ("POST", "/tips/new"): TIP_INTAKE,
    ("GET", "/api/tips"): SUPERVISION,
    ("GET", "/api/tips/{}"): SUPERVISION,
    ("PATCH", "/api/tips/{}"): SUPERVISION,
    ("POST", "/api/tips/{}/triage"): SUPERVISION,
    ("GET", "/api/tips/{}/reporter"): SUPERVISION,
    ("GET", "/tips"): SUPERVISION,
    ("GET", "/tips/{}"): GRADES,  # the reporter only for supervisors (test_tip_page)
    ("POST", "/tips/{}"): SUPERVISION,
    # random inspections
    ("POST", "/api/inspections/draw"): SUPERVISION,
    ("GET", "/api/inspections"): SUPERVISION,
    ("GET", "/api/inspections/{}"): SUPERVISION,
    ("PUT", "/api/inspections/{}/{}/result"): SUPERVISION,
    ("GET", "/inspections"): SUPERVISION,
    ("POST", "/inspections"): SUPERVISION,
    # published results: counts only, no personal data (issue 17)
    ("GET", "/api/published"): ANY,
    ("GET", "/published"): ANY,
    ("GET", "/api/cases/{}"): CASES_READ,
    ("PATCH", "/api/cases/{}"): CASE_EDIT,
    ("POST", "/api/cases/{}/comments"): CASE_EDIT,
    ("GET", "/api/cases/{}/package"): CASE_EXPORT,
    ("GET", "/cases"): CASES_READ,
    ("GET", "/cases/{}"): CASES_READ,
    ("POST", "/cases"): CASE_EDIT,
    ("POST", "/cases/{}"): CASE_EDIT,
    ("POST", "/api/cases/{}/transfer"): CASE_EDIT,
    ("POST", "/api/cases/{}/transfer/approve"): CASE_APPROVE,
    ("POST", "/api/cases/{}/transfer/reject"): CASE_APPROVE,
    ("POST", "/cases/{}/transfer"): CASE_EDIT,
    ("POST", "/cases/{}/transfer/approve"): CASE_APPROVE,
    ("POST", "/cases/{}/transfer/reject"): CASE_APPROVE,
}
PUBLIC_MOUNTS = {"/static"}


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Flatten the route table (FastAPI keeps included routers as nodes of their own)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            prefix = getattr(getattr(route, "include_context", None), "prefix", "")
            assert not prefix, "routers are included without prefix; adjust this walk"
            yield from _routes(list(original.routes))
        else:
            yield route


def _guards(dependant: Any) -> list[RoleGuard]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, RoleGuard)]
    for sub in dependant.dependencies:
        found.extend(_guards(sub))
    return found


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def route_table(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    table = []
    for route in _routes(list(app.routes)):
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"unexpected mount {route.path}"
            continue
        assert isinstance(route, APIRoute), f"unexpected route type {route!r}"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            table.append((method, route.path, route))
    return table


def test_every_route_declares_the_expected_roles(app: FastAPI) -> None:
    table = route_table(app)
    assert len(table) >= 10
    problems = []
    for method, path, route in table:
        key = (method, _shape(path))
        if key not in POLICY:
            problems.append(f"{method} {path}: not in the access policy (add it to POLICY)")
            continue
        guards = _guards(route.dependant)
        if POLICY[key] == PUBLIC:
            if guards:
                problems.append(f"{method} {path}: public by policy but guarded")
            continue
        if not guards:
            problems.append(f"{method} {path}: no require_roles dependency")
            continue
        admitted = frozenset.intersection(*(g.roles for g in guards))
        if admitted != POLICY[key]:
            problems.append(
                f"{method} {path}: admits {sorted(admitted)}, policy {sorted(POLICY[key])}"
            )
    assert not problems, "\n".join(problems)


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_route_refuses_anonymous_and_wrong_roles(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    checked = 0
    for method, path, _route in route_table(app):
        policy = POLICY.get((method, _shape(path)))
        if policy is None or policy == PUBLIC:
            continue
        url = _url(path)
        kwargs: dict[str, Any] = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        resp = client.request(method, url, headers={"Accept": "application/json"}, **kwargs)
        assert resp.status_code == 401, (method, path, resp.status_code, resp.text)
        assert resp.json()["error"] == "AuthenticationRequired"
        for role in ROLES:
            if role in policy:
                continue
            resp = client.request(method, url, headers=headers[role], **kwargs)
            assert resp.status_code == 403, (method, path, role, resp.status_code, resp.text)
            checked += 1
    assert checked > 20


def test_bad_credentials_are_401(client: TestClient) -> None:
    for value in ("Bearer nonsense", "Bearer gst_0000.abc", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        resp = client.get("/api/me", headers={"Authorization": value})
        assert resp.status_code == 401, value
    client.cookies.set("graphsvc_session", "forged.cookie")
    assert client.get("/api/me").status_code == 401
    client.cookies.clear()


def test_pages_redirect_browsers_to_login(client: TestClient) -> None:
    resp = client.get("/rings?x=1", headers={"Accept": "text/html"}, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=%2Frings%3Fx%3D1"


def test_pages_show_browsers_a_403_page(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    for lang, title in (("en", "Not allowed"), ("zh", "无权访问")):  # the reader's language
        resp = client.get(
            f"/rings?lang={lang}", headers={"Accept": "text/html", **headers["admin"]}
        )
        assert resp.status_code == 403
        assert resp.headers["content-type"].startswith("text/html")
        assert title in resp.text


def test_public_routes_answer_without_login(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_me_for_each_role(
    client: TestClient, headers: dict[str, dict[str, str]], role: str
) -> None:
    resp = client.get("/api/me", headers=headers[role])
    assert resp.status_code == 200
    assert resp.json()["role"] == role
