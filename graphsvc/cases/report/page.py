"""The HTML report: searchable, opens anywhere."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from graphsvc.cases.report.model import ReportModel, _params_text, event_text, money, typology_text
from graphsvc.cases.report.svg import picture_svg
from graphsvc.cases.texts import both, pair
from graphsvc.templating import environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _env() -> Environment:
    return environment(
        TEMPLATES,
        both=both,
        pair=pair,
        money=money,
        typology_text=typology_text,
        event_text=event_text,
        params_text=_params_text,
    )


def render_html(m: ReportModel) -> bytes:
    page = _env().get_template("report.html").render(m=m, svg=picture_svg(m.picture))
    return page.encode("utf-8")
