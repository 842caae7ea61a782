"""Issue #13 in a real browser: an institution's page (its monthly chart and its
partners' network), the ring list's charts and the console, each in Chinese and
English. Drawn (non-blank canvases), no request leaving 127.0.0.1, no console error,
and no untranslated text on the Chinese pages (the rendered DOM, scripts' texts
included, checked like tests/api/test_i18n_catalogs.py checks the server's HTML).

Screenshots are written to ``tmp_path`` (and to ``$GRAPHSVC_SCREENSHOTS`` when set, to
look at them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser_cdp import LiveServer, Page, chromium, find_chromium, non_background_pixels

from graphsvc.config import Settings
from graphsvc.store import open_store
from tests.api.test_i18n_catalogs import problems

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not found: run scripts/install-chromium.sh (apt-get)"
)
MIN_DRAWN_PIXELS = 800  # bars, lines and axes; an empty canvas has none


def _rect(page: Page, selector: str) -> dict[str, float]:
    """The element's box in document coordinates (a screenshot's clip is in those)."""
    r = json.loads(
        page.evaluate(
            f"(function(){{var r=document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect();return JSON.stringify({x:r.x+window.scrollX,"
            "y:r.y+window.scrollY,width:r.width,height:r.height});})()"
        )
    )
    return {"x": r["x"], "y": r["y"], "width": r["width"], "height": r["height"]}


def _shot(page: Page, selector: str, out: Path, name: str) -> int:
    page.evaluate(f"document.querySelector({json.dumps(selector)}).scrollIntoView()")
    png = page.screenshot(_rect(page, selector))
    (out / name).write_bytes(png)
    extra = os.environ.get("GRAPHSVC_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        (Path(extra) / name).write_bytes(png)
    return non_background_pixels(png)


def _clean(page: Page, base: str, lang: str, allow_4xx: bool = False) -> None:
    foreign = [
        u
        for u in page.requested_urls()
        if not (u.startswith(base + "/") or u.startswith(("data:", "blob:", "about:")))
    ]
    assert foreign == [], f"requests leaving {base}: {foreign}"
    errors = [e for e in page.errors() if not (allow_4xx and "status of 4" in e)]
    assert errors == []
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    html = page.evaluate("document.documentElement.outerHTML")
    assert problems(html, lang) == []


def _busiest_institution(settings: Settings) -> str:
    store = open_store(settings, start=False)
    try:
        return str(
            store.query(
                "MATCH (s:Prescription)-[:AT]->(i:Institution) "
                "RETURN i.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1"
            ).records()[0]["id"]
        )
    finally:
        store.close()


def _drawn(page: Page, selector: str) -> str:
    state: str = page.wait_for(
        f"(function(){{var e=document.querySelector({json.dumps(selector)});"
        "var s=e&&e.getAttribute('data-state');"
        "return s==='drawn'||s==='stable'||s==='error'?s:'';})()",
        timeout=45,
    )
    return state


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_institution_page_draws_its_chart_and_partners(
    live_server: LiveServer, browser_settings: Settings, tmp_path: Path, lang: str
) -> None:
    assert CHROMIUM is not None
    inst = _busiest_institution(browser_settings)
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        page.navigate(f"{base}/entities/institution/{inst}?lang={lang}")
        assert _drawn(page, "#entity-months") == "drawn"
        assert page.evaluate("document.querySelectorAll('#entity-months canvas').length") >= 1
        assert _shot(page, "#entity-months", tmp_path, f"institution-chart-{lang}.png") > (
            MIN_DRAWN_PIXELS
        )
        assert _drawn(page, ".gs-network") == "stable"
        nodes = int(page.evaluate("document.querySelector('.gs-network').dataset.nodes"))
        assert 1 < nodes <= 49  # the institution and its listed partners, no settlement dots
        assert _shot(page, ".gs-network", tmp_path, f"institution-network-{lang}.png") > (
            MIN_DRAWN_PIXELS
        )
        rows = page.evaluate("document.querySelectorAll('#summary-patients tbody tr').length")
        assert rows > 0
        # the summary's lists as the investigator sees them (the viewport, for review)
        page.evaluate("document.getElementById('entity-summary').scrollIntoView()")
        png = page.screenshot()
        (tmp_path / f"institution-summary-{lang}.png").write_bytes(png)
        if os.environ.get("GRAPHSVC_SCREENSHOTS"):
            (
                Path(os.environ["GRAPHSVC_SCREENSHOTS"]) / f"institution-summary-{lang}.png"
            ).write_bytes(png)
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        _clean(page, base, lang)


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ring_list_draws_its_three_charts(
    live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    assert CHROMIUM is not None
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        page.navigate(f"{base}/rings?lang={lang}")
        for chart in ("#rings-by-month", "#rings-by-typology", "#rings-by-region"):
            assert _drawn(page, chart) == "drawn", chart
            name = f"rings-{chart[7:]}-{lang}.png"
            assert _shot(page, chart, tmp_path, name) > MIN_DRAWN_PIXELS, chart
        _clean(page, base, lang)


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_console_draws_a_query_in_the_pages_language(
    live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    assert CHROMIUM is not None
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "analyst")
        page.navigate(f"{base}/console?lang={lang}")
        assert page.wait_for("document.querySelectorAll('#saved-queries button').length") > 0
        page.evaluate(
            "document.getElementById('cypher-query').value = "
            "'MATCH (g:Ring)-[m:HAS_MEMBER]->(p) RETURN g, m, p LIMIT 25';"
            "document.getElementById('cypher-run').click()"
        )
        page.wait_for("document.querySelectorAll('#cypher-table tbody tr').length > 0")
        assert _drawn(page, "#cypher-graph") == "stable"
        assert _shot(page, "#cypher-graph", tmp_path, f"console-{lang}.png") > MIN_DRAWN_PIXELS
        # a refused query says why in the page's language
        page.evaluate(
            "document.getElementById('cypher-query').value = 'MATCH (n) DELETE n';"
            "document.getElementById('cypher-run').click()"
        )
        message = page.wait_for(
            "(function(){var e=document.getElementById('cypher-error');"
            "return e.hidden?'':e.textContent;})()"
        )
        assert message
        _clean(page, base, lang, allow_4xx=True)
