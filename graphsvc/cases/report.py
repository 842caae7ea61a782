"""The case report, as HTML and as PDF, from one pure report model.

Why both: the HTML opens anywhere and is searchable; the PDF is what gets
printed, stamped and filed. Both are bilingual (Chinese first), carry no export
time (the manifest does), and draw the network from a seeded layout, so the same
case on the same data renders the same bytes (reportlab ``invariant`` mode).
"""

from __future__ import annotations

import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from graphsvc.cases.evidence import CaseEvidence, member_rows
from graphsvc.cases.legal import TRANSFER_BASIS, Quote, quotes
from graphsvc.cases.records import CaseEventRecord, CaseRecord
from graphsvc.cases.texts import TEXTS, both, pair
from graphsvc.cases.workflow import TRANSFERRED
from graphsvc.store.values import Node, Relationship, kind_of
from graphsvc.web.i18n import label
from viz.model import HIGHLIGHT_BORDER, KIND_STYLES, OTHER_STYLE, layout_positions

TEMPLATES = Path(__file__).resolve().parent / "templates"
PICTURE_NODE_CAP = 150
LAYOUT_SEED = 7


# -- the picture ---------------------------------------------------------------------


@dataclass(frozen=True)
class PicNode:
    id: str
    label: str
    kind: str
    color: str
    x: float  # 0..1
    y: float  # 0..1
    member: bool


@dataclass(frozen=True)
class PicEdge:
    source: str
    target: str
    type: str


@dataclass
class Picture:
    nodes: list[PicNode] = field(default_factory=list)
    edges: list[PicEdge] = field(default_factory=list)
    hidden: int = 0


def picture(nodes: list[Node], rels: list[Relationship], members: set[str]) -> Picture:
    """A seeded layout of the subgraph, members first when capping, scaled to 0..1."""
    degree: Counter[str] = Counter()
    for r in rels:
        degree[r.start] += 1
        degree[r.end] += 1
    ordered = sorted(nodes, key=lambda n: (n.id not in members, -degree[n.id], n.id))
    kept = ordered[:PICTURE_NODE_CAP]
    ids = [n.id for n in kept]
    keep = set(ids)
    edges = sorted({(r.start, r.end, r.type) for r in rels if r.start in keep and r.end in keep})
    pos = layout_positions(ids, [(s, t) for s, t, _ in edges], seed=LAYOUT_SEED)
    if not pos:
        return Picture(hidden=len(nodes) - len(kept))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    out = Picture(hidden=len(nodes) - len(kept))
    for n in kept:
        kind = kind_of(n)
        x, y = pos[n.id]
        lab = str(
            n.properties.get("name")
            if kind == "institution" and n.properties.get("name")
            else n.properties.get("id", n.id)
        )
        if kind == "identifier":
            lab = str(n.properties.get("kind") or "identifier")
        out.nodes.append(
            PicNode(
                n.id,
                lab[:18],
                kind,
                KIND_STYLES.get(kind, OTHER_STYLE).color,
                round((x - min(xs)) / span_x, 4),
                round((y - min(ys)) / span_y, 4),
                n.id in members,
            )
        )
    out.edges = [PicEdge(s, t, ty) for s, t, ty in edges]
    return out


def legend(pic: Picture) -> list[tuple[str, str]]:
    """(colour, bilingual kind name) of the kinds drawn, in the styles' order."""
    kinds = {n.kind for n in pic.nodes}
    return [
        (style.color, both(f"kind.{kind}") if f"kind.{kind}" in TEXTS else kind)
        for kind, style in KIND_STYLES.items()
        if kind in kinds
    ]


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


