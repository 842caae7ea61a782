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
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment
from markupsafe import Markup

from graphsvc.contract.typologies import TYPOLOGY_EN
from graphsvc.templating import environment
from graphsvc.web.i18n import TEXTS, fact_label, label, t
from viz.model import (
    EDGE_STYLES,
    KIND_STYLES,
    MONEY_FIELDS,
    OTHER_EDGE,
    OTHER_STYLE,
    GraphView,
    LegendEntry,
)

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
        "nodes": {"font": {"size": view.font_size or (12 if big else 15), "face": "sans-serif"}},
        "edges": {
            "font": {
                "size": round((view.font_size or (12 if big else 15)) * 0.85),
                "align": "middle",
                "strokeWidth": 3,
            },
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


def network_data(view: GraphView, lang: str | None = None, expand: bool = False) -> dict[str, Any]:
    """What graph.js draws: nodes, edges and options, assembled through pyvis; with
    ``lang``, the words and styles the page script needs to grow the graph in place
    (``expand``: it may fetch a node's neighbourhood from the API)."""
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
        **({"ui": page_words(lang, expand)} if lang else {}),
    }


# Node properties the page script shows in the tooltip of a node it added (expand).
EXPAND_PROPS = (
    "name",
    "kind",
    "gender",
    "birth_date",
    "insurance_type",
    "region_code",
    "department",
    "level",
    "value",
    "date",
    "discharge_date",
    "visit_type",
    "diagnosis_code",
    "total_amount",
    "fund_paid",
    "account_paid",
)


def page_words(lang: str, expand: bool) -> dict[str, Any]:
    """Texts and styles for graph.js: kinds and edge types by name, the properties it may
    show (and their coded values in words), so nodes it adds look like the others."""
    return {
        "expand": expand,
        "texts": {
            key: t(key, lang)
            for key in ("expand_node", "expanding", "expanded_n", "expand_failed", "no_match")
        },
        "kinds": {
            kind: {**asdict(style), "name": label("kind", kind, lang)}
            for kind, style in KIND_STYLES.items()
        },
        "other_kind": asdict(OTHER_STYLE),
        "edges": {
            rel: {**asdict(style), "name": label("edge", rel, lang)}
            for rel, style in EDGE_STYLES.items()
        },
        "other_edge": asdict(OTHER_EDGE),
        "facts": {prop: fact_label(prop, lang) for prop in EXPAND_PROPS},
        "values": {f"{prop}.{value}": word for prop, value, word in coded_values(lang)},
        "money": sorted(MONEY_FIELDS),
        "typologies": {k: label("typology", k, lang) for k in TYPOLOGY_EN},
    }


def coded_values(lang: str) -> list[tuple[str, str, str]]:
    """The coded property values the catalogs say in words (``gender.F`` -> 女)."""
    out = []
    for key, word in sorted(TEXTS[lang].items()):
        if key.startswith("fact_value."):
            prop, _, value = key[len("fact_value.") :].partition(".")
            out.append((prop, value, word))
    return out


def network_fragment(
    view: GraphView, lang: str = "zh", dom_id: str = "network", expand: bool = False
) -> Markup:
    """The network block for a page: canvas container, data, cap note, search and the
    legend (whose edge types turn on and off)."""
    return Markup(  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
        _env()
        .get_template("network_fragment.html")
        .render(
            view=view,
            data=network_data(view, lang, expand),
            lang=lang,
            t=t,
            label=label,
            dom_id=dom_id,
        )
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
