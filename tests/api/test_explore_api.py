"""The explore API on the real embedded store, loaded with a generated province and
with detection run on it: rings, ring detail and subgraph, entities, neighbourhoods,
paths and search, as JSON and HTML, masked, and refused to the wrong roles.

The province is loaded into a graph of this module's own (detection writes rings,
and the session's ``loaded_store`` is read-only), and dropped afterwards.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.contract.typologies import TYPOLOGIES
from graphsvc.security.vault import pii_for_store
from graphsvc.store import Store, open_store
from viz.offline import external_urls

# A mobile number standing alone: not a run of digits inside a hex hash (row_hash).
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def explore_settings(detected_settings: Settings) -> Settings:
    """The shared graph with the province loaded and detection run (tests/conftest.py)."""
    return detected_settings


Clients = tuple[TestClient, dict[str, dict[str, str]]]


@pytest.fixture(scope="module")
def app_client(explore_settings: Settings) -> Iterator[Clients]:
    app = create_app(explore_settings)
    headers: dict[str, dict[str, str]] = {}
    with TestClient(app) as client:
        for role in ("investigator", "analyst", "liaison"):
            name = f"{role}-{uuid.uuid4().hex[:6]}"
            app.state.users.add_user(name, role, f"pw-{uuid.uuid4().hex}")
            _, token = app.state.users.create_token(name)
            headers[role] = {"Authorization": f"Bearer {token}"}
        yield client, headers


@pytest.fixture(scope="module")
def raw(explore_settings: Settings) -> Iterator[Store]:
    """Direct read access to the same graph, to compare answers with the data."""
    store = open_store(explore_settings, start=False)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def client(app_client: Clients) -> TestClient:
    c, headers = app_client
    c.headers.clear()
    c.headers.update(headers["investigator"])
    return c


@pytest.fixture(scope="module")
def rings(app_client: Clients) -> list[dict[str, Any]]:
    c, headers = app_client
    body = c.get("/api/rings?per_page=500", headers=headers["investigator"]).json()
    assert body["rings"], "detection found no ring in the generated province"
    rings: list[dict[str, Any]] = body["rings"]
    return rings


def biggest_ring(rings: list[dict[str, Any]], kind: str = "participant") -> dict[str, Any]:
    with_kind = [r for r in rings if sum(m["kind"] == kind for m in r["members"]) >= 2]
    assert with_kind
    return max(with_kind, key=lambda r: (len(r["members"]), r["id"]))


# -- rings ------------------------------------------------------------------------
def test_ring_list_has_the_contract_shape(client: TestClient, raw: Store) -> None:
    body = client.get("/api/rings").json()
    current = raw.run("explore_current_run").records()[0]
    assert body["run_id"] == current["id"]
    assert body["generated_at"]
    assert body["total"] >= len(body["rings"]) > 0
    scores = [r["score"] for r in body["rings"]]
    assert scores == sorted(scores, reverse=True)
    for r in body["rings"]:
        assert 0.0 <= r["score"] <= 1.0
        assert r["typology"] in set(TYPOLOGIES)
        assert r["members"] and all(
            m["kind"] in {"participant", "doctor", "institution"} for m in r["members"]
        )
        assert r["member_count"] == len(r["members"])
        assert isinstance(r["reasons"], list) and r["reasons"]
        assert isinstance(r["amount_at_risk"], int | float)


def test_ring_list_pages_are_stable_and_complete(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    per = max(1, len(rings) // 3)
    seen: list[str] = []
    page = 1
    while True:
        body = client.get(f"/api/rings?per_page={per}&page={page}").json()
        if not body["rings"]:
            break
        seen += [r["id"] for r in body["rings"]]
        page += 1
    assert seen == [r["id"] for r in rings]


def test_ring_list_sorts_and_filters(client: TestClient, rings: list[dict[str, Any]]) -> None:
    asc = client.get("/api/rings?sort=amount_at_risk&order=asc&per_page=500").json()["rings"]
    amounts = [r["amount_at_risk"] for r in asc]
    assert amounts == sorted(amounts)
    typology = rings[0]["typology"]
    only = client.get(f"/api/rings?typology={typology}&per_page=500").json()
    assert only["total"] == sum(r["typology"] == typology for r in rings)
    assert {r["typology"] for r in only["rings"]} == {typology}
    cut = sorted(r["score"] for r in rings)[len(rings) // 2]
    high = client.get(f"/api/rings?min_score={cut}&per_page=500").json()["rings"]
    assert high and all(r["score"] >= cut for r in high)
    assert len(high) == sum(r["score"] >= cut for r in rings)
    money = sorted(r["amount_at_risk"] for r in rings)[len(rings) // 2]
    rich = client.get(f"/api/rings?min_amount={money}&per_page=500").json()["rings"]
    assert len(rich) == sum(r["amount_at_risk"] >= money for r in rings)
    region = next((r["region_code"] for r in rings if r.get("region_code")), None)
    if region:
        local = client.get(f"/api/rings?region={region[:4]}&per_page=500").json()["rings"]
        assert local and all((r["region_code"] or "").startswith(region[:4]) for r in local)


def test_ring_list_period_filter(client: TestClient, rings: list[dict[str, Any]]) -> None:
    dated = [r for r in rings if r["period"]["start"] and r["period"]["end"]]
    if not dated:
        pytest.skip("no ring with a period in this province")
    pivot = sorted(r["period"]["end"] for r in dated)[len(dated) // 2]
    late = client.get(f"/api/rings?period_from={pivot}&per_page=500").json()["rings"]
    assert {r["id"] for r in late} == {r["id"] for r in dated if r["period"]["end"] >= pivot}


@pytest.mark.parametrize(
    "query",
    [
        "typology=nonsense",
        "sort=name",
        "order=up",
        "region=46x",
        "min_score=2",
        "period_from=last-year",
        "per_page=0",
    ],
)
def test_ring_list_rejects_bad_parameters(client: TestClient, query: str) -> None:
    resp = client.get(f"/api/rings?{query}")
    assert resp.status_code == 422, resp.text


def test_ring_detail_matches_the_list_and_masks(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    ring = biggest_ring(rings)
    body = client.get(f"/api/rings/{ring['id']}").json()
    assert body["id"] == ring["id"]
    assert body["members"] == ring["members"]
    assert body["score"] == ring["score"]
    assert isinstance(body["evidence"], list)
    for e in body["evidence"]:
        assert {"source", "target", "type", "weight", "detail"} <= set(e)
    text = json.dumps(body, ensure_ascii=False)
    assert not PHONE.search(text) and not ID_NUMBER.search(text)
    by_hash = client.get(f"/api/rings/{ring['ring_id']}").json()
    assert by_hash["id"] == ring["id"]


def _raw_person(store: Store, pid: str) -> tuple[str | None, str | None]:
    """A participant's true name and ID number: from the vault, the graph holds neither."""
    got = pii_for_store(store).vault.get("Participant", pid)
    return got.get("name"), got.get("id_number")