def picture_drawing(pic: Picture, font: str, width: float = 480, height: float = 330) -> Any:
    """The same picture as a reportlab vector drawing for the PDF."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
    from reportlab.lib import colors

    pad = 24.0
    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, strokeColor=colors.HexColor("#dddddd"), fillColor=colors.white))
    # PDF y grows upwards: flip so the PDF looks like the HTML.
    at = {
        n.id: (pad + n.x * (width - 2 * pad), height - pad - n.y * (height - 2 * pad))
        for n in pic.nodes
    }
    for e in pic.edges:
        (x1, y1), (x2, y2) = at[e.source], at[e.target]
        colour = HIGHLIGHT_BORDER if e.type == "EVIDENCE" else "#b0b0b0"
        d.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor(colour), strokeWidth=0.6))
    for n in pic.nodes:
        x, y = at[n.id]
        d.add(
            Circle(
                x,
                y,
                4.5 if n.member else 3.2,
                fillColor=colors.HexColor(n.color),
                strokeColor=colors.HexColor(HIGHLIGHT_BORDER) if n.member else None,
                strokeWidth=1.2 if n.member else 0,
            )
        )
        d.add(
            String(
                x + 5,
                y - 2,
                n.label,
                fontName=font,
                fontSize=5.5,
                fillColor=colors.HexColor("#333333"),
            )
        )
    for i, (colour, name) in enumerate(legend(pic)):
        d.add(Circle(8 + i * 95, 7, 3, fillColor=colors.HexColor(colour), strokeColor=None))
        d.add(
            String(
                14 + i * 95,
                5,
                name,
                fontName=font,
                fontSize=6,
                fillColor=colors.HexColor("#333333"),
            )
        )
    return d


# -- the report model ------------------------------------------------------------------


@dataclass
class ReportModel:
    case: CaseRecord
    events: list[CaseEventRecord]
    members: list[dict[str, Any]]
    total_fund_paid: float
    total_at_risk: float | None
    legal: list[Quote]
    transfer: list[Quote]
    picture: Picture
    masked: bool
    counts: dict[str, int]
    truncated: bool
    files: list[str]


def report_model(
    case: CaseRecord,
    events: list[CaseEventRecord],
    ev: CaseEvidence,
    nodes: list[Node],
    rels: list[Relationship],
    masked: bool,
    files: list[str],
) -> ReportModel:
    members = member_rows(case, ev, masked)
    settled = {str(r["prescription_id"]): float(r.get("fund_paid") or 0.0) for r in ev.settlements}
    return ReportModel(
        case=case,
        events=sorted(events, key=lambda e: e.seq),
        members=members,
        total_fund_paid=round(sum(settled.values()), 2),
        total_at_risk=case.amount_at_risk,
        legal=quotes(case.clause or ""),
        transfer=quotes(TRANSFER_BASIS) if case.status == TRANSFERRED else [],
        picture=picture(nodes, rels, {f"{m.kind}:{m.id}" for m in case.members}),
        masked=masked,
        counts={
            "settlements": len(ev.settlements),
            "line_items": len(ev.line_items),
            "identifiers": len(ev.identifiers),
            "family_links": len(ev.family_links),
            "referrals": len(ev.referrals),
        },
        truncated=ev.truncated,
        files=sorted(files),
    )


def money(value: Any) -> str:
    """``1,234.50``; an em dash when unknown.

    >>> money(1234.5), money(None)
    ('1,234.50', '—')
    """
    return "—" if value is None else f"{float(value):,.2f}"


def typology_text(typology: str | None) -> str:
    if not typology:
        return "—"
    zh, en = label("typology", typology, "zh"), label("typology", typology, "en")
    return f"{zh} / {en} ({typology})"


def event_text(e: CaseEventRecord) -> str:
    """What happened, readable in both languages (status words translated)."""

    def st(v: str | None) -> str:
        if v is None:
            return "—"
        zh, en = pair(f"status.{v}")
        return f"{zh} {en}" if zh != en else v

    if e.action == "comment":
        return e.text or ""
    if e.action == "status" or e.action == "created":
        text = f"{st(e.old)} → {st(e.new)}" if e.old else st(e.new)
        return f"{text}; {e.text}" if e.text else text
    return f"{e.old or '—'} → {e.new or '—'}"


def _params_text(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True)


# -- HTML -------------------------------------------------------------------------------


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        both=both,
        pair=pair,
        money=money,
        typology_text=typology_text,
        event_text=event_text,
        params_text=_params_text,
    )
    return env


def render_html(m: ReportModel) -> bytes:
    page = _env().get_template("report.html").render(m=m, svg=picture_svg(m.picture))
    return page.encode("utf-8")


# -- PDF --------------------------------------------------------------------------------


def render_pdf(m: ReportModel, font_file: Path | None = None) -> bytes:
    """A4 PDF with the CJK font embedded; ``invariant`` so bytes depend only on content."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from graphsvc.cases.fonts import register_cjk_font

    font = register_cjk_font(font_file)
    base = ParagraphStyle("base", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=7, leading=9.5)
    h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=20, spaceAfter=6)
    h2 = ParagraphStyle(
        "h2",
        parent=base,
        fontSize=11,
        leading=15,
        spaceBefore=8,
        spaceAfter=3,
        textColor=colors.HexColor("#1f3b63"),
    )
    c = m.case

    def p(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(html.escape(text).replace("\n", "<br/>"), style)

    def table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
        cells = [
            [p(str(v), small) if not isinstance(v, Paragraph) else v for v in row] for row in rows
        ]
        t = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")))
        t.setStyle(TableStyle(style))
        return t

    story: list[Any] = [p(both("report_title"), h1)]
    story.append(p(both("masked") if m.masked else both("unmasked"), small))
    story.append(Spacer(1, 4))
    head = [
        [both("case_number"), c.id],
        [both("title"), c.title],
        [both("status"), both(f"status.{c.status}")],
        [both("typology"), typology_text(c.typology)],
        [both("score"), "—" if c.score is None else f"{c.score:.3f}"],
        [both("period"), f"{c.period_start or '—'} – {c.period_end or '—'}"],
        [both("region"), c.region_code or "—"],
        [both("run"), c.run_id or both("no_ring")],
        [both("ring"), c.ring_id or "—"],
        [both("assignee"), c.assignee or "—"],
        [both("liaison"), c.liaison or "—"],
        [both("created"), f"{c.created_at} ({c.created_by})"],
    ]
    story.append(table(head, [45 * mm, 125 * mm], header=False))
    story.append(p(both("summary"), h2))
    story.append(p(c.summary))
    story.append(p(both("legal_basis"), h2))
    story.append(p(c.clause or "—"))
    for q in m.legal:
        story.append(p(f"{q.reference} — {q.document_zh}", small))
        story.append(p(q.text or "—"))
    if m.transfer:
        story.append(p(both("transfer_basis"), h2))
        for q in m.transfer:
            story.append(p(f"{q.reference} — {q.document_zh}", small))
            story.append(p(q.text))
    story.append(p(both("reasons"), h2))
    for i, (zh, en) in enumerate(c.reason_pairs(), 1):
        if zh is None:
            story.append(p(f"{i}. {en}"))
        else:
            story.append(p(f"{i}. {zh}"))
            story.append(p(en, small))
    story.append(p(both("members"), h2))
    rows: list[list[Any]] = [
        [
            both("kind"),
            both("id"),
            both("role"),
            both("name"),
            both("settlements"),
            both("fund_paid"),
            both("amount_at_risk"),
        ]
    ]
    for mr in m.members:
        rows.append(
            [
                both(f"kind.{mr['kind']}"),
                mr["id"],
                mr["role"] or "—",
                " ".join(x for x in (mr.get("name"), mr.get("id_number")) if x) or "—",
                mr["settlements"],
                money(mr["fund_paid"]),
                money(mr["amount_at_risk"]),
            ]
        )
    rows.append(
        [
            both("total"),
            "",
            "",
            "",
            m.counts["settlements"],
            money(m.total_fund_paid),
            money(m.total_at_risk),
        ]
    )
    story.append(table(rows, [26 * mm, 22 * mm, 22 * mm, 34 * mm, 16 * mm, 25 * mm, 25 * mm]))
    story.append(p(both("apportioned"), small))
    if m.truncated:
        zh, en = pair("truncated")
        story.append(
            p(
                f"{zh.format(n=m.counts['settlements'])} / {en.format(n=m.counts['settlements'])}",
                small,
            )
        )
    story.append(KeepTogether([p(both("network"), h2), picture_drawing(m.picture, font)]))
    story.append(p(both("timeline"), h2))
    rows = [[both("at"), both("actor"), both("action"), both("detail")]]
    for e in m.events:
        rows.append([e.at, e.actor, both(f"action.{e.action}"), event_text(e)])
    story.append(table(rows, [32 * mm, 24 * mm, 28 * mm, 86 * mm]))
    story.append(p(both("params"), h2))
    story.append(p(_params_text(c.params), small))
    story.append(p(both("files"), h2))
    story.append(p(", ".join(m.files), small))
    story.append(p(both("verify_hint"), small))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{c.id} case report",
        author="graphsvc",
        subject=c.typology or "",
        creator="graphsvc",
        invariant=1,
    )

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(18 * mm, 9 * mm, f"{c.id} · {both('report_title')}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
