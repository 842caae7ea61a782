"""GraphView -> HTML: a page fragment (network + legend) or a whole document.

Why our own template and not pyvis's: pyvis's templates load vis-network and
bootstrap from CDNs (even ``cdn_resources="in_line"`` links bootstrap), and the
investigators' intranet has no internet. pyvis still builds the node/edge data
and options (``Network.get_network_data``); we write the HTML. Assets come from
``/static`` (``assets="served"``, the pages, CSP ``'self'``) or are inlined
(``assets="inline"``: one self-contained file for case packages, opened offline).

The graph data travels as JSON in a ``<script type="application/json">`` block,
read by ``static/graph.js``: no inline executable script, no inline event
handlers, no inline style attributes (SVG ``fill`` attributes colour the legend).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment
from markupsafe import Markup

from graphsvc.templating import environment
from graphsvc.web.i18n import label, t
from viz.model import GraphView, LegendEntry

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "graphsvc" / "web" / "static"
VIS_JS = STATIC / "vendor" / "vis-network.min.js"
VIS_CSS = STATIC / "vendor" / "vis-network.css"
GRAPH_JS = STATIC / "graph.js"
APP_CSS = STATIC / "app.css"

Assets = Literal["served", "inline"]


@lru_cache
def _env() -> Environment:
    return environment(TEMPLATES, legend_svg=legend_svg)


@lru_cache
def _asset(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def pyvis_options(view: GraphView) -> dict[str, Any]:
    """vis-network options: physics that settles then stops (graph.js turns it off after
    stabilisation), or none at all for big graphs drawn at precomputed positions."""
    big = len(view.nodes) > 300
    return {
        "autoResize": True,
        "nodes": {"font": {"size": 12, "face": "sans-serif"}},
        "edges": {
            "font": {"size": 10, "align": "middle", "strokeWidth": 3},
            "smooth": False if big else {"enabled": True, "type": "continuous"},
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
        },
        "physics": {
            "enabled": view.physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110},
            "stabilization": {
                "enabled": True,
                "iterations": 150 if big else 300,
                "updateInterval": 50,
                "fit": True,
            },
        },
        "layout": {"improvedLayout": len(view.nodes) <= 150},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": big},
    }


def network_data(view: GraphView) -> dict[str, Any]:
    """What graph.js draws: nodes, edges and options, assembled through pyvis."""
    from pyvis.network import Network

    data = view.vis_data()
    net = Network(directed=True, cdn_resources="remote")
    for n in data["nodes"]:
        net.add_node(n.pop("id"), **n)
    for e in data["edges"]:
        net.add_edge(e.pop("from"), e.pop("to"), **e)
    net.options = pyvis_options(view)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    return {
        "nodes": nodes,
        "edges": edges,
        "options": options if isinstance(options, dict) else json.loads(options),
        "physics": view.physics,
        "hidden_nodes": view.hidden_nodes,
        "hidden_edges": view.hidden_edges,
    }


def network_fragment(view: GraphView, lang: str = "zh", dom_id: str = "network") -> Markup:
    """The network block for a page: canvas container, data, cap note and legend."""
    return Markup(  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
        _env()
        .get_template("network_fragment.html")
        .render(view=view, data=network_data(view), lang=lang, t=t, label=label, dom_id=dom_id)
    )


def network_html(
    view: GraphView,
    lang: str = "zh",
    assets: Assets = "served",
    title: str = "",
    static_prefix: str = "/static",
) -> str:
    """A whole HTML document showing one network.

    ``served``: links ``/static`` assets (what the app serves, CSP ``'self'``).
    ``inline``: every script and style inlined, no link at all, for files
    opened from disk on a machine without network.
    """
    inline = assets == "inline"
    return (
        _env()
        .get_template("network_page.html")
        .render(
            fragment=network_fragment(view, lang),
            lang=lang,
            title=title or t("network", lang),
            inline=inline,
            static=static_prefix,
            vis_js=Markup(_asset(VIS_JS)) if inline else "",  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
            vis_css=Markup(_asset(VIS_CSS)) if inline else "",  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
            graph_js=Markup(_asset(GRAPH_JS)) if inline else "",  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
            app_css=Markup(_asset(APP_CSS)) if inline else "",  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
            t=t,
        )
    )


_SHAPES: dict[str, str] = {
    "dot": '<circle cx="7" cy="7" r="6" fill="{c}"/>',
    "square": '<rect x="1" y="1" width="12" height="12" fill="{c}"/>',
    "triangle": '<polygon points="7,1 13,13 1,13" fill="{c}"/>',
    "triangleDown": '<polygon points="1,1 13,1 7,13" fill="{c}"/>',
    "diamond": '<polygon points="7,0 14,7 7,14 0,7" fill="{c}"/>',
    "hexagon": '<polygon points="4,1 10,1 13,7 10,13 4,13 1,7" fill="{c}"/>',
    "star": '<polygon points="7,0 9,5 14,5 10,8 12,14 7,10 2,14 4,8 0,5 5,5" fill="{c}"/>',
    "line": '<line x1="0" y1="7" x2="14" y2="7" stroke="{c}" stroke-width="3"/>',
    "dashed": '<line x1="0" y1="7" x2="14" y2="7" stroke="{c}" stroke-width="3" '
    'stroke-dasharray="3,2"/>',
}


def legend_svg(entry: LegendEntry) -> Markup:
    """A 14px swatch in the entry's shape and colour (an SVG attribute, CSP-safe)."""
    colour = entry.color if entry.color.startswith("#") and len(entry.color) <= 9 else "#999"
    shape = _SHAPES.get(entry.shape, _SHAPES["dot"]).format(c=Markup.escape(colour))
    return Markup(  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
        f'<svg class="gs-swatch" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">'
        f"{shape}</svg>"
    )
