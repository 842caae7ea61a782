"""Each typology's ring page in a real browser, in Chinese and English (issue 13).

On the generated province with detection run (the ``live_server`` fixture), for the
top ring of every typology present: the page draws, the evidence elements of its
typology are there (identifier hubs, the referral loop on a circle, the holder's fan,
the doctor -> pharmacy flow, the heat map and the stay timeline) and on top (the
aggregated settlement and prescription edges start hidden, and the evidence colour
is on the canvas), nothing leaves 127.0.0.1, the console stays clean and a Chinese
page holds no raw key or English sentence (the catalog test's own checker). One
browser for all of it; screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from browser_cdp import LiveServer, Page, chromium, find_chromium, non_background_pixels

from graphsvc.config import Settings

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not found: run scripts/install-chromium.sh (apt-get)"
)
EVIDENCE_RED = (0xB1, 0x00, 0x26)  # viz.model EDGE_STYLES[EVIDENCE]
IDENTIFIER_RED = (0xE1, 0x57, 0x59)  # viz.model KIND_STYLES["identifier"]
SETTLEMENT_TYPES = ("VISITED", "TREATED_BY")
STAY_BLUE = (0x4E, 0x79, 0xA7)  # static/ring_charts.js: a stay with no settlement elsewhere
MIN_DRAWN_PIXELS = 800


def _catalog_checker() -> ModuleType:
    """tests/api/test_i18n_catalogs.py: its ``problems`` is the zh-page check."""
    path = Path(__file__).resolve().parent.parent / "api" / "test_i18n_catalogs.py"
    spec = importlib.util.spec_from_file_location("_i18n_catalog_checks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def top_rings(settings: Settings) -> dict[str, str]:
    """The best-scored ring of each typology in the current run."""
    from graphsvc.store import open_store

    store = open_store(settings, start=False)
    try:
        rows = store.query(
            "MATCH (:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring) "
            "OPTIONAL MATCH (g)-[m:HAS_MEMBER]->(:Doctor) WHERE m.role = 'hub doctor' "
            "WITH g, count(m) AS hubs "
            "RETURN g.typology AS typology, g.id AS id, hubs "
            "ORDER BY typology, g.score DESC, id"
        ).records()
    finally:
        store.close()
    out: dict[str, str] = {}
    for r in rows:
        # pharmacy_collusion has two shapes: the page's doctor -> pharmacy flow is the
        # steering one (a hub doctor); a resale ring has no doctor flow to draw
        if r["typology"] == "pharmacy_collusion" and not r["hubs"]:
            continue
        out.setdefault(str(r["typology"]), str(r["id"]))
    return out


def colour_pixels(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    import numpy as np
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = np.frombuffer(img.tobytes(), dtype=np.uint8).reshape(-1, 3).astype(int)
    return int((np.abs(pixels - np.array(colour)).max(axis=1) <= tolerance).sum())


def rect_of(page: Page, selector: str) -> dict[str, float]:
    """The element's box in page coordinates (the screenshot clip's), scrolled into the
    viewport first: a chart above pushes the network below the fold, and a clip outside
    the viewport comes out blank."""
    page.evaluate(f"document.querySelector({json.dumps(selector)}).scrollIntoView()")
    page.pump(0.3)
    r = json.loads(
        page.evaluate(
            f"JSON.stringify(document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect())"
        )
    )
    scroll = float(page.evaluate("window.scrollY"))
    return {"x": r["x"], "y": r["y"] + scroll, "width": r["width"], "height": r["height"]}


def drawn_graph(page: Page) -> dict[str, Any]:
    """What vis-network holds: nodes (with positions) and edges, hidden flags included."""
    raw = page.evaluate(
        "(function(){var n=GraphsvcNetwork.get('network');"
        "var pos=n.network.getPositions();"
        "return JSON.stringify({nodes:n.nodes.get().map(function(x){return {id:x.id,"
        "kind:x.kind,size:x.size,fixed:!!x.fixed,hidden:!!x.hidden,member:!!x.member,"
        "label:x.label,title:x.title,x:pos[x.id]&&pos[x.id].x,y:pos[x.id]&&pos[x.id].y};}),"
        "edges:n.edges.get().map(function(e){return {from:e.from,to:e.to,type:e.type,"
        "hidden:!!e.hidden,label:e.label||'',width:e.width,title:e.title};})});})()"
    )
    out: dict[str, Any] = json.loads(raw)
    return out


def _shared_identity(g: dict[str, Any]) -> None:
    hubs = [n for n in g["nodes"] if n["kind"] == "identifier" and not n["hidden"]]
    people = [n for n in g["nodes"] if n["kind"] == "participant" and not n["hidden"]]
    assert hubs, "no identifier hub drawn"
    assert max(h["size"] for h in hubs) > max(p["size"] for p in people)
    held = [e for e in g["edges"] if e["type"] == "HAS_IDENTIFIER" and not e["hidden"]]
    assert len(held) >= 2 * len(hubs)
    # the evidence pairs are summarised by the hubs, not drawn as participant pairs
    assert not [e for e in g["edges"] if e["type"] == "EVIDENCE"]


def _fake_referral(g: dict[str, Any]) -> None:
    loop = [n for n in g["nodes"] if n["kind"] == "institution" and n["member"]]
    assert len(loop) >= 2 and all(n["fixed"] for n in loop)
    cx = sum(n["x"] for n in loop) / len(loop)
    cy = sum(n["y"] for n in loop) / len(loop)
    radii = [math.hypot(n["x"] - cx, n["y"] - cy) for n in loop]
    assert max(radii) - min(radii) < 0.05 * max(radii), "institutions not on a circle"
    ids = {n["id"] for n in loop}
    arcs = [e for e in g["edges"] if e["type"] == "EVIDENCE" and e["from"] in ids]
    assert arcs and all(any(ch.isdigit() for ch in e["label"]) for e in arcs), arcs
    assert all(e["hidden"] for e in g["edges"] if e["type"] == "REFERRED")


def _family(g: dict[str, Any]) -> None:
    fixed = [n for n in g["nodes"] if n["fixed"] and n["kind"] == "participant"]
    centre = [n for n in fixed if abs(n["x"]) < 1 and abs(n["y"]) < 1]
    assert len(centre) == 1, "no account holder in the middle"
    paid = {e["to"] for e in g["edges"] if e["type"] == "EVIDENCE"}
    fan = [n for n in fixed if n["id"] in paid]
    radii = [math.hypot(n["x"], n["y"]) for n in fan]
    assert len(fan) >= 3 and max(radii) - min(radii) < 0.02 * max(radii), radii
    assert all("\n" in n["label"] for n in fan), "relation and age under each beneficiary"


def _pharmacy(g: dict[str, Any]) -> None:
    flows = [e for e in g["edges"] if e["type"] == "EVIDENCE" and "¥" in e["label"]]
    assert flows, "no doctor -> pharmacy flow with its amount"
    at = {n["id"]: n for n in g["nodes"]}
    for e in flows:
        assert at[e["from"]]["kind"] == "doctor" and at[e["from"]]["x"] < at[e["to"]]["x"]
    others = [e["width"] for e in g["edges"] if e not in flows and not e["hidden"]]
    assert min(e["width"] for e in flows) > max(others, default=0)


def _evidence_edges(g: dict[str, Any]) -> None:
    shown = [e for e in g["edges"] if e["type"] == "EVIDENCE" and not e["hidden"]]
    assert shown, "no evidence edge drawn"


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "shared_identity": _shared_identity,
    "fake_referral": _fake_referral,
    "family_sharing_abuse": _family,
    "pharmacy_collusion": _pharmacy,
}
CHARTS = {
    "organised_visits": "chart-heatmap",
    "split_hospitalisation": "chart-timeline",
    "ghost_hospitalisation": "chart-timeline",
}


def assert_clean(page: Page, base: str) -> None:
    foreign = [
        u
        for u in page.requested_urls()
        if not (u.startswith(base + "/") or u.startswith(("data:", "blob:", "about:")))
    ]
    assert foreign == [], f"requests leaving {base}: {foreign}"
    assert page.errors() == []


def open_ring(page: Page, base: str, ring: str, lang: str) -> None:
    page.events.clear()
    page.navigate(f"{base}/rings/{quote(ring, safe='')}?lang={lang}")
    state = page.wait_for(
        "(function(){var e=document.querySelector('.gs-network');"
        "var s=e&&e.getAttribute('data-state');return s==='stable'||s==='error'?s:'';})()",
        timeout=45,
    )
    assert state == "stable"


def check_ring_page(
    page: Page, base: str, typology: str, ring: str, lang: str, tmp_path: Path, checker: Any
) -> None:
    open_ring(page, base, ring, lang)
    g = drawn_graph(page)
    # settlements (and prescriptions) aggregated and off by default, their boxes unticked
    settlement = [e for e in g["edges"] if e["type"] in SETTLEMENT_TYPES]
    assert all(e["hidden"] for e in settlement)
    ticked = page.evaluate(
        "Array.from(document.querySelectorAll('input[data-edge-type]'))"
        ".filter(function(b){return b.checked;}).map(function(b){return b.dataset.edgeType;})"
        ".join(',')"
    )
    assert not set(ticked.split(",")) & set(SETTLEMENT_TYPES), ticked
    CHECKS.get(typology, _evidence_edges)(g)
    # tooltips: words of the page's language, never internal properties
    titles = " ".join(str(n["title"]) for n in g["nodes"]) + " ".join(
        str(e["title"]) for e in g["edges"]
    )
    for internal in ("load_id", "row_hash", "name_key", "id_bucket", "evidence_type"):
        assert internal not in titles, internal
    png = page.screenshot(rect_of(page, ".gs-network"))
    (tmp_path / f"{typology}-{lang}.png").write_bytes(png)
    assert non_background_pixels(png) > MIN_DRAWN_PIXELS
    # the evidence is on the canvas, not under other lines
    ink = IDENTIFIER_RED if typology == "shared_identity" else EVIDENCE_RED
    assert colour_pixels(png, ink) > 200, f"{typology}: evidence colour not drawn"
    chart = CHARTS.get(typology)
    if chart:
        page.wait_for(
            f"document.getElementById('{chart}').getAttribute('data-state')!=='loading'",
            timeout=20,
        )
        assert page.evaluate(f"document.getElementById('{chart}').dataset.state") == "drawn"
        assert page.evaluate(f"document.querySelectorAll('#{chart} canvas').length") >= 1
        shot = page.screenshot(rect_of(page, f"#{chart}"))
        (tmp_path / f"{typology}-{lang}-chart.png").write_bytes(shot)
        assert non_background_pixels(shot) > MIN_DRAWN_PIXELS
        # heat-map cells in the evidence red, stay bars in blue or (away) red
        inks = [EVIDENCE_RED] if chart == "chart-heatmap" else [STAY_BLUE, IDENTIFIER_RED]
        assert sum(colour_pixels(shot, c, tolerance=24) for c in inks) > 100
    html = page.evaluate("document.documentElement.outerHTML")
    assert checker.problems(html, lang) == [], (typology, lang)
    assert_clean(page, base)


@needs_chromium
def test_every_typologys_ring_page_shows_its_evidence_first(
    live_server: LiveServer, browser_settings: Settings, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    rings = top_rings(browser_settings)
    assert len(rings) >= 8, f"the demo province should show most typologies: {sorted(rings)}"
    checker = _catalog_checker()
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        for typology, ring in sorted(rings.items()):
            for lang in ("zh", "en"):
                check_ring_page(page, live_server.base, typology, ring, lang, tmp_path, checker)


@needs_chromium
def test_legend_toggles_search_and_expand_in_place(
    live_server: LiveServer, browser_settings: Settings, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    rings = top_rings(browser_settings)
    ring = rings.get("ghost_hospitalisation") or sorted(rings.values())[0]
    base = live_server.base
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        live_server.log_in(page, "investigator")
        open_ring(page, base, ring, "zh")
        page.evaluate("window.__sameDocument = 1")
        shown = int(page.evaluate("document.querySelector('.gs-network').dataset.edgesShown"))
        # the settlement edges come on from the legend, and go off again
        page.evaluate("var b=document.querySelector('input[data-edge-type=VISITED]');b.click()")
        more = int(page.evaluate("document.querySelector('.gs-network').dataset.edgesShown"))
        assert more > shown
        page.evaluate("document.querySelector('input[data-edge-type=VISITED]').click()")
        assert (
            int(page.evaluate("document.querySelector('.gs-network').dataset.edgesShown")) == shown
        )
        # search: a member found and highlighted
        member = page.evaluate(
            "GraphsvcNetwork.get('network').nodes.get({filter:function(n){"
            "return n.member && n.kind==='participant';}})[0].id"
        )
        page.evaluate(
            "var f=document.querySelector('form.gs-network-search');"
            f"f.elements.node.value={json.dumps(member.split(':', 1)[1])};"
            "f.querySelector('button[type=submit]').click()"
        )
        assert page.evaluate("document.querySelector('.gs-network').dataset.found") == member
        assert page.evaluate("document.querySelector('.gs-network-status').textContent")
        # expand that member in place: its neighbourhood fetched from the JSON API
        before = int(page.evaluate("document.querySelector('.gs-network').dataset.nodes"))
        page.evaluate(
            "var n=GraphsvcNetwork.get('network');"
            "n.network.selectNodes([" + json.dumps(member) + "]);"
            "n.network.emit('selectNode',{nodes:[" + json.dumps(member) + "]});"
            "document.querySelector('button.gs-expand').click()"
        )
        added = int(
            page.wait_for("document.querySelector('.gs-network').dataset.expanded", timeout=30)
        )
        assert added > 0
        after = int(page.evaluate("document.querySelector('.gs-network').dataset.nodes"))
        assert after == before + added
        assert page.evaluate("window.__sameDocument") == 1, "the page reloaded"
        fetched = [u for u in page.requested_urls() if "/neighborhood" in u]
        assert fetched and all(u.startswith(base + "/api/entities/") for u in fetched)
        png = page.screenshot(rect_of(page, ".gs-network"))
        (tmp_path / "expanded.png").write_bytes(png)
        assert non_background_pixels(png) > MIN_DRAWN_PIXELS
        assert_clean(page, base)
