"""The cases API and pages through the app, with real users, tokens and audit trail."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from case_fixtures import (
    RING_ID,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.cases import manifest as mf
from graphsvc.config import Settings
from graphsvc.security import keys
from graphsvc.security.testing import add_user, bearer_headers, browser_login, isolated_settings
from graphsvc.store import Store


@pytest.fixture
def app(settings: Settings, ring_store: Store, tmp_path: Path) -> FastAPI:
    return create_app(isolated_settings(settings, tmp_path / "data"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def audit_actions(app: FastAPI) -> list[tuple[str, str, str]]:
    lines = app.state.audit.path.read_text().splitlines()
    return [(r["user"], r["action"], r["target"]) for r in map(json.loads, lines)]


def test_api_workflow_package_and_liaison(app: FastAPI, client: TestClient) -> None:
    users = app.state.users
    inv = bearer_headers(users, "investigator", "alice")
    analyst = bearer_headers(users, "analyst", "ann")
    police1 = bearer_headers(users, "liaison", "police1")
    police2 = bearer_headers(users, "liaison", "police2")

    r = client.post("/api/cases", json={"ring_id": RING_ID, "title": "共用手机号"}, headers=inv)
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    assert case["status"] == "open" and case["allowed_next"] == ["dismissed", "in_review"]
    assert "13812345678" not in r.text  # reasons are masked in answers
    assert case["reasons_zh"][0] == "3名参保人共用同一手机号码 138****5678"
    assert client.post("/api/cases", json={}, headers=inv).status_code == 422
    assert client.post("/api/cases", json={"ring_id": "nope"}, headers=inv).status_code == 404

    r = client.patch(
        f"/api/cases/{cid}", json={"status": "transferred", "liaison": "police1"}, headers=inv
    )
    assert r.status_code == 409, r.text
    r = client.patch(
        f"/api/cases/{cid}",
        json={"status": "in_review", "assignee": "alice", "version": case["version"]},
        headers=inv,
    )
    assert r.status_code == 200 and r.json()["assignee"] == "alice"
    stale = client.patch(f"/api/cases/{cid}", json={"assignee": "x", "version": 1}, headers=inv)
    assert stale.status_code == 409
    r = client.post(f"/api/cases/{cid}/comments", json={"text": "已调取单据"}, headers=inv)
    assert r.status_code == 201 and r.json()["events"][-1]["text"] == "已调取单据"
    assert (
        client.patch(f"/api/cases/{cid}", json={"status": "confirmed"}, headers=inv).status_code
        == 200
    )

    # Analysts read too; liaisons may not edit and see nothing until the transfer.
    assert client.get(f"/api/cases/{cid}", headers=analyst).status_code == 200
    assert (
        client.patch(f"/api/cases/{cid}", json={"comment": "x"}, headers=police1).status_code == 403
    )
    assert client.get("/api/cases", headers=police1).json()["total"] == 0
    assert client.get(f"/api/cases/{cid}", headers=police1).status_code == 404
    assert client.get(f"/api/cases/{cid}/package", headers=police1).status_code == 404

    masked = client.get(f"/api/cases/{cid}/package", headers=inv)
    assert masked.status_code == 200 and masked.headers["content-type"] == "application/zip"
    assert f'filename="{cid}.zip"' in masked.headers["content-disposition"]
    key = keys.public_pem(keys.load(app.state.settings))
    assert mf.verify_package(masked.content, key).ok
    assert json.loads(mf.read_zip(masked.content)["manifest.json"])["masked"] is True

    # Analysts read and query: no changes, no package.
    assert (
        client.patch(f"/api/cases/{cid}", json={"comment": "x"}, headers=analyst).status_code == 403
    )
    assert client.get(f"/api/cases/{cid}/package", headers=analyst).status_code == 403

    # Two officers: alice proposes, the supervisor approves.
    sup = bearer_headers(users, "supervisor", "sue")
    r = client.post(
        f"/api/cases/{cid}/transfer",
        json={"liaison": "police1", "reason": "达到移送标准"},
        headers=inv,
    )
    assert r.status_code == 200 and r.json()["status"] == "pending_transfer", r.text
    assert client.get(f"/api/cases/{cid}", headers=police1).status_code == 404  # not yet
    r = client.post(f"/api/cases/{cid}/transfer/approve", json={}, headers=sup)
    assert r.status_code == 422 and "confirm" in r.json()["detail"]
    r = client.post(
        f"/api/cases/{cid}/transfer/approve",
        json={"confirm": True, "version": 1},
        headers=sup,
    )
    assert r.status_code == 409  # approves only the version the supervisor checked
    version = client.get(f"/api/cases/{cid}", headers=sup).json()["version"]
    r = client.post(
        f"/api/cases/{cid}/transfer/approve",
        json={"confirm": True, "version": version},
        headers=sup,
    )
    assert r.status_code == 200 and r.json()["liaison"] == "police1", r.text
    assert client.get(f"/api/cases/{cid}/package", headers=analyst).status_code == 403
    listed = client.get("/api/cases", headers=police1).json()
    assert [c["id"] for c in listed["cases"]] == [cid]
    assert client.get("/api/cases", headers=police2).json()["total"] == 0
    assert client.get(f"/api/cases/{cid}", headers=police2).status_code == 404
    full = client.get(f"/api/cases/{cid}/package", headers=police1)
    assert full.status_code == 200
    files = mf.read_zip(full.content)
    assert "46010019900101123X" in files["evidence/members.csv"].decode("utf-8-sig")
    assert mf.verify_package(full.content, key).ok

    actions = audit_actions(app)
    assert ("alice", "case.export", cid) in actions
    assert ("police1", "case.export", cid) in actions
    assert ("alice", "case.create", cid) in actions


def test_dismissed_case_cannot_be_transferred_via_api(app: FastAPI, client: TestClient) -> None:
    inv = bearer_headers(app.state.users, "investigator")
    cid = client.post("/api/cases", json={"ring_id": RING_ID}, headers=inv).json()["id"]
    assert (
        client.patch(f"/api/cases/{cid}", json={"status": "dismissed"}, headers=inv).status_code
        == 200
    )
    r = client.patch(f"/api/cases/{cid}", json={"status": "transferred"}, headers=inv)
    assert r.status_code == 409 and "cannot be transferred" in r.json()["detail"]
    r = client.post(f"/api/cases/{cid}/transfer", json={"liaison": "p", "reason": "r"}, headers=inv)
    assert r.status_code == 409 and "dismissed case cannot" in r.json()["detail"]


def _confirmed_case(client: TestClient, inv: dict[str, str]) -> str:
    cid = str(client.post("/api/cases", json={"ring_id": RING_ID}, headers=inv).json()["id"])
    for status in ("in_review", "confirmed"):
        r = client.patch(f"/api/cases/{cid}", json={"status": status}, headers=inv)
        assert r.status_code == 200, r.text
    return cid


def test_transfer_refusals_name_the_problem(app: FastAPI, client: TestClient) -> None:
    users = app.state.users
    inv = bearer_headers(users, "investigator", "alice")
    bearer_headers(users, "analyst", "ann")
    bearer_headers(users, "liaison", "police9")
    users.set_disabled("police9")
    cid = _confirmed_case(client, inv)
    for liaison, words in (
        ("nosuchliaison", "no user 'nosuchliaison'"),
        ("ann", "has the role analyst, not liaison"),
        ("police9", "is disabled"),
    ):
        r = client.post(
            f"/api/cases/{cid}/transfer", json={"liaison": liaison, "reason": "r"}, headers=inv
        )
        assert r.status_code == 422 and words in r.json()["detail"], r.text
    bearer_headers(users, "liaison", "police1")
    r = client.post(
        f"/api/cases/{cid}/transfer", json={"liaison": "police1", "reason": " "}, headers=inv
    )
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    assert client.get(f"/api/cases/{cid}", headers=inv).json()["status"] == "confirmed"
    r = client.patch(
        f"/api/cases/{cid}", json={"status": "transferred", "liaison": "police1"}, headers=inv
    )
    assert r.status_code == 409 and "supervisor" in r.json()["detail"]

    # The proposer holding a second, supervisor account under the same name is refused
    # by name; another investigator cannot approve at all.
    r = client.post(
        f"/api/cases/{cid}/transfer", json={"liaison": "police1", "reason": "r"}, headers=inv
    )
    assert r.status_code == 200
    other = bearer_headers(users, "investigator", "bob")
    r = client.post(f"/api/cases/{cid}/transfer/approve", json={"confirm": True}, headers=other)
    assert r.status_code == 403
    sup = bearer_headers(users, "supervisor", "sue")
    r = client.post(f"/api/cases/{cid}/transfer/reject", json={"reason": "补充证据"}, headers=sup)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    actions = audit_actions(app)
    assert ("alice", "case.transfer_propose", cid) in actions
    assert ("sue", "case.transfer_reject", cid) in actions


def test_self_approval_is_refused(app: FastAPI, client: TestClient) -> None:
    from graphsvc.cases import service, workflow

    users = app.state.users
    bearer_headers(users, "liaison", "police1")
    inv = bearer_headers(users, "investigator", "alice")
    cid = _confirmed_case(client, inv)
    client.post(
        f"/api/cases/{cid}/transfer", json={"liaison": "police1", "reason": "r"}, headers=inv
    )
    # The same person as supervisor (as if the role had been changed): still refused.
    with pytest.raises(workflow.TransferRefused, match="second officer"):
        service.approve_transfer(
            app.state.store,
            cid,
            actor=service.Viewer("alice", "supervisor"),
            confirm=True,
            accounts=lambda n: ("liaison", False),
        )


def test_transfer_pages_show_localised_refusals_and_confirm(
    app: FastAPI, client: TestClient
) -> None:
    users = app.state.users
    inv_name, inv_pw = add_user(users, "investigator", "ivy")
    sup_name, sup_pw = add_user(users, "supervisor", "sue")
    add_user(users, "liaison", "police1")
    cid = _confirmed_case(client, bearer_headers(users, "investigator", "iris"))
    csrf = browser_login(client, inv_name, inv_pw)
    url = f"/cases/{cid}"
    page = client.get(url + "?lang=zh").text
    assert "提请移送公安" in page and f'action="{url}/transfer"' in page
    r = client.post(
        f"{url}/transfer?lang=zh",
        data={"liaison": "nosuchliaison", "reason": "r", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "用户 nosuchliaison 不存在" in r.text
    r = client.post(
        f"{url}/transfer?lang=en",
        data={"liaison": "nosuchliaison", "reason": "r", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert "There is no user nosuchliaison" in r.text
    r = client.post(
        f"{url}/transfer",
        data={"liaison": "police1", "reason": "达到移送标准", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(url + "?lang=en").text
    assert "Transfer awaiting approval" in page and "达到移送标准" in page
    assert "/transfer/approve" not in page  # the proposer gets no approval form
    client.post("/logout", headers={"X-CSRF-Token": csrf})
    client.cookies.clear()

    csrf = browser_login(client, sup_name, sup_pw)
    page = client.get(url + "?lang=zh").text
    assert "我已核对案件" in page and f'action="{url}/transfer/approve"' in page
    r = client.post(
        f"{url}/transfer/approve?lang=zh", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 400 and "请勾选确认" in r.text
    r = client.post(
        f"{url}/transfer/approve",
        data={"confirm": "yes", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert client.get(url + "?lang=en").text.count("Transferred") >= 1


def test_manual_case_via_api(app: FastAPI, client: TestClient) -> None:
    inv = bearer_headers(app.state.users, "investigator")
    r = client.post(
        "/api/cases",
        json={
            "members": [{"kind": "participant", "id": "P4", "role": "holder"}],
            "title": "家庭共济",
            "typology": "family_sharing_abuse",
            "clause": "Hainan Art. 14",
        },
        headers=inv,
    )
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "manual"


def test_pages_list_detail_and_forms(app: FastAPI, client: TestClient) -> None:
    name, password = add_user(app.state.users, "investigator", "ivy")
    csrf = browser_login(client, name, password)
    r = client.post(
        "/cases",
        data={"ring_id": RING_ID, "title": "页面立案", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = client.get(url + "?lang=zh")
    assert page.status_code == 200
    assert "页面立案" in page.text and "待处理" in page.text and "recruiter" in page.text
    assert "13812345678" not in page.text and "张三" not in page.text
    assert "<li>3名参保人共用同一手机号码 138****5678</li>" in page.text
    assert "3 participants share phone" not in page.text
    r = client.post(url, data={"status": "in_review", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(url, data={"comment": "看过了", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    en = client.get(url + "?lang=en").text
    assert "In review" in en and "看过了" in en
    assert "<li>3 participants share phone 138****5678</li>" in en
    assert (
        client.post(url, data={"status": "in_review"}, follow_redirects=False).status_code == 403
    )  # no CSRF token
    listing = client.get("/cases?lang=en")
    assert listing.status_code == 200 and "页面立案" in listing.text
    assert client.get("/cases/C-999999").status_code == 404


def test_package_is_a_zip_the_manifest_describes(app: FastAPI, client: TestClient) -> None:
    import zipfile

    inv = bearer_headers(app.state.users, "investigator")
    cid = client.post("/api/cases", json={"ring_id": RING_ID}, headers=inv).json()["id"]
    data = client.get(f"/api/cases/{cid}/package?lang=en", headers=inv).content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
    assert names[-1] == "manifest.json" and "report.pdf" in names