def test_unknown_ring_is_404(client: TestClient) -> None:
    assert client.get("/api/rings/no-such-ring").status_code == 404
    assert client.get("/api/rings/no-such-ring/subgraph").status_code == 404


def test_ring_subgraph_json(client: TestClient, rings: list[dict[str, Any]], raw: Store) -> None:
    ring = biggest_ring(rings)
    body = client.get(f"/api/rings/{ring['id']}/subgraph").json()
    ids = {n["id"] for n in body["nodes"]}
    members = {f"{m['kind']}:{m['id']}" for m in ring["members"]}
    assert members <= ids
    assert {n["id"] for n in body["nodes"] if n["highlight"]} == members
    for e in body["edges"]:
        assert e["source"] in ids and e["target"] in ids
    assert body["edges"], "a ring's members must be tied by something"
    # Masked: no stored person name or ID number appears.
    text = json.dumps(body, ensure_ascii=False)
    pids = [m["id"] for m in ring["members"] if m["kind"] == "participant"]
    people = [_raw_person(raw, pid) for pid in pids]
    for name, id_number in people:
        if name and len(name) > 1:
            assert f'"{name}"' not in text
        if id_number:
            assert id_number not in text
    assert not PHONE.search(text)


def test_ring_subgraph_cap(client: TestClient, rings: list[dict[str, Any]]) -> None:
    ring = biggest_ring(rings)
    full = client.get(f"/api/rings/{ring['id']}/subgraph").json()
    cap = 2
    small = client.get(f"/api/rings/{ring['id']}/subgraph?limit={cap}").json()
    assert len(small["nodes"]) == cap
    assert small["hidden_nodes"] == len(full["nodes"]) - cap + full["hidden_nodes"]
    assert all(n["highlight"] for n in small["nodes"])  # members are kept first


