"""The investigator's path in a real browser: ring list -> a ring -> its network.

Headless Chromium (Debian's ``chromium``; ``scripts/install-chromium.sh``) over the
DevTools protocol: the network canvas must draw nodes (non-blank screenshot), no
request may leave 127.0.0.1, and the console must stay free of errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_cdp import LiveServer, Page, chromium, find_chromium, non_background_pixels

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not found: run scripts/install-chromium.sh (apt-get)"
)
MIN_DRAWN_PIXELS = 800  # a few styled nodes and edges; an empty canvas has none


def network_rect(page: Page) -> dict[str, float]:
    """The network's box in document coordinates (a screenshot's clip is in those),
    scrolled into view: entity pages put their summary above it."""
    rect = page.evaluate(
        "(function(){var e=document.querySelector('.gs-network');e.scrollIntoView();"
        "var r=e.getBoundingClientRect();return JSON.stringify({x:r.x+window.scrollX,"
        "y:r.y+window.scrollY,width:r.width,height:r.height});})()"
    )
    r = json.loads(rect)
    return {"x": r["x"], "y": r["y"] + 0.0, "width": r["width"], "height": r["height"]}


def assert_local_and_clean(page: Page, base: str) -> None:
    foreign = [
        u
        for u in page.requested_urls()
        if not (u.startswith(base + "/") or u.startswith(("data:", "blob:", "about:")))
    ]
    assert foreign == [], f"requests leaving {base}: {foreign}"
    assert page.errors() == []


@needs_chromium
def test_ring_list_to_ring_network(live_server: LiveServer, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        page.navigate(f"{base}/rings?lang=en")
        rows = page.evaluate("document.querySelectorAll('table.gs-rings tbody tr').length")
        assert rows > 0, "the ring list is empty"
        assert page.evaluate("document.documentElement.lang") == "en"

        # Open the top ring the way an investigator does: click it.
        href = page.evaluate("document.querySelector('table.gs-rings tbody a').href")
        seen = len(page.events)
        page.evaluate("document.querySelector('table.gs-rings tbody a').click()")
        page.wait_event("Page.loadEventFired", since=seen)
        assert page.evaluate("location.href") == href

        state = page.wait_for(
            "(function(){var e=document.querySelector('.gs-network');"
            "var s=e&&e.getAttribute('data-state');return s==='stable'||s==='error'?s:'';})()",
            timeout=45,
        )
        assert state == "stable"
        drawn = int(page.evaluate("document.querySelector('.gs-network').dataset.nodes"))
        assert drawn > 0
        assert page.evaluate("document.querySelectorAll('.gs-network canvas').length") == 1
        png = page.screenshot(network_rect(page))
        (tmp_path / "ring.png").write_bytes(png)
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        assert (
            page.evaluate("document.querySelectorAll('table.gs-evidence, ul.gs-reasons li').length")
            > 0
        )
        assert_local_and_clean(page, base)

        # And one member's entity page, with its own neighbourhood view.
        member = page.evaluate("document.querySelector('a[href^=\"/entities/participant/\"]').href")
        page.navigate(member)
        page.wait_for(
            "document.querySelector('.gs-network').getAttribute('data-state')==='stable'",
            timeout=45,
        )
        png = page.screenshot(network_rect(page))
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        assert_local_and_clean(page, base)


@needs_chromium
def test_cypher_console_runs_a_query_and_draws_the_graph(
    live_server: LiveServer, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "analyst")
        page.navigate(f"{base}/console?lang=en")
        saved = page.wait_for("document.querySelectorAll('#saved-queries button').length")
        assert saved > 0
        page.evaluate(
            "document.getElementById('cypher-query').value = "
            "'MATCH (g:Ring)-[m:HAS_MEMBER]->(p) RETURN g, m, p LIMIT 25';"
            "document.getElementById('cypher-run').click()"
        )
        page.wait_for("document.querySelectorAll('#cypher-table tbody tr').length > 0")
        assert page.evaluate("document.getElementById('cypher-error').hidden")
        # Nodes are shown compactly (label + id), never as a JSON blob (issue 13).
        first = page.evaluate("document.querySelector('#cypher-table tbody td').textContent")
        assert first.startswith("Ring ") and "{" not in first, first
        state = page.wait_for(
            "(function(){var s=document.getElementById('cypher-graph')"
            ".getAttribute('data-state');return s==='stable'||s==='error'?s:'';})()",
            timeout=45,
        )
        assert state == "stable"
        r = json.loads(
            page.evaluate(
                "JSON.stringify(document.getElementById('cypher-graph').getBoundingClientRect())"
            )
        )
        png = page.screenshot(
            {"x": r["x"], "y": r["y"], "width": r["width"], "height": r["height"]}
        )
        (tmp_path / "console.png").write_bytes(png)
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        # A write is refused by the server, and the console says so.
        page.evaluate(
            "document.getElementById('cypher-query').value = 'CREATE (:Ring {id: \\'x\\'})';"
            "document.getElementById('cypher-run').click()"
        )
        page.wait_for("!document.getElementById('cypher-error').hidden")
        # The refused query left no stale table behind (issue 13).
        assert page.evaluate("document.querySelectorAll('#cypher-table tr').length") == 0
        # A saved query with a LIMIT parameter: the form holds its declared default and
        # the query runs with it (it used to run with null and fail).
        page.evaluate(
            "Array.prototype.find.call(document.querySelectorAll('#saved-queries button'),"
            "function(b){return b.textContent.indexOf('detect_runs')===0;}).click()"
        )
        limit = page.evaluate(
            "document.querySelector('#cypher-param-form input[data-param=limit]').value"
        )
        assert limit == "20"
        page.evaluate("document.getElementById('cypher-run').click()")
        page.wait_for("document.querySelectorAll('#cypher-table tbody tr').length > 0")
        assert page.evaluate("document.getElementById('cypher-error').hidden")
        status = page.evaluate("document.getElementById('cypher-status').textContent")
        assert status.startswith("#3 "), status
        foreign = [
            u
            for u in page.requested_urls()
            if not (u.startswith(base + "/") or u.startswith(("data:", "blob:")))
        ]
        assert foreign == []
        # The refused write answers 4xx, which Chromium logs; nothing else may be an error.
        errors = [e for e in page.errors() if "status of 4" not in e]
        assert errors == []


@needs_chromium
def test_blank_page_has_no_drawn_pixels(tmp_path: Path) -> None:
    """The pixel count can fail: an empty white page counts (almost) nothing."""
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        page.navigate("data:text/html,<html><body style='background:#fff'></body></html>")
        png = page.screenshot({"x": 0, "y": 0, "width": 400, "height": 300})
        assert non_background_pixels(png) < 10


@needs_chromium
def test_inline_view_file_draws_offline(tmp_path: Path) -> None:
    """A self-contained view (``assets="inline"``, as in case packages) opened from disk."""
    from graphsvc.store.values import Node, Relationship
    from viz.model import build_view
    from viz.render import network_html

    assert CHROMIUM is not None
    people = [Node(f"participant:P{i}", ("Participant",), {"id": f"P{i}"}) for i in range(8)]
    phone = Node("identifier:phone:138****0000", ("Identifier",), {"kind": "phone"})
    rels = [Relationship(f"r{i}", "HAS_IDENTIFIER", p.id, phone.id) for i, p in enumerate(people)]
    view = build_view([*people, phone], rels, highlight={people[0].id})
    path = tmp_path / "ring.html"
    path.write_text(network_html(view, lang="zh", assets="inline"), encoding="utf-8")
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        page.navigate(path.as_uri())
        page.wait_for(
            "document.querySelector('.gs-network').getAttribute('data-state')==='stable'",
            timeout=45,
        )
        png = page.screenshot(network_rect(page))
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        assert [u for u in page.requested_urls() if not u.startswith(("file:", "data:"))] == []
        assert page.errors() == []


@needs_chromium
def test_tip_off_form_to_supervisor_triage(
    live_server: LiveServer, browser_settings: object, tmp_path: Path
) -> None:
    """An investigator takes a tip down in Chinese; the supervisor sees it triaged to the
    ring its subject belongs to, without the reporter's phone."""
    from urllib.parse import quote

    from graphsvc.config import Settings
    from graphsvc.store import open_store

    assert CHROMIUM is not None and isinstance(browser_settings, Settings)
    store = open_store(browser_settings, start=False)
    try:
        row = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[:HAS_MEMBER]->"
            "(p:Participant) RETURN g.id AS ring, p.id AS id ORDER BY g.id, p.id LIMIT 1"
        ).records()[0]
    finally:
        store.close()
    base = live_server.base
    phone = "13700001111"
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        page.navigate(f"{base}/tips/new?lang=zh")
        assert "登记举报投诉" in page.evaluate("document.querySelector('h1').textContent")
        seen = len(page.events)
        page.evaluate(
            "var f=document.getElementById('tip-form');"
            "f.subject.value='挂床住院';"
            f"f.targets.value='participant:{row['id']}';"
            "f.reporter_name.value='匿名';"
            f"f.reporter_phone.value='{phone}';"
            "f.querySelector('button[type=submit]').click()"
        )
        page.wait_event("Page.loadEventFired", since=seen)
        created = page.wait_for(
            "(function(){var e=document.getElementById('tip-created');"
            "return e?e.querySelector('strong').textContent:'';})()"
        )
        assert str(created).startswith("T")
        assert_local_and_clean(page, base)
    with chromium(CHROMIUM, tmp_path / "profile2") as page:
        live_server.log_in(page, "supervisor")
        page.navigate(f"{base}/tips?lang=en")
        text = page.evaluate("document.body.innerText")
        assert created in text and phone not in text
        links = page.evaluate(
            "JSON.stringify(Array.from(document.querySelectorAll('table a')).map(a=>a.href))"
        )
        assert f"{base}/rings/{quote(str(row['ring']), safe='')}" in json.loads(links)
        assert_local_and_clean(page, base)
