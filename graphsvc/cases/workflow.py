"""The case state machine and who may move a case, in pure code.

Why a table and not scattered ifs: the API, the CLI and the pages all change
cases, and the rules (only a confirmed case leaves for public security; a
dismissed one never does) must be the same everywhere and testable alone.

>>> check_transition("open", "in_review")
>>> check_transition("dismissed", "transferred")
Traceback (most recent call last):
...
graphsvc.errors.Conflict: a dismissed case cannot be transferred (allowed from dismissed: open)
>>> allowed_next("in_review")
('confirmed', 'dismissed', 'open')
"""

from __future__ import annotations

from typing import Final

from graphsvc.errors import Conflict, InputError, PermissionDenied
from graphsvc.security.roles import ANALYST, CASES, INVESTIGATOR, LIAISON, Role

OPEN: Final = "open"
IN_REVIEW: Final = "in_review"
CONFIRMED: Final = "confirmed"
DISMISSED: Final = "dismissed"
TRANSFERRED: Final = "transferred"

STATUSES: tuple[str, ...] = (OPEN, IN_REVIEW, CONFIRMED, DISMISSED, TRANSFERRED)

# Status -> statuses it may move to. Back-steps exist for honest mistakes (a review
# sent back, a dismissal reopened); nothing leaves ``transferred``: the package is
# with public security, a correction is a new case.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OPEN: (IN_REVIEW, DISMISSED),
    IN_REVIEW: (CONFIRMED, DISMISSED, OPEN),
    CONFIRMED: (TRANSFERRED, IN_REVIEW),
    DISMISSED: (OPEN,),
    TRANSFERRED: (),
}

# Roles (graphsvc.security.roles) and what they may do with cases. Admins are not
# here on purpose (separation of duties, see graphsvc.security.roles); analysts are
# investigators who also use the Cypher console, so they work cases too.
EDITOR_ROLES: tuple[Role, ...] = (INVESTIGATOR, ANALYST)
READER_ROLES: tuple[Role, ...] = CASES
EXPORT_ROLES: tuple[Role, ...] = (INVESTIGATOR, ANALYST, LIAISON)


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise InputError(f"unknown case status {status!r} (one of: {', '.join(STATUSES)})")


def allowed_next(status: str) -> tuple[str, ...]:
    return tuple(sorted(TRANSITIONS.get(status, ())))


def check_transition(current: str, new: str) -> None:
    """Raise Conflict unless ``current -> new`` is a step of the workflow."""
    check_status(new)
    if new == current:
        raise Conflict(f"the case is already {current}")
    if new not in TRANSITIONS.get(current, ()):
        nxt = ", ".join(allowed_next(current)) or "none"
        verb = "transferred" if new == TRANSFERRED else f"moved to {new}"
        raise Conflict(f"a {current} case cannot be {verb} (allowed from {current}: {nxt})")


def check_transfer_fields(new: str, liaison: str | None) -> None:
    """A transfer names the liaison account the package goes to."""
    if new == TRANSFERRED and not liaison:
        raise InputError("a transfer needs the liaison it goes to (field 'liaison')")


def can_see(role: str, username: str, status: str, liaison: str | None) -> bool:
    """Liaisons see only the cases transferred to them; other readers see every case.

    >>> can_see("liaison", "police1", "transferred", "police1")
    True
    >>> can_see("liaison", "police1", "confirmed", "police1")
    False
    >>> can_see("analyst", "a", "open", None)
    True
    """
    if role == LIAISON:
        return status == TRANSFERRED and liaison == username
    return role in READER_ROLES


def require_role(role: str, allowed: tuple[Role, ...], action: str) -> None:
    if role not in allowed:
        raise PermissionDenied(f"role {role!r} may not {action}")


def masked_export(status: str) -> bool:
    """Only a transferred case leaves with personal data in clear (Hainan Art. 31-32:
    personal data go only to those entitled to them; public security is, once a case
    is transferred). Every other export is for internal review and masked."""
    return status != TRANSFERRED