def test_ring_subgraph_html(client: TestClient, rings: list[dict[str, Any]]) -> None:
    ring = biggest_ring(rings)
    resp = client.get(f"/api/rings/{ring['id']}/subgraph?format=html&lang=en")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert external_urls(html) == []
    assert '<script src="/static/vendor/vis-network.min.js"></script>' in html
    assert "Legend" in html
    block = re.search(
        r'<script type="application/json" id="network-data">(.*?)</script>', html, re.S
    )
    assert block is not None
    data = json.loads(block.group(1))
    assert len(data["nodes"]) >= len(ring["members"])
    assert not PHONE.search(block.group(1))


# -- entities -----------------------------------------------------------------------
def test_entity_facts_and_rings(
    client: TestClient, rings: list[dict[str, Any]], raw: Store
) -> None:
    ring = biggest_ring(rings)
    member = next(m for m in ring["members"] if m["kind"] == "participant")
    body = client.get(f"/api/entities/participant/{member['id']}").json()
    assert body["kind"] == "participant" and body["id"] == member["id"]
    assert ring["id"] in {r["id"] for r in body["rings"]}
    assert body["relationships"].get("HAS_MEMBER", 0) >= 1
    name, id_number = _raw_person(raw, member["id"])
    stored = [id_number, name]
    if stored[0]:
        assert body["properties"]["id_number"] != stored[0]
        assert "*" in body["properties"]["id_number"]
    if stored[1]:
        assert body["properties"]["name"] != stored[1]


def test_entity_errors(client: TestClient) -> None:
    assert client.get("/api/entities/planet/X").status_code == 404
    assert client.get("/api/entities/participant/NOPE-404").status_code == 404


