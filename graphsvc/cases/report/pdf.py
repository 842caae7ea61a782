"""The PDF report: what gets printed, stamped and filed. A4, the CJK font embedded,
reportlab ``invariant`` mode so the bytes depend only on the content."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from graphsvc.cases.report.model import ReportModel, _params_text, event_text, money, typology_text
from graphsvc.cases.report.picture import Picture, legend
from graphsvc.cases.texts import both, pair
from viz.model import HIGHLIGHT_BORDER


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


class PdfKit:
    """The house style of every PDF the service writes (case reports, published results):
    A4, the CJK font embedded, the same paragraph styles, tables and page footer, and
    ``invariant`` so the bytes depend only on the content."""

    def __init__(self, font_file: Path | None = None) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        from graphsvc.cases.fonts import register_cjk_font

        self.colors = colors
        self.font = register_cjk_font(font_file)
        self.base = ParagraphStyle(
            "base", fontName=self.font, fontSize=8.5, leading=12, wordWrap="CJK"
        )
        self.small = ParagraphStyle("small", parent=self.base, fontSize=7, leading=9.5)
        self.h1 = ParagraphStyle("h1", parent=self.base, fontSize=15, leading=20, spaceAfter=6)
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.base,
            fontSize=11,
            leading=15,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#1f3b63"),
        )

    def p(self, text: str, style: Any = None) -> Any:
        """A paragraph of plain text (escaped; line breaks kept)."""
        from reportlab.platypus import Paragraph

        return Paragraph(html.escape(text).replace("\n", "<br/>"), style or self.base)

    def table(self, rows: list[list[Any]], widths: list[float], header: bool = True) -> Any:
        """A gridded table of small text (cells may already be paragraphs)."""
        from reportlab.platypus import Paragraph, Table, TableStyle

        cells = [
            [self.p(str(v), self.small) if not isinstance(v, Paragraph) else v for v in row]
            for row in rows
        ]
        t = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.3, self.colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e8eef6")))
        t.setStyle(TableStyle(style))
        return t

    def build(self, story: list[Any], *, title: str, footer: str, subject: str = "") -> bytes:
        """The document's bytes: the story on A4 with ``footer`` and the page number."""
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=title,
            author="graphsvc",
            subject=subject,
            creator="graphsvc",
            invariant=1,
        )

        def draw_footer(canvas: Any, _doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(self.font, 7)
            canvas.drawString(18 * mm, 9 * mm, footer)
            canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(canvas.getPageNumber()))
            canvas.restoreState()

        doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
        return buf.getvalue()


def render_pdf(m: ReportModel, font_file: Path | None = None) -> bytes:
    """A4 PDF with the CJK font embedded; ``invariant`` so bytes depend only on content."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Spacer

    kit = PdfKit(font_file)
    font, small, h1, h2 = kit.font, kit.small, kit.h1, kit.h2
    p, table = kit.p, kit.table
    c = m.case

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
        rows.append([e.at, e.actor, both(f"action.{e.action}"), event_text(e, c)])
    story.append(table(rows, [32 * mm, 24 * mm, 28 * mm, 86 * mm]))
    story.append(p(both("params"), h2))
    story.append(p(_params_text(c.params), small))
    story.append(p(both("files"), h2))
    story.append(p(", ".join(m.files), small))
    story.append(p(both("verify_hint"), small))
    story.append(p(both("audit_head"), h2))
    if m.audit_head:
        rows = [[both(k), v] for k, v in m.audit_head_rows()]
        story.append(table(rows, [45 * mm, 125 * mm], header=False))
        zh, en = pair("audit_head_hint")
        value = m.audit_head_value()
        story.append(p(f"{zh.format(value=value)} / {en.format(value=value)}", small))
    else:
        story.append(p(both("audit_head_none"), small))

    return kit.build(
        story,
        title=f"{c.id} case report",
        footer=f"{c.id} · {both('report_title')}",
        subject=c.typology or "",
    )
