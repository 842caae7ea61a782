"""Roles and the role groups routes declare (one place, so the policy test can read them).

Admin deliberately does not include investigation rights: separation of duties
(the Hainan measures ask that each role sees what it needs). An admin who also
investigates gets a second, investigator account.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["investigator", "analyst", "liaison", "admin", "supervisor"]
ROLES: tuple[Role, ...] = get_args(Role)

INVESTIGATOR: Role = "investigator"
ANALYST: Role = "analyst"
LIAISON: Role = "liaison"
ADMIN: Role = "admin"
SUPERVISOR: Role = "supervisor"

# Rings, entities, views, cases: investigators, and analysts (who add the console).
INVESTIGATION: tuple[Role, ...] = (INVESTIGATOR, ANALYST)
# The Cypher console and saved queries.
CONSOLE: tuple[Role, ...] = (ANALYST,)
# Users, loads, detection runs, audit.
ADMINISTRATION: tuple[Role, ...] = (ADMIN,)
# Case routes: investigators work cases; liaisons see the ones transferred to them
# (the cases service must filter by ``user.username`` for liaisons).
CASES: tuple[Role, ...] = (INVESTIGATOR, ANALYST, LIAISON)
# Supervision (issue 17): supervisors triage tip-offs (and alone see who reported),
# draw random inspections and record their results; later they approve case transfers.
SUPERVISION: tuple[Role, ...] = (SUPERVISOR,)
# Credit grades are read by investigators (a badge on their pages) and by supervisors
# (grades weight the inspection draw and the tip-off triage).
GRADES: tuple[Role, ...] = (INVESTIGATOR, ANALYST, SUPERVISOR)
# Taking a tip-off down (a call, a letter, a walk-in) is open to the staff who meet the
# public; reading tips back is supervision only (举报人信息保密).
TIP_INTAKE: tuple[Role, ...] = (INVESTIGATOR, ANALYST, LIAISON, SUPERVISOR)
# Anyone logged in (own account, logout, the start page).
ANY: tuple[Role, ...] = ROLES
