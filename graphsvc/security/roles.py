"""Roles and the role groups routes declare (one place, so the policy test can read them).

Admin deliberately does not include investigation rights: separation of duties
(the Hainan measures ask that each role sees what it needs). An admin who also
investigates gets a second, investigator account.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["investigator", "analyst", "liaison", "supervisor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

INVESTIGATOR: Role = "investigator"
ANALYST: Role = "analyst"
LIAISON: Role = "liaison"
SUPERVISOR: Role = "supervisor"
ADMIN: Role = "admin"

# Rings, entities, views, cases: investigators, and analysts (who add the console).
INVESTIGATION: tuple[Role, ...] = (INVESTIGATOR, ANALYST)
# The Cypher console and saved queries.
CONSOLE: tuple[Role, ...] = (ANALYST,)
# Users, loads, detection runs, audit.
ADMINISTRATION: tuple[Role, ...] = (ADMIN,)
# Case routes: investigators work cases; liaisons see the ones transferred to them
# (the cases service must filter by ``user.username`` for liaisons).
CASES: tuple[Role, ...] = (INVESTIGATOR, ANALYST, LIAISON)
# Anyone logged in (own account, logout, the start page).
ANY: tuple[Role, ...] = ROLES
