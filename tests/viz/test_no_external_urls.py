"""Nothing we ship or generate points outside the machine (intranet, no CDN).

Pages rendered by the app are checked in tests/api/test_explore_pages.py and, at run
time, by the browser test; this covers static assets and generated view files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.store.values import Node, Relationship
from graphsvc.web.views import STATIC, TEMPLATES
from viz.model import build_view
from viz.offline import VENDOR_INERT_URLS, external_urls
from viz.render import TEMPLATES as VIZ_TEMPLATES
from viz.render import network_html

OWN_FILES = sorted(
    p
    for p in [*STATIC.rglob("*"), *TEMPLATES.rglob("*"), *VIZ_TEMPLATES.rglob("*")]
    if p.is_file() and p.suffix in {".js", ".css", ".html"} and "vendor" not in p.parts
)
VENDOR_FILES = sorted(p for p in (STATIC / "vendor").glob("*") if p.suffix in {".js", ".css"})


def test_the_checker_catches_every_form() -> None:
    bad = [
        '<script src="https://cdn.jsdelivr.net/npm/vis-network"></script>',
        '<link rel="stylesheet" href="http://cdnjs.cloudflare.com/a.css">',
        '<link href="//maxcdn.bootstrapcdn.com/b.css">',
        "body { background: url('//fonts.gstatic.com/x.woff') }",
        "@import 'https://fonts.googleapis.com/css?family=Roboto';",
        '{"src": "https:\\/\\/cdn.example.org\\/x.js"}',
    ]
    for text in bad:
        assert external_urls(text), text
    good = [
        '<script src="/static/graph.js"></script>',
        '<a href="http://127.0.0.1:8000/rings">',
        '<a href="http://localhost/x">',
        "// a comment about //something",
        '<img src="data:image/png;base64,AAAA">',
    ]
    for text in good:
        assert external_urls(text) == [], text


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.name)
def test_own_assets_and_templates_have_no_external_url(path: Path) -> None:
    assert external_urls(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", VENDOR_FILES, ids=lambda p: p.name)
def test_vendored_files_only_mention_known_inert_urls(path: Path) -> None:
    assert external_urls(path.read_text(encoding="utf-8"), VENDOR_INERT_URLS) == []


def test_generated_view_files_have_no_external_url() -> None:
    a = Node("participant:P1", ("Participant",), {"id": "P1"})
    b = Node("institution:H1", ("Institution",), {"id": "H1", "name": "Clinic"})
    view = build_view([a, b], [Relationship("r", "VISITED", a.id, b.id, {"count": 1})])
    assert external_urls(network_html(view, assets="served")) == []
    inline = network_html(view, assets="inline")
    assert external_urls(inline, VENDOR_INERT_URLS) == []


def test_vendored_vis_network_is_the_one_pyvis_ships() -> None:
    """The copy under static/vendor must match pyvis's (minus the source-map line)."""
    import pyvis

    shipped = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
    ours = (STATIC / "vendor" / "vis-network.min.js").read_text(encoding="utf-8")
    theirs = shipped.read_text(encoding="utf-8")
    stripped = "\n".join(
        ln for ln in theirs.split("\n") if not ln.startswith("//# sourceMappingURL=")
    )
    assert ours.strip() == stripped.strip()


ECHARTS_SHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"


def test_vendored_echarts_is_the_npm_6_1_0_build() -> None:
    """Byte for byte the package's dist/echarts.min.js (vendor/README.md), licence beside it."""
    import hashlib

    data = (STATIC / "vendor" / "echarts.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == ECHARTS_SHA256
    assert b'version="6.1.0"' in data
    assert "Apache License" in (STATIC / "vendor" / "echarts.LICENSE.txt").read_text("utf-8")
