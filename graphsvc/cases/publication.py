"""The published results (Hainan Art. 33) as a bilingual HTML file and a PDF.

Why beside the case report: the same reportlab machinery and embedded CJK font
(``graphsvc.cases.fonts``), no network, and ``invariant`` mode, so the same
publication renders the same bytes. The texts are the pages' (``graphsvc.web.i18n``,
keys ``pub_*``), printed in both languages, Chinese first. The model is
``graphsvc.supervision.publish.Publication``: counts only, small cells withheld.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graphsvc.supervision.publish import Publication, Table
from graphsvc.web.i18n import label, t

TEMPLATES = Path(__file__).resolve().parent / "templates"


def both(key: str, **fmt: object) -> str:
    """``中文 / English`` of a page text."""
    zh, en = t(key, "zh", **fmt), t(key, "en", **fmt)
    return zh if zh == en else f"{zh} / {en}"


def typology_both(typology: str) -> str:
    zh, en = label("typology", typology, "zh"), label("typology", typology, "en")
    return zh if zh == en else f"{zh} / {en}"


def result_both(result: str) -> str:
    return both(f"pub_result.{result}")


def case_lines(table: Table) -> list[list[str]]:
    """Long form of the case table: region, typology, count, money; per-region
    subtotals after each region; empty cells left out (a zero is not news)."""
    out: list[list[str]] = []
    for r in table.rows:
        shown = [c for c in table.cols if table.cells[(r, c)].count != 0]
        for c in shown:
            cell = table.cells[(r, c)]
            out.append([r, typology_both(c), cell.shown, cell.money])
        if shown:
            tot = table.row_totals[r]
            out.append([r, both("pub_total"), tot.shown, tot.money])
    return out


def typology_lines(table: Table) -> list[list[str]]:
    return [
        [typology_both(c), table.col_totals[c].shown, table.col_totals[c].money] for c in table.cols
    ]


def inspection_lines(table: Table) -> list[list[str]]:
    rows = [
        [r, *(table.cells[(r, c)].shown for c in table.cols), table.row_totals[r].shown]
        for r in table.rows
    ]
    rows.append(
        [
            both("pub_total"),
            *(table.col_totals[c].shown for c in table.cols),
            table.total.shown,
        ]
    )
    return rows


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        both=both,
        result_both=result_both,
        case_lines=case_lines,
        typology_lines=typology_lines,
        inspection_lines=inspection_lines,
    )
    return env


def render_html(pub: Publication) -> bytes:
    """A standalone page (no script, no external reference) to post as it is."""
    return _env().get_template("publication.html").render(pub=pub).encode("utf-8")


def render_pdf(pub: Publication, font_file: Path | None = None) -> bytes:
    """A4 PDF, CJK font embedded, bytes depending only on the publication."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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

    def p(text: str, style: ParagraphStyle = base) -> Paragraph:
        from html import escape

        return Paragraph(escape(text), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        cells = [[p(str(v), small) for v in row] for row in rows]
        tb = Table(cells, colWidths=widths, repeatRows=1)
        tb.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ]
            )
        )
        return tb

    story: list[Any] = [p(both("pub_title"), h1), p(f"{both('pub_as_of')}: {pub.as_of}", small)]
    story.append(p(both("pub_privacy_note", n=pub.min_cell), small))
    story.append(Spacer(1, 4))
    story.append(p(both("pub_cases"), h2))
    story.append(p(both("pub_money_note"), small))
    lines = case_lines(pub.cases)
    if lines:
        head = [both("pub_region"), both("pub_typology"), both("pub_count"), both("pub_money")]
        story.append(table([head, *lines], [30 * mm, 70 * mm, 30 * mm, 40 * mm]))
        story.append(p(both("pub_by_typology"), h2))
        head = [both("pub_typology"), both("pub_count"), both("pub_money")]
        story.append(table([head, *typology_lines(pub.cases)], [90 * mm, 35 * mm, 45 * mm]))
        story.append(
            p(f"{both('pub_total')}: {pub.cases.total.shown} · {pub.cases.total.money}", base)
        )
    else:
        story.append(p(both("pub_none")))
    story.append(p(both("pub_inspections"), h2))
    if pub.inspections.rows:
        head = [
            both("pub_region"),
            *(result_both(c) for c in pub.inspections.cols),
            both("pub_total"),
        ]
        width = 170 * mm / (len(head) + 1)
        story.append(
            table(
                [head, *inspection_lines(pub.inspections)],
                [2 * width, *([width] * (len(head) - 1))],
            )
        )
        story.append(p(both("pub_draws"), h2))
        rows = [[both("pub_draw"), both("pub_date"), both("pub_seed"), both("pub_count")]]
        rows += [[d["id"], d["date"], str(d["seed"]), str(d["inspections"])] for d in pub.draws]
        story.append(table(rows, [45 * mm, 35 * mm, 60 * mm, 30 * mm]))
    else:
        story.append(p(both("pub_none")))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"published results {pub.as_of}",
        author="graphsvc",
        creator="graphsvc",
        invariant=1,
    )

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(18 * mm, 9 * mm, f"{both('pub_title')} · {pub.as_of}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
