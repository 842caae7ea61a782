"""The picture as inline SVG for the HTML report (no script, no external reference)."""

from __future__ import annotations

import html

from markupsafe import Markup

from graphsvc.cases.report.picture import Picture, legend
from viz.model import HIGHLIGHT_BORDER


def picture_svg(pic: Picture, width: int = 760, height: int = 520) -> Markup:
    """Inline SVG for the HTML report (no script, no external reference)."""
    pad = 40
    at = {n.id: (pad + n.x * (width - 2 * pad), pad + n.y * (height - 2 * pad)) for n in pic.nodes}
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="network">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for e in pic.edges:
        (x1, y1), (x2, y2) = at[e.source], at[e.target]
        colour = HIGHLIGHT_BORDER if e.type == "EVIDENCE" else "#b0b0b0"
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
    for n in pic.nodes:
        x, y = at[n.id]
        r = 7 if n.member else 5
        stroke = f' stroke="{HIGHLIGHT_BORDER}" stroke-width="2"' if n.member else ""
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{n.color}"{stroke}/>')
        parts.append(
            f'<text x="{x + 8:.1f}" y="{y + 3:.1f}" font-size="9" '
            f'fill="#333">{html.escape(n.label)}</text>'
        )
    for i, (colour, name) in enumerate(legend(pic)):
        parts.append(
            f'<circle cx="{12 + i * 150}" cy="{height - 10}" r="5" fill="{colour}"/>'
            f'<text x="{20 + i * 150}" y="{height - 6}" font-size="10" fill="#333">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  built from escaped values or autoescaped templates and packaged assets
