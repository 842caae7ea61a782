"""Credit grades (issue 17 part 1): /api/grades (JSON, CSV) and the /grades page.

Reading grades is investigation and supervision work (investigators, analysts,
supervisors: ``roles.GRADES``); regrading a run is administration, like running
detection.
Grades of the current run are computed on first read and kept per run
(``graphsvc.supervision.history``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from graphsvc.api.deps import (
    ADMINISTRATION,
    GRADES,
    AuditDep,
    SettingsDep,
    StoreDep,
    User,
    require_roles,
)
from graphsvc.errors import InputError
from graphsvc.supervision import history
from graphsvc.supervision.grades import GRADES as GRADE_LETTERS
from graphsvc.web.i18n import label
from graphsvc.web.views import lang_of, render_page

router = APIRouter(tags=["grades"])
Reader = Annotated[User, Depends(require_roles(*GRADES))]
Admin = Annotated[User, Depends(require_roles(*ADMINISTRATION))]
Kind = Literal["participant", "doctor", "institution"]
GradeQ = Literal["A", "B", "C", "D"]


KINDS = ("participant", "doctor", "institution")


def _choice(field: str, value: str, allowed: tuple[str, ...], lang: str) -> str | None:
    """A filter's value, or None for "any"; a value not on offer is an error that says
    so (it used to be dropped, showing the unfiltered list as if it were the answer)."""
    value = value.strip()
    if not value:
        return None
    if value not in allowed:
        raise InputError(
            f"{field}: not one of {', '.join(allowed)}",
            text_key="err.bad_filter",
            field=label("field", field, lang),
            value=value[:40],
            allowed=", ".join(label("kind", a, lang) if field == "kind" else a for a in allowed),
        )
    return value


def _current(store: Any, settings: Any) -> str:
    run_id, _ = history.compute_current(store, settings)
    return run_id


@router.get("/api/grades")
def list_grades(
    store: StoreDep,
    settings: SettingsDep,
    user: Reader,
    audit: AuditDep,
    kind: Kind | None = None,
    grade: GradeQ | None = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Grades of the current run, worst first; ``format=csv`` for spreadsheets."""
    run_id = _current(store, settings)
    grades = history.list_grades(settings, run_id, kind=kind, grade=grade)
    audit.record("grades.list", run_id, rows=len(grades), detail={"kind": kind, "grade": grade})
    if format == "csv":
        return Response(history.grades_csv(grades, run_id), media_type="text/csv; charset=utf-8")
    return {"run_id": run_id, "grades": [g.to_json() for g in grades]}


@router.post("/api/grades/compute")
def compute(store: StoreDep, settings: SettingsDep, user: Admin, audit: AuditDep) -> dict[str, Any]:
    """Regrade the current run (after cases were confirmed or dismissed)."""
    run_id, n = history.compute_current(store, settings, force=True)
    audit.record("grades.compute", run_id, rows=n)
    return {"run_id": run_id, "entities": n}


@router.get("/api/grades/{kind}/{entity_id}")
def entity_grades(
    kind: Kind,
    entity_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: Reader,
    audit: AuditDep,
) -> dict[str, Any]:
    """One entity's grade in every graded run, newest first (empty: never in a ring)."""
    _current(store, settings)
    hist = history.entity_history(settings, kind, entity_id)
    audit.record("grades.entity", f"{kind}:{entity_id}", rows=len(hist))
    return {"kind": kind, "id": entity_id, "history": hist}


@router.get("/grades", include_in_schema=False, response_class=HTMLResponse)
def grades_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: Reader,
    audit: AuditDep,
    kind: str = "",
    grade: str = "",
) -> HTMLResponse:
    k = _choice("kind", kind, KINDS, lang_of(request))
    g = _choice("grade", grade, GRADE_LETTERS, lang_of(request))
    run_id = _current(store, settings)
    grades = history.list_grades(settings, run_id, kind=k, grade=g)
    audit.record("grades.page", run_id, rows=len(grades))
    lang = lang_of(request)
    return render_page(
        request,
        "grades.html",
        lang=lang,
        run_id=run_id,
        grades=grades[:1000],
        kind=k or "",
        grade=g or "",
        kinds=KINDS,
        all_grades=GRADE_LETTERS,
    )
