"""Issue 13: navigation (cases, user, logout, open a case) and localised HTML error pages.

Against the small seeded graph (one ring ``run1:abc``) of graphsvc.security.testing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from graphsvc.web.i18n import TEXTS

HTML = {"Accept": "text/html"}


def test_every_text_key_exists_in_both_languages() -> None:
    assert sorted(set(TEXTS["en"]) ^ set(TEXTS["zh"])) == []


def test_nav_shows_cases_user_role_and_logout(seeded_client: TestClient) -> None:
    for lang in ("zh", "en"):
        html = seeded_client.get(f"/rings?lang={lang}", headers=HTML).text
        assert f'<a href="/cases">{TEXTS[lang]["nav_cases"]}</a>' in html
        assert re.search(r'<span class="gs-user-name">investigator[^<]*</span>', html)
        assert TEXTS[lang]["user_role.investigator"] in html
        assert 'action="/logout"' in html and TEXTS[lang]["logout"] in html


def test_ring_page_opens_a_case_for_its_ring(seeded_client: TestClient) -> None:
    html = seeded_client.get("/rings/run1:abc?lang=en", headers=HTML).text
    assert 'id="open-case"' in html
    assert '<input type="hidden" name="ring_id" value="run1:abc">' in html
    # The button posts what the form holds; bearer clients need no CSRF token.
    resp = seeded_client.post(
        "/cases", data={"ring_id": "run1:abc"}, headers=HTML, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/cases/")
    case = seeded_client.get(resp.headers["location"].replace("/cases/", "/api/cases/")).json()
    assert case["ring_id"] == "abc" or "abc" in str(case.get("ring_key", case))


def test_invalid_filters_are_a_localised_error_not_a_list(seeded_client: TestClient) -> None:
    cases = (
        ("min_score=abc", "filter.min_score"),
        ("period_from=2025-13-01", "filter.period_from"),
    )
    for query, key in cases:
        for lang in ("zh", "en"):
            resp = seeded_client.get(f"/rings?lang={lang}&{query}", headers=HTML)
            assert resp.status_code == 400, query
            assert resp.headers["content-type"].startswith("text/html")
            assert TEXTS[lang][key] in resp.text
            assert "/rings/run1" not in resp.text  # no list under the error
    ok = seeded_client.get("/rings?lang=en&period_from=2020-01&min_score=0", headers=HTML)
    assert ok.status_code == 200 and "gs-error" not in ok.text


def test_html_routes_answer_errors_with_pages_in_the_users_language(
    seeded_client: TestClient,
) -> None:
    for lang in ("zh", "en"):
        # a validation error (hops out of range), a missing case, a form's bad input
        hops = seeded_client.get(f"/entities/participant/x?hops=99&lang={lang}", headers=HTML)
        missing = seeded_client.get(f"/cases/no-such-case?lang={lang}", headers=HTML)
        form = seeded_client.post(f"/cases?lang={lang}", data={}, headers=HTML)
        for resp, status in ((hops, 400), (missing, 404), (form, 400)):
            assert resp.status_code == status, resp.text[:200]
            assert resp.headers["content-type"].startswith("text/html"), resp.text[:200]
            assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in resp.text
            assert '"detail"' not in resp.text
    # The API keeps answering JSON.
    api = seeded_client.get("/api/rings?min_score=abc")
    assert api.headers["content-type"].startswith("application/json")
