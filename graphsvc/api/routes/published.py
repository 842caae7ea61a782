"""Published results (issue 17 part 4, Hainan Art. 33): ``/published`` (page) and
``/api/published`` (JSON, HTML, PDF).

Any signed-in role may read them: they hold counts by prefecture, typology and
result, small cells withheld, and no personal data
(``graphsvc.supervision.publish``). Posting them to the public is a person's
decision: ``graphsvc publish --out DIR`` writes the files to post.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from graphsvc.api.deps import ROLES, AuditDep, SettingsDep, StoreDep, User, require_roles
from graphsvc.cases import publication
from graphsvc.supervision import publish
from graphsvc.web.views import lang_of, render_page

router = APIRouter(tags=["published"])
Reader = Annotated[User, Depends(require_roles(*ROLES))]


@router.get("/api/published")
def published(
    store: StoreDep,
    settings: SettingsDep,
    user: Reader,
    audit: AuditDep,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
) -> Any:
    """The publication of today: confirmed cases and inspections, counted."""
    pub = publish.gather(store, settings)
    audit.record("published.get", pub.as_of, detail={"format": format})
    name = f"published-{pub.as_of}"
    if format == "pdf":
        return Response(
            publication.render_pdf(pub, settings.report_font),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    if format == "html":
        return Response(
            publication.render_html(pub),
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.html"'},
        )
    return pub.to_json()


@router.get("/published", include_in_schema=False, response_class=HTMLResponse)
def published_page(
    request: Request, store: StoreDep, settings: SettingsDep, user: Reader, audit: AuditDep
) -> HTMLResponse:
    pub = publish.gather(store, settings)
    audit.record("published.page", pub.as_of)
    return render_page(
        request,
        "published.html",
        lang=lang_of(request),
        pub=pub,
    )