def test_neighbourhood_grows_with_hops_and_respects_limit(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    member = next(m for m in biggest_ring(rings)["members"] if m["kind"] == "participant")
    base = f"/api/entities/participant/{member['id']}/neighborhood"
    one = client.get(f"{base}?hops=1").json()
    two = client.get(f"{base}?hops=2").json()
    center = f"participant:{member['id']}"
    assert one["center"] == center
    assert [n["id"] for n in one["nodes"] if n["highlight"]] == [center]
    assert {n["id"] for n in one["nodes"]} <= {n["id"] for n in two["nodes"]}
    assert len(two["nodes"]) > len(one["nodes"])
    ids = {n["id"] for n in one["nodes"]}
    assert all(e["source"] == center or e["target"] == center for e in one["edges"])
    assert all(e["source"] in ids and e["target"] in ids for e in one["edges"])
    capped = client.get(f"{base}?hops=3&limit=10").json()
    assert len(capped["nodes"]) == 10
    assert capped["hidden_nodes"] > 0
    assert client.get(f"{base}?hops=4").status_code == 422
    html = client.get(f"{base}?hops=2&format=html").text
    assert external_urls(html) == []


def test_identifier_views_never_show_the_raw_value(client: TestClient, raw: Store) -> None:
    [[phone_id]] = raw.query(
        "MATCH (i:Identifier {kind: 'phone'})<-[:HAS_IDENTIFIER]-(:Participant) "
        "RETURN i.id ORDER BY i.id LIMIT 1"
    ).rows
    phone = pii_for_store(raw).vault.get("Identifier", phone_id)["value"]  # the graph has none
    assert phone.isdigit()
    for url in (
        f"/api/entities/identifier/{phone_id}",
        f"/api/entities/identifier/{phone_id}/neighborhood?hops=2",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert phone not in resp.text, url
    body = client.get(f"/api/entities/identifier/{phone_id}/neighborhood").json()
    assert body["center"].startswith("identifier:phone:") and "*" in body["center"]
    assert [n["id"] for n in body["nodes"] if n["highlight"]] == [body["center"]]


def test_neighbourhood_is_deterministic(client: TestClient, rings: list[dict[str, Any]]) -> None:
    member = next(m for m in biggest_ring(rings)["members"] if m["kind"] == "participant")
    url = f"/api/entities/participant/{member['id']}/neighborhood?hops=2&limit=50"
    assert client.get(url).json() == client.get(url).json()


# -- paths and search ---------------------------------------------------------------
def test_paths_between_two_ring_members(client: TestClient, rings: list[dict[str, Any]]) -> None:
    ring = biggest_ring(rings)
    a, b = [m for m in ring["members"] if m["kind"] == "participant"][:2]
    body = client.get(f"/api/paths?from=participant:{a['id']}&to=participant:{b['id']}").json()
    ids = {n["id"] for n in body["nodes"]}
    assert {f"participant:{a['id']}", f"participant:{b['id']}"} <= ids
    assert body["paths"] >= 1 and 1 <= body["length"] <= 4
    assert len(body["edges"]) >= body["length"]
    html = client.get(
        f"/api/paths?from=participant:{a['id']}&to=participant:{b['id']}&format=html"
    ).text
    assert external_urls(html) == []


def test_path_errors(client: TestClient) -> None:
    assert client.get("/api/paths?from=participant:X&to=participant:X").status_code == 422
    assert client.get("/api/paths?from=P1&to=participant:X").status_code == 422
    assert client.get("/api/paths?from=planet:1&to=participant:X").status_code == 404
    assert client.get("/api/paths?from=participant:NOPE&to=participant:NOPE2").status_code == 404


def test_search_by_id_name_phone_and_id_number(client: TestClient, raw: Store) -> None:
    row = raw.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(i:Identifier {kind: 'phone'}) "
        "WHERE p.id_number IS NOT NULL AND p.name IS NOT NULL "
        "RETURN p.id, i.id ORDER BY p.id LIMIT 1"
    ).rows[0]
    pid, ident = row
    name, id_number = _raw_person(raw, pid)
    phone = pii_for_store(raw).vault.get("Identifier", ident)["value"]
    by_id = client.get(f"/api/search?q={pid}").json()["results"]
    assert by_id[0]["key"] == f"participant:{pid}" and by_id[0]["via"] == "id"
    # The phone typed the way people type it: full-width digits, dashes, spaces.
    typed = (
        "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in phone[:3])
        + "-"
        + phone[3:7]
        + " "
        + phone[7:]
    )
    by_phone = client.get("/api/search", params={"q": typed}).json()["results"]
    assert f"participant:{pid}" in {r["key"] for r in by_phone}
    by_number = client.get("/api/search", params={"q": id_number.lower()}).json()["results"]
    assert f"participant:{pid}" in {r["key"] for r in by_number}
    by_name = client.get("/api/search", params={"q": name}).json()
    assert f"participant:{pid}" in {r["key"] for r in by_name["results"]}
    text = json.dumps(by_phone + by_number + by_name["results"], ensure_ascii=False)
    assert phone not in text and id_number not in text and f'"{name}"' not in text


def test_search_rejects_empty_and_finds_nothing_quietly(client: TestClient) -> None:
    assert client.get("/api/search?q=").status_code == 422
    assert client.get("/api/search?q=zz-nothing-zz").json()["results"] == []


# -- access -------------------------------------------------------------------------
def test_roles_and_login_are_enforced(app_client: Clients, rings: list[dict[str, Any]]) -> None:
    c, headers = app_client
    ring = rings[0]["id"]
    urls = [
        "/api/rings",
        f"/api/rings/{ring}",
        f"/api/rings/{ring}/subgraph",
        "/api/search?q=P1",
        "/api/paths?from=participant:a&to=participant:b",
    ]
    for url in urls:
        assert c.get(url, headers=headers["liaison"]).status_code == 403, url
        assert c.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401, url
        assert c.get(url, headers=headers["analyst"]).status_code in (200, 404, 422), url


# -- pages --------------------------------------------------------------------------
class PageScan(HTMLParser):
    """Collects what matters for an offline, CSP-'self' page."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[str] = []
        self.inline_scripts: list[str | None] = []
        self.style_attrs = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.handlers += [k for k in a if k.lower().startswith("on")]
        self.style_attrs += "style" in a
        if tag == "script" and not a.get("src"):
            self.inline_scripts.append(a.get("type"))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))


def scan(html: str) -> PageScan:
    s = PageScan()
    s.feed(html)
    return s


def page_urls(rings: list[dict[str, Any]]) -> list[str]:
    ring = biggest_ring(rings)
    member = next(m for m in ring["members"] if m["kind"] == "participant")
    other = next(m for m in ring["members"] if m["id"] != member["id"])
    return [
        "/rings",
        "/rings?sort=amount_at_risk&order=asc&page=1",
        f"/rings?typology={ring['typology']}&min_score=0.1",
        f"/rings/{ring['id']}",
        f"/entities/participant/{member['id']}",
        f"/entities/participant/{member['id']}?hops=2",
        f"/search?q={member['id']}",
        f"/paths?from=participant:{member['id']}&to={other['kind']}:{other['id']}",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_is_offline_and_csp_clean(
    client: TestClient, rings: list[dict[str, Any]], lang: str
) -> None:
    for url in page_urls(rings):
        resp = client.get(url, params={"lang": lang})
        assert resp.status_code == 200, url
        html = resp.text
        assert external_urls(html) == [], url
        page = scan(html)
        assert page.handlers == [], url
        assert page.style_attrs == 0, url
        assert set(page.inline_scripts) <= {"application/json"}, url
        assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in html, url


def test_console_page_for_analysts_only(app_client: Clients) -> None:
    c, headers = app_client
    resp = c.get("/console", headers=headers["analyst"])
    assert resp.status_code == 200
    html = resp.text
    assert external_urls(html) == []
    assert '<script src="/static/console.js"></script>' in html
    assert 'id="saved-queries"' in html and "<textarea" in html
    assert c.get("/console", headers=headers["investigator"]).status_code == 403
    saved = c.get("/api/queries", headers=headers["analyst"])
    assert saved.status_code == 200


def test_language_switch_is_remembered(client: TestClient) -> None:
    en = client.get("/rings?lang=en")
    assert "Suspected rings" in en.text
    assert en.cookies.get("lang") == "en" or "lang=en" in en.headers.get("set-cookie", "")
    again = client.get("/rings")  # the client sends the cookie back, as a browser does
    assert "Suspected rings" in again.text
    client.cookies.clear()
    zh = client.get("/rings", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "可疑团伙" in zh.text


def test_ring_list_page_sorts_filters_and_links(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    html = client.get("/rings?lang=en").text
    page = scan(html)
    for key in (
        "score",
        "typology",
        "member_count",
        "amount_at_risk",
        "region_code",
        "period_start",
    ):
        assert any(f"sort={key}" in link for link in page.links), key
    first = rings[0]["id"]
    assert any(
        link.startswith("/rings/") and first.replace(":", "%3A") in link for link in page.links
    )
    typology = rings[0]["typology"]
    filtered = client.get(f"/rings?lang=en&typology={typology}").text
    others = {r["typology"] for r in rings} - {typology}
    body = filtered.split("<tbody>", 1)[-1]
    assert all(f">{o}<" not in body for o in others)
    bad = client.get("/rings?lang=en&min_score=abc")
    assert bad.status_code == 400 and "Minimum score" in bad.text


def test_ring_page_shows_network_reasons_evidence_and_entity_links(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    ring = biggest_ring(rings)
    html = client.get(f"/rings/{ring['id']}?lang=en").text
    assert 'class="gs-network"' in html and 'id="network-data"' in html
    assert "Reasons" in html and "Evidence" in html and "Legend" in html
    for m in ring["members"]:
        assert f'href="/entities/{m["kind"]}/{m["id"]}"' in html
    assert not PHONE.search(html)
    assert client.get("/rings/no-such-ring?lang=en").status_code == 404


def test_member_roles_are_translated(client: TestClient, rings: list[dict[str, Any]]) -> None:
    """Every role detection gave on this province has a Chinese name on the ring page."""
    from graphsvc.web.i18n import TEXTS

    roles = {m["role"] for r in rings for m in r["members"]}
    assert len(roles) >= 5, roles
    assert sorted(r for r in roles if f"role.{r}" not in TEXTS["zh"]) == []
    ring = biggest_ring(rings)
    html = client.get(f"/rings/{ring['id']}?lang=zh").text
    for role in {m["role"] for m in ring["members"]}:
        assert f"<td>{TEXTS['zh'][f'role.{role}']}</td>" in html


def test_evidence_types_and_clauses_are_translated(
    client: TestClient, rings: list[dict[str, Any]]
) -> None:
    """Every evidence type of one ring per typology has its names (issue #13), shown on
    the zh ring page with the clause cited in Chinese."""
    from graphsvc.web.i18n import TEXTS

    one_per_typology = {r["typology"]: r for r in rings}
    assert len(one_per_typology) >= 5, sorted(one_per_typology)
    types: set[str] = set()
    for ring in one_per_typology.values():
        body = client.get(f"/api/rings/{ring['id']}").json()
        types |= {e["type"] for e in body["evidence"] if e.get("type")}
    assert len(types) >= 5, types
    assert sorted(x for x in types if f"evidence_type.{x}" not in TEXTS["zh"]) == []
    ring = biggest_ring(rings)
    html = client.get(f"/rings/{ring['id']}?lang=zh").text
    assert "《海南省医疗保障基金监督管理办法》第" in html and "Hainan Art." not in html
    for x in types & {e["type"] for e in client.get(f"/api/rings/{ring['id']}").json()["evidence"]}:
        assert f"<td>{TEXTS['zh'][f'evidence_type.{x}']}</td>" in html


def test_entity_page_expands_hops(client: TestClient, rings: list[dict[str, Any]]) -> None:
    member = next(m for m in biggest_ring(rings)["members"] if m["kind"] == "participant")
    html = client.get(f"/entities/participant/{member['id']}?lang=en").text
    assert f"/entities/participant/{member['id']}?hops=2" in html
    assert f"/entities/participant/{member['id']}?hops=3" in html
    assert "Rings it belongs to" in html
    assert client.get("/entities/participant/NOPE-1?lang=en").status_code == 404


def test_static_assets_are_served(client: TestClient) -> None:
    for path in (
        "/static/graph.js",
        "/static/console.js",
        "/static/app.css",
        "/static/vendor/vis-network.min.js",
        "/static/vendor/vis-network.css",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert len(resp.content) > 100


def reason_items(html: str) -> list[str]:
    """The texts of the page's reasons list (unescaped)."""
    import html as html_lib

    block = re.search(r'<ul class="gs-reasons">(.*?)</ul>', html, re.S)
    assert block is not None
    return [html_lib.unescape(li) for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_chinese_reasons_in_store_answers_and_pages(
    client: TestClient, rings: list[dict[str, Any]], raw: Store
) -> None:
    stored = raw.query(
        "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring) RETURN g.reasons, g.reasons_zh"
    ).rows
    assert stored and all(len(zh) == len(en) > 0 for en, zh in stored)
    for r in rings:
        assert len(r["reasons_zh"]) == len(r["reasons"]) > 0, r["id"]
    ring = biggest_ring(rings)
    detail = client.get(f"/api/rings/{ring['id']}").json()
    assert detail["reasons_zh"] == ring["reasons_zh"] and detail["reasons"] == ring["reasons"]
    zh_items = reason_items(client.get(f"/rings/{ring['id']}?lang=zh").text)
    assert zh_items == ring["reasons_zh"]
    assert re.search(r"[\u4e00-\u9fff]", zh_items[0])
    assert reason_items(client.get(f"/rings/{ring['id']}?lang=en").text) == ring["reasons"]
    first = rings[0]
    zh_list = client.get("/rings?lang=zh").text
    en_list = client.get("/rings?lang=en").text
    assert str(escape(first["reasons_zh"][0])) in zh_list
    assert str(escape(first["reasons"][0])) not in zh_list
    assert str(escape(first["reasons"][0])) in en_list
