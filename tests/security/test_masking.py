"""Personal data masked in every output; unmasking one entity needs a reason and is audited."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.contract.normalise import normalise_identifier
from graphsvc.privacy import mask_properties, mask_text, mask_value
from graphsvc.security.testing import ADDRESS, BANK, ID_NUMBER, NAME, PERSONAL_VALUES, PHONE


def test_mask_value_shapes() -> None:
    assert mask_value("id_number", ID_NUMBER) == "4601**********123X"
    assert mask_value("phone", PHONE) == "138****5678"
    assert mask_value("bank_account", BANK).endswith("0123")
    assert BANK[:6] not in mask_value("bank_account", BANK)
    assert mask_value("address", ADDRESS).startswith("海南省") and "美兰" not in mask_value(
        "address", ADDRESS
    )
    assert mask_value("name", NAME) == "王**"
    assert mask_value("email", "wang@example.cn") == "w***@example.cn"


def test_mask_properties_by_label() -> None:
    p = mask_properties(
        "Participant",
        {
            "id": "P1",
            "name": NAME,
            "id_number": ID_NUMBER,
            "home_phone": PHONE,
            "region_code": "460100",
        },
    )
    assert p == {
        "id": "P1",
        "name": "王**",
        "id_number": "4601**********123X",
        "home_phone": "138****5678",
        "region_code": "460100",
    }
    inst = mask_properties("Institution", {"id": "I1", "name": "海口市第一药店"})
    assert inst["name"] == "海口市第一药店"  # not a person
    ident = mask_properties(
        "Identifier", {"id": f"address:{ADDRESS}", "kind": "address", "value": ADDRESS}
    )
    assert ADDRESS not in json.dumps(ident, ensure_ascii=False)
    ring = mask_properties(
        "Ring",
        {
            "reasons": [f"shared phone {PHONE}"],
            "reasons_zh": [f"共用手机号码{PHONE}，身份证号{ID_NUMBER}"],
            "evidence_json": json.dumps([{"detail": f"id {ID_NUMBER}"}]),
        },
    )
    assert PHONE not in str(ring) and ID_NUMBER not in ring["evidence_json"]
    assert ring["reasons_zh"] == ["共用手机号码138****5678，身份证号4601**********123X"]
    assert json.loads(ring["evidence_json"])  # still valid JSON
    assert mask_text("no numbers here") == "no numbers here"


CONSOLE_QUERIES = [
    "MATCH (p:Participant) RETURN p",
    "MATCH (p:Participant) RETURN p.name, p.id_number, p.phone",
    "MATCH (p:Participant) WITH p.name AS x RETURN x",
    "MATCH (p:Participant) RETURN properties(p) AS props",
    "MATCH (p:Participant) RETURN p {.*} AS m",
    "MATCH (p:Participant) WITH p, 'id_' + 'number' AS k RETURN p[k] AS v",
    "MATCH (p:Participant) RETURN collect(p.name) AS names, toUpper(p.id_number) AS u",
    "MATCH (x:Identifier) RETURN x.id, x.value",
    "MATCH (x) WHERE x:Identifier RETURN x.id AS a",
    "MATCH path = (p:Participant)-[:HAS_IDENTIFIER]->(x) RETURN path",
    "MATCH (p:Participant)-[r]-(n) RETURN p, r, n",
    "MATCH (g:Ring) RETURN g.reasons, g.evidence_json",
    "MATCH (g:Ring) RETURN g.reasons_zh AS zh",
    "MATCH (g:Ring) RETURN g",
    "MATCH (d:Doctor) RETURN d.name AS doctor",
    "MATCH (p:Participant) RETURN substring(p.id_number, 0, 17) AS partial",
]


@pytest.mark.parametrize("query", CONSOLE_QUERIES)
def test_console_results_masked(
    client: TestClient, headers: dict[str, dict[str, str]], query: str
) -> None:
    resp = client.post("/api/cypher", json={"query": query}, headers=headers["analyst"])
    assert resp.status_code == 200, resp.text
    assert resp.json()["row_count"] >= 1
    for value in PERSONAL_VALUES:
        assert value not in resp.text, (query, value)


def test_console_graph_shape(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    resp = client.post(
        "/api/cypher",
        json={"query": "MATCH (p:Participant {id: 'P1'})-[r:HAS_IDENTIFIER]->(x) RETURN p, r, x"},
        headers=headers["analyst"],
    ).json()
    graph = resp["graph"]
    assert len(graph["nodes"]) == 4 and len(graph["edges"]) == 3
    participant = next(n for n in graph["nodes"] if "Participant" in n["labels"])
    assert participant["properties"]["id_number"] == "4601**********123X"
    assert participant["properties"]["id"] == "P1"  # ids stay usable


def _sweep_urls() -> list[str]:
    ring = quote("run1:abc", safe="")
    return [
        "/api/rings",
        f"/api/rings/{ring}",
        f"/api/rings/{ring}/subgraph",
        f"/api/rings/{ring}/subgraph?format=html",
        "/api/entities/participant/P1",
        "/api/entities/participant/P1/neighborhood?hops=2",
        "/api/entities/doctor/D1",
        "/api/entities/institution/I1/neighborhood",
        f"/api/search?q={ID_NUMBER}",
        f"/api/search?q={quote(NAME)}",
        f"/api/search?q={PHONE}",
        "/api/paths?from=participant:P1&to=participant:P2",
        "/",
        "/rings",
        f"/rings/{ring}",
        "/entities/participant/P1",
        "/paths?from=participant:P1&to=participant:P2",
    ]


def test_api_and_pages_masked(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    """Every investigator-facing output of the seeded graph, searched for personal values."""
    for url in _sweep_urls():
        resp = client.get(url, headers=headers["investigator"])
        assert resp.status_code == 200, (url, resp.status_code, resp.text[:300])
        for value in PERSONAL_VALUES:
            assert value not in resp.text, (url, value)


def test_chinese_reasons_masked_in_ring_answers_and_pages(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    """A Chinese reason may quote an identifier too: masked exactly like the English one."""
    ring = quote("run1:abc", safe="")
    inv = headers["investigator"]
    detail = client.get(f"/api/rings/{ring}", headers=inv).json()
    assert detail["reasons"] == ["2 participants share phone 138****5678"]
    assert detail["reasons_zh"] == ["2名参保人共用同一手机号码 138****5678"]
    listed = client.get("/api/rings", headers=inv).json()["rings"][0]
    assert listed["reasons_zh"] == detail["reasons_zh"]
    for url in (f"/rings/{ring}?lang=zh", "/rings?lang=zh"):
        page = client.get(url, headers=inv).text
        assert "2名参保人共用同一手机号码 138****5678" in page, url
        assert PHONE not in page
    console = client.post(
        "/api/cypher",
        json={"query": "MATCH (g:Ring) RETURN g.reasons_zh AS zh"},
        headers=headers["analyst"],
    ).json()
    assert console["rows"] == [[["2名参保人共用同一手机号码 138****5678"]]]


def test_unmask_needs_reason_and_is_audited(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    url = "/api/entities/participant/P1/unmask"
    assert client.post(url, json={}, headers=headers["investigator"]).status_code == 422
    assert (
        client.post(url, json={"reason": "x"}, headers=headers["investigator"]).status_code == 422
    )
    assert (
        client.post(
            url, json={"reason": "case 2024-017 evidence"}, headers=headers["liaison"]
        ).status_code
        == 403
    )
    resp = client.post(
        url, json={"reason": "case 2024-017 evidence"}, headers=headers["investigator"]
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["properties"]["id_number"] == ID_NUMBER
    assert body["properties"]["name"] == NAME
    # an identifier's raw value is its normalised form: the address's canonical key (#15)
    address = normalise_identifier("address", ADDRESS)
    assert address == "海南省海口市白龙南路88号" != ADDRESS  # 美兰区 is not part of the key
    assert {i["value"] for i in body["identifiers"]} == {PHONE, address, BANK}
    _, records = app.state.audit.search(action="entity.unmask")
    assert len(records) == 1
    rec = records[0]
    assert rec["target"] == "participant:P1"
    assert rec["detail"]["reason"] == "case 2024-017 evidence"
    assert rec["role"] == "investigator"
    missing = client.post(
        "/api/entities/participant/NOPE/unmask",
        json={"reason": "case 2024-017 evidence"},
        headers=headers["investigator"],
    )
    assert missing.status_code == 404
    assert app.state.audit.search(action="entity.unmask")[0] == 2  # the miss is recorded too


def test_errors_and_logs_carry_no_personal_data(
    client: TestClient, headers: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    # A store error quoting a value comes back masked (a refused statement is the
    # caller's error: 400 QueryRejected with the store's message, issue #13).
    resp = client.post(
        "/api/cypher", json={"query": f"RETURN x_{ID_NUMBER}"}, headers=headers["analyst"]
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "QueryRejected"
    assert "4601**********123X" in resp.json()["detail"]  # the store's own message, masked
    assert ID_NUMBER not in resp.text
    # Validation errors do not echo the rejected input.
    resp = client.post(
        "/api/cypher", json={"query": 12345678901, "parameters": PHONE}, headers=headers["analyst"]
    )
    assert resp.status_code == 422
    assert PHONE not in resp.text
    for value in PERSONAL_VALUES:
        assert value not in caplog.text


def test_unexpected_errors_logged_without_message(
    app: FastAPI, headers: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi import Depends

    from graphsvc.api.deps import ANY, require_roles

    def boom() -> None:
        raise RuntimeError(f"lookup failed for {ID_NUMBER} {NAME}")

    app.add_api_route("/api/boom-test", boom, dependencies=[Depends(require_roles(*ANY))])
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/api/boom-test", headers=headers["investigator"])
    assert resp.status_code == 500
    assert resp.json() == {"detail": "internal error", "error": "InternalError"}
    assert "RuntimeError" in caplog.text and "boom" in caplog.text
    for value in (ID_NUMBER, NAME):
        assert value not in caplog.text and value not in resp.text
    assert resp.headers["x-content-type-options"] == "nosniff"
    _, records = app.state.audit.search(outcome="http 500")
    assert len(records) == 1
