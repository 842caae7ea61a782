"""HTML error pages for every form and filter (issue #13): a value a page cannot use is
answered with a page (HTTP 400) in the reader's language that names the field, never
JSON, an English message on a Chinese page, or a list that ignores the filter.

On the small seeded graph (tests/api/conftest.py ``seeded_app``), with bearer clients
(forms posted by bearer clients need no CSRF token).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc.security.testing import bearer_headers
from graphsvc.web.i18n import label, t
from tests.api.test_i18n_catalogs import problems

HTML = {"Accept": "text/html"}


@pytest.fixture
def clients(seeded_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    with TestClient(seeded_app) as inv, TestClient(seeded_app) as sup:
        inv.headers.update({**bearer_headers(seeded_app.state.users, "investigator"), **HTML})
        sup.headers.update({**bearer_headers(seeded_app.state.users, "supervisor"), **HTML})
        yield {"investigator": inv, "supervisor": sup}


def _page(resp: Any, lang: str, status: int = 400) -> str:
    assert resp.status_code == status, (resp.request.url, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("text/html"), resp.text[:200]
    assert '"detail"' not in resp.text
    assert problems(resp.text, lang) == [], (resp.request.url, problems(resp.text, lang))
    return resp.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_query_string_filters_name_the_field(clients: dict[str, TestClient], lang: str) -> None:
    inv, sup = clients["investigator"], clients["supervisor"]
    cases = [
        (inv, f"/rings?min_score=abc&lang={lang}", t("filter.min_score", lang)),
        (inv, f"/rings?period_from=2025-13-01&lang={lang}", t("filter.period_from", lang)),
        (inv, f"/rings?period_to=soon&lang={lang}", t("filter.period_to", lang)),
        (inv, f"/rings?region=46x&lang={lang}", t("bad_region", lang, value="46x")),
        (inv, f"/rings?typology=nope&lang={lang}", t("bad_typology", lang, value="nope")),
        (inv, f"/rings?page=0&lang={lang}", label("field", "page", lang)),
        (inv, f"/entities/participant/P1?hops=abc&lang={lang}", label("field", "hops", lang)),
        (inv, f"/cases?status=bogus&lang={lang}", t("err.bad_case_status", lang, status="bogus")),
        (inv, f"/cases?page=-1&lang={lang}", label("field", "page", lang)),
        (sup, f"/grades?kind=robot&lang={lang}", label("field", "kind", lang)),
        (sup, f"/grades?grade=E&lang={lang}", label("field", "grade", lang)),
    ]
    for client, url, named in cases:
        html = _page(client.get(url), lang)
        assert named in html, (url, named)
    listless = _page(inv.get(f"/rings?min_score=abc&lang={lang}"), lang)
    assert "/rings/run1" not in listless and t("no_run", lang) not in listless
    assert 'id="filter-error"' in listless and 'id="ring-charts"' not in listless
    missing = _page(sup.get(f"/inspections?draw=nope&lang={lang}"), lang, 404)
    assert t("err.no_draw", lang, draw_id="nope") in missing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forms_answer_with_a_page_that_says_what_is_wrong(
    clients: dict[str, TestClient], lang: str
) -> None:
    inv, sup = clients["investigator"], clients["supervisor"]
    tip = _page(inv.post(f"/tips/new?lang={lang}", data={"subject": ""}), lang)
    assert t("err.tip_subject", lang) in tip
    target = _page(
        inv.post(f"/tips/new?lang={lang}", data={"subject": "s", "targets": "nobody"}), lang
    )
    assert t("err.tip_target", lang, value="nobody") in target
    case = _page(inv.post(f"/cases?lang={lang}", data={}), lang)
    assert t("err.ring_or_members", lang) in case
    seed = _page(sup.post(f"/inspections?lang={lang}", data={"seed": "-1"}), lang)
    assert label("field", "seed", lang) in seed
    # a case moved to a status that does not exist
    made = inv.post("/cases", data={"ring_id": "run1:abc"}, follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    bad = _page(inv.post(f"{url}?lang={lang}", data={"status": "flying"}), lang)
    assert t("err.bad_case_status", lang, status="flying") in bad


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_inline_errors_of_search_and_paths_are_localised(
    clients: dict[str, TestClient], lang: str
) -> None:
    inv = clients["investigator"]
    same = _page(inv.get(f"/paths?from=participant:P1&to=participant:P1&lang={lang}"), lang, 200)
    assert t("err.same_entity", lang) in same
    bad_ref = _page(inv.get(f"/paths?from=P1&to=participant:P2&lang={lang}"), lang, 200)
    assert t("err.bad_ref", lang) in bad_ref


def test_a_status_word_in_an_error_is_said_in_the_readers_language(
    clients: dict[str, TestClient],
) -> None:
    """``Term`` parameters: a case status inside the message, from the report catalog."""
    from graphsvc import locale

    inv = clients["investigator"]
    made = inv.post("/cases", data={"ring_id": "run1:abc"}, follow_redirects=False)
    url = made.headers["location"]
    resp = inv.post(f"{url}?lang=zh", data={"status": "open"})  # already open
    html = _page(resp, "zh", 409)
    zh_open = locale.pgettext(locale.REPORT, "status.open", "zh")
    assert t("err.case_already", "zh", status=zh_open) in html
    # the JSON API keeps the English message
    api = inv.patch(f"/api{url}", json={"status": "open"}, headers={"Accept": "application/json"})
    assert api.status_code == 409 and "already open" in api.json()["detail"]


def test_every_console_refusal_has_its_text_in_both_catalogs() -> None:
    """``_refuse(reason, key)`` in graphsvc/cypher_guard: ``err.console.<key>`` exists
    (the extraction test cannot see a key built in an f-string)."""
    import ast
    from pathlib import Path

    from graphsvc import locale

    root = Path(__file__).resolve().parents[2] / "graphsvc" / "cypher_guard"
    keys = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_refuse":
                assert len(node.args) >= 2, f"{path.name}:{node.lineno}: _refuse without a key"
                key = node.args[1]
                assert isinstance(key, ast.Constant) and isinstance(key.value, str)
                keys.add(f"err.console.{key.value}")
    assert len(keys) >= 20
    for lang in ("zh", "en"):
        have = locale.messages(lang)
        assert sorted(keys - set(have)) == []


def test_console_refusals_come_in_the_readers_language(seeded_app: FastAPI) -> None:
    """The JSON answer keeps the English ``detail`` and adds ``message`` in the reader's
    language, which the console shows."""
    import re

    refused = {
        "MATCH (n) DELETE n": ("write", {"word": "DELETE"}),
        "   ": ("empty", {}),
        "RETURN 1; RETURN 2": ("statements", {}),
        "MATCH (a), (b) RETURN a, b LIMIT 1": ("cartesian", {"n": 2}),
    }
    with TestClient(seeded_app) as c:
        c.headers.update(bearer_headers(seeded_app.state.users, "analyst"))
        for query, (key, params) in refused.items():
            for lang in ("zh", "en"):
                resp = c.post(f"/api/cypher?lang={lang}", json={"query": query})
                assert resp.status_code == 400, (query, resp.text)
                body = resp.json()
                assert body["detail"].startswith("refused: "), body
                assert body["message"] == t(f"err.console.{key}", lang, **params), body
                if lang == "zh":
                    assert re.search(r"[\u4e00-\u9fff]", body["message"])
