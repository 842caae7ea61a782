"""The published results (Hainan Art. 33) as a bilingual HTML file and a PDF.

Why beside the case report: the same reportlab machinery and embedded CJK font
(``graphsvc.cases.fonts``), no network, and ``invariant`` mode, so the same
publication renders the same bytes. The texts are the pages' (``graphsvc.web.i18n``,
keys ``pub_*``), printed in both languages, Chinese first. The model is
``graphsvc.supervision.publish.Publication``: counts only, small cells withheld.
"""

from __future__ import annotations

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
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from graphsvc.cases.report.pdf import PdfKit

    kit = PdfKit(font_file)
    base, small, h1, h2 = kit.base, kit.small, kit.h1, kit.h2
    p, table = kit.p, kit.table

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

    return kit.build(
        story, title=f"published results {pub.as_of}", footer=f"{both('pub_title')} · {pub.as_of}"
    )
