"""Entity pages that summarise (issue #13): an institution's doctors, top patients,
referral partners and monthly volume, a doctor's and a participant's summaries, each
checked against the province's data read directly; the page in both languages with a
chart block, no settlement dots and no untranslated text.

On the shared province with a detection run (tests/conftest.py ``detected_settings``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graphsvc.api.app import create_app
from graphsvc.config import Settings
from graphsvc.services.explore.summary import GRAPH_ROWS, LIST_ROWS, entity_summary
from graphsvc.store import Store, open_store
from tests.api.test_i18n_catalogs import problems

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def raw(detected_settings: Settings) -> Iterator[Store]:
    store = open_store(detected_settings, start=False)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def client(detected_settings: Settings) -> Iterator[TestClient]:
    app = create_app(detected_settings)
    with TestClient(app) as c:
        name = f"inv-{uuid.uuid4().hex[:6]}"
        app.state.users.add_user(name, "investigator", f"pw-{uuid.uuid4().hex}")
        _, token = app.state.users.create_token(name)
        c.headers.update({"Authorization": f"Bearer {token}"})
        yield c


def _one(raw: Store, cypher: str, **params: Any) -> dict[str, Any]:
    rows = raw.query(cypher, params).records()
    assert rows, cypher
    return rows[0]


def _busiest_institution(raw: Store) -> str:
    return str(
        _one(
            raw,
            "MATCH (s:Prescription)-[:AT]->(i:Institution) "
            "RETURN i.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1",
        )["id"]
    )


def test_institution_summary_says_what_the_data_holds(raw: Store) -> None:
    inst = _busiest_institution(raw)
    s = entity_summary(raw, "institution", inst)
    truth = _one(
        raw,
        "MATCH (s:Prescription)-[:AT]->(:Institution {id: $id}) MATCH (s)-[:PATIENT]->(p) "
        "RETURN count(DISTINCT s) AS settlements, count(DISTINCT p) AS patients, "
        "sum(s.total_amount) AS amount",
        id=inst,
    )
    assert s.counts["settlements"] == truth["settlements"] > LIST_ROWS
    assert s.counts["patients"] == truth["patients"]
    # the months add up to the settlements (all generated settlements are dated)
    assert sum(m["count"] for m in s.months) == truth["settlements"]
    assert sum(m["amount"] for m in s.months) == pytest.approx(truth["amount"], abs=0.05)
    assert [m["month"] for m in s.months] == sorted(m["month"] for m in s.months)
    # top patients: bounded, by amount, each one's numbers as the data says
    patients = s.sections["patients"]
    assert len(patients) == min(LIST_ROWS, truth["patients"])
    amounts = [p["amount"] for p in patients]
    assert amounts == sorted(amounts, reverse=True)
    top = patients[0]
    check = _one(
        raw,
        "MATCH (s:Prescription)-[:AT]->(:Institution {id: $id}) "
        "MATCH (s)-[:PATIENT]->(:Participant {id: $pid}) "
        "RETURN count(s) AS n, sum(s.total_amount) AS amount",
        id=inst,
        pid=top["node"].properties["id"],
    )
    assert top["count"] == check["n"] and top["amount"] == pytest.approx(check["amount"], abs=0.01)
    # doctors: those who work there, all of them when few
    doctors = raw.query(
        "MATCH (d:Doctor)-[:WORKS_AT]->(:Institution {id: $id}) RETURN d.id", {"id": inst}
    ).rows
    assert {r["node"].properties["id"] for r in s.sections["doctors"]} == {
        r[0] for r in doctors
    } or len(doctors) > LIST_ROWS
    assert s.counts["doctors"] == len(doctors)
    # each doctor's settlements are those prescribed here (not at pharmacies elsewhere)
    for row in s.sections["doctors"][:3]:
        here = _one(
            raw,
            "MATCH (:Institution {id: $id})<-[:AT]-(s:Prescription)-[:PRESCRIBED_BY]->"
            "(:Doctor {id: $did}) RETURN count(s) AS n",
            id=inst,
            did=row["node"].properties["id"],
        )
        assert row["count"] == here["n"]
    assert sum(r["count"] for r in s.sections["doctors"]) <= s.counts["settlements"]


def test_referral_partners_are_counted_in_both_directions(raw: Store) -> None:
    pair = _one(
        raw,
        "MATCH (r:Referral)-[:REFERRED_FROM]->(f:Institution), (r)-[:REFERRED_TO]->(t) "
        "RETURN f.id AS f, t.id AS t, count(r) AS n ORDER BY n DESC, f, t LIMIT 1",
    )
    out = entity_summary(raw, "institution", pair["f"]).sections["referrals_out"]
    inn = entity_summary(raw, "institution", pair["t"]).sections["referrals_in"]
    assert {r["node"].properties["id"]: r["count"] for r in out}[pair["t"]] == pair["n"]
    assert {r["node"].properties["id"]: r["count"] for r in inn}[pair["f"]] == pair["n"]
    assert all(r["patients"] >= 1 for r in out + inn)


def test_participant_summary_has_stays_family_and_identifiers(raw: Store) -> None:
    pid = _one(
        raw,
        "MATCH (h:Participant)-[:SHARES_ACCOUNT]-(:Participant) "
        "MATCH (s:Prescription {visit_type: 'inpatient'})-[:PATIENT]->(h) "
        "RETURN h.id AS id ORDER BY id LIMIT 1",
    )["id"]
    s = entity_summary(raw, "participant", pid)
    family = raw.query(
        "MATCH (:Participant {id: $id})-[:SHARES_ACCOUNT]-(o) RETURN DISTINCT o.id", {"id": pid}
    ).rows
    assert {r["node"].properties["id"] for r in s.sections["family"]} == {r[0] for r in family}
    stays = s.sections["stays"]
    assert stays and s.counts["stays"] >= len(stays)
    assert [x["date"] for x in stays] == sorted((x["date"] for x in stays), reverse=True)
    inpatient = raw.query(
        "MATCH (s:Prescription)-[:PATIENT]->(:Participant {id: $id}) "
        "WHERE s.visit_type = 'inpatient' RETURN s.id",
        {"id": pid},
    ).rows
    assert {x["id"] for x in stays} <= {r[0] for r in inpatient}
    assert s.counts["settlements"] == sum(r["count"] for r in s.sections["institutions"]) or (
        s.counts["institutions"] > LIST_ROWS
    )


def test_doctor_summary_says_where_prescriptions_were_settled(raw: Store) -> None:
    did = _one(
        raw,
        "MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor) "
        "RETURN d.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1",
    )["id"]
    s = entity_summary(raw, "doctor", did)
    settled = s.sections["settled_at"]
    assert settled and s.counts["institutions"] >= len(settled)
    if s.counts["institutions"] <= LIST_ROWS:
        assert sum(r["count"] for r in settled) == s.counts["settlements"]
    assert s.sections["workplaces"], "every generated doctor works somewhere"


def test_the_summary_picture_is_partners_with_aggregated_edges(raw: Store) -> None:
    inst = _busiest_institution(raw)
    net = entity_summary(raw, "institution", inst).network
    kinds = {key.partition(":")[0] for key in net.nodes}
    assert "prescription" not in kinds and "participant" in kinds
    assert len(net.nodes) <= 1 + 4 * GRAPH_ROWS
    visited = [r for r in net.rels if r.type == "VISITED"]
    assert visited and all(r.properties["count"] >= 1 for r in visited)
    assert all(r.end == f"institution:{inst}" for r in visited)


def test_no_summary_for_other_kinds_and_none_for_a_missing_entity(raw: Store) -> None:
    from graphsvc.errors import InputError, NotFound

    with pytest.raises(InputError):
        entity_summary(raw, "item", "x")
    with pytest.raises(NotFound):
        entity_summary(raw, "institution", "no-such-institution")


def _network_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="network-data">(.*?)</script>', html, re.S)
    assert m, html[:500]
    data: dict[str, Any] = json.loads(m.group(1))
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_institution_page_summarises_in_the_readers_language(
    client: TestClient, raw: Store, lang: str
) -> None:
    inst = _busiest_institution(raw)
    resp = client.get(f"/entities/institution/{inst}?lang={lang}", headers=HTML)
    assert resp.status_code == 200, resp.text[:300]
    html = resp.text
    assert problems(html, lang) == []
    assert 'id="entity-months"' in html and 'id="entity-months-data"' in html
    assert "/static/vendor/echarts.min.js" in html and "/static/charts.js" in html
    for section in ("doctors", "patients", "referrals_out", "referrals_in"):
        assert f'id="summary-{section}"' in html
    spec = json.loads(
        re.search(r'id="entity-months-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    assert spec["categories"] and len(spec["series"]) == 2
    nodes = _network_data(html)["nodes"]
    assert nodes and not any(str(n["id"]).startswith("prescription:") for n in nodes)


@pytest.mark.parametrize("kind", ["participant", "doctor"])
def test_participant_and_doctor_pages_render_in_both_languages(
    client: TestClient, raw: Store, kind: str
) -> None:
    label = kind.capitalize()
    ident = _one(raw, f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id LIMIT 1")["id"]
    for lang in ("zh", "en"):
        for hops in (1, 2):
            resp = client.get(f"/entities/{kind}/{ident}?lang={lang}&hops={hops}", headers=HTML)
            assert resp.status_code == 200, resp.text[:300]
            assert problems(resp.text, lang) == [], (kind, lang, hops)
            assert 'id="summary-line"' in resp.text


def test_far_neighbourhoods_are_aggregated_by_kind(raw: Store) -> None:
    """Hop 3 of a busy participant: settlements, referrals and items folded into counts
    and weighted edges, each kind capped, nothing silently dropped."""
    from collections import Counter

    from graphsvc.services.explore import neighbourhood
    from graphsvc.services.explore.aggregate import EVENT_KINDS, PER_KIND, aggregate_by_kind

    pid = _one(
        raw,
        "MATCH (s:Prescription)-[:PATIENT]->(p:Participant) "
        "RETURN p.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1",
    )["id"]
    near = neighbourhood(raw, "participant", pid, hops=3, limit=500)
    far = aggregate_by_kind(near)
    kinds = Counter(k.partition(":")[0] for k in far.nodes)
    assert not EVENT_KINDS & set(kinds)
    assert all(n <= PER_KIND + 1 for n in kinds.values())  # + the highlighted centre
    before = Counter(k.partition(":")[0] for k in near.nodes)
    shown = {a["kind"]: a["count"] for a in far.meta["aggregated"]}
    for kind, n in before.items():  # every node is drawn or counted
        assert kinds.get(kind, 0) + shown.get(kind, 0) == n, kind
    assert far.hidden == near.hidden
    visited = [r for r in far.rels if r.type == "VISITED"]
    assert visited and all(r.properties["count"] >= 1 for r in visited)


def test_a_far_page_shows_no_settlement_dots(client: TestClient, raw: Store) -> None:
    pid = _one(
        raw,
        "MATCH (s:Prescription)-[:PATIENT]->(p:Participant) "
        "RETURN p.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1",
    )["id"]
    for lang in ("zh", "en"):
        html = client.get(f"/entities/participant/{pid}?hops=3&lang={lang}", headers=HTML).text
        assert problems(html, lang) == []
        nodes = _network_data(html)["nodes"]
        assert nodes and not any(
            str(n["id"]).startswith(("prescription:", "item:", "referral:")) for n in nodes
        )
        assert 'id="aggregated"' in html
    # the API's HTML view draws it aggregated too; its JSON stays the store's shape
    base = f"/api/entities/participant/{pid}/neighborhood?hops=2"
    view = client.get(f"{base}&format=html&lang=zh").text
    assert "prescription:" not in view and "participant:" in view
    raw_json = client.get(base, headers={"Accept": "application/json"}).json()
    assert any(n["kind"] == "prescription" for n in raw_json["nodes"])
