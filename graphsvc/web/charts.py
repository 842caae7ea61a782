"""Chart specs for pages, drawn in the browser by static/charts.js over the vendored
ECharts (issue #13: people would rather look than read amounts by month).

Why a spec of our own and not ECharts options: the texts (series and axis names,
typology and region names) are put in the page's language here, from the catalogs,
and the data travels as a JSON block (no inline script under the CSP), so the
browser code only maps categories and series onto ECharts and never sees a key.

>>> spec = months_chart([{"month": "2024-01", "count": 3, "amount": 10.5}], "en")
>>> spec["categories"], [s["data"] for s in spec["series"]]
(['2024-01'], [[3], [10.5]])
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from graphsvc.web.i18n import label, region_label, t


def months_chart(months: Sequence[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """Settlements per month (bars) and their amount (a line on its own axis)."""
    return {
        "categories": [m["month"] for m in months],
        "axes": [t("chart.settlements", lang), t("chart.amount", lang)],
        "series": [
            {
                "name": t("chart.settlements", lang),
                "type": "bar",
                "data": [m["count"] for m in months],
            },
            {
                "name": t("chart.amount", lang),
                "type": "line",
                "axis": 1,
                "data": [m["amount"] or 0.0 for m in months],
            },
        ],
    }


def amounts_chart(
    rows: Sequence[Mapping[str, Any]],
    lang: str,
    *,
    names: str | None = None,
    months: bool = False,
) -> dict[str, Any]:
    """Amount at risk per category (``key``). ``months``: bars with the ring count on a second
    axis; named categories (``names``: the catalog prefix, e.g. ``typology``, or
    ``region_code`` for division codes) and regions:
    one bar each, largest first, the ring count in the category's name."""
    if months:
        return {
            "categories": [str(r["key"]) for r in rows],
            "axes": [t("chart.amount_at_risk", lang), t("chart.rings", lang)],
            "series": [
                {
                    "name": t("chart.amount_at_risk", lang),
                    "type": "bar",
                    "data": [r["amount"] for r in rows],
                },
                {
                    "name": t("chart.rings", lang),
                    "type": "line",
                    "axis": 1,
                    "data": [r["rings"] for r in rows],
                },
            ],
        }
    return {
        "horizontal": True,
        "categories": [
            t(
                "chart.category_rings",
                lang,
                name=_category(str(r["key"]), names, lang),
                n=r["rings"],
            )
            for r in rows
        ],
        "axes": [t("chart.amount_at_risk", lang)],
        "series": [
            {
                "name": t("chart.amount_at_risk", lang),
                "type": "bar",
                "data": [r["amount"] for r in rows],
            }
        ],
    }


def _category(key: str, names: str | None, lang: str) -> str:
    if key == "other":  # graphsvc.services.explore.ring_charts.OTHER: the regions left
        return t("chart.other", lang)
    if names == "region_code":  # division codes: their names from the catalogs
        return region_label(key, lang)
    return label(names, key, lang) if names else key


def plot_block(dom_id: str, spec: Mapping[str, Any], caption: str = "") -> Markup:
    """The container and its JSON block; ``<`` is escaped so no data closes the script."""
    data = json.dumps(spec, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    aria = Markup.escape(caption)
    # the id is ours, the caption escaped, the data JSON with "<" escaped
    return Markup(  # noqa: S704
        f'<div class="gs-plot" id="{dom_id}" data-chart="{dom_id}-data" role="img" '
        f'aria-label="{aria}"></div>'
        f'<script type="application/json" id="{dom_id}-data">{data}</script>'
    )
