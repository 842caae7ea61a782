"""The case report, as HTML and as PDF, from one pure report model.

Why both: the HTML opens anywhere and is searchable; the PDF is what gets
printed, stamped and filed. Both are bilingual (Chinese first), carry no export
time (the manifest does), and draw the network from a seeded layout, so the same
case on the same data renders the same bytes (reportlab ``invariant`` mode).

Split by idea (issue #18): ``model`` (the report model and its texts), ``picture``
(the seeded network layout), ``svg`` (the picture for HTML), ``page`` (HTML) and ``pdf``
(the two renderings). The names below stay importable from ``graphsvc.cases.report``.
"""

from __future__ import annotations

from graphsvc.cases.report.model import ReportModel, event_text, money, report_model, typology_text
from graphsvc.cases.report.page import TEMPLATES, render_html
from graphsvc.cases.report.pdf import picture_drawing, render_pdf
from graphsvc.cases.report.picture import (
    LAYOUT_SEED,
    PICTURE_NODE_CAP,
    PicEdge,
    PicNode,
    Picture,
    legend,
    picture,
)
from graphsvc.cases.report.svg import picture_svg

__all__ = [
    "LAYOUT_SEED",
    "PICTURE_NODE_CAP",
    "TEMPLATES",
    "PicEdge",
    "PicNode",
    "Picture",
    "ReportModel",
    "event_text",
    "legend",
    "money",
    "picture",
    "picture_drawing",
    "picture_svg",
    "render_html",
    "render_pdf",
    "report_model",
    "typology_text",
]
